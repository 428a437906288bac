"""One article per .txt/.md file: optional front matter, a headline line, then the body.

A file whose first line is already story text gets a title made from that sentence."""

from __future__ import annotations

import re

from .._errors import ArticleError
from ._model import DATE_SOURCES, Article

ARTICLE_SUFFIXES = (".txt", ".md")
_FRONT_MATTER_FENCE = "---"
_META_LINE = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")


def parse_text_article(article_id: str, raw: bytes, *, origin: str = "") -> Article:
    """Parse one .txt/.md article: optional front matter, then headline line, then body."""
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
