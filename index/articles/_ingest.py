"""Taking articles into the corpus: `add_sources` (URLs and files) and `poll_feeds` (every followed feed
once, then the pages of their new items).

A poll first fetches the feeds (conditional GET) and records each feed's new items as pending in the
same transaction as its ETag; then it takes every pending item: fetch the page, extract the article,
store it. Pages are fetched and extracted by several threads; storing is one at a time. A poll killed
at any moment (kill -9) loses nothing — items stay pending until taken, and an article already
written is recognised by its link — and stores nothing twice. Any failure is one log line and a
counter for that feed or item, never the end of the poll."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .._errors import ArticleError, ExtractError, FetchRefusedError, NewsbotError
from ._corpus import file_time
from ._dedupe import normalize_url
from ._extract import extract_article
from ._feeds import parse_feed
from ._fetch import Fetcher, FetchResult
from ._store import FeedState, LiveCorpus, PendingItem, WebArticle, now_iso
from ._text_files import ARTICLE_SUFFIXES, parse_text_article

log = logging.getLogger("newsbot.live")

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
POLL_WORKERS = 8
T = TypeVar("T")


def page_article(result: FetchResult, *, link: str, feed: str | None = None, item: str | None = None,
                 feed_published: str | None = None) -> WebArticle:
    """The article of a fetched page, dated by the feed, else the page, else the time of fetching."""
    page = extract_article(result.content, result.url, content_type=result.content_type, charset=result.charset)
    fetched = now_iso()
    if feed_published:
        published, source = feed_published, "feed"
    elif page.published:
        published, source = page.published, "page"
    else:
        published, source = fetched, "fetched"
    return WebArticle(title=page.title, text=page.text, published=published, date_source=source,
                      url=page.url, link=link, outlet=page.outlet, author=page.author, feed=feed, item=item,
                      fetched=fetched)


def file_article(path: Path) -> WebArticle:
    """The article of a local file: a web page (.html) or a .txt/.md article; dated by the page or the
    front matter, else by the file's time (marked so)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read {path}: {exc.strerror or exc}") from None
    mtime = file_time(path) or now_iso()
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        page = extract_article(raw, None, content_type="text/html")
        published, source = (page.published, "page") if page.published else (mtime, "file")
        return WebArticle(title=page.title, text=page.text, published=published, date_source=source, url=page.url,
                          outlet=page.outlet, author=page.author)
    if suffix in ARTICLE_SUFFIXES:
        article = parse_text_article(path.stem, raw, origin=path.name)
        published, source = ((article.published, article.date_source or "front matter") if article.published
                             else (mtime, "file"))
        return WebArticle(title=article.title, text=article.body, published=published, date_source=source,
                          url=article.url, outlet=article.outlet)
    raise ExtractError(f"{path}: add takes web pages (.html, .htm) and articles (.txt, .md)")


@dataclass(frozen=True)
class AddOutcome:
    """What `add` did with one URL or path."""

    source: str
    status: str  # added, duplicate or failed
    file: str | None = None  # the corpus file added, or the one that already holds the article
    title: str | None = None
    published: str | None = None
    message: str = ""  # why not, for a duplicate or a failure

    def line(self) -> str:
        if self.status == "added":
            return f"added {self.file}: {self.title} ({self.published})"
        if self.status == "duplicate":
            return f"not added {self.source}: duplicate, {self.message}"
        return f"not added {self.source}: {self.message}"


def _looks_like_url(source: str) -> bool:
    return "://" in source or source.lower().startswith(("http:", "https:", "javascript:", "data:", "file:"))


def add_sources(live: LiveCorpus, fetcher: Fetcher, sources: Iterable[str]) -> list[AddOutcome]:
    """Add each URL (fetched, extracted) or file (read, extracted) to the corpus, in order."""
    live.sync()
    outcomes = []
    for source in sources:
        try:
            if _looks_like_url(source):
                same = live.known_url(source)
                if same is not None:
                    outcomes.append(AddOutcome(source, "duplicate", same, message=f"the same URL as {same}"))
                    continue
                article = page_article(fetcher.get(source, accept=PAGE_ACCEPT), link=source)
            else:
                article = file_article(Path(source))
            stored = live.store(article)
        except NewsbotError as exc:  # the caller prints the outcome: no log line of its own
            outcomes.append(AddOutcome(source, "failed", message=str(exc)))
            continue
        if stored.added:
            outcomes.append(AddOutcome(source, "added", stored.file, article.title, article.published))
        else:
            outcomes.append(AddOutcome(source, "duplicate", stored.file, article.title, message=stored.reason))
    return outcomes


