"""One article per .txt/.md file: optional front matter, a headline line, then the body.

A file whose first line is already story text gets a title made from that sentence."""

from __future__ import annotations

import re

from .._errors import ArticleError
from ._model import Article

ARTICLE_SUFFIXES = (".txt", ".md")
_FRONT_MATTER_FENCE = "---"
_META_LINE = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")


def parse_text_article(article_id: str, raw: bytes, *, origin: str = "") -> Article:
    """Parse one .txt/.md article: optional front matter, then headline line, then body."""
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
