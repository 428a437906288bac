"""An article page's text and metadata (headline, outlet, author, date, canonical URL) by trafilatura,
which keeps the story and drops navigation, related links, advertisements, cookie banners and footers.

HTML is only parsed, never run: no script is executed and nothing the page links to is fetched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import trafilatura
from trafilatura.settings import set_date_params

from .._errors import ExtractError
from ..text import fold

PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "text/plain", "")
PROSE_LINE_WORDS = 8  # a line of story text has at least this many words (a menu item has fewer)
MIN_PROSE_WORDS = 20  # a page with fewer words in such lines holds no article
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class PageArticle:
    """What a page says about its article; text is paragraphs separated by blank lines."""

    title: str
    text: str
    outlet: str | None
    author: str | None
    published: str | None  # YYYY-MM-DD from the page's metadata, when it has one
    url: str | None  # the canonical URL the page names, else the URL it was fetched from


def _decode(content: bytes, charset: str | None) -> str | bytes:
    """Text when the server named a charset that decodes it; else bytes, for trafilatura to detect."""
    if charset:
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return content


def extract_article(content: bytes, url: str | None = None, *, content_type: str = "",
                    charset: str | None = None) -> PageArticle:
    """The article of an HTML page; ExtractError when the page is not HTML or holds no story text
    (a section front of links, a login wall, an error page)."""
    where = url or "the page"
    if content_type not in PAGE_TYPES:
        raise ExtractError(f"{where} is not a web page ({content_type})")
    if not content.strip():
        raise ExtractError(f"{where} is empty")
    try:
        doc = trafilatura.bare_extraction(
            _decode(content, charset), url=url, with_metadata=True, include_comments=False,
            include_tables=False, include_images=False, include_links=False,
            # no "extensive" date search: it takes a copyright year in the footer for the date
            date_extraction_params=set_date_params(False),
        )
        if doc is not None and not isinstance(doc, dict):
            doc = doc.as_dict()
    except Exception as exc:  # a parser failure on hostile HTML is this page's problem only
        raise ExtractError(f"cannot read {where}: {type(exc).__name__}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str) or not doc["text"].strip():
        raise ExtractError(f"no article text in {where}")
    title = " ".join(str(doc.get("title") or "").split())
    lines = [" ".join(line.split()) for line in doc["text"].split("\n")]
    lines = [line for line in lines if line]
    if lines and title and fold(lines[0]).lower() == fold(title).lower():
        lines = lines[1:]  # the headline, repeated as the first line of the text
    prose = [line for line in lines if len(line.split()) >= PROSE_LINE_WORDS]
    if sum(len(line.split()) for line in prose) < MIN_PROSE_WORDS:
        raise ExtractError(f"no article text in {where} (navigation or links only)")
    if not title:
        title = lines[0]
    found = doc.get("url")
    canonical = found if isinstance(found, str) and found.startswith(("http://", "https://")) else url
    outlet = doc.get("sitename") or doc.get("hostname") or (urlsplit(url).hostname if url else None)
    date = doc.get("date")
    published = date[:10] if isinstance(date, str) and _DATE.match(date) else None
    return PageArticle(title=title, text="\n\n".join(lines), outlet=_one_line(outlet),
                       author=_one_line(doc.get("author")), published=published, url=canonical)


def _one_line(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())
