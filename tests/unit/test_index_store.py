"""The persisted index: round trip, rebuild on corpus change, corrupt files, locking."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from index import BuildReport, Retriever, analyze, load_index, open_index, read_corpus
from index.store import POINTER


def _current(cache: Path) -> Path:
    return cache / json.loads((cache / POINTER).read_text())["directory"]


def test_round_trip_equals_fresh_build(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built, report = open_index(corpus_copy, cache)
    assert report is not None and report.articles == 4 and report.skipped == []
    loaded, again = open_index(corpus_copy, cache)
    assert again is None  # loaded, not rebuilt
    assert loaded.n_chunks == built.n_chunks
    assert [loaded.chunk_text(i) for i in range(loaded.n_chunks)] == [built.chunk_text(i) for i in range(built.n_chunks)]
    query = analyze("Who beat Le Pen in the north?")
    assert np.array_equal(loaded.sentences.scores(query), built.sentences.scores(query))
    assert loaded.manifest["fingerprint"] == built.manifest["fingerprint"]
    assert loaded.manifest["analyzer"]["version"] >= 1 and loaded.manifest["bm25"]["k1"] == 1.5


def test_scores_are_rank_bm25s(seed_service) -> None:  # type: ignore[no-untyped-def]
    """The sentence scorer gives BM25Okapi's scores over the same analyzed sentences."""
    data = seed_service.retriever.data
    okapi = BM25Okapi([analyze(data.chunk_text(i)) for i in range(data.n_chunks)])
    for question in ("Who beat Le Pen in the north?", "six million votes", "Marechal-Le Pen niece"):
        query = analyze(question)
        assert np.allclose(data.sentences.scores(query), okapi.get_scores(query), atol=1e-9)


def test_rebuilds_when_articles_change(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache)
    (corpus_copy / "004_new.txt").write_text(
        "Cheese prices soar\n\nThe price of Camembert doubled in Normandy this winter, farmers said.\n", encoding="utf-8")
    edited = corpus_copy / "001_e0e1fe53f051b84c.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence was added to this story.\n",
                      encoding="utf-8")
    (corpus_copy / "002_51e2931671c4c276.txt").unlink()
    warnings: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=warnings.append)
    assert report is not None
    assert warnings == ["the corpus changed since the index was built; rebuilding"]
    assert report.changes == ["added 004_new.txt", "edited 001_e0e1fe53f051b84c.txt",
                              "removed 002_51e2931671c4c276.txt"]
    assert [a.article_id for a in data.articles] == [
        "000_33143928eb7eb01a", "001_e0e1fe53f051b84c", "003_855c1b4da3f0078c", "004_new"]
    hits = Retriever(data).search("Camembert price", k=1).hits
    assert hits[0].article.article_id == "004_new"
    assert len(list(cache.glob("index-*"))) == 1  # the stale index was removed


def test_corrupt_index_is_rebuilt_with_a_warning(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache)
    target = _current(cache) / "sentences"
    victim = sorted(target.glob("*.npy"))[0]
    victim.write_bytes(victim.read_bytes()[: len(victim.read_bytes()) // 2])
    warnings: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=warnings.append)
    assert report is not None and len(warnings) == 1 and "unusable" in warnings[0]
    assert Retriever(data).search("barricade", k=1).hits[0].text.startswith("The party chief")


def test_garbage_manifest_and_pointer(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache)
    (_current(cache) / "manifest.json").write_text("{not json", encoding="utf-8")
    warnings: list[str] = []
    _, report = open_index(corpus_copy, cache, warn=warnings.append)
    assert report is not None and "unusable" in warnings[0]
    (cache / POINTER).write_text("[]", encoding="utf-8")
    _, report = open_index(corpus_copy, cache)
    assert report is not None


def test_edited_array_is_detected(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache)
    path = _current(cache) / "quotable.npy"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    warnings: list[str] = []
    _, report = open_index(corpus_copy, cache, warn=warnings.append)
    assert report is not None and "checksum" in warnings[0]


def test_concurrent_openers_build_once(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    reports: list[object] = []

    def opener() -> None:
        reports.append(open_index(corpus_copy, cache)[1])

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in reports) == 1
    assert load_index(_current(cache)).n_chunks > 0


def test_acronyms_learned_from_corpus(seed_service) -> None:  # type: ignore[no-untyped-def]
    assert seed_service.retriever.data.acronyms["fn"] == ["nation", "front"]


def test_skipped_files_are_reported(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "bad.txt").write_bytes(b"\xff\xfe")
    _, report = open_index(corpus_copy, tmp_path / "cache")
    assert report is not None and report.skipped == [("bad.txt", "not valid UTF-8 (byte 0)")]
    assert len(read_corpus(corpus_copy).articles) == report.articles


def test_build_report_lines() -> None:
    """The lines the command line prints after a build (it adds its "newsbot: " prefix)."""
    quiet = BuildReport(articles=4, sentences=76, quotable=61, seconds={"read": 0.01, "index": 0.2})
    assert quiet.lines() == ["indexed 4 articles, 76 sentences (61 quotable); skipped 0; 0.2 s"]

    busy = BuildReport(
        articles=1234, sentences=56789, quotable=45678, seconds={"read": 1.0, "analyze": 2.25},
        skipped=[(f"bad{i}.txt", "empty file") for i in range(23)],
        changes=[f"edited a{i}.txt" for i in range(11)],
    )
    lines = busy.lines()
    assert lines[0] == "index rebuilt: " + ", ".join(f"edited a{i}.txt" for i in range(10)) + " …"
    assert lines[1:21] == [f"skipped bad{i}.txt: empty file" for i in range(20)]
    assert lines[21:] == [
        "… and 3 more skipped",
        "indexed 1,234 articles, 56,789 sentences (45,678 quotable); skipped 23; 3.2 s",
    ]

    few = BuildReport(articles=2, skipped=[("x.txt", "not valid UTF-8 (byte 3)")], changes=["added b.txt"])
    assert few.lines() == [
        "index rebuilt: added b.txt",
        "skipped x.txt: not valid UTF-8 (byte 3)",
        "indexed 2 articles, 0 sentences (0 quotable); skipped 1; 0.0 s",
    ]
