"""Asking within a conversation: a question read against the turn before it (when it is a follow-up),
answered, and given suggested follow-ups. `converse` is the one path for every channel; `Thread` keeps
a conversation in memory (the REPL, `newsbot ask --conversation`); the Telegram bot keeps its turns in
the state store and calls `converse` with the turn a message continues."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.answer import Answer, FollowUp, clean_question, small_talk, strip_lead_in
from index import MAX_QUERY_CHARS

from ._follow_up import follow_up
from ._turn import Turn

NOTE = "Follow-up, understood as: {question}"


class Asker(Protocol):
    """What a conversation needs of the service (`bot.service.NewsService`)."""

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer: ...

    def suggestions(self, answer: Answer, avoid: Sequence[str] = ()) -> list[str]: ...


def converse(service: Asker, previous: Turn | None, text: str, *, suggest: bool = True) -> Answer:
    """The answer to text as the next turn after previous (None: a new conversation).

    A self-contained question is asked exactly as typed, as if alone. A follow-up is asked rewritten
    whole, preferring the previous story; its answer says how it was understood (`Answer.follow_up`).
    If the rewritten question finds nothing but the question alone does, the answer alone is given.
    Found answers get up to three suggested follow-ups (`suggest`)."""
    cleaned = clean_question(text)
    rewritten = None
    if len(cleaned) <= MAX_QUERY_CHARS and small_talk(strip_lead_in(cleaned)) is None:
        rewritten = follow_up(previous, cleaned)
    if rewritten is None or previous is None:
        answer = service.answer(text)
    else:
        answer = service.answer(rewritten.question, prefer=rewritten.prefer)
        alone = None if answer.found else service.answer(text)
        if alone is not None and alone.found:
            answer = alone
        else:
            understood = answer.understood or rewritten.question  # a spelling correction included
            answer.question = cleaned
            answer.understood = None
            answer.follow_up = FollowUp(previous=previous.question, question=understood,
                                        note=NOTE.format(question=understood))
    if suggest and answer.found:
        avoid = [previous.asked, previous.question] if previous is not None else []
        answer.suggestions = service.suggestions(answer, avoid)
    return answer


class Thread:
    """One conversation kept in memory: each question continues the last turn while it is recent
    (``max_age`` seconds; None: always)."""

    def __init__(self, service: Asker, *, max_age: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.max_age = max_age
        self.clock = clock
        self.turn: Turn | None = None

    def current(self) -> Turn | None:
        """The turn the next question would continue, or None when there is none or it is too old."""
        turn = self.turn
        return turn if turn is not None and turn.fresh(self.clock(), self.max_age) else None

    def ask(self, text: str, *, suggest: bool = True) -> Answer:
        answer = converse(self.service, self.current(), text, suggest=suggest)
        turn = Turn.of(answer, self.clock())
        if turn is not None:  # small talk and refusals leave the thread as it was
            self.turn = turn
        return answer
