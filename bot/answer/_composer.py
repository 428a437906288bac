"""The answer composer: from ranked sentences to a short quoted answer with numbered citations.

Templates only, no language model. Abstains when the evidence is weak rather than quote something
unrelated."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from index import (
    MAX_QUERY_CHARS,
    EmptyQueryError,
    Hit,
    NoContentWordsError,
    QueryError,
    QueryTooLongError,
    Retriever,
)

from ._models import Answer, AnswerKind, Citation, Highlight, Quote, Source
from ._qtypes import QType, anchored, counted_terms, question_type
from ._spans import answer_spans

Ranked = tuple[Hit, float, list[tuple[int, int]]]
"""A hit after re-ranking: the hit, its score with the answer-type bonus, its answer spans."""

@dataclass(frozen=True)
class ComposerSettings:
    """Thresholds of the composer, calibrated on the development questions."""

    min_support: float = 0.3  # idf-weighted share of the question's terms the best sentence must contain
    # (Hit.coverage; a name the corpus lacks weighs most, so 'capital of Australia' abstains)
    type_bonus: float = 0.4  # added to a sentence that holds the kind of thing asked for
    anchor_bonus: float = 1.0  # more when the number counts what the question counts ("six million votes")
    second_ratio: float = 0.8  # a second quote must score at least this share of the first
    duplicate_jaccard: float = 0.6  # term overlap above which two sentences say the same thing
    rerank_depth: int = 20
    unknown_name_abstains: bool = True  # a capitalised name in the question that no article uses: abstain


def clean_question(raw: str) -> str:
    """Control characters out, whitespace folded; everything else (emoji, RTL, tags) kept as text."""
    kept = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " "
        for ch in unicodedata.normalize("NFC", raw)
    )
    return " ".join(kept.split())


class Composer:
    """Answers questions from one retriever."""

    def __init__(self, retriever: Retriever, settings: ComposerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or ComposerSettings()

    # ---------------------------------------------------------------------------------- public

    def answer(self, raw_question: str) -> Answer:
        question = clean_question(raw_question)
        if len(raw_question) > MAX_QUERY_CHARS * 4 or len(question) > MAX_QUERY_CHARS:
            return self._refuse(
                question[:200],
                f"That question is too long ({len(raw_question):,} characters; the limit is "
                f"{MAX_QUERY_CHARS:,}). Please ask something shorter.",
            )
        try:
            result = self.retriever.search(
                question, k=self.settings.rerank_depth, agent_nouns=question_type(question) is QType.PERSON
            )
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
            return self._no_answer(question)  # "capital of Australia", "Who wrote Hamlet?" over French elections
        return self.compose(question, result.hits)

    def compose(self, question: str, hits: list[Hit]) -> Answer:
        """Pick the quote(s) among ranked hits, or abstain."""
        s = self.settings
        qtype = question_type(question)
        if not hits:
            return self._no_answer(question)
        ranked = self.rerank(hits, qtype, question)
        best, best_score, best_spans = ranked[0]
        if best.coverage < s.min_support:
            return self._no_answer(question)
        chosen: list[tuple[Hit, list[tuple[int, int]]]] = [(best, best_spans)]
        for hit, score, spans in ranked[1:4]:
            if score < s.second_ratio * best_score or self._same(best, hit):
                continue
            adds_terms = bool(hit.matched - best.matched)
            adds_answer = qtype is not QType.GENERAL and not best_spans and bool(spans)
            on_topic = hit.coverage >= max(s.min_support, s.second_ratio * best.coverage)
            if (adds_terms or adds_answer) and on_topic:
                chosen.append((hit, spans))
                break
        return self._build(question, chosen, hits)

    # --------------------------------------------------------------------------------- helpers

    def rerank(self, hits: list[Hit], qtype: QType, question: str) -> list[Ranked]:
        out: list[Ranked] = []
        counted = counted_terms(question) if qtype in (QType.NUMBER, QType.PERCENT) else frozenset()
        for hit in hits:
            spans = answer_spans(hit.text, qtype, question)
            bonus = self.settings.type_bonus if spans else 0.0
            if counted and any(anchored(hit.text, span, counted) for span in spans):
                bonus += self.settings.anchor_bonus
            out.append((hit, hit.score + bonus, spans))
        out.sort(key=lambda item: (-item[1], item[0].chunk))
        # The same sentence again (a story filed twice) says nothing new: after the distinct ones.
        seen: set[tuple[int, ...] | str] = set()
        distinct: list[Ranked] = []
        repeats: list[Ranked] = []
        for item in out:
            key: tuple[int, ...] | str = item[0].term_ids or item[0].text  # the index's terms, not re-analyzed
            (repeats if key in seen else distinct).append(item)
            seen.add(key)
        return distinct + repeats

    def _unknown_names(self, proper: frozenset[str]) -> list[str]:
        """Name terms of the question that no sentence of the corpus contains (nor an acronym expands)."""
        data = self.retriever.data
        return [t for t in sorted(proper) if data.sentences.term_id(t) is None and t not in data.acronyms]

    def _same(self, a: Hit, b: Hit) -> bool:
        ta, tb = a.terms, b.terms
        if not ta or not tb:
            return a.text == b.text
        return len(ta & tb) / len(ta | tb) >= self.settings.duplicate_jaccard

    def _build(self, question: str, chosen: list[tuple[Hit, list[tuple[int, int]]]], pool: list[Hit]) -> Answer:
        sources: list[Source] = []
        number_of: dict[str, int] = {}
        quotes: list[Quote] = []
        citations: list[Citation] = []

        def cite(hit: Hit) -> int:
            aid = hit.article.article_id
            if aid not in number_of:
                number_of[aid] = len(sources) + 1
                rec = hit.article
                sources.append(Source(n=number_of[aid], article_id=aid, title=rec.title, outlet=rec.outlet,
                                      url=rec.url, published=rec.published))
            return number_of[aid]

        for hit, spans in chosen:
            # The same sentence in other articles (near-duplicates) cites them all.
            twins = [h for h in pool if h.chunk != hit.chunk and h.article.article_id != hit.article.article_id
                     and self._same(hit, h)]
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
                                              quote=member.text, score=round(_finite(member.score), 6),
                                              position=member.position))
            quotes.append(Quote(text=hit.text, citations=numbers,
                                highlights=[Highlight(start=a, end=b) for a, b in spans]))
        return Answer(question=question, kind=AnswerKind.ANSWER, quotes=quotes, sources=sources, citations=citations)

    def _no_answer(self, question: str) -> Answer:
        topics = self.topics()
        return Answer(
            question=question,
            kind=AnswerKind.NO_ANSWER,
            notice="My articles don't cover that, so I can't answer it.",
            topics=topics,
        )

    def _refuse(self, question: str, notice: str) -> Answer:
        return Answer(question=question, kind=AnswerKind.REFUSED, notice=notice)

    def topics(self, limit: int = 5) -> list[str]:
        """What the corpus is about, for the no-answer message: its headlines."""
        articles = self.retriever.articles
        shown = [a.title for a in articles[:limit]]
        if len(articles) > limit:
            shown.append(f"and {len(articles) - limit:,} more articles")
        return shown

    def _example(self) -> str:
        articles = self.retriever.articles
        return f"“What happened in {articles[0].title.split(':')[0]}?”" if articles else "“Who won?”"


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 0.0
