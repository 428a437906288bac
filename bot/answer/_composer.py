"""The answer composer: from ranked sentences to the short answer first, then the quoted sentences
with numbered citations; or an honest "my articles don't cover that".

Templates only, no language model. Abstains when the evidence is weak rather than quote something
unrelated, and gives a short answer only when a phrase of the quote fits what was asked."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from index import (
    MAX_QUERY_CHARS,
    EmptyQueryError,
    Hit,
    NoContentWordsError,
    QueryError,
    QueryTooLongError,
    Retriever,
    SearchResult,
    analyze,
    correct_spelling,
    fold,
)

from ._dated import answer_in_time, newest_first
from ._lead import lead_sentence
from ._models import Answer, AnswerKind, Citation, Highlight, Quote, ShortAnswer, Source
from ._phrases import without_time
from ._phrasing import SmallTalk, small_talk, strip_lead_in
from ._qtypes import AUX, Form, QType, Question, parse_question
from ._spans import AnswerSpan, Match, find_answer, wants_phrase
from ._when import find_when


@dataclass(frozen=True)
class Ranked:
    """A hit after the composer's re-ranking: its score with the answer-type bonus and its answer phrase."""

    hit: Hit
    score: float
    span: AnswerSpan | None


@dataclass(frozen=True)
class ComposerSettings:
    """Thresholds of the composer, calibrated on the development questions (each kept only if it helped on
    both halves of them: benchmarks/QUALITY.md)."""

    min_support: float = 0.3  # idf-weighted share of the question's terms the best sentence must contain
    # (Hit.coverage; a name the corpus lacks weighs most, so 'capital of Australia' abstains)
    type_bonus: float = 0.4  # added to a sentence that holds the kind of thing asked for
    span_weight: float = 0.0  # ... plus this much per question word around it (up to 5)
    anchor_bonus: float = 1.0  # more when the number counts what the question counts ("six million votes")
    second_ratio: float = 0.8  # a second quote must score at least this share of the first
    duplicate_jaccard: float = 0.6  # term overlap above which two sentences say the same thing
    rerank_depth: int = 10  # measured: 10 and 20 give the same answers on NewsQA dev, 10 costs half
    unknown_name_abstains: bool = True  # a capitalised name in the question that no article uses: abstain
    max_quote_words: int = 80  # a quote completed by its neighbour stays within this
    short_min_score: float = 1.0  # a typed answer phrase needs at least this many question words around it
    gap_min_score: float = 3.0  # ... and a phrase that is only "the words next to the question's" more
    answer_first: bool = True  # a second quote that adds the answer phrase the first lacks goes first
    corrected_support: float = 0.6  # a spelling correction is kept only when a sentence then holds this much
    prefer_bonus: float = 0.1  # a follow-up's sentences from the story the previous answer cited (`prefer`)
    recent_share: float = 0.8  # "latest …": the newest story among the sentences holding this share of the
    # question as well as the best one does comes first (bot/answer/_dated.py)


def clean_question(raw: str) -> str:
    """Control characters out, whitespace folded; everything else (emoji, RTL, tags) kept as text."""
    if raw.isascii() and raw.isprintable():
        return " ".join(raw.split())  # nothing to normalise or take out (the usual question)
    kept = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " "
        for ch in unicodedata.normalize("NFC", raw)
    )
    return " ".join(kept.split())


# A sentence that only refers to its subject ("He said …", "The party …"): its predecessor names it.
_REFERS_BACK = re.compile(r"^(?:He|She|It|They|His|Her|Its|Their|This|These|Those|But he|But she|But they)\b")


