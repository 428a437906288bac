"""The corpus folder as the home of articles taken from the web, and of the feeds it follows.

Each article is one `.md` file with front matter (title, source, author, url = the canonical URL, link,
published, date_source, feed, fetched), written atomically: the corpus stays the single source of truth
and the index is rebuilt from it alone. Beside the articles, a SQLite database (a dot-file, which the
corpus reader ignores) keeps the feed list, each feed's state (ETag / Last-Modified, last fetch,
errors), each feed item's fate, and a cache of what every article file holds for deduplication (its
URLs and the simhash of its text), re-read from the files whenever they change (`sync`).

An article is stored once: not when its canonical URL or link is already in the corpus, nor when its
text is near-identical to an article's already there. The check and the write happen under a lock
(a thread lock and a lock file), so two threads or two processes cannot both store the same story.
A process killed at any moment leaves a whole file or none, and a file whose database row was not
yet written is found by the next `sync`."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .._atomic import atomic_write_text
from .._errors import ArticleError, CorpusError, FeedError
from .._sqlite import immediate_transaction
from ..text import fold
from ._dedupe import NEAR_DUPLICATE_BITS, hamming, normalize_url, simhash
from ._feeds import FeedItem
from ._text_files import ARTICLE_SUFFIXES, front_matter_text, parse_text_article, split_front_matter

STATE_FILE = ".newsbot-live.sqlite"
LOCK_FILE = ".newsbot-live.lock"  # held while the corpus or the database is written (short)
POLL_LOCK_FILE = ".newsbot-poll.lock"  # held for a whole poll: one poll at a time
MAX_ITEM_ATTEMPTS = 3  # a page that fails this often (timeouts, 5xx) is given up
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, added TEXT NOT NULL,
    etag TEXT, last_modified TEXT, last_fetch TEXT, last_ok TEXT,
    fetches INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE TABLE IF NOT EXISTS items (
    feed TEXT NOT NULL, key TEXT NOT NULL, link TEXT NOT NULL, title TEXT, published TEXT,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, file TEXT, error TEXT,
    seen TEXT NOT NULL, done TEXT, PRIMARY KEY (feed, key));
CREATE INDEX IF NOT EXISTS items_state ON items (state);
CREATE TABLE IF NOT EXISTS articles (
    file TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    url TEXT, link TEXT, simhash INTEGER NOT NULL, feed TEXT, item TEXT);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_link ON articles (link);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class WebArticle:
    """An article about to be stored in the corpus."""

    title: str
    text: str  # paragraphs separated by blank lines
    published: str
    date_source: str  # feed, page, fetched, front matter or file (index.articles.DATE_SOURCES)
    url: str | None = None  # canonical URL
    link: str | None = None  # the URL it was taken from (a feed item's link, the URL given to `add`)
    outlet: str | None = None
    author: str | None = None
    feed: str | None = None  # the feed that listed it
    item: str | None = None  # the feed item's guid / id, when it is not its link
    fetched: str | None = None  # when it was fetched (ISO 8601, UTC)

    def file_text(self) -> str:
        meta = {"title": self.title, "source": self.outlet, "author": self.author, "url": self.url,
                "link": self.link if self.link != self.url else None, "published": self.published,
                "date_source": self.date_source, "feed": self.feed,
                "item": self.item if self.item != self.link else None, "fetched": self.fetched}
        return front_matter_text(meta) + "\n" + self.text.strip() + "\n"


@dataclass(frozen=True)
class Stored:
    """What storing an article did: added as `file`, or not, because `file` already holds it."""

    added: bool
    file: str
    reason: str = ""  # why not: the same URL, or near-identical text


@dataclass(frozen=True)
class FeedState:
    """A followed feed, as `newsbot feeds` shows it."""

    url: str
    title: str | None
    added: str
    last_fetch: str | None
    last_ok: str | None
    etag: str | None
    last_modified: str | None
    fetches: int
    errors: int  # fetches or parses that failed
    last_error: str | None
    articles: int  # articles it brought into the corpus
    item_errors: int  # its items whose page could not be taken (given up, or no article text)
    pending: int  # items still to take


@dataclass(frozen=True)
class PendingItem:
    feed: str
    key: str
    link: str
    title: str | None
    published: str | None
    attempts: int


@dataclass(frozen=True)
class _Fingerprint:
    """What the deduplication needs of an article file."""

    url: str | None  # normalised
    link: str | None  # normalised
    simhash: int
    feed: str | None
    item: str | None  # the feed item it was taken for: its key (guid, else link as written)

    def row(self, file: str, size: int, mtime_ns: int) -> tuple[object, ...]:
        return (file, size, mtime_ns, self.url, self.link, self.simhash, self.feed, self.item)


def _fingerprint(file_text: str) -> _Fingerprint:
    """An article file's fingerprint; the simhash is over the story without its headline (so the same
    story stored from the web and put in by hand under another headline compare). ArticleError when the
    file is no article."""
    meta, _lines = split_front_matter(file_text)
    article = parse_text_article("fingerprint", file_text.encode("utf-8"))
    url, link = meta.get("url"), meta.get("link")
    return _Fingerprint(normalize_url(url) if url else None, normalize_url(link) if link else None,
                        simhash(article.body), meta.get("feed") or None,
                        meta.get("item") or meta.get("link") or url or None)


def _slug(title: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "article"


def file_name(article: WebArticle) -> str:
    """`<date>-<headline slug>-<hash>.md`: sorts by date; the hash is of the URL (or of the text, for
    an article without one), so the same URL can only ever make the same name."""
    key = normalize_url(article.url or article.link or "") if (article.url or article.link) else article.text
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    date = article.published[:10] if re.match(r"\d{4}-\d{2}-\d{2}", article.published) else "undated"
    return f"{date}-{_slug(article.title)}-{digest}.md"


class LiveCorpus:
    """A corpus directory that takes articles from the web; safe to share between threads."""

    def __init__(self, corpus: Path) -> None:
        if not corpus.is_dir():
            raise CorpusError(f"articles from the web are stored in a corpus directory, and {corpus} is "
                              + ("a file" if corpus.exists() else "not found"))
        self.dir = corpus
        self._lock = threading.RLock()
        self._db = sqlite3.connect(corpus / STATE_FILE, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=60000")
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self._hashes: tuple[int, np.ndarray, list[str]] | None = None  # (data_version, simhashes, files)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> LiveCorpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- locking -------------------------------------------------------------------------------
    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """This thread alone, and this process alone, writes articles until the block ends."""
        with self._lock, open(self.dir / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def poll_lock(self) -> Iterator[bool]:
        """True inside the block when this process holds the poll lock, False when another poll runs."""
        with open(self.dir / POLL_LOCK_FILE, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- the articles --------------------------------------------------------------------------
    def article_files(self) -> list[Path]:
        return sorted(p for p in self.dir.iterdir()
                      if p.suffix in ARTICLE_SUFFIXES and not p.name.startswith(".") and p.is_file())

    def sync(self) -> int:
        """Bring the article cache up to date with the files (added by hand, edited, removed, or
        written by a process killed before its database row); returns how many rows changed."""
        with self._writing():
            rows = {file: (size, mtime) for file, size, mtime in
                    self._db.execute("SELECT file, size, mtime_ns FROM articles")}
            changed = 0
            with self._transaction() as db:
                on_disk: set[str] = set()
                for path in self.article_files():
                    try:
                        stat = path.stat()
                    except OSError:
                        continue
                    on_disk.add(path.name)
                    if rows.get(path.name) == (stat.st_size, stat.st_mtime_ns):
                        continue
                    try:
                        text = path.read_bytes().decode("utf-8", errors="replace")
                    except OSError:
                        continue
                    try:
                        found = _fingerprint(text)
                    except ArticleError:  # a broken front matter: no URL to compare, the text still
                        found = _Fingerprint(None, None, simhash(text), None, None)
                    db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               found.row(path.name, stat.st_size, stat.st_mtime_ns))
                    changed += 1
                for gone in rows.keys() - on_disk:
                    db.execute("DELETE FROM articles WHERE file = ?", (gone,))
                    changed += 1
            if changed:
                self._hashes = None
            return changed

    def known_url(self, *urls: str | None) -> str | None:
        """The corpus file holding an article with one of these URLs (canonical or link), if any."""
        found = self._known(urls)
        return found[0] if found else None

    def _known(self, urls: tuple[str | None, ...]) -> tuple[str, str | None, str | None] | None:
        """(file, feed, item) of the article with one of these URLs."""
        keys = [normalize_url(u) for u in urls if u]
        if not keys:
            return None
        marks = ",".join("?" * len(keys))
        with self._lock:
            row = self._db.execute(f"SELECT file, feed, item FROM articles WHERE url IN ({marks}) OR link IN ({marks}) "
                                   "ORDER BY (feed IS NULL) LIMIT 1", keys + keys).fetchone()
        return (str(row[0]), row[1], row[2]) if row else None

    def known_item(self, item: PendingItem) -> tuple[str, bool] | None:
        """(file, whether it was stored for this very item) when the item's link is in the corpus
        already: stored by a poll killed before it could record the item, or for another item."""
        found = self._known((item.link,))
        return (found[0], found[1] == item.feed and found[2] == item.key) if found else None

    def _near(self, value: int) -> str | None:
        version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        if self._hashes is None or self._hashes[0] != version:
            rows = self._db.execute("SELECT file, simhash FROM articles WHERE simhash != 0").fetchall()
            self._hashes = (version, np.array([r[1] for r in rows], dtype=np.int64), [str(r[0]) for r in rows])
        _, hashes, files = self._hashes
        if not len(hashes):
            return None
        distances = hamming(hashes, value)
        best = int(np.argmin(distances))
        return files[best] if int(distances[best]) <= NEAR_DUPLICATE_BITS else None

    def store(self, article: WebArticle) -> Stored:
        """Write the article into the corpus unless it is there already (same URL, near-identical text)."""
        with self._writing():
            same = self.known_url(article.url, article.link)
            if same is not None:
                return Stored(False, same, f"the same URL as {same}")
            text = article.file_text()
            found = _fingerprint(text)
            near = self._near(found.simhash) if found.simhash else None
            if near is not None:
                return Stored(False, near, f"near-identical text to {near}")
            name = file_name(article)
            path = self.dir / name
            if path.exists():
                return Stored(False, name, f"{name} is already in the corpus")
            atomic_write_text(path, text)
            stat = path.stat()
            with self._transaction() as db:
                db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           found.row(name, stat.st_size, stat.st_mtime_ns))
            if self._hashes is not None:  # our own write: keep the cache, add the new hash
                version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
                self._hashes = (version, np.append(self._hashes[1], np.int64(found.simhash)), [*self._hashes[2], name])
            return Stored(True, name)

    # -- the feeds -----------------------------------------------------------------------------
    def _feed_url(self, url: str) -> str | None:
        """The followed feed's URL as stored, matching url exactly or once normalised."""
        with self._lock:
            for (stored,) in self._db.execute("SELECT url FROM feeds"):
                if stored == url or normalize_url(stored) == normalize_url(url):
                    return str(stored)
        return None

    def follow(self, url: str, title: str | None = None) -> bool:
        """Follow a feed; False when it was followed already."""
        if self._feed_url(url) is not None:
            return False
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO feeds (url, title, added) VALUES (?, ?, ?)", (url, title, now_iso()))
        return True

    def unfollow(self, url: str) -> str:
        """Stop following a feed (its articles stay in the corpus); returns the URL as it was stored."""
        stored = self._feed_url(url)
        if stored is None:
            raise FeedError(f"not following {url}")
        with self._transaction() as db:
            db.execute("DELETE FROM feeds WHERE url = ?", (stored,))
            db.execute("DELETE FROM items WHERE feed = ?", (stored,))
        return stored

    def feeds(self) -> list[FeedState]:
        with self._lock:
            counts: dict[str, dict[str, int]] = {}
            for feed, state, n in self._db.execute("SELECT feed, state, COUNT(*) FROM items GROUP BY feed, state"):
                counts.setdefault(feed, {})[state] = n
            rows = self._db.execute("SELECT url, title, added, last_fetch, last_ok, etag, last_modified, fetches, "
                                    "errors, last_error FROM feeds ORDER BY added, url").fetchall()
        out = []
        for url, title, added, last_fetch, last_ok, etag, last_modified, fetches, errors, last_error in rows:
            c = counts.get(url, {})
            out.append(FeedState(url, title, added, last_fetch, last_ok, etag, last_modified, fetches, errors,
                                 last_error, articles=c.get("added", 0),
                                 item_errors=c.get("failed", 0) + c.get("skipped", 0), pending=c.get("pending", 0)))
        return out

    def feed_fetched(self, url: str, *, title: str | None, items: list[FeedItem], etag: str | None,
                     last_modified: str | None) -> int:
        """Record a fetched and parsed feed, and its items not seen before as pending, in one
        transaction (the ETag is never saved without the items it covers); returns the new items."""
        at = now_iso()
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO items (feed, key, link, title, published, state, seen) "
                "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                [(url, i.key, i.link, i.title, i.published, at) for i in items])
            new = db.total_changes - before
            db.execute("UPDATE feeds SET title = COALESCE(?, title), etag = ?, last_modified = ?, last_fetch = ?, "
                       "last_ok = ?, fetches = fetches + 1 WHERE url = ?", (title, etag, last_modified, at, at, url))
        return new

    def feed_not_modified(self, url: str) -> None:
        at = now_iso()
        with self._transaction() as db:
            db.execute("UPDATE feeds SET last_fetch = ?, last_ok = ?, fetches = fetches + 1 WHERE url = ?",
                       (at, at, url))

    def feed_failed(self, url: str, error: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE feeds SET last_fetch = ?, fetches = fetches + 1, errors = errors + 1, last_error = ? "
                       "WHERE url = ?", (now_iso(), error[:500], url))

    def pending_items(self) -> list[PendingItem]:
        """Items still to take, oldest first (a poll killed half-way leaves some: the next takes them)."""
        with self._lock:
            rows = self._db.execute("SELECT feed, key, link, title, published, attempts FROM items "
                                    "WHERE state = 'pending' ORDER BY seen, rowid").fetchall()
        return [PendingItem(*row) for row in rows]

    def item_done(self, item: PendingItem, state: str, *, file: str | None = None, error: str | None = None) -> None:
        """added / duplicate (file = the corpus file), skipped (never retried: no article text, refused)."""
        with self._transaction() as db:
            db.execute("UPDATE items SET state = ?, file = ?, error = ?, done = ?, attempts = attempts + 1 "
                       "WHERE feed = ? AND key = ?", (state, file, error, now_iso(), item.feed, item.key))

    def item_failed(self, item: PendingItem, error: str) -> bool:
        """A failure worth retrying (timeout, 5xx); True when the item is given up."""
        give_up = item.attempts + 1 >= MAX_ITEM_ATTEMPTS
        with self._transaction() as db:
            db.execute("UPDATE items SET state = ?, error = ?, attempts = attempts + 1 WHERE feed = ? AND key = ?",
                       ("failed" if give_up else "pending", error[:500], item.feed, item.key))
        return give_up
