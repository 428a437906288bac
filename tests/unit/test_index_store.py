"""The persisted index: round trip, incremental updates, corrupt files, the commit point, locking,
an unwritable cache, one cache per corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index import (
    BuildReport,
    IndexLockedError,
    Retriever,
    analyze,
    default_cache_dir,
    load_index,
    open_index,
    read_corpus,
    refresh_index,
)
from index.store import POINTER, _segment, read_current

REPO = Path(__file__).resolve().parents[2]
NEW_ARTICLE = "Cheese prices soar\n\nThe price of Camembert doubled in Normandy this winter, farmers said.\n"


def _segment_dirs(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if p.name.startswith("seg-"))


def _corrupt_first(cache: Path, name: str) -> Path:
    path = _segment_dirs(cache)[0] / name
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    return path


def test_round_trip_equals_fresh_build(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built, report = open_index(corpus_copy, cache, merge=False)
    assert report is not None and report.full and report.articles == 4 and report.skipped == []
    loaded = load_index(cache)  # another store: every file read and verified again
    again, none = open_index(corpus_copy, cache, merge=False)
    assert none is None and again is built  # nothing changed: the same snapshot
    assert loaded.n_chunks == built.n_chunks and loaded.identity == built.identity
    assert [loaded.chunk_text(i) for i in range(loaded.n_chunks)] == [built.chunk_text(i) for i in range(built.n_chunks)]
    query = analyze("Who beat Le Pen in the north?")
    assert np.array_equal(loaded.sentences.scores(query), built.sentences.scores(query))
    assert loaded.manifest["analyzer"]["version"] >= 1 and loaded.manifest["bm25"]["k1"] == 1.5
    assert [f["name"] for f in loaded.manifest["files"]] == sorted(p.name for p in corpus_copy.iterdir())


def test_scores_are_rank_bm25s(seed_service) -> None:  # type: ignore[no-untyped-def]
    """The sentence scorer gives BM25Okapi's scores over the same analyzed sentences."""
    data = seed_service.retriever.data
    okapi = BM25Okapi([analyze(data.chunk_text(i)) for i in range(data.n_chunks)])
    assert [data.chunk_terms(i) for i in range(data.n_chunks)] == [analyze(data.chunk_text(i))
                                                                   for i in range(data.n_chunks)]
    for question in ("Who beat Le Pen in the north?", "six million votes", "Marechal-Le Pen niece"):
        query = analyze(question)
        assert np.array_equal(data.sentences.scores(query), okapi.get_scores(query))


def _edit_corpus(corpus: Path) -> None:
    (corpus / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    edited = corpus / "001_e0e1fe53f051b84c.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence was added to this story.\n",
                      encoding="utf-8")
    (corpus / "002_51e2931671c4c276.txt").unlink()


