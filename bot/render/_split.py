"""Telegram messages: escaping, measuring and splitting HTML so every message fits and stays balanced.

A message may hold at most 4096 characters after entity parsing. The renderer splits between
blocks (quotes, source lines) and, for a block that does not fit on its own, between the
sentences of its plain text (then between words, then characters) *before* it is marked up, so
every message is balanced HTML and no split ever falls inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

TELEGRAM_LIMIT = 4096
"""Telegram's maximum message length (characters of text after entity parsing)."""

_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"')\]])\s+")
_WHITESPACE = re.compile(r"\s+")


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


# ---------------------------------------------------------------------------------------------
# Highlighted text, rendered for any slice of the plain text


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
