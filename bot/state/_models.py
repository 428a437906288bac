"""What the state store hands out: answer records, votes and their tallies, feedback summaries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.answer import Answer, AnswerKind


class Vote(StrEnum):
    """A reader's verdict on an answer (one per reader and answer, changeable)."""

    UP = "up"
    DOWN = "down"
    OUTDATED = "outdated"


@dataclass(frozen=True)
class Tally:
    """Votes on one answer (or on many)."""

    up: int = 0
    down: int = 0
    outdated: int = 0

    def of(self, vote: Vote) -> int:
        return {Vote.UP: self.up, Vote.DOWN: self.down, Vote.OUTDATED: self.outdated}[vote]

    @property
    def total(self) -> int:
        return self.up + self.down + self.outdated


@dataclass(frozen=True)
class AnswerRecord:
    """One answer the bot gave: where, to what question, citing which articles, when."""

    id: int
    chat_id: int
    chat_type: str
    question: str
    kind: AnswerKind
    article_ids: tuple[str, ...]
    created: float  # Unix time
    answer: Answer  # as given: its quotes, sources and citations


@dataclass(frozen=True)
class RatedQuestion:
    question: str  # the latest wording of it
    tally: Tally


@dataclass(frozen=True)
class QuestionCount:
    question: str  # the latest wording of it
    count: int


@dataclass(frozen=True)
class FeedbackSummary:
    """What `newsbot feedback` and /stats show."""

    days: float | None  # the period, None for everything kept
    answers: int  # answers given (every kind)
    unanswered: int  # of which "I don't know"
    rated: int  # answers with at least one vote
    votes: Tally
    worst: list[RatedQuestion]  # most 👎/outdated over 👍 first
    unknown: list[QuestionCount]  # questions answered "I don't know", most frequent first


def question_key(question: str) -> str:
    """A question folded for counting: case, runs of spaces and the closing ?/!/. do not matter."""
    return " ".join(question.casefold().split()).rstrip("?!. ")
