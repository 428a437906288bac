"""Keeping a running service current: poll the followed feeds, then answer from the corpus as it is now
(new articles from the feeds and files put in the folder by hand) with `NewsService.refresh()`.

The REPL runs `LiveUpdater` in a background thread, the Telegram bot on PTB's JobQueue, both every
NEWSBOT_FEED_INTERVAL. A round never raises: a failure is one log line, and the next round tries again.
A corpus that follows no feed is never written to (it may be read-only, as in the Docker image)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from index import STATE_FILE, Fetcher, FetchPolicy, LiveCorpus, PollReport, poll_feeds

from .settings import Settings

log = logging.getLogger("newsbot.live")


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetcher's limits from the settings (NEWSBOT_FETCH_*)."""
    timeout = settings.fetch_timeout
    return FetchPolicy(allow_private=settings.fetch_allow_private, max_bytes=settings.fetch_max_bytes,
                       connect_timeout=min(10.0, timeout), read_timeout=min(20.0, timeout), total_timeout=timeout,
                       host_delay=settings.fetch_host_delay)


class LiveUpdater:
    """One round (`run_once`) polls the feeds and refreshes the service; `start` runs rounds every
    interval in a daemon thread until `stop`."""

    def __init__(self, service: Any, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._round = threading.Lock()

    def poll(self) -> PollReport | None:
        """Poll the followed feeds once (None when the corpus follows none)."""
        corpus = self.settings.corpus
        if not (corpus.is_dir() and (corpus / STATE_FILE).exists()):
            return None
        with LiveCorpus(corpus) as live, Fetcher(fetch_policy(self.settings)) as fetcher:
            if not live.feeds():
                return None
            report = poll_feeds(live, fetcher, workers=self.settings.poll_workers)
        log.info("%s", report.line())
        return report

    def run_once(self) -> bool:
        """Poll, then refresh; True when the service answers from a new index. Never raises. The
        articles the poll wrote are indexed first, looking at no other file (an add that costs the
        same however many files the corpus holds); then the whole folder is looked at, for files put
        there by hand."""
        with self._round:
            report = None
            try:
                report = self.poll()
            except Exception as exc:
                log.warning("feed poll failed: %s: %s", type(exc).__name__, exc)
            refresh = getattr(self.service, "refresh", None)
            if not callable(refresh):
                return False
            try:
                changed = False
                if report is not None and report.added:
                    added = [self.settings.corpus / name for name in report.added]
                    changed = bool(refresh(warn=log.warning, added=added))
                changed = bool(refresh(warn=log.warning)) or changed
            except Exception as exc:
                log.warning("could not open the new index (still answering from the old one): %s: %s",
                            type(exc).__name__, exc)
                return False
            if changed:
                log.info("now answering from %s", self.service.describe())
            return changed

    def start(self) -> LiveUpdater:
        """Run a round every NEWSBOT_FEED_INTERVAL seconds in a daemon thread (never when it is 0)."""
        if self.settings.feed_interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="newsbot-live", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.feed_interval):
            self.run_once()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait a little: a round cut short by the exit loses nothing (polls
        survive being killed at any moment)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
