"""An Answer for the terminal: rich text (highlights bold, markers and sources coloured) or plain."""

from __future__ import annotations

from rich.text import Text

from bot.answer import Answer, Source

SUGGESTIONS_HEADING = "You could also ask:"


def source_text(source: Source) -> str:
    """'[1] Headline — Outlet, date, url' with whatever is known."""
    extras = [x for x in (source.outlet, source.published, source.url) if x]
    tail = f" — {', '.join(extras)}" if extras else ""
    return f"[{source.n}] {source.title}{tail}"


def render_rich(answer: Answer) -> Text:
    """The answer as the terminal shows it: how a follow-up was understood, the short answer first (bold),
    the quotes with [n], the sources and suggested follow-ups; or the notice, with what the articles are
    about and questions to try."""
    out = Text()
    if answer.follow_up is not None:
        out.append(answer.follow_up.note + "\n", style="italic")
    if answer.understood:
        out.append(f"Showing results for: {answer.understood}\n", style="italic")
    if not answer.found:
        out.append(answer.notice)
        if answer.topics:
            out.append("\nMy articles are about:")
            for topic in answer.topics:
                out.append(f"\n  • {topic}")
        if answer.examples:
            out.append("\nTry asking:")
            for example in answer.examples:
                out.append(f"\n  • {example}")
        return out
    if answer.short is not None:
        short = answer.short
        line = short.lead or short.text
        out.append(line[: short.start])
        out.append(short.text, style="bold")
        out.append(line[short.end :])
        out.append(f" [{short.citation}]", style="cyan")
        out.append("\n\n")
    for i, quote in enumerate(answer.quotes):
        if i:
            out.append("\n")
        cursor = 0
        for span in sorted(quote.highlights, key=lambda h: h.start):
            if span.start < cursor:
                continue
            out.append(quote.text[cursor : span.start])
            out.append(quote.text[span.start : span.end], style="bold")
            cursor = span.end
        out.append(quote.text[cursor:])
        out.append(" " + quote.markers, style="cyan")
    if answer.dates is not None and answer.dates.note:  # the dates a time question's answer drew on
        out.append("\n\n" + answer.dates.note, style="italic")
    out.append("\n\nSources:", style="dim")
    for source in answer.sources:
        out.append("\n" + source_text(source), style="dim")
    if answer.suggestions:
        out.append("\n\n" + SUGGESTIONS_HEADING)
        for suggestion in answer.suggestions:
            out.append(f"\n  • {suggestion}")
    return out


def render_text(answer: Answer) -> str:
    """Plain text, identical to what a terminal without colours shows."""
    return render_rich(answer).plain
