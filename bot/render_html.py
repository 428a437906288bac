"""An `Answer` as Telegram HTML messages.

Telegram's HTML mode accepts a handful of tags (b, i, u, s, a href, code, pre, blockquote, ...)
and needs every ``<``, ``>`` and ``&`` of the text escaped. Everything that comes from the
corpus (quotes, headlines, outlets, notices) goes through :func:`html.escape` here; the only
markup is what this module writes itself.

A message may hold at most 4096 characters after entity parsing. The renderer splits between
blocks (quotes, source lines) and, for a block that does not fit on its own, between the
sentences of its plain text (then between words, then characters) *before* it is marked up, so
every message is balanced HTML and no split ever falls inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot._models import Answer, AnswerKind, Highlight, Quote, Source

TELEGRAM_LIMIT = 4096
"""Telegram's maximum message length (characters of text after entity parsing)."""

MAX_TITLE = 200
MAX_OUTLET = 60

_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"')\]])\s+")
_WHITESPACE = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units).

    Measured on the HTML itself, which is never shorter than the text Telegram parses out of
    it, so a message that fits by this measure fits for Telegram.
    """
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape text for Telegram HTML: ``<``, ``>`` and ``&`` (quotes only matter in attributes)."""
    return html.escape(text, quote=False)


def esc_attr(value: str) -> str:
    """Escape an attribute value (an href) for Telegram HTML, quotes included."""
    return html.escape(value, quote=True)


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


# ---------------------------------------------------------------------------------------------
# Highlighted text, rendered for any slice of the plain text


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


def highlight(text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped ``text[start:end]`` with the (merged, sorted) spans that fall in it wrapped in <b>."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for h_start, h_end in spans:
        h_start, h_end = max(h_start, start), min(h_end, end)
        if h_start >= h_end:
            continue
        out.append(esc(text[pos:h_start]))
        out.append(f"<b>{esc(text[h_start:h_end])}</b>")
        pos = h_end
    out.append(esc(text[pos:end]))
    return "".join(out)


def _cut_points(text: str, start: int, end: int) -> list[list[int]]:
    """Where a slice may be cut, best first: sentence ends, then word gaps, then anywhere."""
    sentences = [m.end() for m in _SENTENCE_END.finditer(text, start, end) if start < m.end() < end]
    words = [m.end() for m in _WHITESPACE.finditer(text, start, end) if start < m.end() < end]
    return [sentences, words, list(range(start + 1, end))]


def _trim(text: str, start: int, end: int) -> int:
    """``end`` moved back over trailing whitespace (a piece never ends in blanks)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _last_fitting(
    points: Sequence[int], text: str, spans: Sequence[tuple[int, int]], start: int, head: str, budget: int
) -> int | None:
    """The last cut point whose piece fits the budget (the length only grows with the point)."""
    lo, hi = 0, len(points)
    while lo < hi:
        mid = (lo + hi) // 2
        if tg_len(head + highlight(text, spans, start, _trim(text, start, points[mid]))) <= budget:
            lo = mid + 1
        else:
            hi = mid
    return points[lo - 1] if lo else None


def split_marked_text(
    text: str,
    spans: Sequence[tuple[int, int]] = (),
    *,
    budget: int = TELEGRAM_LIMIT,
    prefix: str = "",
    suffix: str = "",
) -> list[str]:
    """Render ``prefix + text + suffix`` as pieces of balanced HTML, each at most ``budget`` long.

    ``prefix`` and ``suffix`` are HTML (already escaped) and are never split.
    """
    if budget < tg_len(prefix) + tg_len(suffix) + 8:
        raise ValueError("budget too small for this text")
    pieces: list[str] = []
    start, end = 0, len(text)
    while True:
        head = prefix if not pieces else ""
        whole = head + highlight(text, spans, start, end) + suffix
        if tg_len(whole) <= budget:
            pieces.append(whole)
            return pieces
        cut = None
        for points in _cut_points(text, start, end):
            cut = _last_fitting(points, text, spans, start, head, budget)
            if cut is not None:
                break
        if cut is None:  # not even one character fits beside the prefix
            raise ValueError("budget too small for this text")
        pieces.append(head + highlight(text, spans, start, _trim(text, start, cut)))
        start = cut
        while start < end and text[start].isspace():
            start += 1


# ---------------------------------------------------------------------------------------------
# Packing blocks into messages


@dataclass(frozen=True)
class Atom:
    """A piece of balanced HTML; ``joiner`` goes before it when it follows a piece of its block."""

    html: str
    joiner: str = ""


Block = list[Atom]


def pack(blocks: Sequence[Block], *, limit: int = TELEGRAM_LIMIT, separator: str = "\n\n") -> list[str]:
    """Join blocks (separated by ``separator``) into as few messages of at most ``limit`` as fit.

    A message breaks only between atoms; every atom must fit in ``limit`` on its own.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for i, atom in enumerate(block):
            if tg_len(atom.html) > limit:
                raise ValueError("an atom is longer than the message limit")
            joiner = atom.joiner if i else separator
            candidate = current + joiner + atom.html if current else atom.html
            if tg_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = atom.html
    if current:
        messages.append(current)
    return messages


# ---------------------------------------------------------------------------------------------
# Answers


def markers(citations: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _quote_block(quote: Quote, limit: int) -> Block:
    spans = _merge(quote.highlights, len(quote.text.rstrip()))
    suffix = "”"
    if quote.citations:
        suffix += " " + esc(markers(quote.citations))
    text = quote.text.rstrip()
    lead = len(text) - len(text.lstrip())
    text = text[lead:]
    spans = [(s - lead, e - lead) for s, e in spans]
    pieces = split_marked_text(text, spans, budget=limit, prefix="“", suffix=suffix)
    return [Atom(piece, joiner=" ") for piece in pieces]


def source_line(source: Source) -> str:
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
        line = source_line(source)
        if tg_len(heading + line) > limit:  # only a very long URL can do this: drop the link
            line = source_line(source.model_copy(update={"url": None}))
        block.append(Atom(heading + line if i == 0 else line, joiner="\n"))
    return block


def answer_blocks(answer: Answer, *, limit: int = TELEGRAM_LIMIT) -> list[Block]:
    """The blocks of an answer: one per quote, then the sources list (or the notice)."""
    if answer.kind is AnswerKind.ANSWER and answer.quotes:
        blocks = [_quote_block(q, limit) for q in answer.quotes if q.text.strip()]
        if answer.sources:
            blocks.append(_sources_block(answer.sources, limit))
        return blocks
    notice = answer.notice.strip() or (
        "I could not find an answer to that in the articles I have."
        if answer.kind is AnswerKind.NO_ANSWER
        else "I cannot answer that question."
    )
    blocks = [[Atom(piece, "\n") for piece in split_marked_text(notice, budget=limit)]]
    if answer.kind is AnswerKind.NO_ANSWER and answer.topics:
        topics = ", ".join(esc(_clip(t, 80)) for t in answer.topics[:20])
        blocks.append([Atom(f"<i>What I know about:</i> {topics}")])
    return blocks


def render_answer(answer: Answer, *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The answer as one or more Telegram HTML messages, each at most ``limit`` characters."""
    return pack(answer_blocks(answer, limit=limit), limit=limit)


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
    return source_line(
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
