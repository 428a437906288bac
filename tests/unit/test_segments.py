"""An index that grows: after any sequence of adds, edits, removals and merges, the snapshot is a full
rebuild's, bit for bit — scores, top-k (as article id and position) and tie order — and both are
rank-bm25's BM25Okapi over the live sentences (and articles) in canonical order. Adds whose cost does
not grow with the corpus: ``add_files`` looks only at the files it is given, and a commit writes only
the part of its file list that changed."""

from __future__ import annotations

import itertools
import json
import math
import random
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from index import (
    IndexData,
    RankingWeights,
    ReadReport,
    Retriever,
    add_files,
    build_index,
    load_index,
    open_index,
    read_corpus,
    refresh_index,
)
from index.bm25 import _kernels, _scorer
from index.store import merge_once, pick_merge, read_current, store_for
from index.store._commit import FILES_PREFIX, Commit, SegmentEntry, commit_name

# a small vocabulary: common words fall in more than half of the sentences (negative idf, the
# epsilon floor), rarer ones in a few; names give acronym definitions
WORDS = ("harbour bridge mayor council vote budget river storm police school farmers prices winter "
         "minister election region party leader court trial fire museum").split()
NAMES = ["National Front (FN)", "Harbour Authority (HA)", "Farmers Union (FU)"]


def _sentence(rng: random.Random) -> str:
    n = rng.randint(4, 9)
    words = [rng.choice(WORDS[: rng.choice([4, 8, len(WORDS)])]) for _ in range(n)]
    if rng.random() < 0.15:
        words.insert(1, rng.choice(NAMES))
    return " ".join(words).capitalize() + "."


def _article(rng: random.Random, article_id: str) -> dict[str, str]:
    body = "\n\n".join(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 3)))
    return {"id": article_id, "title": " ".join(rng.choice(WORDS) for _ in range(3)).title(), "text": body}


def _write(corpus: Path, name: str, seed: int) -> None:
    rng = random.Random(seed)
    if name.endswith(".txt"):
        art = _article(rng, name[:-4])
        (corpus / name).write_text(f"{art['title']}\n\n{art['text']}\n", encoding="utf-8")
    else:
        # ids may repeat across files (the first file by name wins) and within one (the first line wins)
        ids = [f"j{rng.randint(0, 6)}" for _ in range(rng.randint(1, 3))]
        (corpus / name).write_text("".join(json.dumps(_article(rng, i)) + "\n" for i in ids), encoding="utf-8")


def _canonical(data: IndexData) -> list[tuple[str, int]]:
    return [(data.articles[int(data.chunk_article[i])].article_id, data.position(i)) for i in range(data.n_chunks)]


def _queries(rng: random.Random) -> list[list[str]]:
    stems = ["harbour", "bridg", "mayor", "council", "vote", "budget", "river", "storm", "polic", "school", "farmer",
             "price", "winter", "minist", "elect", "region", "parti", "leader", "court", "trial", "fn", "nation"]
    return [[rng.choice(stems) for _ in range(rng.randint(1, 5))] for _ in range(6)] + [["nope"], []]


def _same_as_full_rebuild(data: IndexData, corpus: Path, rng: random.Random) -> None:
    full, _ = build_index(read_corpus(corpus), workers=1)
    assert [a.article_id for a in data.articles] == [a.article_id for a in full.articles]
    assert [a.title for a in data.articles] == [a.title for a in full.articles]
    assert _canonical(data) == _canonical(full)
    assert [data.chunk_text(i) for i in range(data.n_chunks)] == [full.chunk_text(i) for i in range(full.n_chunks)]
    assert np.array_equal(data.quotable, full.quotable)
    assert data.acronyms == full.acronyms and data.vocabulary == full.vocabulary
    sentences = [full.chunk_terms(i) for i in range(full.n_chunks)]
    assert [data.chunk_terms(i) for i in range(data.n_chunks)] == sentences
    okapi = BM25Okapi(sentences)
    for which in ("sentences", "headlines"):
        ours, theirs = getattr(data, which), getattr(full, which)
        assert (ours.n_docs, ours.avgdl, ours.average_idf, ours.vocabulary_size) == (
            theirs.n_docs, theirs.avgdl, theirs.average_idf, theirs.vocabulary_size)
    assert data.sentences.average_idf == okapi.average_idf and data.sentences.avgdl == okapi.avgdl
    queries = _queries(rng)
    # numba's typed lists (one kernel call over every segment) are compiled in the background by
    # warm_up; until then the kernels are called per segment: both give the same results
    ready = _kernels._lists_ready.is_set()
    try:
        for typed in (False, True) if _kernels.numba_kernels() is not None else (False,):
            if typed:
                _kernels._compile_typed_lists()
            else:
                _kernels._lists_ready.clear()
            data.sentences._lists = data.headlines._lists = None
            data._token_lists = None
            _same_scores(data, full, okapi, queries)
            assert (data.sentences._segment_lists() is not None) == (typed and len(data.segments) > 0)
    finally:
        if ready:
            _kernels._lists_ready.set()


