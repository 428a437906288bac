"""Cleaning: page furniture out, hard-wrapped lines joined, paragraphs typed (story, highlight, subheading)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum


class BlockKind(StrEnum):
    """What a paragraph is; only STORY text is ever quoted as an answer."""

    STORY = "story"
    HIGHLIGHT = "highlight"  # bullet points above a story ("Story highlights")
    SUBHEADING = "subheading"  # short lines between sections, captions, lead-ins ending with ':'


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FURNITURE_EXACT = {
    "story highlights",
    "cnn map",
    "skip to footer",
    "skip to main content",
    "advertisement",
    "read more",
    "share this",
    "share",
    "reuter",
    "reuters",
    "related content",
    "related articles",
    "most popular",
    "comments",
}
_FURNITURE_PREFIX = re.compile(
    r"^(read more|watch|video|photos?|gallery|related|see also|more on this|click here|"
    r"follow us|sign up|subscribe|share this)\s*[:|\-–—]|^(?:\(c\)|©|read more\b|copyright\b)",
    re.IGNORECASE,
)
_VIDEO_SLUG = re.compile(r"\b[a-z0-9]+_\d{5,}\s*$")
_TIMESTAMP = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?\s*$")
_BULLET = re.compile(r"^[•·▪‣◦●*\-–]\s+")
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.,' \-]{0,40}\s*)?\(\s*(?:CNN|Reuters|AP|AFP|CNN Money|EW\.com)\s*\)\s*(?:--|—|–|-|:)?\s*"
)
_TERMINAL = (".", "!", "?", "…", '"', "”", "'", "’", ")", ";")
_CAPTION_MAX_WORDS = 25


def normalize_text(text: str) -> str:
    """Unicode NFC, no invisible or control characters, single spaces; newlines kept."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " "))


def clean_body(body: str) -> list[Block]:
    """Turn an article body into typed paragraphs with the page furniture removed."""
    paragraphs = _unwrap(body.replace("\t", "    "))
    counts = Counter(_caption_key(p) for p in paragraphs)
    captions = {_caption_key(p) for p in paragraphs if _TIMESTAMP.search(p) or _VIDEO_SLUG.search(p)}
    blocks: list[Block] = []
    seen: set[str] = set()
    for para in paragraphs:
        key = _caption_key(para)
        if _is_furniture(para) or key in captions:
            continue
        words = len(para.split())
        repeated = counts[key] > 1 and words <= _CAPTION_MAX_WORDS and not para.endswith(_TERMINAL)
        if repeated or key in seen:
            continue  # captions repeated around a video, or a paragraph printed twice
        seen.add(key)
        block = _typed(para)
        after_lead_in = bool(blocks) and blocks[-1].text.endswith(":") and blocks[-1].kind is BlockKind.SUBHEADING
        dek = not blocks and len(paragraphs) > 1 and len(block.text.split()) <= 6
        if block.kind is BlockKind.STORY and (after_lead_in or dek):
            block = Block(BlockKind.SUBHEADING, block.text)  # a graphic's caption, or the dek under a headline
        blocks.append(block)
    blocks = [b for b in blocks if b.text]
    if blocks and not any(b.kind is BlockKind.STORY for b in blocks):
        # A story that is all short lines (a wire brief) is still the story, not its furniture.
        blocks = [Block(BlockKind.STORY, b.text) if b.kind is BlockKind.SUBHEADING else b for b in blocks]
    return blocks


def _unwrap(body: str) -> list[str]:
    """Paragraphs from lines: blank lines and indentation start one; hard-wrapped lines join."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in normalize_text(body).split("\n"):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        indented = raw[:1] == " "
        if current and not indented and _continues(current[-1], line):
            current.append(line)
            continue
        if current:
            paragraphs.append(" ".join(current))
        current = [line]
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _continues(previous: str, line: str) -> bool:
    """Does line carry on previous (a hard wrap) rather than start a paragraph of its own?"""
    if _BULLET.match(line) or _BULLET.match(previous) or previous.endswith((*_TERMINAL, ":")):
        return False
    starts_low = line[:1].islower() or line[:1].isdigit()
    return starts_low or len(previous) >= 45


def _caption_key(para: str) -> str:
    return _TIMESTAMP.sub("", para).strip().casefold()


def _is_furniture(para: str) -> bool:
    low = para.strip().casefold().rstrip(".:")
    if low in _FURNITURE_EXACT or _VIDEO_SLUG.search(low) or _TIMESTAMP.search(para):
        return True
    return bool(_FURNITURE_PREFIX.match(para)) and len(para.split()) <= 30


def _typed(para: str) -> Block:
    if _BULLET.match(para):
        return Block(BlockKind.HIGHLIGHT, _BULLET.sub("", para).strip())
    text = strip_dateline(para)
    words = len(text.split())
    if text.endswith(":") or (words <= 12 and not text.endswith(_TERMINAL)):
        return Block(BlockKind.SUBHEADING, text)
    return Block(BlockKind.STORY, text)


def strip_dateline(text: str) -> str:
    """'(CNN)France's …', 'PARIS (Reuters) - …', '( CNN ) -- The …' lose their dateline."""
    stripped = _DATELINE.sub("", text, count=1)
    return stripped if stripped else text
