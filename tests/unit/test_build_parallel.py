"""A build in worker processes gives the same index, array for array, as a serial build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import Article, IndexData, read_corpus
from index import _store

REPO = Path(__file__).resolve().parents[2]

_SCORER_ARRAYS = ("_indptr", "_indices", "_data", "_max_contrib", "_idf", "_term_hash", "_term_offsets", "_term_bytes")


def _articles() -> list[Article]:
    """The seed articles plus synthetic ones: an acronym defined twice, a skipped one, unicode."""
    articles = list(read_corpus(REPO / "corpus").articles)
    extra = [
        ("syn-1", "Farmers protest in Normandy",
         "The National Farmers Union (NFU) said prices fell. The NFU wants help from Paris.\n\n"
         "Mr. Dupont, 54, paid $4.5 million for 1,200 cows in the U.S. last year."),
        ("syn-2", "Short", "Watch: video of the day\n\nCNN Map"),  # nothing quotable: skipped
        ("syn-3", "Maréchal-Le Pen’s “victory”",
         "Marion Maréchal-Le Pen won 45.43% of the vote in Provence-Alpes-Côte d’Azur, officials said.\n\n"
         "The Front National (FN) lost. The FN had hoped to win six regions… It won none."),
        ("syn-4", "Union again",
         "Officials of the National Farmers Union (NFU) met again on Monday. Talks lasted two hours."),
    ]
    articles += [Article(article_id=i, title=t, body=b, origin=f"synthetic:{i}") for i, t, b in extra]
    return articles


def _build(articles: list[Article], workers: int) -> tuple[IndexData, _store.BuildReport]:
    from index import ReadReport

    return _store.build_index(ReadReport(articles=articles), fingerprint="f", digests={}, corpus="c",
                              workers=workers)


@pytest.mark.parametrize("batch", [1, 3])
def test_parallel_build_equals_serial(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    articles = _articles()
    serial, serial_report = _build(articles, workers=1)
    monkeypatch.setattr(_store, "_BATCH_ARTICLES", batch)  # several batches from a few articles
    parallel, parallel_report = _build(articles, workers=2)
    assert parallel_report.workers == 2
    for name in _store._ARRAYS:
        a, b = getattr(serial, name), getattr(parallel, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    for which in ("sentences", "headlines"):
        s, p = getattr(serial, which), getattr(parallel, which)
        for name in _SCORER_ARRAYS:
            x, y = getattr(s, name), getattr(p, name)
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), (which, name)
        assert (s.n_docs, s.avgdl, s.average_idf, s.total_tokens) == (p.n_docs, p.avgdl, p.average_idf, p.total_tokens)
    assert serial.articles == parallel.articles
    assert list(serial.acronyms.items()) == list(parallel.acronyms.items())
    assert serial.acronyms["nfu"] == ["farmer", "union"] and "fn" in serial.acronyms
    assert serial.vocabulary == parallel.vocabulary
    assert serial_report.skipped == parallel_report.skipped == [("synthetic:syn-2", "no story text after cleaning")]
    assert (serial_report.articles, serial_report.sentences, serial_report.quotable) == (
        parallel_report.articles, parallel_report.sentences, parallel_report.quotable)


def test_large_corpora_use_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_store.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7})
    assert _store._build_workers(_store.PARALLEL_MIN_ARTICLES) == 1
    assert _store._build_workers(_store.PARALLEL_MIN_ARTICLES + 1) == _store.MAX_BUILD_WORKERS
    monkeypatch.setattr(_store.os, "sched_getaffinity", lambda _pid: {0})
    assert _store._build_workers(100_000) == 1
