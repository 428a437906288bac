"""A thread's state as data: what a follow-up question needs of the turn before it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answer import Answer, AnswerKind, Citation, QType, parse_question

THREAD_KINDS = (AnswerKind.ANSWER, AnswerKind.NO_ANSWER)  # small talk and refusals do not start a thread


@dataclass(frozen=True)
class Turn:
    """One answered question of a conversation, as the next question may refer back to it."""

    asked: str  # as the person typed it
    question: str  # as answered: a follow-up rewritten in full, a spelling corrected
    qtype: QType
    found: bool
    short: str | None = None  # the short answer phrase ("Xavier Bertrand")
    lead: str | None = None  # the short answer as a sentence ("Xavier Bertrand beat Le Pen in the north.")
    articles: tuple[str, ...] = ()  # cited article ids, the story that answered first (`answered_from`)
    at: float = 0.0  # when it was answered (seconds, the clock of whoever keeps the thread)

    @classmethod
    def of(cls, answer: Answer, at: float = 0.0) -> Turn | None:
        """The turn an answer makes, or None when it cannot be followed up (small talk, a refusal)."""
        if answer.kind not in THREAD_KINDS:
            return None
        if answer.follow_up is not None:
            question = answer.follow_up.question
        else:
            question = answer.understood or answer.question
        short = answer.short
        return cls(
            asked=answer.question,
            question=question,
            qtype=parse_question(question).qtype,
            found=answer.found,
            short=short.text if short else None,
            lead=short.lead if short else None,
            articles=tuple(sorted((source.article_id for source in answer.sources),
                                  key=lambda aid: aid != story)) if (story := answered_from(answer)) else (),
            at=at,
        )

    def fresh(self, now: float, max_age: float | None) -> bool:
        """Is the turn recent enough to be followed up: at most max_age seconds old (None: any age)?"""
        return max_age is None or now - self.at <= max_age


def answered_from(answer: Answer) -> str | None:
    """The story that answered: the one the short answer was quoted from, else the first quote's."""
    citation = answer_citation(answer)
    return citation.article_id if citation else None


def answer_citation(answer: Answer) -> Citation | None:
    """The citation of the sentence that answered (the short answer's, else the first quote's)."""
    if not answer.citations:
        return None
    if answer.short is not None:
        for citation in answer.citations:
            if citation.n == answer.short.citation:
                return citation
    return answer.citations[0]
