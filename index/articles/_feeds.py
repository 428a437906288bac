"""Feeds: RSS 2.0 and Atom parsed by feedparser from bytes we fetched ourselves (feedparser never
fetches), and the feed list as OPML (read with a parser that resolves no entity and loads nothing)."""

from __future__ import annotations

import calendar
import io
import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree

import feedparser
from lxml import etree

from .._errors import FeedError


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: the article page it links to and what the feed says about it."""

    key: str  # what names the item from one poll to the next: its guid / Atom id, else its link
    link: str  # absolute URL of the article page
    title: str
    published: str | None  # ISO 8601, UTC, when the feed dates the item


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its own title and its items, in feed order."""

    title: str | None
    items: list[FeedItem]


def _iso(struct: Any) -> str | None:
    """feedparser's UTC struct_time as ISO 8601."""
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def parse_feed(content: bytes, url: str, content_type: str = "") -> Feed:
    """The items of an RSS or Atom document. Malformed XML (a truncated feed, say) or a document that is
    no feed at all is a FeedError: nothing of it is taken, so a later poll reads it whole."""
    parsed = feedparser.parse(
        io.BytesIO(content),  # a stream: feedparser reads it and never treats it as a URL or file name
        response_headers={"content-location": url, "content-type": content_type or "application/xml"},
        sanitize_html=True,
    )
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and isinstance(problem, xml.sax.SAXException):
        raise FeedError(f"malformed feed {url}: {problem}")
    if not parsed.get("version"):
        raise FeedError(f"not an RSS or Atom feed: {url}")
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link")
        if not isinstance(link, str) or not link.strip():
            continue
        link = urljoin(url, link.strip())
        if not link.startswith(("http://", "https://")):
            continue
        entry_id = entry.get("id")
        key = entry_id.strip() if isinstance(entry_id, str) and entry_id.strip() else link
        if key in seen:
            continue
        seen.add(key)
        published = _iso(entry.get("published_parsed")) or _iso(entry.get("updated_parsed"))
        items.append(FeedItem(key=key, link=link, title=" ".join(str(entry.get("title") or "").split()),
                              published=published))
    feed_title = " ".join(str(parsed.feed.get("title") or "").split())
    return Feed(title=feed_title or None, items=items)


def read_opml(data: bytes) -> list[tuple[str, str | None]]:
    """(feed URL, title) of every outline with an xmlUrl, nested outlines included, in order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not an OPML file: {exc}") from None
    if root is None or etree.QName(root).localname != "opml":
        raise FeedError("not an OPML file: the root element is not <opml>")
    feeds: list[tuple[str, str | None]] = []
    for outline in root.iter("{*}outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if url and url.strip():
            title = outline.get("title") or outline.get("text")
            feeds.append((url.strip(), title.strip() if title else None))
    return feeds


def write_opml(feeds: Iterable[tuple[str, str | None]], title: str = "newsbot feeds") -> str:
    """An OPML 2.0 document listing the feeds."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for url, name in feeds:
        ElementTree.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
