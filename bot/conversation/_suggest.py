"""Suggested follow-ups: up to three questions to ask next, written from the story an answer cited and
each asked before it is offered.

The questions come from the sentences of the story that answered (the short answer's, else the first
quote's), nearest to the quoted sentence first, by the example-question patterns
(`bot.answer.example_candidates`: "Who leads the National Front?", "Who beat …?", "What percentage of
the votes did … win?") and a few more written the same way: "Who is Manuel Valls?" from "Prime
Minister Manuel Valls" or "Steeve Briois, a Front National vice-president", "How old is …?" from
"…, a 26-year-old", "Who founded the National Front?" / "When was the National Front founded?" from
"…, who founded the National Front in 1972".

A question is offered only when newsbot, asked it, gives a short answer holding the phrase it was
written for, quoted from the very sentence it was written from: never one it would answer "I don't
know", without a short answer, or from another story. Nor one whose answer is already in the quotes
shown, nor one the conversation just asked. The cost is bounded: at most `MAX_ASKED` questions are
asked per answer (each a few milliseconds)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from bot.answer import Answer, Composer, ExampleCandidate, example_candidates
from index import ArticleRecord, Retriever, fold

from ._turn import answer_citation

MAX_SUGGESTIONS = 3
MAX_ASKED = 4  # questions asked (answers composed) per answer at most, offered or not

_NAME = r"[A-Z][\w’.-]*(?:'[A-Z][\w’.-]*)?(?:\s+(?:[A-Z][\w’.-]*|de|la|le|van|von|al))*\s+[A-Z][\w’-]+(?<!’s)"
_ORG = r"(?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*"
_TITLES = ("Prime Minister|President|Mayor|party chief|chief|contributor|minister|Minister|leader|spokesman|"
           "spokeswoman|candidate|vice-president|secretary|Secretary|governor|Governor|senator|Senator|judge|"
           "Judge|director|CEO|chairman|coach|captain|ambassador|Ambassador")
_TITLE_NAME = re.compile(rf"\b(?P<title>{_TITLES})\s+(?P<name>{_NAME})")
_APPOSITIVE = re.compile(rf"(?P<name>{_NAME}),\s+(?:a|an|the)\s+(?P<role>[^,.;“”\"]{{3,80}}?)\s*[,.]")
_AGE = re.compile(rf"(?P<name>{_NAME}),\s+(?:a|an|the)\s+(?P<age>\d{{1,3}})-year-old\b")
_FOUNDED = re.compile(rf"(?P<name>{_NAME}),?\s+who\s+founded\s+(?P<org>the\s+{_ORG})\s+in\s+(?P<year>\d{{4}})")
_NOT_NAMES = frozenset("the a an in on at but and according after however while when if this that it he she they "
                       "meanwhile former".split()) | frozenset(fold(w) for w in re.split(r"[|\s]+", _TITLES))


def _name(text: str) -> str | None:
    words = text.split()
    while words and fold(words[0]) in _NOT_NAMES:
        words = words[1:]
    name = " ".join(words)
    for suffix in ("'s", "’s"):
        name = name.removesuffix(suffix)
    return name if len(name.split()) >= 2 else None


def more_candidates(retriever: Retriever, chunks: Iterable[int]) -> Iterator[ExampleCandidate]:
    """The questions the follow-up patterns write from the given sentences (besides the examples')."""
    data = retriever.data
    for chunk in chunks:
        if not data.quotable[chunk]:
            continue
        text = data.chunk_text(chunk)
        for m in _TITLE_NAME.finditer(text):
            if name := _name(m.group("name")):
                yield ExampleCandidate(f"Who is {name}?", m.group("title"), chunk)
        for m in _AGE.finditer(text):
            if name := _name(m.group("name")):
                yield ExampleCandidate(f"How old is {name}?", m.group("age"), chunk)
        for m in _APPOSITIVE.finditer(text):
            if (name := _name(m.group("name"))) and not m.group("role")[:1].isdigit():
                yield ExampleCandidate(f"Who is {name}?", m.group("role"), chunk)
        for m in _FOUNDED.finditer(text):
            if name := _name(m.group("name")):
                org = m.group("org")
                yield ExampleCandidate(f"Who founded {org}?", name, chunk)
                yield ExampleCandidate(f"When was {org} founded?", m.group("year"), chunk)


def _story(retriever: Retriever, article_id: str) -> ArticleRecord | None:
    return next((a for a in retriever.articles if a.article_id == article_id), None)


def _fits(expect: str, short: str) -> bool:
    """Does the short answer give the phrase the question was written for (or the heart of it)?"""
    e, s = fold(expect).strip(" ,."), fold(short).strip(" ,.")
    return bool(e and s) and (e in s or s in e)


def suggest_follow_ups(composer: Composer, answer: Answer, avoid: Iterable[str] = (), *,
                       limit: int = MAX_SUGGESTIONS, max_asked: int = MAX_ASKED) -> list[str]:
    """Up to ``limit`` questions about the answer's first story that newsbot answers well, none of
    ``avoid`` (compared folded, without the end mark); at most ``max_asked`` questions asked."""
    if not answer.found or not answer.citations:
        return []
    retriever = composer.retriever
    first = answer_citation(answer)
    story = _story(retriever, first.article_id) if first else None
    if first is None or story is None:
        return []
    anchor = story.first_chunk + first.position
    chunks = sorted(range(story.first_chunk, story.first_chunk + story.n_chunks), key=lambda c: (abs(c - anchor), c))
    shown = " ".join(fold(q.text) for q in answer.quotes)
    seen = {_key(q) for q in (*avoid, answer.question)}
    if answer.follow_up is not None:
        seen.add(_key(answer.follow_up.question))
    offered: list[str] = []
    asked = 0
    for candidate in _candidates(retriever, chunks):
        if len(offered) >= limit or asked >= max_asked:
            break
        key = _key(candidate.question)
        if key in seen or fold(candidate.expect).strip(" ,.") in shown:
            continue  # asked already, or its answer is in the quotes just shown
        seen.add(key)
        asked += 1
        got = composer.answer(candidate.question)
        sentence = retriever.data.chunk_text(candidate.chunk)
        if (got.found and got.short is not None and _fits(candidate.expect, got.short.text)
                and any(sentence in quote.text for quote in got.quotes)):
            offered.append(candidate.question)
    return offered


def _key(question: str) -> str:
    return " ".join(fold(question).split()).rstrip("?!. ")


def _candidates(retriever: Retriever, chunks: Iterable[int]) -> Iterator[ExampleCandidate]:
    """Every pattern's questions, sentence by sentence in the order given (nearest to the quote first)."""
    for chunk in chunks:
        yield from example_candidates(retriever, [chunk])
        yield from more_candidates(retriever, [chunk])
