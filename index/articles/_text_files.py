"""One article per .txt/.md file: optional front matter, a headline line, then the body.

A file whose first line is already story text gets a title made from that sentence."""

from __future__ import annotations

import re

from .._errors import ArticleError
from ._model import DATE_SOURCES, Article

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
    if not text.removeprefix("\ufeff").strip():
        raise ArticleError("empty file")
    meta, lines = split_front_matter(text)
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
    published = meta.get("published") or meta.get("date") or None
    date_source = meta.get("date_source") if meta.get("date_source") in DATE_SOURCES else "front matter"
    return Article(
        article_id=article_id,
        title=title,
        body=body,
        outlet=meta.get("source") or meta.get("outlet") or None,
        url=meta.get("url") or None,
        published=published,
        origin=origin,
        title_from_body=title_from_body,
        date_source=date_source if published else None,
    )


def split_front_matter(text: str) -> tuple[dict[str, str], list[str]]:
    """The front matter (keys lower case) and the lines after it; no front matter: ({}, every line).

    A '---' fenced block of 'key: value' lines; an unclosed block is an error, not body text. A value in
    matching quotes loses that one pair ('"Yes," he said' keeps its own quotes when written quoted)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[0].strip() != _FRONT_MATTER_FENCE:
        return {}, lines
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == _FRONT_MATTER_FENCE:
            return meta, lines[i + 1 :]
        match = _META_LINE.match(line.strip())
        if match:
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[match.group(1).lower()] = value.strip()
        elif line.strip():
            raise ArticleError(f"front matter line {i + 1} is not 'key: value'")
    raise ArticleError("front matter block never closes (no second '---')")


def front_matter_text(meta: dict[str, str | None]) -> str:
    """A front matter block (with its fences and a final newline) that split_front_matter reads back
    exactly: values on one line, quoted when they start or end with a quote or a blank."""
    out = [_FRONT_MATTER_FENCE]
    for key, value in meta.items():
        if value is None:
            continue
        value = " ".join(str(value).split())
        if value[:1] in "\"'" or value[-1:] in "\"'":
            value = f'"{value}"'
        out.append(f"{key}: {value}")
    out.append(_FRONT_MATTER_FENCE)
    return "\n".join(out) + "\n"


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