@dataclass
class PollReport:
    """What one poll did, for `newsbot poll` and the services' logs."""

    feeds: int = 0
    fetched: int = 0  # feeds read (new content)
    not_modified: int = 0  # feeds that answered 304
    failed_feeds: int = 0
    new_items: int = 0  # items seen for the first time
    added: list[str] = field(default_factory=list)  # corpus files written
    duplicates: int = 0
    failed_items: int = 0  # pages not taken this time (retried later unless given up)
    busy: bool = False  # another poll was running: this one did nothing

    @property
    def all_feeds_failed(self) -> bool:
        return self.feeds > 0 and self.failed_feeds == self.feeds

    def line(self) -> str:
        if self.busy:
            return "another poll is running; nothing done"
        return (f"polled {self.feeds:,} feeds: {self.fetched:,} fetched, {self.not_modified:,} not modified, "
                f"{self.failed_feeds:,} failed; {self.new_items:,} new items; added {len(self.added):,} articles, "
                f"{self.duplicates:,} duplicates, {self.failed_items:,} pages failed")


def _guard(what: str, work: Callable[[], T], failed: T) -> T:
    """Run one feed's or item's work; an unexpected exception is logged and counted, never raised."""
    try:
        return work()
    except Exception as exc:  # a bug, or the database gone: this feed or item only
        log.warning("%s: unexpected %s: %s", what, type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        return failed


def _poll_feed(live: LiveCorpus, fetcher: Fetcher, feed: FeedState) -> tuple[str, int]:
    """(fetched | not modified | failed, new items) for one feed."""
    try:
        result = fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
        if result.not_modified:
            live.feed_not_modified(feed.url)
            return "not modified", 0
        parsed = parse_feed(result.content, result.url, result.content_type)
        return "fetched", live.feed_fetched(feed.url, title=parsed.title, items=parsed.items, etag=result.etag,
                                            last_modified=result.last_modified)
    except Exception as exc:  # a library failure on a hostile feed is this feed's error too
        message = str(exc) if isinstance(exc, NewsbotError) else f"{type(exc).__name__}: {exc}"
        log.warning("feed %s: %s", feed.url, message)
        live.feed_failed(feed.url, message)
        return "failed", 0


def _take_item(live: LiveCorpus, fetcher: Fetcher, item: PendingItem) -> str:
    known = live.known_item(item)
    if known is not None:
        file, ours = known
        live.item_done(item, "added" if ours else "duplicate", file=file)
        return "recovered" if ours else "duplicate"
    try:
        result = fetcher.get(item.link, accept=PAGE_ACCEPT)
        stored = live.store(page_article(result, link=item.link, feed=item.feed, item=item.key,
                                         feed_published=item.published))
    except (ExtractError, FetchRefusedError) as exc:  # the page will not change its mind: not retried
        log.warning("item %s of %s: %s", item.link, item.feed, exc)
        live.item_done(item, "skipped", error=str(exc))
        return "failed"
    except Exception as exc:  # timeouts, 5xx: retried by the next polls, then given up
        message = str(exc) if isinstance(exc, NewsbotError) else f"{type(exc).__name__}: {exc}"
        gave_up = live.item_failed(item, message)
        log.warning("item %s of %s: %s (%s)", item.link, item.feed, message, "given up" if gave_up else "retried later")
        return "failed"
    if stored.added:
        live.item_done(item, "added", file=stored.file)
        return stored.file
    live.item_done(item, "duplicate", file=stored.file, error=stored.reason)
    return "duplicate"


def poll_feeds(live: LiveCorpus, fetcher: Fetcher, *, workers: int = POLL_WORKERS) -> PollReport:
    """Fetch every followed feed once, then take the pages of the items not taken yet."""
    report = PollReport()
    with live.poll_lock() as mine:
        if not mine:
            report.busy = True
            return report
        live.sync()
        feeds = live.feeds()
        report.feeds = len(feeds)
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="newsbot-poll") as pool:
            states = pool.map(lambda f: _guard(f"feed {f.url}", lambda: _poll_feed(live, fetcher, f), ("failed", 0)),
                              feeds)
            for state, new in states:
                report.new_items += new
                if state == "fetched":
                    report.fetched += 1
                elif state == "not modified":
                    report.not_modified += 1
                else:
                    report.failed_feeds += 1
            # an item listed by several feeds is fetched once: its first listing, then the others
            # (which find it stored)
            first: dict[str, PendingItem] = {}
            again: list[PendingItem] = []
            for item in live.pending_items():
                key = normalize_url(item.link)
                if key in first:
                    again.append(item)
                else:
                    first[key] = item
            outcomes = [outcome for batch in (list(first.values()), again) for outcome in pool.map(
                lambda i: _guard(f"item {i.link}", lambda: _take_item(live, fetcher, i), "failed"), batch)]
            for outcome in outcomes:
                if outcome == "duplicate":
                    report.duplicates += 1
                elif outcome == "failed":
                    report.failed_items += 1
                elif outcome != "recovered":
                    report.added.append(outcome)
    return report
