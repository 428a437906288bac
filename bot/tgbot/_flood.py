"""The flood guard: how many questions one user may ask per minute, and what happens beyond that."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once
    DROP = "drop"  # still over the limit: stay quiet


class FloodGuard:
    """At most ``limit`` questions per user in any ``window`` seconds (a sliding window).

    The first question over the limit gets WARN (answer politely once), later ones DROP until
    the window has room again. Refused questions do not use up the window.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        self._checks += 1
        if self._checks % 1000 == 0:
            self._prune(now)
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def _prune(self, now: float) -> None:
        for user_id in [u for u, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[user_id]
            self._warned.discard(user_id)
