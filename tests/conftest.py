"""Fixtures shared by every suite: the seed corpus and one index built per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed corpus, built once per session in a temporary cache."""
    from bot import NewsService

    cache = tmp_path_factory.mktemp("seed-cache")
    NewsService.open(SEED_CORPUS, cache)
    return cache


@pytest.fixture(scope="session")
def seed_service(seed_cache: Path):  # type: ignore[no-untyped-def]
    from bot import NewsService

    return NewsService.open(SEED_CORPUS, seed_cache)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed corpus, for tests that add, edit or break articles."""
    target = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, target)
    return target