def _same_scores(data: IndexData, full: IndexData, okapi: BM25Okapi, queries: list[list[str]]) -> None:
    for query in queries:
        ref = okapi.get_scores(query)
        assert np.array_equal(data.sentences.scores(query), ref), query
        assert np.array_equal(data.headlines.scores(query), full.headlines.scores(query)), query
        allowed = np.asarray(data.quotable, dtype=bool)
        prepared = data.sentences.prepare(allowed)
        for k in (1, 3, 10):
            want_ids, want_sc = full.sentences.top_k(query, k, allowed=allowed)
            for backend, prune in (("numpy", None), ("numba", None), ("numba", 0)):
                data.sentences._backend = backend
                data.sentences._prune_min_postings = _kernels.PRUNE_MIN_POSTINGS if prune is None else prune
                ids, sc = data.sentences.top_k(query, k, allowed=allowed)
                assert ids.tolist() == want_ids.tolist() and np.array_equal(sc, want_sc), (query, k, backend, prune)
                ids, sc = data.sentences.top_k(query, k, allowed=prepared)  # the same mask, made ready
                assert ids.tolist() == want_ids.tolist() and np.array_equal(sc, want_sc), (query, k, backend, prune)
            order = sorted(range(len(ref)), key=lambda i: (-ref[i], i))
            assert want_ids.tolist() == [i for i in order if ref[i] > 0 and allowed[i]][:k]
        some = np.arange(data.headlines.n_docs)[::2]
        dense = full.headlines.scores(query)
        assert np.array_equal(data.headlines.scores_of(query, some), dense[some])
        # the listed articles' scores and the best of all (or of those allowed), from one pass over the rows
        odd = np.arange(data.headlines.n_docs) % 2 == 1
        for backend in ("numpy", "numba"):
            data.headlines._backend = backend
            for mask in (None, odd):
                values, best = data.headlines.scores_and_best(query, some, allowed=mask)
                allowed_scores = dense if mask is None else dense[mask]
                assert np.array_equal(values, dense[some]), (query, backend)
                assert best == max(float(allowed_scores.max(initial=0.0)), 0.0), (query, backend, mask is None)
        data.headlines._backend = "auto"


OPS = st.lists(st.tuples(st.sampled_from(["add", "add", "edit", "remove", "merge"]), st.integers(0, 7),
                         st.integers(0, 10_000)), min_size=2, max_size=7)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, seed=st.integers(0, 1000))
def test_adds_edits_removals_and_merges_equal_a_full_rebuild(tmp_path_factory: pytest.TempPathFactory,
                                                              ops: list[tuple[str, int, int]], seed: int) -> None:
    root = tmp_path_factory.mktemp("grow")
    corpus, cache = root / "corpus", root / "cache"
    corpus.mkdir()
    names = [f"{c}{i}.{'txt' if i % 2 else 'jsonl'}" for i, c in enumerate("mdbhkaqz")]
    _write(corpus, names[0], seed)
    open_index(corpus, cache, merge=False)
    rng = random.Random(seed)
    for op, which, content in ops:
        name = names[which]
        present = sorted(p.name for p in corpus.iterdir())
        if op == "add" or (op == "edit" and name in present):
            _write(corpus, name, content)
        elif op == "remove" and name in present and len(present) > 1:
            (corpus / name).unlink()
        elif op == "merge":
            merge_once(cache, store_for(cache), max_per_tier=1)
        try:
            data, _ = open_index(corpus, cache, merge=False)
        except Exception:
            if not any(a for p in corpus.iterdir() for a in read_corpus(corpus).articles):  # pragma: no cover
                continue
            raise
        _same_as_full_rebuild(data, corpus, rng)
    shutil.rmtree(root)


