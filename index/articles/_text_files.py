"""One article per .txt/.md file: optional front matter, a headline line, then the body.

A file whose first line is already story text gets a title made from that sentence."""

from __future__ import annotations

import re

from .._errors import ArticleError
from ._model import Article

ARTICLE_SUFFIXES = (".txt", ".md")
_FRONT_MATTER_FENCE = "---"
_META_LINE = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")


LEGACY_ENCODING = "cp1252"
_UNLIKELY_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3}")
_ASCII = bytes(range(0x80))


def decode_legacy(raw: bytes) -> str | None:
    """Bytes that are not UTF-8 read as Windows-1252, when they look like text that way: no control
    characters, no UTF-16 byte order mark, and non-ASCII bytes few and apart, as accented letters
    and typographic quotes are in a Western text (binary junk is not); None otherwise."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _HIGH_RUN.search(raw):
        return None
    if len(raw.translate(None, _ASCII)) * 10 > len(raw):  # the non-ASCII bytes
        return None
    try:
        text = raw.decode(LEGACY_ENCODING)
    except UnicodeDecodeError:
        return None
    return None if _UNLIKELY_TEXT.search(text) else text


def legacy_warning(exc: UnicodeDecodeError) -> str:
    return f"not valid UTF-8 (byte {exc.start}); read as Windows-1252"


def read_text_article(article_id: str, raw: bytes, *, origin: str = "") -> tuple[Article, str | None]:
    """parse_text_article, and for a file that is not UTF-8 but reads as Windows-1252, the article
    read that way with a warning (second item; None when the file is UTF-8)."""
    try:
        return parse_text_article(article_id, raw, origin=origin), None
    except ArticleError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = decode_legacy(raw)
            if text is not None:
                try:
                    return parse_text_article(article_id, text, origin=origin), legacy_warning(exc)
                except ArticleError:
                    pass  # not an article either way: report the encoding, as ever
        raise


def parse_text_article(article_id: str, raw: bytes | str, *, origin: str = "") -> Article:
    """Parse one .txt/.md article (UTF-8 bytes, or text): optional front matter, then headline line,
    then body."""
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArticleError(f"not valid UTF-8 (byte {exc.start})") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError("empty file")
    meta: dict[str, str] = {}
    lines = text.split("\n")
    if lines[0].strip() == _FRONT_MATTER_FENCE:
        meta, lines = _front_matter(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ArticleError("front matter but no text")
    title = meta.get("title", "").strip()
    if title:
        body = "\n".join(lines)
    else:
        title, body = lines[0].strip(), "\n".join(lines[1:])
    title_from_body = False
    if looks_like_body_text(title):
        body = "\n".join(lines) if not meta.get("title") else body
        title, title_from_body = title_from_sentence(title), True
    if not body.strip() and not title_from_body:
        raise ArticleError("a headline but no body")
    return Article(
        article_id=article_id,
        title=title,
        body=body,
        outlet=meta.get("source") or meta.get("outlet") or None,
        url=meta.get("url") or None,
        published=meta.get("published") or meta.get("date") or None,
        origin=origin,
        title_from_body=title_from_body,
    )


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A '---' fenced block of 'key: value' lines; an unclosed block is an error, not body text."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == _FRONT_MATTER_FENCE:
            return meta, lines[i + 1 :]
        match = _META_LINE.match(line.strip())
        if match:
            meta[match.group(1).lower()] = match.group(2).strip().strip("\"'")
        elif line.strip():
            raise ArticleError(f"front matter line {i + 1} is not 'key: value'")
    raise ArticleError("front matter block never closes (no second '---')")


def looks_like_body_text(first_line: str) -> bool:
    """A headline is short and rarely ends with a full stop; a story's first sentence is long."""
    words = first_line.split()
    ends_like_sentence = first_line.rstrip().endswith((".", '."', ".”"))
    return ends_like_sentence and len(words) >= 14


def title_from_sentence(sentence: str, max_words: int = 12) -> str:
    """A readable title from a story's first sentence: its opening clause, cut at a word."""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence.rstrip(".")
    cut = words[:max_words]
    while cut and cut[-1].lower() in {"the", "a", "an", "of", "to", "in", "as", "its", "and", "for", "was", "is"}:
        cut.pop()
    return " ".join(cut).rstrip(",;:") + "…"
