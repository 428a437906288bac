"""Answering within a time (`_when.When`): restrict to the articles published in the range, favour the
newest, answer a question that is only a time with the newest stories' leads, and say which dates the
answer drew on — or, honestly, that no article is from then, naming the dates the articles cover.

Only known publication dates count (`index.known_day`): an article dated by nothing but its file's time
is in no range. A corpus without any known date takes a question's time words as words, as before; a
question that is only a time is told the articles carry no dates.

A calendar range ("in March 2015", "on December 6", "last year") may also be when the events happened:
when no article of the range answers, the whole question is answered from every article, and the reply
says no article of that range did. A range counted in days or weeks ("yesterday", "last week") may not."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

import numpy as np

from index import UNDATED, Hit, Retriever, analyze, day_number, day_of, parse_day

from ._models import Answer, AnswerKind, Dates
from ._when import When, format_dates, format_days, only_time

DIGEST_STORIES = 3  # a question that is only a time: the leads of this many newest stories
LEAD_MIN_WORDS = 8  # a story's lead: its first quotable sentence of this many words (among its first three)


class Answerer(Protocol):
    """What answering within a time needs of the composer (`bot.answer.Composer`)."""

    retriever: Retriever

    def answer_within(self, question: str, *, prefer: frozenset[str] = ..., articles: np.ndarray | None = ...,
                      recent: bool = ...) -> Answer: ...

    def cite(self, question: str, hits: list[Hit], limit: int) -> Answer: ...

    def topics(self, limit: int = 5) -> list[str]: ...


class _Scored(Protocol):
    @property
    def hit(self) -> Hit: ...

    @property
    def score(self) -> float: ...


R = TypeVar("R", bound=_Scored)


def answer_in_time(composer: Answerer, question: str, when: When, *,
                   prefer: frozenset[str] = frozenset()) -> Answer | None:
    """The answer to a question that names a time; None when the time changes nothing (no article has a
    known date and the question asks more than the time: its words are searched as they are)."""
    retriever = composer.retriever
    time_only = only_time(when.rest)
    if not retriever.dated:
        if not time_only:
            return None
        which = f"are from {when.label()}" if when.ranged else "are the newest"
        return _notice(composer, question, when, f"My articles carry no publication dates, so I can't tell which "
                       f"{which}.")
    days = retriever.article_days
    mask = None
    if when.start is not None and when.end is not None:
        mask = (days >= day_number(when.start)) & (days <= day_number(when.end))
        if not mask.any():
            if not when.strict and not time_only:
                return _as_events(composer, question, when, prefer, f"None of my articles is from {when.label()}")
            return _notice(composer, question, when, f"I have no articles from {when.label()}. {_covered(days)}")
    if time_only:
        return _digest(composer, question, when, mask)
    answer = composer.answer_within(when.rest, prefer=prefer, articles=mask, recent=when.recent)
    answer.question = question
    if answer.found:
        answer.dates = _dates(when, answer)
        return answer
    if answer.kind is AnswerKind.NO_ANSWER and when.ranged:
        if not when.strict:
            return _as_events(composer, question, when, prefer, f"My articles from {when.label()} don't cover that")
        answer.notice = f"My articles from {when.label()} don't cover that, so I can't answer it."
        answer.dates = _dates(when, answer)
    return answer


def newest_first(ranked: list[R], day_of: dict[int, int], share: float) -> list[R]:
    """A wish for the newest ("What's the latest on X?"): the sentences that hold the question (idf-weighted,
    `Hit.coverage`) at least share as well as the best one does are the newest story's first (by score within a
    day), then the rest as ranked. Any other sentence keeps its place after them."""
    if not ranked:
        return ranked
    best = max(r.hit.coverage for r in ranked)
    on_topic = [r for r in ranked if r.hit.coverage >= share * best]
    rest = [r for r in ranked if r.hit.coverage < share * best]
    on_topic.sort(key=lambda r: (-day_of[r.hit.chunk], -r.score, r.hit.chunk))
    return on_topic + rest


# --------------------------------------------------------------------------------- the answers

def _digest(composer: Answerer, question: str, when: When, mask: np.ndarray | None) -> Answer:
    """A question that is only a time: the lead sentences of the newest stories in the range, cited."""
    retriever = composer.retriever
    days = retriever.article_days
    candidates = np.flatnonzero(mask if mask is not None else days != UNDATED)
    order = candidates[np.lexsort((candidates, -days[candidates].astype(np.int64)))]
    leads = [hit for hit in (_lead(composer, art) for art in order[: DIGEST_STORIES * 4].tolist()) if hit]
    if not leads:
        return _notice(composer, question, when, f"My articles from {when.label()} have no sentence I can quote.")
    answer = composer.cite(question, leads, DIGEST_STORIES)  # the same story filed twice counts once
    answer.dates = _dates(when, answer, digest=True)
    return answer


def _lead(composer: Answerer, art: int) -> Hit | None:
    """An article's lead: its first quotable sentence of at least LEAD_MIN_WORDS words among its first
    three, else its first quotable one."""
    data = composer.retriever.data
    record = data.articles[art]
    quotable = [c for c in range(record.first_chunk, record.first_chunk + record.n_chunks) if data.quotable[c]]
    if not quotable:
        return None
    texts = {c: data.chunk_text(c) for c in quotable[:3]}
    chunk = next((c for c, text in texts.items() if len(text.split()) >= LEAD_MIN_WORDS), quotable[0])
    return Hit(chunk, record, chunk - record.first_chunk, texts[chunk], 0.0, 0.0, 0.0, 0.0, frozenset(),
               tuple(data.chunk_term_ids(chunk).tolist()))


def _as_events(composer: Answerer, question: str, when: When, prefer: frozenset[str], why: str) -> Answer:
    """A calendar range no article of which answers: the whole question from every article (the time
    read as the events'), saying so; the first quote must name the time ("on December 6")."""
    answer = composer.answer_within(question, prefer=prefer)
    if answer.found and not set(analyze(when.expression)) <= set(analyze(answer.quotes[0].text)):
        answer = Answer(question=question, kind=AnswerKind.NO_ANSWER, topics=composer.topics())  # not that day's
    if answer.found:
        answer.dates = _dates(when, answer)
        drawn = answer.dates.drawn
        answer.dates.note = f"{why}; this is from " + (
            f"articles of {format_dates([dt.date.fromisoformat(d) for d in drawn])}." if drawn else "undated articles.")
    elif answer.kind is AnswerKind.NO_ANSWER:
        answer.notice = f"{why}, and the others don't cover that."
        answer.dates = _asked(when)
    return answer


def _notice(composer: Answerer, question: str, when: When, notice: str) -> Answer:
    return Answer(question=question, kind=AnswerKind.NO_ANSWER, notice=notice, topics=composer.topics(),
                  dates=_asked(when))


def _covered(days: np.ndarray) -> str:
    """The dates the articles cover, and how many are undated."""
    known = days[days != UNDATED]
    undated = int(days.size - known.size)
    span = format_days(day_of(int(known.min())), day_of(int(known.max())))
    more = f" ({undated:,} more carry no date)" if undated else ""
    return f"My articles are from {span}{more}."


def _asked(when: When, drawn: list[str] | None = None, note: str = "") -> Dates:
    return Dates(asked=when.expression, start=when.start.isoformat() if when.start else None,
                 end=when.end.isoformat() if when.end else None, recent=when.recent, drawn=drawn or [], note=note)


def _dates(when: When, answer: Answer, *, digest: bool = False) -> Dates:
    """The dates an answer drew on (its sources' known days: a file's time is none) and the line that says so."""
    if not answer.found:
        return _asked(when)
    days = [parse_day(source.published) for source in answer.sources]
    known = sorted({d for d in days if d is not None})
    undated = days.count(None)
    drawn = format_dates(known)
    more = f"{undated} undated article{'s' if undated != 1 else ''}" if undated else ""
    of = f"articles of {drawn}" + (f" and {more}" if more else "") if drawn else more
    if digest or (when.recent and not when.ranged):
        note = f"Newest first, from {of}" + (f" ({when.phrase})" if when.phrase and when.ranged else "") + "."
    else:
        note = f"From {of}" + (f" ({when.phrase})" if when.phrase else "") + "."
    return _asked(when, [d.isoformat() for d in known], note[0].upper() + note[1:])