class Composer:
    """Answers questions from one retriever."""

    def __init__(self, retriever: Retriever, settings: ComposerSettings | None = None, *,
                 clock: Callable[[], dt.date] = dt.date.today) -> None:
        self.retriever = retriever
        self.settings = settings or ComposerSettings()
        self.clock = clock  # today, for questions that name a time (NewsService.today: --now, NEWSBOT_NOW)

    # ---------------------------------------------------------------------------------- public

    def understand(self, raw_question: str, *, articles: np.ndarray | None = None,
                   ) -> tuple[Question, SearchResult, tuple[tuple[str, str], ...]]:
        """The question as searched (lead-in off; misspelt words corrected from the corpus vocabulary when
        the corrected words then appear in a sentence that holds most of the question), its search result and
        the corrections. ``articles``: the articles searched (a mask, `Retriever.search`), None for all.
        Raises QueryError for a question that cannot be searched."""
        asked = strip_lead_in(clean_question(raw_question))
        correction = correct_spelling(asked, self.retriever.document_frequency, self.retriever.document_frequencies)
        if correction.changes:
            corrected = parse_question(correction.text)
            try:
                result = self.search(corrected, articles=articles)
            except QueryError:
                result = SearchResult(corrected.text, [])
            fixed = {t for _typed, new in correction.changes for t in analyze(new)}
            best = result.hits[0] if result.hits else None
            # a corrected word is a word of the corpus: its own term, or written in the sentences found
            # ("percentage" is not corrected to "percentate" just because both stem to a term the corpus has)
            seen = " ".join(fold(hit.text) for hit in result.hits)
            written = all(analyze(new) == [fold(new)] or re.search(rf"\b{re.escape(fold(new))}\b", seen)
                          for _typed, new in correction.changes)
            if (best is not None and written and fixed & best.matched
                    and best.coverage >= self.settings.corrected_support):
                return corrected, result, correction.changes
        question = parse_question(asked)
        return question, self.search(question, articles=articles), ()

    def search(self, question: Question, *, articles: np.ndarray | None = None) -> SearchResult:
        return self.retriever.search(question.text, k=self.settings.rerank_depth,
                                     agent_nouns=question.qtype in (QType.PERSON, QType.DEFINITION),
                                     articles=articles)

    def answer(self, raw_question: str, *, prefer: frozenset[str] = frozenset(),
               today: dt.date | None = None) -> Answer:
        """The answer to a question. ``prefer``: article ids whose sentences get a small bonus in the
        re-ranking (a follow-up's previous story); empty for a question asked on its own. ``today``: the
        day "yesterday" and "this week" count from (``clock()`` when None; `bot/answer/_dated.py`)."""
        question = clean_question(raw_question)
        if len(raw_question) > MAX_QUERY_CHARS * 4 or len(question) > MAX_QUERY_CHARS:
            return self._refuse(
                question[:200],
                f"That question is too long ({len(raw_question):,} characters; the limit is "
                f"{MAX_QUERY_CHARS:,}). Please ask something shorter.",
            )
        talk = small_talk(strip_lead_in(question))
        if talk is not None:
            return self._small_talk(question, talk)
        when = find_when(question, today or self.clock)
        if when is not None:
            timed = answer_in_time(self, question, when, prefer=prefer)
            if timed is not None:
                return timed
        return self.answer_within(question, prefer=prefer)

    def answer_within(self, question: str, *, prefer: frozenset[str] = frozenset(),
                      articles: np.ndarray | None = None, recent: bool = False) -> Answer:
        """The answer to a cleaned question from the articles allowed (a mask; None: all), the newer
        stories favoured when ``recent``."""
        try:
            parsed, result, changes = self.understand(question, articles=articles)
        except EmptyQueryError:
            return self._refuse(question, "Please type a question, for example: " + self._example() + "")
        except NoContentWordsError:
            return self._refuse(
                question,
                "Could you be more specific? That question has no word I can look up "
                "(try names, places or events).",
            )
        except QueryTooLongError:
            return self._refuse(question[:200], f"Please keep questions under {MAX_QUERY_CHARS:,} characters.")
        except QueryError as exc:  # any other unusable question
            return self._refuse(question, str(exc))
        if self.settings.unknown_name_abstains and self._unknown_names(result.proper):
            answer = self._no_answer(question)  # "capital of Australia", "Who wrote Hamlet?" over French elections
        else:
            answer = self.compose(parsed, result, prefer=prefer, recent=recent)
            answer.question = question
        if changes:
            answer.understood = parsed.text
        return answer

    def compose(self, question: Question, result: SearchResult, *, prefer: frozenset[str] = frozenset(),
                recent: bool = False) -> Answer:
        """Pick the quote(s) among ranked hits and the answer phrase, or abstain."""
        s = self.settings
        hits = result.hits
        if not hits:
            return self._no_answer(question.text)
        match = _matcher(result)
        # a sentence holding too little of the question is never the answer, however it ranks
        support = self._support(result)
        ranked = (r for r in self.rerank(hits, question, match, prefer=prefer, recent=recent)
                  if support(r.hit) >= s.min_support)
        best = next(ranked, None)
        if best is None:
            return self._no_answer(question.text)
        chosen = [best]
        sets: dict[int, frozenset[int]] = {}  # each hit's term set, made once for the comparisons below
        for other in itertools.islice(ranked, 3):
            if other.score < s.second_ratio * best.score:
                break  # and so is every one after it (a sentence filed twice, put last, scores as its first)
            if self._same(best.hit, other.hit, sets):
                continue
            adds_terms = bool(other.hit.matched - best.hit.matched)
            adds_answer = not self._confident(best.span, question) and self._confident(other.span, question)
            on_topic = other.hit.coverage >= max(s.min_support, s.second_ratio * best.hit.coverage)
            if (adds_terms or adds_answer) and on_topic:
                chosen.append(other)
                break
        if len(chosen) == 2 and adds_answer and self.settings.answer_first:
            chosen.reverse()  # the sentence that holds the answer phrase is the one to read first
        return self._build(question, chosen, hits, match, sets)

    def rerank(self, hits: list[Hit], question: Question, match: Match, *,
               prefer: frozenset[str] = frozenset(), recent: bool = False) -> Iterator[Ranked]:
        """The hits with the bonus for holding what is asked (and a follow-up's story, and with ``recent``
        the newer stories'), best first; with equal scores, the newer article's first. The same sentence
        again (a story filed twice) says nothing new: it comes after all the others.

        Lazily, and each one exactly: a sentence's answer phrase is looked for only when it could still
        come before the next one given (its own score plus the most any bonus adds reaches that one's), so
        the answer, which reads the first two to four, reads fewer sentences than hit@5 does."""
        s = self.settings
        # the most any bonus can add: none for a phrase a question does not look for, no count's bonus
        # for a question that counts nothing
        phrase = s.type_bonus + 5.0 * s.span_weight + (s.anchor_bonus if question.counted else 0.0)
        most = (phrase if wants_phrase(question) else 0.0) + (s.prefer_bonus if prefer else 0.0)
        spans: dict[str, AnswerSpan | None] = {}  # by sentence text: a story filed twice is read once
        days = self.retriever.article_days[self.retriever.data.chunk_article[[h.chunk for h in hits]]]
        day_of = {h.chunk: int(d) for h, d in zip(hits, days.tolist(), strict=True)}

        def rescored(hit: Hit) -> tuple[tuple[float, int, int], Ranked]:
            if hit.text in spans:
                span = spans[hit.text]
            else:
                span = spans[hit.text] = find_answer(question, hit.text, match)
            bonus = 0.0
            typed = span is not None and span.typed and self._confident(span, question)
            if typed:
                assert span is not None
                bonus += s.type_bonus + s.span_weight * min(span.score, 5.0)
                if span.counted:
                    bonus += s.anchor_bonus
            if hit.article.article_id in prefer and (typed or question.qtype in (QType.GENERAL, QType.ENTITY)):
                bonus += s.prefer_bonus  # a follow-up: its story, among sentences that hold the answer
            score = hit.score + bonus
            return (-score, -day_of[hit.chunk], hit.chunk), Ranked(hit, score, span)

        pending = sorted(hits, key=lambda h: (-h.score, -day_of[h.chunk], h.chunk))
        ordered: Iterable[Ranked]
        if recent:  # "latest" reorders by date: every phrase is looked for
            ordered = newest_first([item for _key, item in sorted(map(rescored, pending))], day_of,
                                   s.recent_share)
        else:
            ordered = self._exactly(pending, rescored, most)
        seen: set[tuple[int, ...] | str] = set()
        repeats: list[Ranked] = []
        for item in ordered:
            key: tuple[int, ...] | str = item.hit.term_ids or item.hit.text  # the index's terms, not re-analyzed
            if key in seen:
                repeats.append(item)
            else:
                seen.add(key)
                yield item
        yield from repeats

    @staticmethod
    def _exactly(pending: list[Hit], rescored: Callable[[Hit], tuple[tuple[float, int, int], Ranked]],
                 most: float) -> Iterator[Ranked]:
        """The re-ranked hits, best first, from ``pending`` (best raw score first): the best re-scored so far is
        given once no hit left could reach it (its score plus ``most`` falls short)."""
        heap: list[tuple[tuple[float, int, int], Ranked]] = []
        at = 0
        while heap or at < len(pending):
            while at < len(pending) and (not heap or pending[at].score + most >= -heap[0][0][0]):
                heapq.heappush(heap, rescored(pending[at]))
                at += 1
            yield heapq.heappop(heap)[1]

    def cite(self, question: str, hits: list[Hit], limit: int) -> Answer:
        """The first ``limit`` of the sentences given that say something different, quoted as they are and
        cited, no short answer (the newest stories' leads, `bot/answer/_dated.py`)."""
        chosen: list[Hit] = []
        for hit in hits:
            if len(chosen) < limit and not any(self._same(hit, other) for other in chosen):
                chosen.append(hit)
        answer = self._build(Question(question, QType.GENERAL, Form.SUBJECT), [Ranked(h, 0.0, None) for h in chosen],
                             [], lambda _term: False)
        answer.question = question
        return answer

    # --------------------------------------------------------------------------------- helpers

    def _support(self, result: SearchResult) -> Callable[[Hit], float]:
        """How much of the question a sentence holds (Hit.coverage). A question typed all in lower case
        shows no names, so there a word the corpus never uses (and no spelling correction explains) weighs
        as a name would: "what is the capital of australia" is as unknown as "… of Australia"."""
        if result.question != result.question.lower():
            return lambda hit: hit.coverage
        unknown = {g[0] for g in result.terms if self.retriever.document_frequency(g[0]) == 0 and len(g[0]) >= 4
                   and not g[0][:1].isdigit()}
        if not unknown:
            return lambda hit: hit.coverage
        weight = {g[0]: self.retriever.term_weight(g[0], g[0] in unknown) for g in result.terms}
        total = sum(weight.values()) or 1.0
        return lambda hit: sum(w for term, w in weight.items() if term in hit.matched) / total

    def _unknown_names(self, proper: frozenset[str]) -> list[str]:
        """Name terms of the question that no sentence of the corpus contains (nor an acronym expands)."""
        data = self.retriever.data
        return [t for t in sorted(proper) if self.retriever.document_frequency(t) == 0 and t not in data.acronyms]

    def _same(self, a: Hit, b: Hit, sets: dict[int, frozenset[int]] | None = None) -> bool:
        """Do two sentences say the same thing (Jaccard of their terms)? ``sets``: term sets already made,
        by the hit's id (a question compares its hits a dozen times)."""
        ta, tb = _term_set(a, sets), _term_set(b, sets)
        if not ta or not tb:
            return a.text == b.text
        common = len(ta & tb)
        return common / (len(ta) + len(tb) - common) >= self.settings.duplicate_jaccard

    def _completed(self, question: Question, ranked: Ranked, match: Match) -> tuple[str, AnswerSpan | None]:
        """The quote for a chosen sentence: with the sentence before it when it only refers back to its
        subject, or with a neighbour holding the kind of answer asked for when it holds none."""
        s = self.settings
        hit = ranked.hit
        text, span = hit.text, ranked.span
        before = self._neighbour(hit, -1)
        if question.qtype not in (QType.GENERAL, QType.ENTITY) and (span is None or not span.typed):
            # (the sentence after is read only here: the other completions look back)
            for neighbour, first in ((self._neighbour(hit, +1), False), (before, True)):
                if neighbour is None:
                    continue
                joined = f"{neighbour} {text}" if first else f"{text} {neighbour}"
                found = find_answer(question, neighbour, match, anywhere=True)
                if found is not None and found.typed and len(joined.split()) <= s.max_quote_words:
                    shift = 0 if first else len(text) + 1
                    return joined, AnswerSpan(found.start + shift, found.end + shift,
                                              max(found.score, s.short_min_score), True, found.counted)
        if before is not None and _REFERS_BACK.match(text):
            joined = f"{before} {text}"
            if len(joined.split()) <= s.max_quote_words:
                return joined, find_answer(question, joined, match)
        if before is not None and _names_again(text, before):  # "The strategy …" after the one naming it
            joined = f"{before} {text}"
            if len(joined.split()) <= s.max_quote_words:
                shift = len(before) + 1
                return joined, (replace(span, start=span.start + shift, end=span.end + shift) if span is not None
                                else find_answer(question, joined, match))
        return text, span

    def _neighbour(self, hit: Hit, step: int) -> str | None:
        record = hit.article
        chunk = hit.chunk + step
        data = self.retriever.data
        if not (record.first_chunk <= chunk < record.first_chunk + record.n_chunks) or not data.quotable[chunk]:
            return None
        return data.chunk_text(chunk)

    def _confident(self, span: AnswerSpan | None, question: Question) -> bool:
        """Is span sure enough to be the short answer: a phrase of the asked kind with question words
        around it, or (for other questions) one surrounded closely enough to stand for the answer."""
        s = self.settings
        if span is None or (not span.typed and question.qtype not in (QType.GENERAL, QType.ENTITY)):
            return False
        return span.sole or span.score >= (s.short_min_score if span.typed else s.gap_min_score)

    @staticmethod
    def _story_backs(hit: Hit, phrase: str, question: Question, pool: list[Hit]) -> bool:
        """May a phrase of hit's sentence be the short answer? A name, a number, a date or a place is checked
        against the question by its kind; the phrase a *what* question takes (the words next to the
        question's, or a name of the kind asked for) is checked by nothing but the sentence it stands in. So
        it is given only from a story that matches the question as well as the story of any sentence ranked
        (``pool``; Hit.article_score, the story's BM25 over the best story's), or when a sentence of such a
        story says the phrase too (one event told twice). A sentence that outranks the best story's own on
        its words alone is quoted, but its phrase is no answer."""
        best = max((other.article_score for other in pool), default=1.0) - 1e-9  # (rounding aside)
        if question.qtype not in (QType.GENERAL, QType.ENTITY) or hit.article_score >= best:
            return True
        said = fold(phrase)
        return any(other.article_score >= best and said in fold(other.text) for other in pool)

    def _build(self, question: Question, chosen: list[Ranked], pool: list[Hit], match: Match,
               sets: dict[int, frozenset[int]] | None = None) -> Answer:
        sources: list[Source] = []
        number_of: dict[str, int] = {}
        quotes: list[Quote] = []
        citations: list[Citation] = []
        short: ShortAnswer | None = None

        def cite(hit: Hit) -> int:
            aid = hit.article.article_id
            if aid not in number_of:
                number_of[aid] = len(sources) + 1
                rec = hit.article
                sources.append(Source(n=number_of[aid], article_id=aid, title=rec.title, outlet=rec.outlet,
                                      url=rec.url, published=rec.known_date))
            return number_of[aid]

        for i, ranked in enumerate(chosen):
            hit = ranked.hit
            text, span = self._completed(question, ranked, match) if i == 0 else (hit.text, ranked.span)
            # The same sentence in other articles (near-duplicates) cites them all.
            twins = [h for h in pool if h.chunk != hit.chunk and h.article.article_id != hit.article.article_id
                     and self._same(hit, h, sets)]
            group = [hit]
            for twin in twins:
                if twin.article.article_id not in {g.article.article_id for g in group}:
                    group.append(twin)
            numbers: list[int] = []
            for member in group:
                n = cite(member)
                if n not in numbers:
                    numbers.append(n)
                    citations.append(Citation(n=n, article_id=member.article.article_id, title=member.article.title,
                                              quote=text if member is hit else member.text,
                                              score=round(_finite(member.score), 6), position=member.position))
            highlights = []
            shown = _shown(text, span, question)
            if (short is None and span is not None and shown is not None and self._confident(span, question)
                    and self._story_backs(hit, text[shown[0]:shown[1]], question, pool)):
                phrase = text[shown[0]:shown[1]]
                lead = lead_sentence(question, phrase)
                short = ShortAnswer(text=phrase, citation=numbers[0], lead=lead[0] if lead else None,
                                    start=lead[1] if lead else 0)
                highlights = [Highlight(start=shown[0], end=shown[1])]
            quotes.append(Quote(text=text, citations=numbers, highlights=highlights))
        return Answer(question=question.text, kind=AnswerKind.ANSWER, quotes=quotes, sources=sources,
                      citations=citations, short=short)

    def _no_answer(self, question: str) -> Answer:
        return Answer(
            question=question,
            kind=AnswerKind.NO_ANSWER,
            notice="My articles don't cover that, so I can't answer it.",
            topics=self.topics(),
        )

    def _refuse(self, question: str, notice: str) -> Answer:
        return Answer(question=question, kind=AnswerKind.REFUSED, notice=notice)

    def _small_talk(self, question: str, talk: SmallTalk) -> Answer:
        articles = self.retriever.articles
        about = (f"I answer questions about {len(articles):,} news article{'s' if len(articles) != 1 else ''}, "
                 "quoting the sentences that answer them, each with its source.")
        notice = {
            SmallTalk.GREETING: f"Hello! {about}",
            SmallTalk.IDENTITY: f"I'm newsbot. {about} When my articles don't cover a question, I say so.",
            SmallTalk.THANKS: "You're welcome! Ask me anything else about the news I have.",
            SmallTalk.BYE: "Bye! Come back with more questions about the news.",
        }[talk]
        return Answer(question=question, kind=AnswerKind.SMALL_TALK, notice=notice,
                      topics=self.topics() if talk in (SmallTalk.GREETING, SmallTalk.IDENTITY) else [])

    def topics(self, limit: int = 5) -> list[str]:
        """What the corpus is about, for the no-answer message: its headlines."""
        articles = self.retriever.articles
        shown = [a.title for a in articles[:limit]]
        if len(articles) > limit:
            more = len(articles) - limit
            shown.append(f"and {more:,} more article{'s' if more != 1 else ''}")
        return shown

    def _example(self) -> str:
        articles = self.retriever.articles
        return f"“What happened in {articles[0].title.split(':')[0]}?”" if articles else "“Who won?”"


