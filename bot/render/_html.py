"""An `Answer` (and the article list) as Telegram HTML messages.

Telegram's HTML mode accepts a handful of tags (b, i, u, s, a href, code, pre, blockquote, ...)
and needs every ``<``, ``>`` and ``&`` of the text escaped. Everything that comes from the
corpus (quotes, headlines, outlets, notices) goes through :func:`html.escape` here; the only
markup is what this module writes itself. Splitting into messages of at most 4096 characters is
`bot.render._split`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.answer import Answer, AnswerKind, Highlight, Quote, Source

from ._split import TELEGRAM_LIMIT, Atom, Block, esc, esc_attr, pack, split_marked_text, tg_len

MAX_TITLE = 200
MAX_OUTLET = 60

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        return None
    if len(url) > 2048:
        return None
    return url


def short_date(published: str | None) -> str | None:
    """``2015-12-13T20:00:00Z`` -> ``2015-12-13``; other strings unchanged; None stays None."""
    if not published:
        return None
    published = published.strip()
    match = _ISO_DATE.match(published)
    return match.group(1) if match else _clip(published, 40)


def _merge(highlights: Iterable[Highlight], length: int) -> list[tuple[int, int]]:
    spans = sorted(
        (max(0, h.start), min(length, h.end)) for h in highlights if h.end > h.start
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# ---------------------------------------------------------------------------------------------
# Answers


def _quote_block(quote: Quote, limit: int) -> Block:
    spans = _merge(quote.highlights, len(quote.text.rstrip()))
    suffix = "”"
    if quote.citations:
        suffix += " " + esc(quote.markers)
    text = quote.text.rstrip()
    lead = len(text) - len(text.lstrip())
    text = text[lead:]
    spans = [(s - lead, e - lead) for s, e in spans]
    pieces = split_marked_text(text, spans, budget=limit, prefix="“", suffix=suffix)
    return [Atom(piece, joiner=" ") for piece in pieces]


def source_html(source: Source) -> str:
    """``[n] <a href="url">Headline</a> — Outlet, 2015-12-13`` (link only for http(s) URLs)."""
    title = esc(_clip(source.title or source.article_id, MAX_TITLE))
    url = _safe_url(source.url)
    head = f'<a href="{esc_attr(url)}">{title}</a>' if url else title
    details = [esc(_clip(source.outlet, MAX_OUTLET))] if source.outlet else []
    date = short_date(source.published)
    if date:
        details.append(esc(date))
    tail = f" — {', '.join(details)}" if details else ""
    return f"[{source.n}] {head}{tail}"


def _sources_block(sources: Sequence[Source], limit: int) -> Block:
    block: Block = []
    heading = "<b>Sources</b>\n"
    for i, source in enumerate(sources):
        line = source_html(source)
        if tg_len(heading + line) > limit:  # only a very long URL can do this: drop the link
            line = source_html(source.model_copy(update={"url": None}))
        block.append(Atom(heading + line if i == 0 else line, joiner="\n"))
    return block


def _short_block(answer: Answer, limit: int) -> Block:
    """The short answer first: the lead sentence (or the phrase alone) with the phrase bold, and [n]."""
    short = answer.short
    assert short is not None
    line = short.lead or short.text
    pieces = split_marked_text(line, [(short.start, short.end)], budget=limit, suffix=f" [{short.citation}]")
    return [Atom(piece, joiner=" ") for piece in pieces]


def answer_blocks(answer: Answer, *, limit: int = TELEGRAM_LIMIT, heading: str | None = None) -> list[Block]:
    """The blocks of an answer: the short answer, one per quote, then the sources list (or the notice).
    ``heading``: the question in bold on top (a question asked by pressing a button shows nowhere else)."""
    understood = ([[Atom(f"<i>Showing results for:</i> {esc(_clip(answer.understood, 300))}")]]
                  if answer.understood else [])
    if heading:
        understood.insert(0, [Atom(f"<b>{esc(_clip(heading, 300))}</b>")])
    if answer.follow_up is not None:
        understood.insert(0, [Atom(f"<i>{esc(_clip(answer.follow_up.note, 400))}</i>")])
    if answer.kind is AnswerKind.ANSWER and answer.quotes:
        blocks = understood + ([_short_block(answer, limit)] if answer.short else [])
        blocks += [_quote_block(q, limit) for q in answer.quotes if q.text.strip()]
        if answer.dates is not None and answer.dates.note:  # the dates a time question's answer drew on
            blocks.append([Atom(f"<i>{esc(_clip(answer.dates.note, 400))}</i>")])
        if answer.sources:
            blocks.append(_sources_block(answer.sources, limit))
        return blocks
    notice = answer.notice.strip() or (
        "I could not find an answer to that in the articles I have."
        if answer.kind is AnswerKind.NO_ANSWER
        else "I cannot answer that question."
    )
    blocks = [*understood, [Atom(piece, "\n") for piece in split_marked_text(notice, budget=limit)]]
    if answer.kind in (AnswerKind.NO_ANSWER, AnswerKind.SMALL_TALK) and answer.topics:
        topics = ", ".join(esc(_clip(t, 80)) for t in answer.topics[:20])
        blocks.append([Atom(f"<i>What I know about:</i> {topics}")])
    if answer.examples:
        lines = [Atom("<i>Try asking:</i>")] + [Atom(f"• <code>{esc(_clip(q, 200))}</code>", joiner="\n")
                                                for q in answer.examples]
        blocks.append(lines)
    return blocks


def render_answer(answer: Answer, *, limit: int = TELEGRAM_LIMIT, heading: str | None = None) -> list[str]:
    """The answer as one or more Telegram HTML messages, each at most ``limit`` characters."""
    return pack(answer_blocks(answer, limit=limit, heading=heading), limit=limit)


# ---------------------------------------------------------------------------------------------
# Article lists (/sources)


class ArticleLike(Protocol):
    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: object


def article_line(n: int, article: ArticleLike) -> str:
    published = article.published
    if published is not None and not isinstance(published, str):
        published = published.isoformat() if hasattr(published, "isoformat") else str(published)
    return source_html(
        Source(
            n=n,
            article_id=article.article_id,
            title=article.title,
            outlet=article.outlet,
            url=article.url,
            published=published,
        )
    )


def render_articles(
    articles: Sequence[ArticleLike], *, limit: int = TELEGRAM_LIMIT, max_items: int = 200
) -> list[str]:
    """The article list for /sources: a heading, then one numbered line per article."""
    if not articles:
        return ["I have no articles loaded."]
    count = len(articles)
    heading = f"<b>{count} article{'s' if count != 1 else ''} I can quote from</b>"
    lines = [Atom(heading)]
    lines += [Atom(article_line(i, a), joiner="\n") for i, a in enumerate(articles[:max_items], 1)]
    if count > max_items:
        lines.append(Atom(f"<i>… and {count - max_items} more.</i>", joiner="\n"))
    return pack([lines], limit=limit)