def test_an_update_indexes_only_what_changed(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = open_index(corpus_copy, cache, merge=False)
    _edit_corpus(corpus_copy)
    warnings: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and not report.full and warnings == []
    assert report.changes == ["added 004_new.txt", "edited 001_e0e1fe53f051b84c.txt",
                              "removed 002_51e2931671c4c276.txt"]
    assert report.lines()[0].startswith("index updated: added 004_new.txt")
    assert [a.article_id for a in data.articles] == [
        "000_33143928eb7eb01a", "001_e0e1fe53f051b84c", "003_855c1b4da3f0078c", "004_new"]
    assert data.identity != first.identity
    commit = read_current(cache)
    assert commit is not None and len(commit.segments) == 2  # the first build's, and the new files'
    assert commit.segments[0].deletes is not None  # its copies of the edited and removed files
    hits = Retriever(data).search("Camembert price", k=1).hits
    assert hits[0].article.article_id == "004_new"
    rebuilt, _ = open_index(corpus_copy, tmp_path / "fresh", merge=False)
    assert [a.article_id for a in rebuilt.articles] == [a.article_id for a in data.articles]
    assert [data.chunk_text(i) for i in range(data.n_chunks)] == [rebuilt.chunk_text(i)
                                                                  for i in range(rebuilt.n_chunks)]
    for question in ("Who beat Le Pen in the north?", "Camembert farmers", "one more sentence", "regional election"):
        q = analyze(question)
        assert np.array_equal(data.sentences.scores(q), rebuilt.sentences.scores(q))
        assert np.array_equal(data.headlines.scores(q), rebuilt.headlines.scores(q))
        for a, b in zip(data.sentences.top_k(q, 10), rebuilt.sentences.top_k(q, 10), strict=True):
            assert np.array_equal(a, b)
    assert data.sentences.average_idf == rebuilt.sentences.average_idf
    assert data.headlines.average_idf == rebuilt.headlines.average_idf
    assert data.acronyms == rebuilt.acronyms
    assert data.vocabulary == rebuilt.vocabulary
    reopened = load_index(cache)
    q = analyze("Camembert Normandy winter")
    assert np.array_equal(reopened.sentences.scores(q), rebuilt.sentences.scores(q))


def test_a_touched_file_is_hashed_not_reindexed(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = open_index(corpus_copy, cache, merge=False)
    path = corpus_copy / "003_855c1b4da3f0078c.txt"
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    data, report = open_index(corpus_copy, cache, merge=False)
    assert report is None and data.identity == first.identity
    commit = read_current(cache)
    assert commit is not None and commit.generation == 2 and len(commit.segments) == 1
    assert next(f for f in commit.files if f.name == path.name).mtime_ns == path.stat().st_mtime_ns


def test_corrupt_segment_file_is_rebuilt_with_a_warning(corpus_copy: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_segment, "PACK_MAX_BYTES", 0)  # one file per array, as a large index has
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache, merge=False)
    victim = _segment_dirs(cache)[0] / "s_docs.npy"
    victim.write_bytes(victim.read_bytes()[: len(victim.read_bytes()) // 2])
    warnings: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and report.full and len(warnings) == 1 and "unusable" in warnings[0]
    assert Retriever(data).search("barricade", k=1).hits[0].text.startswith("The party chief")


def test_edited_array_is_detected(corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_segment, "PACK_MAX_BYTES", 0)
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache, merge=False)
    _corrupt_first(cache, "quotable.npy")
    warnings: list[str] = []
    _, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and "checksum" in warnings[0]


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_packed_segment_is_rebuilt_with_a_warning(corpus_copy: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache, merge=False)
    (segment,) = _segment_dirs(cache)
    assert sorted(p.name for p in segment.iterdir()) == ["segment.json", "segment.npz"]  # a small index: packed
    victim = segment / "segment.npz"
    raw = bytearray(victim.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw[len(raw) // 3] ^= 1
    victim.write_bytes(bytes(raw))
    warnings: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and report.full and len(warnings) == 1 and "unusable" in warnings[0]
    assert ("size mismatch" if damage == "truncate" else "checksum mismatch") in warnings[0]
    assert Retriever(data).search("barricade", k=1).hits[0].text.startswith("The party chief")


def test_packed_and_unpacked_segments_load_the_same(corpus_copy: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    packed, _ = open_index(corpus_copy, tmp_path / "packed", merge=False)
    monkeypatch.setattr(_segment, "PACK_MAX_BYTES", 0)
    files, _ = open_index(corpus_copy, tmp_path / "files", merge=False)
    assert len(list(_segment_dirs(tmp_path / "files")[0].iterdir())) > 30
    a = load_index(tmp_path / "packed")
    b = load_index(tmp_path / "files")
    for x, y in ((a, packed), (b, files), (a, b)):
        (sx,), (sy,) = x.segments, y.segments
        assert sx.files == sy.files and sx.acronyms == sy.acronyms and sx.records.columns == sy.records.columns
        for name, arr in sx.arrays.items():
            assert np.array_equal(arr, sy.arrays[name]) and arr.dtype == sy.arrays[name].dtype, name
        for field_name, postings in sx.fields.items():
            for name, arr in postings.arrays().items():
                assert np.array_equal(arr, sy.fields[field_name].arrays()[name]), name
    assert not a.segments[0].arrays["tokens"].flags.writeable


def test_garbage_commit_and_pointer(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache, merge=False)
    commit = read_current(cache)
    assert commit is not None
    (cache / commit.name).write_text("{not json", encoding="utf-8")
    warnings: list[str] = []
    _, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and "unusable" in warnings[0] and "checksum mismatch" in warnings[0]
    (cache / POINTER).write_text("[]", encoding="utf-8")
    _, report = open_index(corpus_copy, cache, merge=False)
    assert report is not None
    (cache / POINTER).write_text(json.dumps({"directory": "index-0123"}), encoding="utf-8")  # the old format
    warnings.clear()
    _, report = open_index(corpus_copy, cache, warn=warnings.append, merge=False)
    assert report is not None and "older newsbot" in warnings[0]


def test_concurrent_openers_build_once(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    reports: list[object] = []

    def opener() -> None:
        reports.append(open_index(corpus_copy, cache, merge=False)[1])

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in reports) == 1
    assert load_index(cache).n_chunks > 0


def test_acronyms_learned_from_corpus(seed_service) -> None:  # type: ignore[no-untyped-def]
    assert seed_service.retriever.data.acronyms["fn"] == ["nation", "front"]


def test_skipped_files_are_reported(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "bad.txt").write_bytes(b"\xff\xfe")
    data, report = open_index(corpus_copy, tmp_path / "cache", merge=False)
    assert report is not None and report.skipped == [("bad.txt", "not valid UTF-8 (byte 0)")]
    assert len(read_corpus(corpus_copy).articles) == report.articles
    assert data.skipped == [("bad.txt", "not valid UTF-8 (byte 0)")]
    assert load_index(tmp_path / "cache").skipped == data.skipped  # kept in the commit


def test_duplicates_follow_the_first_file(corpus_copy: Path, tmp_path: Path) -> None:
    """An id in two files: the file first by name wins, as read_corpus says, after any update."""
    cache = tmp_path / "cache"
    line = {"id": "003_855c1b4da3f0078c", "title": "Imposter", "text": "An imposter story about the harbour bridge."}
    (corpus_copy / "zz.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    data, report = open_index(corpus_copy, cache, merge=False)
    assert report is not None and ("zz.jsonl:1", "duplicate article id '003_855c1b4da3f0078c'") in report.skipped
    assert [a.title for a in data.articles if a.article_id == "003_855c1b4da3f0078c"] != ["Imposter"]
    (corpus_copy / "003_855c1b4da3f0078c.txt").unlink()  # now the jsonl's copy is the only one
    data, _ = open_index(corpus_copy, cache, merge=False)
    assert [a.title for a in data.articles if a.article_id == "003_855c1b4da3f0078c"] == ["Imposter"]
    assert data.skipped == []


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

    few = BuildReport(articles=2, skipped=[("x.txt", "not valid UTF-8 (byte 3)")], changes=["added b.txt"],
                      warnings=[("y.txt", "not valid UTF-8 (byte 9); read as Windows-1252")], full=False)
    assert few.lines() == [
        "index updated: added b.txt",
        "y.txt: not valid UTF-8 (byte 9); read as Windows-1252",
        "skipped x.txt: not valid UTF-8 (byte 3)",
        "now 2 articles, 0 sentences (0 quotable); skipped 1; 0.0 s",
    ]


# ------------------------------------------------------------------------------ refresh


def test_refresh_keeps_questions_in_flight_on_their_snapshot(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old, _ = open_index(corpus_copy, cache, merge=False)
    same, report = refresh_index(old)
    assert same is old and report is None
    (corpus_copy / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    new, report = refresh_index(old)
    assert new is not old and report is not None and report.changes == ["added 004_new.txt"]
    assert new.segments[0] is old.segments[0]  # the loaded segment is shared, not read again
    assert Retriever(new).search("Camembert price", k=1).hits[0].article.article_id == "004_new"
    old_hits = Retriever(old).search("Camembert price", k=3).hits  # the old snapshot still answers
    assert all(h.article.article_id != "004_new" for h in old_hits)
    assert refresh_index(new)[0] is new


def test_a_commit_by_another_process_is_picked_up(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old, _ = open_index(corpus_copy, cache, merge=False)
    (corpus_copy / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    subprocess.run([sys.executable, "-c", f"from index import open_index; open_index({str(corpus_copy)!r}, "
                                          f"{str(cache)!r}, merge=False)"], check=True, cwd=REPO, timeout=120)
    new, report = refresh_index(old)
    assert report is None and new is not old and len(new.articles) == 5


# ------------------------------------------------------------------------------ the store cannot wedge

_HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.pwrite(fd, f"{os.getpid()}\\n".encode(), 0)
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_writer_names_whom_it_waits_for_and_gives_up(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(cache / ".lock")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        said: list[str] = []
        with pytest.raises(IndexLockedError) as caught:
            open_index(corpus_copy, cache, lock_timeout=0.5, warn=said.append, merge=False)
        message = str(caught.value)
        assert f"process {holder.pid}" in message and "gave up waiting after 0.5 s" in message
        assert "NEWSBOT_LOCK_TIMEOUT" in message and "\n" not in message
        assert len(said) == 1 and said[0].startswith(f"waiting for process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()
    data, report = open_index(corpus_copy, cache, lock_timeout=5, merge=False)  # the kernel dropped the lock
    assert report is not None and data.n_chunks > 0


def test_a_cache_that_cannot_be_created_serves_from_memory(corpus_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    cache = blocker / "cache"  # cannot be created, not even by root
    said: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=said.append, merge=False)
    assert report is not None and len(data.articles) == 4
    assert len(said) == 1 and "NEWSBOT_CACHE_DIR" in said[0] and str(cache) in said[0]
    again, none = open_index(corpus_copy, cache, warn=said.append, merge=False)
    assert again is data and none is None and len(said) == 1
    (corpus_copy / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    newer, report = refresh_index(data)
    assert report is not None and not report.full and len(newer.articles) == 5


def test_a_read_only_cache_still_serves_its_index(corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    cache = tmp_path / "cache"
    subprocess.run([sys.executable, "-c", f"from index import open_index; open_index({str(corpus_copy)!r}, "
                                          f"{str(cache)!r}, merge=False)"], check=True, cwd=REPO, timeout=120)
    from index.store import _lock

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_lock.os, "open", refuse)  # as a read-only file system answers
    said: list[str] = []
    data, report = open_index(corpus_copy, cache, warn=said.append, merge=False)
    assert report is None and said == [] and len(data.articles) == 4  # nothing to write: loaded
    (corpus_copy / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    newer, report = open_index(corpus_copy, cache, warn=said.append, merge=False)
    assert report is not None and len(newer.articles) == 5 and newer.segments[0] is data.segments[0]
    assert len(said) == 1 and "NEWSBOT_CACHE_DIR" in said[0] and "Permission denied" in said[0]


def test_each_corpus_gets_its_own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    a, b = default_cache_dir(tmp_path / "news"), default_cache_dir(tmp_path / "other.jsonl")
    assert a != b and a.parent == b.parent == tmp_path / "xdg" / "newsbot"
    assert a.name.startswith("news-") and b.name.startswith("other.jsonl-")
    assert default_cache_dir(tmp_path / "news") == a
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir(tmp_path / "news").parent == tmp_path / "home" / ".cache" / "newsbot"


def test_stale_files_are_removed_by_the_next_writer(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_index(corpus_copy, cache, merge=False)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (cache / f"tmp-{dead.pid}-deadbeef").mkdir()  # a writer killed while writing a segment
    (cache / "seg-999999-orphan").mkdir()  # a segment no commit names
    (cache / "index-0123abcd-old").mkdir()  # the format before segments
    (corpus_copy / "004_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    open_index(corpus_copy, cache, merge=False)
    names = {p.name for p in cache.iterdir()}
    assert not {f"tmp-{dead.pid}-deadbeef", "seg-999999-orphan", "index-0123abcd-old"} & names
    shutil.rmtree(cache)


@pytest.mark.parametrize("block", [1, 3, 1 << 20])
def test_the_word_sum_of_a_large_file_is_its_definition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         block: int) -> None:
    """Large index files carry sum((2i + 1) x_i) mod 2**64 of their 8-byte words (zero-padded), read in
    blocks: checked against that sum worked out word by word, for files that end inside a word, at a
    block's end and past it, and for a changed byte."""
    from index.store import _integrity

    monkeypatch.setattr(_integrity, "_WORD_BLOCK", block)
    rng = np.random.default_rng(7)
    for n in (0, 1, 7, 8, 9, 23, 24, 25, 1000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        path = tmp_path / f"f{n}.npy"
        path.write_bytes(data)
        padded = data + bytes(-n % 8)
        want = 0
        for i in range(len(padded) // 8):
            want = (want + (2 * i + 1) * int.from_bytes(padded[8 * i : 8 * i + 8], "little")) % 2**64
        assert _integrity._word_sum(path) == f"wsum64:{n}:{want:016x}"
        if n:
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
            assert _integrity._word_sum(path) != f"wsum64:{n}:{want:016x}"