def test_a_merge_keeps_the_snapshot_exact_and_readers_on_theirs(tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    for i in range(6):
        _write(corpus, f"f{i}.txt", i)
        open_index(corpus, cache, merge=False)
    before, _ = open_index(corpus, cache, merge=False)
    commit = read_current(cache)
    assert commit is not None and len(commit.segments) == 6
    (corpus / "f2.txt").unlink()  # a deletion in one of the segments to merge
    after_removal, _ = open_index(corpus, cache, merge=False)
    assert merge_once(cache, store_for(cache), max_per_tier=2)
    merged, report = open_index(corpus, cache, merge=False)
    assert report is None and merged is not after_removal and merged.identity == after_removal.identity
    commit = read_current(cache)
    assert commit is not None and len(commit.segments) < 5
    _same_as_full_rebuild(merged, corpus, random.Random(1))
    assert len(before.articles) == 6 and before.chunk_text(0)  # the old snapshot still reads its segments
    while merge_once(cache, store_for(cache), max_per_tier=1):
        pass
    commit = read_current(cache)
    assert commit is not None and pick_merge(commit.segments, 1) is None  # one segment per size tier
    tiers = [len(str(s.n_live)) for s in commit.segments]
    assert len(tiers) == len(set(tiers))
    _same_as_full_rebuild(open_index(corpus, cache, merge=False)[0], corpus, random.Random(2))


def test_the_merge_policy() -> None:
    def seg(name: str, live: int, total: int | None = None) -> SegmentEntry:
        return SegmentEntry(name, "", total or live, live)

    assert pick_merge([seg(f"s{i}", 5) for i in range(10)]) is None  # ten in tier 0: allowed
    small = [seg(f"s{i}", 9 - i) for i in range(11)]
    assert pick_merge(small) == [f"s{i}" for i in range(10, 0, -1)]  # the ten smallest of the tier
    assert pick_merge([seg("big", 1_000_000), *[seg(f"m{i:02d}", 50_000) for i in range(11)]]) == [
        f"m{i:02d}" for i in range(10)]
    assert pick_merge([seg("big", 400, 1000), seg("ok", 500)]) == ["big"]  # more than half deleted: rewritten


def test_build_index_equals_open_index(corpus_copy: Path, tmp_path: Path) -> None:
    opened, _ = open_index(corpus_copy, tmp_path / "cache", merge=False)
    built, _ = build_index(ReadReport(articles=read_corpus(corpus_copy).articles), workers=1)
    assert _canonical(opened) == _canonical(built)


def test_background_merges_follow_the_policy_and_the_service_sees_them(tmp_path: Path) -> None:
    from index import refresh_index, wait_for_merges

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    for i in range(12):  # twelve one-article segments: more than ten in the smallest tier
        _write(corpus, f"g{i:02d}.txt", i)
        data, _ = open_index(corpus, cache, merge=False)
    commit = read_current(cache)
    assert commit is not None and len(commit.segments) == 12
    data, _ = open_index(corpus, cache)  # nothing to index; merging starts in the background
    assert wait_for_merges(60)
    commit = read_current(cache)
    assert commit is not None and pick_merge(commit.segments) is None and len(commit.segments) < 12
    merged, report = refresh_index(data)
    assert report is None and merged is not data and merged.identity == data.identity
    _same_as_full_rebuild(merged, corpus, random.Random(3))


def _same_as_made_whole(data: IndexData, cache: Path) -> None:
    """The snapshot open_index handed out (derived from the previous one, or made whole) equals
    make_snapshot of its commit from scratch, array for array."""
    from index.store._snapshot import make_snapshot
    from index.store._writer import liveness

    commit = read_current(cache)
    assert commit is not None and data.manifest == commit.to_json()
    lives, lexicon = store_for(cache).load(commit)
    whole = make_snapshot(commit, lives, lexicon)
    masks, duplicates, _ = liveness(commit.files, {name: live.segment for name, live in lives.items()})
    assert duplicates == commit.duplicates  # the liveness of appended files alone is the whole corpus's
    for name, live in lives.items():
        assert np.array_equal(masks[name], np.ones_like(masks[name]) if live.live is None else live.live)
    assert data.identity == whole.identity and data.skipped == whole.skipped and data.warnings == whole.warnings
    for name in ("article_first", "chunk_article", "quotable"):
        mine, theirs = getattr(data, name), getattr(whole, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert list(data.articles) == list(whole.articles) and data.acronyms == whole.acronyms
    assert list(data.acronyms) == list(whole.acronyms)
    assert [s.name for s in data.segments] == [s.name for s in whole.segments]
    for which in ("sentences", "headlines"):
        ours, theirs = getattr(data, which), getattr(whole, which)
        for attr in ("n_docs", "total_tokens", "avgdl", "average_idf", "max_idf", "vocabulary_size", "_search_order",
                     "_max_docs"):
            assert getattr(ours, attr) == getattr(theirs, attr), (which, attr)
        for attr in ("_df", "_idf", "_order", "seg_of", "local_of"):
            mine, other = getattr(ours, attr), getattr(theirs, attr)
            assert mine.dtype == other.dtype and np.array_equal(mine, other), (which, attr)
        for a, b in zip(ours._segments, theirs._segments, strict=True):
            assert a.n_live == b.n_live and np.array_equal(a.live, b.live) and np.array_equal(a.canon, b.canon)
            assert a.canon.dtype == b.canon.dtype and not a.live.flags.writeable and not a.canon.flags.writeable
            for key, arr in a.postings.arrays().items():
                assert np.array_equal(arr, b.postings.arrays()[key]), key


SORTED_OPS = st.lists(st.tuples(st.sampled_from(["add", "add", "add", "merge", "edit", "remove"]), st.integers(0, 3)),
                      min_size=3, max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=SORTED_OPS, seed=st.integers(0, 1000))
def test_snapshots_derived_from_the_previous_equal_ones_made_whole(tmp_path_factory: pytest.TempPathFactory,
                                                                   ops: list[tuple[str, int]], seed: int) -> None:
    """Adds of files sorting after the others (the snapshot is derived from the previous one), merges
    (derived too), edits and removals (made whole), in any order: every snapshot equals make_snapshot
    of its commit, array for array, and a full rebuild's scores and top-k."""
    from index.store._snapshot import DERIVED

    root = tmp_path_factory.mktemp("derive")
    corpus, cache = root / "corpus", root / "cache"
    corpus.mkdir()
    _write(corpus, "a000.jsonl", seed)
    open_index(corpus, cache, merge=False)
    rng = random.Random(seed)
    added = 1
    derived_before = DERIVED["derived"]
    for step, (op, which) in enumerate(ops):
        present = sorted(p.name for p in corpus.iterdir())
        if op == "add":
            _write(corpus, f"a{added:03d}.{'txt' if which % 2 else 'jsonl'}", seed + step)
            added += 1
        elif op == "edit":
            _write(corpus, present[which % len(present)], seed + 100 + step)
        elif op == "remove" and len(present) > 1:
            (corpus / present[which % len(present)]).unlink()
        elif op == "merge":
            merge_once(cache, store_for(cache), max_per_tier=1 + which % 2)
        data, _ = open_index(corpus, cache, merge=False)
        _same_as_made_whole(data, cache)
        if step % 4 == 3 or step == len(ops) - 1:
            _same_as_full_rebuild(data, corpus, rng)
    if any(op == "add" for op, _ in ops[:1]):
        assert DERIVED["derived"] > derived_before
    shutil.rmtree(root)


def test_many_adds_with_merges_in_between_stay_derived_and_exact(tmp_path: Path) -> None:
    """Thirty adds, one file each, with merges committed in between (as the background merger does):
    after the first, every snapshot is derived, none is made whole, and each equals one made whole."""
    from index.store._snapshot import DERIVED

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    _write(corpus, "b000.txt", 1)
    open_index(corpus, cache, merge=False)
    made = DERIVED["made"]
    for i in range(1, 31):
        _write(corpus, f"b{i:03d}.txt", i)  # ids of their own: no duplicate for a merge to keep rewriting
        data, report = open_index(corpus, cache, merge=False)
        assert report is not None
        if i % 4 == 0:
            while merge_once(cache, store_for(cache), max_per_tier=3):
                pass
            data, report = open_index(corpus, cache, merge=False)
            assert report is None
        _same_as_made_whole(data, cache)
    assert DERIVED["made"] == made
    commit = read_current(cache)
    assert commit is not None and len(commit.segments) < 30
    _same_as_full_rebuild(data, corpus, random.Random(4))


def test_a_segment_whose_deletions_are_shadowed_duplicates_is_not_rewritten_forever(tmp_path: Path) -> None:
    """More than half of a segment's sentences shadowed by an earlier file's article of the same id:
    a rewrite would copy them again, so the policy's lone rewrite is not done (it was, endlessly,
    keeping the background merger busy)."""
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    long = ("The council approved the new budget for the harbour bridge. The mayor said it would be built "
            "soon. Farmers were not happy about it.")
    line = lambda i, t, x: json.dumps({"id": i, "title": t, "text": x}) + "\n"  # noqa: E731
    (corpus / "a.jsonl").write_text(line("x1", "First", long), encoding="utf-8")
    open_index(corpus, cache, merge=False)
    (corpus / "b.jsonl").write_text(line("x1", "Again", long) + line("y1", "Other", "The river flooded the school."),
                                    encoding="utf-8")
    open_index(corpus, cache, merge=False)
    commit = read_current(cache)
    assert commit is not None and pick_merge(commit.segments) is not None  # more than half deleted
    assert not merge_once(cache, store_for(cache))
    (corpus / "a.jsonl").unlink()  # the first x1 gone: b's becomes live, nothing left to drop
    data, _ = open_index(corpus, cache, merge=False)
    _same_as_full_rebuild(data, corpus, random.Random(5))


# ---------------------------------------------------------------- adds that look at their files only


def _parts(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"{FILES_PREFIX}*.json"))


def _start(tmp_path: Path, n: int = 3) -> tuple[Path, Path]:
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    for i in range(n):
        _write(corpus, f"a{i:03d}.txt", i)
    open_index(corpus, cache, merge=False)
    return corpus, cache


def test_added_files_are_indexed_and_the_snapshot_is_exact(tmp_path: Path) -> None:
    corpus, cache = _start(tmp_path)
    rng = random.Random(1)
    for i in range(12):
        _write(corpus, f"b{i:03d}.txt" if i % 3 else f"b{i:03d}.jsonl", 100 + i)
        data, report = add_files(corpus, cache, [corpus / (f"b{i:03d}.txt" if i % 3 else f"b{i:03d}.jsonl")],
                                 merge=False)
        assert report is not None and not report.full and report.changes[0].startswith("added b")
        _same_as_made_whole(data, cache)
    _same_as_full_rebuild(data, corpus, rng)
    assert [f.name for f in read_current(cache).files] == sorted(p.name for p in corpus.iterdir())  # type: ignore[union-attr]


def test_the_rankings_evidence_in_one_kernel_call_is_the_numpy_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Retriever.rank works out its candidates' evidence (coverage, article score, lead, adjacent pairs, the
    score), the sentences next to the best ones and the order in one numba call when it can: the same hits, scores
    and evidence to the last bit as with numpy, over several segments."""
    if _kernels.numba_kernels() is None:
        pytest.skip("numba is not installed")
    import index._search as search_module

    corpus, cache = _start(tmp_path, 6)
    for i in range(4):
        _write(corpus, f"b{i:03d}.txt", 200 + i)
        data, _report = add_files(corpus, cache, [corpus / f"b{i:03d}.txt"], merge=False)
    assert len(data.segments) >= 3
    _kernels._compile_typed_lists()
    retriever = Retriever(data)
    rng = random.Random(5)
    vocabulary = [*WORDS, "the", "of", "FN", "Harbour Authority"]
    questions = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 6)))
                 for _ in range(40)]

    unexpanded = Retriever(data, RankingWeights(expand=0))  # no neighbours, and the best one only

    def hits() -> list[list[tuple[Any, ...]]]:
        return [[(h.chunk, h.score, h.bm25, h.article_score, h.coverage, h.matched) for h in search.hits]
                for q in questions if any(t in q.lower() for t in WORDS)
                for search in (retriever.search(q, k=8), unexpanded.search(q, k=1))]

    assert data.term_lists()[0] is not None
    one_call = hits()
    assert any(hit[2] == 0.0 for question in one_call for hit in question)  # a neighbour joined (no BM25 of its own)
    monkeypatch.setattr(search_module, "numba_kernels", lambda: None)
    assert hits() == one_call and sum(map(len, one_call)) > 100


def test_only_the_named_files_are_looked_at(tmp_path: Path) -> None:
    corpus, cache = _start(tmp_path)
    before = read_current(cache)
    assert before is not None
    _write(corpus, "a000.txt", 999)  # edited, but not named: the add does not read it
    _write(corpus, "c001.txt", 7)
    data, _ = add_files(corpus, cache, [corpus / "c001.txt"], merge=False)
    commit = read_current(cache)
    assert commit is not None and commit.files[0] == before.files[0] and commit.files[-1].name == "c001.txt"
    assert any(a.article_id == "c001" for a in data.articles)
    refreshed, report = refresh_index(data)  # a look at the whole folder finds the edit
    assert report is not None and report.changes == ["edited a000.txt"]
    _same_as_full_rebuild(refreshed, corpus, random.Random(2))


def test_a_file_that_sorts_earlier_or_is_known_takes_the_whole_folder_path(tmp_path: Path) -> None:
    corpus, cache = _start(tmp_path)
    _write(corpus, "0-early.txt", 5)  # sorts before the indexed files: not an append
    _write(corpus, "z-late.txt", 6)  # not named, but the whole folder is looked at
    data, report = add_files(corpus, cache, [corpus / "0-early.txt"], merge=False)
    assert report is not None and sorted(report.changes) == ["added 0-early.txt", "added z-late.txt"]
    data, report = add_files(corpus, cache, [corpus / "z-late.txt"], merge=False)  # already indexed
    assert report is None
    _same_as_full_rebuild(data, corpus, random.Random(3))
    with pytest.raises(OSError):
        (corpus / "missing.txt").stat()
    same, report = add_files(corpus, cache, [corpus / "missing.txt"], merge=False)  # gone: the folder is looked at
    assert report is None and same.identity == data.identity


def test_an_add_writes_a_small_part_and_parts_stay_few(tmp_path: Path) -> None:
    corpus, cache = _start(tmp_path, n=40)
    first = read_current(cache)
    assert first is not None and [p.count for p in first.parts] == [40]
    sizes = []
    for i in range(33):
        _write(corpus, f"n{i:03d}.txt", 200 + i)
        add_files(corpus, cache, [corpus / f"n{i:03d}.txt"], merge=False)
        commit = read_current(cache)
        assert commit is not None
        counts = [p.count for p in commit.parts]
        assert sum(counts) == len(commit.files) == 41 + i
        assert all(a > b for a, b in itertools.pairwise(counts))  # each larger than the next
        assert len(counts) <= math.log2(len(commit.files)) + 1
        sizes.append(counts[-1])
        assert {p.name for p in _parts(cache)} <= {p.name for p in commit.parts} | {
            p.name for p in Commit.from_json(json.loads((cache / commit_name(commit.generation - 1)).read_text()),
                                             cache).parts}  # only the current and previous commits' parts
    assert sorted(sizes)[len(sizes) // 2] <= 2  # most adds write a part of one or two entries
    assert first.parts[0] in read_current(cache).parts  # type: ignore[union-attr]  # the 40 were never rewritten
    # a new process reads the commit back from its parts
    raw = json.loads((cache / read_current(cache).name).read_text())  # type: ignore[union-attr]
    assert "files" not in raw and Commit.from_json(raw, cache).files == read_current(cache).files  # type: ignore[union-attr]


def test_a_damaged_part_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    corpus, cache = _start(tmp_path)
    _write(corpus, "b000.txt", 9)
    add_files(corpus, cache, [corpus / "b000.txt"], merge=False)
    commit = read_current(cache)
    assert commit is not None
    part = cache / commit.parts[-1].name
    part.write_bytes(part.read_bytes().replace(b"b000", b"b001"))
    from index.store import _commit

    _commit._parsed.clear()
    _commit._parts.clear()
    said: list[str] = []
    data, report = open_index(corpus, cache, merge=False, warn=said.append)
    assert report is not None and report.full and "checksum mismatch" in said[0]
    _same_as_full_rebuild(data, corpus, random.Random(4))


def test_a_commit_with_its_files_inline_is_still_read(tmp_path: Path) -> None:
    _, cache = _start(tmp_path)
    commit = read_current(cache)
    assert commit is not None
    raw: dict[str, Any] = commit.to_json()  # format 3 kept the files in the commit
    raw["format"] = 3
    old = Commit.from_json(raw)
    assert old.files == commit.files and old.parts == []


def test_new_terms_go_into_small_parts_and_load_back_the_same(tmp_path: Path) -> None:
    from index.store import _commit, _writer

    corpus, cache = _start(tmp_path, n=20)
    base = read_current(cache)
    assert base is not None and base.lexicon is not None and base.lexicon_parts == []
    for i in range(9):
        (corpus / f"w{i:03d}.txt").write_text(f"Quokka{i} news\n\nThe quokka{i} crossed the bridge{i} twice.\n",
                                              encoding="utf-8")
        data, _ = add_files(corpus, cache, [corpus / f"w{i:03d}.txt"], merge=False)
        commit = read_current(cache)
        assert commit is not None and commit.lexicon == base.lexicon  # the table itself is not written again
        counts = [p.count for p in commit.lexicon_parts]
        assert counts and all(a > b for a, b in itertools.pairwise(counts))
        assert data.lexicon.id(f"quokka{i}") is not None
    _commit._parsed.clear()
    _commit._parts.clear()
    fresh = _writer.Store(cache)  # another process: the table read back from its directory and its parts
    lexicon = fresh._lexicon(read_current(cache))  # type: ignore[arg-type]
    for name, arr in data.lexicon.arrays().items():
        assert np.array_equal(lexicon.arrays()[name], arr), name
    _same_as_full_rebuild(data, corpus, random.Random(5))
    part = cache / read_current(cache).lexicon_parts[-1].name  # type: ignore[union-attr]
    part.write_bytes(part.read_bytes()[:-9] + b"garbage!!")
    _commit._parsed.clear()
    _writer._stores.clear()  # as a new process: nothing loaded
    said: list[str] = []
    rebuilt, report = open_index(corpus, cache, merge=False, warn=said.append)
    assert report is not None and report.full and "terms-" in said[0]
    assert rebuilt.lexicon.id("quokka8") is not None


def _results(data: IndexData, queries: list[list[str]]) -> list[object]:
    out: list[object] = []
    for scorer in (data.sentences, data.headlines):
        for query in queries:
            ids, scores = scorer.top_k(query, 5)
            out.append((ids.tolist(), scores.tolist(), scorer.top_k(query, 1)[0].tolist(),
                        scorer.scores_of(query, np.arange(scorer.n_docs)).tolist()))
    return out


def test_postings_read_with_their_lengths_or_looked_up_by_document_score_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _kernels.warm_up()  # numba, and its typed lists: the kernels go over the segments in one call
    assert _kernels.loaded_kernels() is _kernels.numba_kernels()  # what the background maker waits for
    corpus, cache = _start(tmp_path, 4)
    for i in range(3):
        _write(corpus, f"b{i:03d}.txt", 200 + i)
        data, _ = add_files(corpus, cache, [corpus / f"b{i:03d}.txt"], merge=False)
    assert len(data.sentences._segments) > 1
    queries = _queries(random.Random(5))
    scorers = (data.sentences, data.headlines)
    assert all(s.doc_lens_ready for s in scorers)  # few postings: made at once
    made = _results(data, queries)
    assert all(s._lists is not None and s._lists.by_posting for s in scorers)
    for scorer in scorers:  # as just after loading a large index: the lengths are looked up by document
        for seg in scorer._segments:
            for postings in (seg.postings, seg.source):
                postings.__dict__.pop("_doc_len", None)
        scorer._lists = None
    assert not any(s.doc_lens_ready for s in scorers)
    assert _results(data, queries) == made
    assert all(s._lists is not None and not s._lists.by_posting for s in scorers)
    monkeypatch.setattr(_scorer, "_DOC_LEN_AT_ONCE", 0)  # many postings: made in the background
    for scorer in scorers:
        scorer._make_doc_lens()
    deadline = time.monotonic() + 10
    while not all(s.doc_lens_ready for s in scorers) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(s.doc_lens_ready for s in scorers)
    for scorer in scorers:
        for seg in scorer._segments:
            assert np.array_equal(seg.postings.doc_len, seg.postings.lengths[seg.postings.docs])
            assert seg.source.doc_len is seg.postings.doc_len  # later snapshots share it
    assert _results(data, queries) == made
    assert all(s._lists is not None and s._lists.by_posting for s in scorers)  # the lists were made again
    again = load_index(cache)  # loaded from disk (never saved): made anew, the same scores
    assert _results(again, queries) == made
