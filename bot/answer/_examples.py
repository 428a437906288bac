"""Example questions made from the corpus itself: every question newsbot suggests (/start, /help, the
REPL's help, hints) is written from one of its sentences and kept only when newsbot, asked it, quotes
that very sentence and picks the phrase the question was made from. Never canned.

The questions are written by a few patterns that read as English: "National Front leader Marine Le
Pen" gives "Who leads the National Front?", "Marion Maréchal-Le Pen … lost to Christian Estrosi" gives
"Who beat Marion Maréchal-Le Pen?", "Christian Estrosi, Mayor of Nice" gives "Who is the Mayor of
Nice?", "Xavier Bertrand … has won 54.57% of the votes" gives "What percentage of the votes did Xavier
Bertrand win?"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from index import Retriever, fold

from ._composer import Composer

_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|la|le|van|von|al))*\s+[A-Z][\w'’-]+"
_ORG = r"(?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*"
_ROLES = {"leader": "leads", "chief": "leads", "head": "heads", "founder": "founded", "chairman": "chairs",
          "owner": "owns", "coach": "coaches", "manager": "manages", "director": "directs"}
_LEADER = re.compile(rf"\b(?P<org>{_ORG})\s+(?P<role>{'|'.join(_ROLES)})\s+(?P<name>{_NAME})")
_ROLE_TITLES = ("mayor|president|chairman|chairwoman|director|governor|secretary|minister|leader|head|chief|founder|"
                "spokesman|spokeswoman|ceo|coach|captain|editor|ambassador|commissioner|chancellor|speaker")
_APPOSITION = re.compile(rf"(?P<name>{_NAME}),\s+(?:the\s+)?(?P<role>(?i:{_ROLE_TITLES}))\s+of\s+(?P<org>{_ORG})[,.]")
# organisations read with "the" ("Who leads the National Front?"); a one-word name reads without it
_ORG_NOUNS = frozenset(fold(w) for w in (
    "Front Party Union Council Committee Congress League Association Commission Organization Organisation Movement "
    "Alliance Company Corporation Group Agency Department Ministry Bank Federation Club Team Church Army Navy "
    "Republic Foundation Institute University Court Senate Assembly Parliament Government Administration Society"
).split())
_LOST_TO = re.compile(rf"(?P<loser>{_NAME})\b[^.;]{{0,120}}?\blost\s+to\s+(?P<name>{_NAME})")
_SHARE = re.compile(rf"(?P<name>{_NAME})[^.;]{{0,80}}?\b(?:has\s+|had\s+)?(?:won|garnered|received)\s+(?:just\s+)?"
                    r"(?P<share>\d+(?:\.\d+)?%)\s+of\s+(?:the\s+)?(?P<what>votes|vote|seats)")
_NOT_NAMES = frozenset(fold(w) for w in "The A An In On At But And According After However While When If "
                                         "This That It He She They Meanwhile".split())
MAX_SENTENCES = 3000  # sentences looked at: a large corpus has enough examples in its first stories
MAX_CANDIDATES = 60  # questions asked before giving up (each is a real answer, a few milliseconds)


@dataclass(frozen=True)
class ExampleCandidate:
    """A question written from one sentence, and the phrase its answer must be."""

    question: str
    expect: str  # the phrase the answer should be
    chunk: int  # the sentence it was made from


def _clean(name: str) -> str | None:
    words = name.split()
    while words and fold(words[0]) in _NOT_NAMES:
        words = words[1:]
    return " ".join(words) if len(words) >= 2 else None


def example_candidates(retriever: Retriever, chunks: Iterable[int] | None = None) -> Iterator[ExampleCandidate]:
    """The questions the patterns write from the given sentences (default: the corpus's first ones)."""
    data = retriever.data
    for chunk in range(min(data.n_chunks, MAX_SENTENCES)) if chunks is None else chunks:
        if not data.quotable[chunk]:
            continue
        text = data.chunk_text(chunk)
        for m in _LEADER.finditer(text):
            org, name = _clean(m.group("org")) or m.group("org"), _clean(m.group("name"))
            if not name or org.endswith(("'s", "’s")) or fold(org.split()[0]) in _NOT_NAMES:
                continue
            if fold(org.split()[-1]) in _ORG_NOUNS:
                yield ExampleCandidate(f"Who {_ROLES[m.group('role')]} the {org}?", name, chunk)
            elif len(org.split()) == 1:
                yield ExampleCandidate(f"Who {_ROLES[m.group('role')]} {org}?", name, chunk)
        for m in _LOST_TO.finditer(text):
            loser, name = _clean(m.group("loser")), _clean(m.group("name"))
            if loser and name and loser != name:
                yield ExampleCandidate(f"Who beat {loser}?", name, chunk)
        for m in _APPOSITION.finditer(text):
            name, org = _clean(m.group("name")), m.group("org")
            if name and m.group("role").lower() not in ("one", "some", "all", "many", "each", "most"):
                yield ExampleCandidate(f"Who is the {m.group('role')} of {org}?", name, chunk)
        for m in _SHARE.finditer(text):
            name = _clean(m.group("name"))
            if name:
                yield ExampleCandidate(f"What percentage of the {m.group('what')} did {name} win?", m.group("share"),
                                       chunk)


@dataclass(frozen=True)
class Example:
    """A kept example question with what makes it one: the phrase its answer must hold and the sentence
    it must quote (so that a later index can check it again instead of making examples anew)."""

    question: str
    expect: str
    sentence: str


def answers_from(composer: Composer, question: str, expect: str, sentence: str) -> bool:
    """Whether newsbot, asked the question, quotes the sentence and gives the expected phrase."""
    answer = composer.answer(question)
    if not answer.found or answer.short is None or fold(expect) not in fold(answer.short.text):
        return False
    return any(sentence in quote.text for quote in answer.quotes)


def make_examples(composer: Composer, n: int = 6) -> list[Example]:
    """Up to n questions, from different stories where possible, each answered from the sentence it was
    made from with the phrase it was made for."""
    retriever = composer.retriever
    kept: list[Example] = []
    articles: set[int] = set()
    answers: set[str] = set()  # one example per answer ("Who leads the National Front?" or "… Front National?")
    spare: list[Example] = []
    for asked, candidate in enumerate(example_candidates(retriever)):
        if asked >= MAX_CANDIDATES or len(kept) >= n:
            break
        if any(candidate.question == e.question for e in kept + spare) or fold(candidate.expect) in answers:
            continue
        sentence = retriever.data.chunk_text(candidate.chunk)
        if not answers_from(composer, candidate.question, candidate.expect, sentence):
            continue
        article = int(retriever.data.chunk_article[candidate.chunk])
        (spare if article in articles else kept).append(Example(candidate.question, candidate.expect, sentence))
        answers.add(fold(candidate.expect))
        articles.add(article)
    return (kept + spare)[:n]


def still_examples(composer: Composer, examples: list[Example]) -> bool:
    """Whether another index's examples all still answer from their own sentences here: after an add,
    checking six questions costs a few answers, making them anew up to sixty."""
    return bool(examples) and all(e.expect and e.sentence and answers_from(composer, e.question, e.expect, e.sentence)
                                  for e in examples)
