"""The Article model: what reading a corpus yields, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class ReadReport:
    """What reading a corpus produced: the articles, and what was skipped and why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (name, what): read, but not as it should be
