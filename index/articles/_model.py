"""The Article model: what reading a corpus yields, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field

DATE_SOURCES = ("feed", "page", "fetched", "front matter", "record", "file")
"""Where an article's published date came from, most trusted first: the feed that listed it, the page's
metadata, the time it was fetched (neither said), the front matter of a file or the field of a JSONL
record written by hand, and, as a last resort, the file's modification time (a guess, never shown as
the article's date)."""


@dataclass(frozen=True)
class Article:
    """One news article as read from disk, before cleaning."""

    article_id: str
    title: str
    body: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""  # file name (and line, for JSONL) the article came from
    title_from_body: bool = False  # the first line was story text, not a headline
    date_source: str | None = None  # where published came from: one of DATE_SOURCES


@dataclass
class ReadReport:
    """What reading a corpus produced: the articles, and what was skipped and why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (name, what): read, but not as it should be
