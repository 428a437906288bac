"""`/sources` with one meaning in every channel: without a number, the last answer's sources; with a
number N, the sentence source N was quoted from, between its neighbours. (`/articles` lists the
corpus.) Which source, its context, and what to say when there is none are decided here; the REPL
and the Telegram bot only draw the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .answer import Answer, Source

ASK_FIRST = "Ask a question first; then /sources N shows where source N's quote comes from."

Context = Callable[[str, int], list[tuple[int, str]]]
"""(article id, sentence position) -> [(position, sentence)] around it: `NewsService.context`."""


@dataclass(frozen=True)
class SourceList:
    """The last answer's sources, and how to ask for one of them."""

    sources: list[Source]
    hint: str


@dataclass(frozen=True)
class SourceInContext:
    """Source N's quoted sentence between its neighbours: (is it the quoted one, sentence)."""

    source: Source
    lines: list[tuple[bool, str]]


SourcesReply = SourceList | SourceInContext | str
"""What /sources shows: a list, one source in context, or a one-line notice."""


def _span(sources: list[Source]) -> str:
    numbers = [s.n for s in sources]
    return f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"


def sources_reply(last: Answer | None, arg: str, context: Context) -> SourcesReply:
    """What ``/sources`` (``arg`` empty) or ``/sources N`` shows after the answer ``last``."""
    if last is None or not last.sources:
        return ASK_FIRST
    span = _span(last.sources)
    arg = arg.strip()
    if not arg:
        return SourceList(list(last.sources), f"Type /sources N (N = {span}) for one.")
    try:
        n = int(arg) if len(arg) <= 12 else None
    except ValueError:
        n = None
    if n is None:
        return f"/sources takes a source number ({span}), not {arg[:40]!r}."
    source = next((s for s in last.sources if s.n == n), None)
    citation = next((c for c in last.citations if c.n == n), None)
    if source is None or citation is None:
        plural = "s" if len(last.sources) > 1 else ""
        return f"There is no source {n}; the last answer has source{plural} {span}."
    lines = [(position == citation.position, text)
             for position, text in context(source.article_id, citation.position)]
    return SourceInContext(source, lines)
