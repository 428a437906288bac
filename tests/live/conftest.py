"""Fixtures for the live-news tests: a news site on 127.0.0.1 and a fetcher allowed to reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index import Fetcher, FetchPolicy
from tests.newsweb import NewsWeb


@pytest.fixture
def web() -> Iterator[NewsWeb]:
    with NewsWeb() as site:
        yield site


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """Private addresses allowed (the site is on 127.0.0.1), no per-host delay, short timeouts."""
    with Fetcher(FetchPolicy(allow_private=True, host_delay=0, read_timeout=5, total_timeout=10)) as f:
        yield f
