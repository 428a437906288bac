"""A build in worker processes gives the same index, array for array, as a serial build; a large index's
files are verified by size and word sum."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import (
    Article,
    BuildReport,
    IndexData,
    IndexFileError,
    ReadReport,
    build_index,
    load_index,
    read_corpus,
    save_index,
)
from index.store import _integrity, _segment, _workers

REPO = Path(__file__).resolve().parents[2]


def _same_arrays(a: IndexData, b: IndexData) -> None:
    """Two one-segment builds hold the same arrays, byte for byte."""
    (x,), (y,) = a.segments, b.segments
    for name in _segment.SEGMENT_ARRAYS:
        assert x.arrays[name].dtype == y.arrays[name].dtype and np.array_equal(x.arrays[name], y.arrays[name]), name
    for field in _segment.FIELDS:
        for name, arr in x.fields[field].arrays().items():
            assert arr.tobytes() == y.fields[field].arrays()[name].tobytes(), (field, name)
    for name, arr in a.lexicon.arrays().items():
        assert arr.tobytes() == b.lexicon.arrays()[name].tobytes(), name
    assert x.records == y.records and x.acronyms == y.acronyms


def _articles() -> list[Article]:
    """The seed articles plus synthetic ones: an acronym defined twice, a skipped one, unicode."""
    articles = list(read_corpus(REPO / "corpus").articles)
    extra = [
        ("syn-1", "Farmers protest in Normandy",
         ("The National Farmers Union (NFU) said prices fell. The NFU wants help from Paris.\n\n"
          "Mr. Dupont, 54, paid $4.5 million for 1,200 cows in the U.S. last year.")),
        ("syn-2", "Short", "Watch: video of the day\n\nCNN Map"),  # nothing quotable: skipped
        ("syn-3", "Maréchal-Le Pen’s “victory”",
         ("Marion Maréchal-Le Pen won 45.43% of the vote in Provence-Alpes-Côte d’Azur, officials said.\n\n"
          "The Front National (FN) lost. The FN had hoped to win six regions… It won none.")),
        ("syn-4", "Union again",
         "Officials of the National Farmers Union (NFU) met again on Monday. Talks lasted two hours."),
    ]
    articles += [Article(article_id=i, title=t, body=b, origin=f"synthetic:{i}") for i, t, b in extra]
    return articles


def _build(articles: list[Article], workers: int) -> tuple[IndexData, BuildReport]:
    return build_index(ReadReport(articles=articles), corpus="c", workers=workers)


@pytest.mark.parametrize("batch", [1, 3])
def test_parallel_build_equals_serial(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    articles = _articles()
    serial, serial_report = _build(articles, workers=1)
    monkeypatch.setattr(_workers, "_BATCH_ARTICLES", batch)  # several batches from a few articles
    parallel, parallel_report = _build(articles, workers=2)
    assert parallel_report.workers == 2
    _same_arrays(serial, parallel)
    for which in ("sentences", "headlines"):
        s, p = getattr(serial, which), getattr(parallel, which)
        assert (s.n_docs, s.avgdl, s.average_idf, s.total_tokens) == (p.n_docs, p.avgdl, p.average_idf, p.total_tokens)
    assert serial.articles == parallel.articles
    assert list(serial.acronyms.items()) == list(parallel.acronyms.items())
    assert serial.acronyms["nfu"] == ["farmer", "union"] and "fn" in serial.acronyms
    assert serial.vocabulary == parallel.vocabulary
    assert serial_report.skipped == parallel_report.skipped == [("synthetic:syn-2", "no story text after cleaning")]
    assert (serial_report.articles, serial_report.sentences, serial_report.quotable) == (
        parallel_report.articles, parallel_report.sentences, parallel_report.quotable)


def test_large_corpora_use_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7})
    assert _workers._build_workers(_workers.PARALLEL_MIN_ARTICLES) == 1
    assert _workers._build_workers(_workers.PARALLEL_MIN_ARTICLES + 1) == _workers.MAX_BUILD_WORKERS
    monkeypatch.setattr(_workers.os, "sched_getaffinity", lambda _pid: {0})
    assert _workers._build_workers(100_000) == 1


def _saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed index saved with word sums for every file (as a large index has for its arrays)."""
    monkeypatch.setattr(_integrity, "_BLAKE2B_MAX_BYTES", 0)
    monkeypatch.setattr(_segment, "PACK_MAX_BYTES", 0)  # one file per array, as a large index has
    data, _ = _build(list(read_corpus(REPO / "corpus").articles), workers=1)
    target = tmp_path / "index"
    save_index(data, target)
    (segment,) = [p for p in target.iterdir() if p.name.startswith("seg-")]
    meta = json.loads((segment / "segment.json").read_text())
    assert all(d.startswith("wsum64:") for d in meta["checksums"].values())
    return segment


@pytest.mark.parametrize("where", [0, 0.5, -1])
def test_one_flipped_byte_in_a_large_array_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        where: float) -> None:
    segment = _saved(tmp_path, monkeypatch)
    load_index(segment.parent)
    path = segment / "s_tf.npy"
    raw = bytearray(path.read_bytes())
    raw[int(len(raw) * where) if where >= 0 else -1] ^= 0x10
    path.write_bytes(bytes(raw))
    with pytest.raises(IndexFileError, match="checksum mismatch in s_tf.npy"):
        load_index(segment.parent)


def test_truncated_array_is_a_size_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    segment = _saved(tmp_path, monkeypatch)
    path = segment / "text_blob.npy"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IndexFileError, match="size mismatch in text_blob.npy"):
        load_index(segment.parent)


def test_word_sum_changes_with_any_byte(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 41 + b"tail"  # not a whole number of 8-byte words
    path.write_bytes(data)
    reference = _integrity._word_sum(path)
    padded = np.frombuffer(data + bytes(-len(data) % 8), dtype="<u8")
    expected = sum(int(x) * (2 * i + 1) for i, x in enumerate(padded.tolist())) % 2**64
    assert reference == f"wsum64:{len(data)}:{expected:016x}"
    for i in (0, 7, 8, 5000, len(data) - 1):
        edited = bytearray(data)
        edited[i] ^= 0x80
        path.write_bytes(bytes(edited))
        assert _integrity._word_sum(path) != reference


def test_failing_worker_processes_fall_back_to_this_process(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    articles = _articles()
    serial, _ = _build(articles, workers=1)

    def no_processes(*_args: object, **_kwargs: object) -> None:
        raise OSError(38, "Function not implemented: no semaphores here")

    monkeypatch.setattr(_workers, "_BATCH_ARTICLES", 2)
    monkeypatch.setattr(_workers, "ProcessPoolExecutor", no_processes)
    fallen, report = _build(articles, workers=2)
    assert report.workers == 1 and "worker processes failed" in caplog.text
    _same_arrays(serial, fallen)
    assert serial.sentences.scores(["pen"]).tolist() == fallen.sentences.scores(["pen"]).tolist()


def test_workers_dying_midway_the_rest_is_built_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    articles = _articles()
    serial, _ = _build(articles, workers=1)
    monkeypatch.setattr(_workers, "_BATCH_ARTICLES", 3)

    def two_batches_then_broken(items: list[Article], _n_workers: int):  # type: ignore[no-untyped-def]
        yield 0, _workers.process_articles(items[0:3])
        yield 3, _workers.process_articles(items[3:6])
        raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(_workers, "_parallel_batches", two_batches_then_broken)
    fallen, report = _build(articles, workers=2)
    assert report.workers == 1
    _same_arrays(serial, fallen)
    assert serial.articles == fallen.articles and serial.vocabulary == fallen.vocabulary