def _shown(text: str, span: AnswerSpan | None, question: Question) -> tuple[int, int] | None:
    """Where the answer phrase shown stands. A place is never a time: "April 15" does not say where, and "a
    courthouse in Westmark Monday night" says where up to "Monday" (`without_time`; the ranking still counts
    the whole phrase, which reads the question's words); a place phrase that was of the asked kind for its
    capitalised word must still hold one ("her match on Tuesday" names no place). A lone word in lower case
    that only stands next to the question's words ("admitted", "headquartered") is a verb or a modifier, not
    the thing a *what* question asks for, unless the question asks what something was called ("magnificent")."""
    if span is None:
        return None
    if (not span.typed and " " not in text[span.start:span.end] and text[span.start:span.start + 1].islower()
            and not question.words & _NAMING):
        return None
    if question.qtype is not QType.PLACE:
        return (span.start, span.end)
    shown = without_time(text, span.start, span.end)
    if shown is None or (span.typed and not _CAPITALISED.search(text, *shown)):
        return None
    return shown


_CAPITALISED = re.compile(r"\b[A-Z]")
# "What did Le Pen call the result?" asks for a word, and one word may be all of it
_NAMING = frozenset("call calls called calling describe describes described dub dubbed term termed label labelled "
                    "labeled nickname nicknamed".split())
_THE_NOUN = re.compile(r"^The ([a-z][a-z-]+) (?:also |now |still )?([a-z]+)\b")


def _names_again(text: str, before: str) -> bool:
    """Does text open with "The strategy acts …", "The illness may …" (the noun, then its verb) after a
    sentence that named the strategy: the same thing again, which the sentence before introduces?"""
    m = _THE_NOUN.match(text)
    if m is None or not (m.group(2) in AUX or m.group(2).endswith(("s", "ed"))):
        return False  # "The party chief …" is someone else
    return bool(set(analyze(m.group(1))) & set(analyze(before)))


def _term_set(hit: Hit, sets: dict[int, frozenset[int]] | None) -> frozenset[int]:
    """hit.terms, made once per hit when ``sets`` (by id: the hits outlive the answer being composed)."""
    if sets is None:
        return hit.terms
    found = sets.get(id(hit))
    if found is None:
        found = sets[id(hit)] = hit.terms
    return found


def _matcher(result: SearchResult) -> Match:
    terms = frozenset(t for group in result.terms for t in group)
    return terms.__contains__


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 0.0
