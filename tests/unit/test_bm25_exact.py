"""BM25Scorer must give rank-bm25's BM25Okapi scores exactly, and its top_k the same ranking.

The reference is ``rank_bm25.BM25Okapi(corpus, k1, b, epsilon).get_scores(query)``; the expected
top k is every document with score > 0, best first, ties broken by lower id.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index import BM25Scorer, warm_up
from index.bm25 import FieldPostings, Lexicon, _kernels, _lexicon

SHARED_NEWS = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "news_articles.jsonl.gz"

try:
    import numba  # noqa: F401

    HAVE_NUMBA = not _kernels._numba_disabled_by_env()
except ImportError:  # pragma: no cover - numba is optional
    HAVE_NUMBA = False

# (backend, prune_min_postings): the numpy fallback, numba exhaustive, numba with pruning forced on
VARIANTS = [("numpy", None)] + ([("numba", None), ("numba", 0)] if HAVE_NUMBA else [])


def expected_top(ref_scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    order = sorted(range(len(ref_scores)), key=lambda i: (-ref_scores[i], i))
    keep = [i for i in order if ref_scores[i] > 0 and (allowed is None or allowed[i])]
    return keep[:k]


def variant(scorer: BM25Scorer, backend: str, prune_min: int | None) -> BM25Scorer:
    scorer._backend = backend
    scorer._prune_min_postings = _kernels.PRUNE_MIN_POSTINGS if prune_min is None else prune_min
    return scorer


def check_top_k(scorer: BM25Scorer, ref: np.ndarray, query: list[str], k: int, allowed=None) -> None:
    want = expected_top(ref, k, allowed)
    for backend, prune_min in VARIANTS:
        ids, scores = variant(scorer, backend, prune_min).top_k(query, k, allowed=allowed)
        assert ids.dtype == np.int64 and scores.dtype == np.float64
        assert ids.tolist() == want, (backend, prune_min, query, k)
        assert np.array_equal(scores, ref[want]), (backend, prune_min, query)


# ------------------------------------------------------------------------- (a) hand-made corpora

HAND_MADE = {
    "news": [
        "the cat sat on the mat".split(),
        "the dog ate the cat food".split(),
        [],  # empty document: allowed, scores 0
        "stocks fell as the central bank raised rates".split(),
        "the bank of england held rates".split(),
        "cat cat cat".split(),
        "rates rates bank".split(),
    ],
    "negative_idf": [  # "a" and "b" are in more than half of the documents: negative idf, floored
        ["a", "b", "x"],
        ["a", "b"],
        ["a", "y"],
        ["a", "b", "z", "z"],
        ["c"],
    ],
    "negative_average_idf": [["a", "b"], ["a"], ["a", "b", "c"]],  # epsilon * average_idf < 0
    "single_document": [["only", "one", "one", "document"]],
    "ties": [["x", "y"], ["y", "x"], ["x", "y"], ["x"], ["y"], ["x", "y", "w"], ["q"] * 3],
    "unicode": [["café", "naïve"], ["東京", "café"], ["\U0001f600", "emoji"], ["plain"]],
}
QUERIES = [
    ["cat"],
    ["the", "cat"],
    ["cat", "cat"],  # duplicate query tokens count twice
    ["rates", "bank", "rates", "unknown-token"],
    ["nope", "nada"],  # only unknown tokens
    [],
    ["a"],
    ["a", "b", "z"],
    ["b", "c", "a", "b"],
    ["one", "document", "one"],
    ["x", "y", "w", "x"],
    ["y", "q"],
    ["café", "東京", "\U0001f600"],
]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # rank-bm25's 0/0, b=1
@pytest.mark.parametrize("name", sorted(HAND_MADE))
@pytest.mark.parametrize("params", [{}, {"k1": 1.2, "b": 0.5, "epsilon": 0.1}, {"k1": 2.0, "b": 1.0, "epsilon": 0.5}])
def test_hand_made_corpora_match_rank_bm25_bit_for_bit(name: str, params: dict) -> None:
    corpus = HAND_MADE[name]
    bm = BM25Okapi(corpus, **params)
    scorer = BM25Scorer.build(iter(corpus), **params)  # any iterable, consumed once
    assert scorer.n_docs == len(corpus)
    assert scorer.avgdl == bm.avgdl
    assert scorer.average_idf == bm.average_idf
    for query in QUERIES:
        ref = bm.get_scores(query)
        got = scorer.scores(query)
        assert got.dtype == np.float64 and got.shape == (len(corpus),)
        if params.get("b") == 1.0:  # rank-bm25 computes 0/0 = NaN for empty documents there
            ref = np.nan_to_num(ref, nan=0.0)
        assert np.array_equal(got, ref), (name, query, np.abs(got - ref).max())
        for k in (1, 3, 10):
            check_top_k(scorer, ref, query, k)


def test_empty_documents_score_zero_and_are_never_returned() -> None:
    corpus = [[], ["news", "today"], [], ["news"]]
    scorer = BM25Scorer.build(corpus)
    assert scorer.scores(["news", "today"])[[0, 2]].tolist() == [0.0, 0.0]
    ids, _ = scorer.top_k(["news", "today"], 10)
    assert set(ids.tolist()) <= {1, 3}


def test_all_documents_empty_is_an_index_that_finds_nothing() -> None:
    scorer = BM25Scorer.build([[], []])  # rank-bm25 itself divides by zero here
    assert scorer.vocabulary_size == 0
    assert scorer.scores(["x"]).tolist() == [0.0, 0.0]
    assert scorer.top_k(["x"], 5)[0].size == 0


def test_single_document_has_negative_scores_so_top_k_is_empty() -> None:
    corpus = [["only", "one"]]
    ref = BM25Okapi(corpus).get_scores(["only"])
    assert ref[0] < 0  # idf of a term in every document, floored by a negative epsilon * average
    scorer = BM25Scorer.build(corpus)
    assert np.array_equal(scorer.scores(["only"]), ref)
    for backend, prune_min in VARIANTS:
        assert variant(scorer, backend, prune_min).top_k(["only"], 3)[0].size == 0


def test_build_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty corpus"):
        BM25Scorer.build([])
    with pytest.raises(TypeError):
        BM25Scorer.build(["a sentence, not tokens"])
    with pytest.raises(ValueError):
        BM25Scorer.build([["a"]], k1=0)
    with pytest.raises(ValueError):
        BM25Scorer.build([["a"]], b=1.5)


def test_term_id() -> None:
    scorer = BM25Scorer.build([["alpha", "beta"], ["beta", "café"]])
    ids = {t: scorer.term_id(t) for t in ("alpha", "beta", "café")}
    assert sorted(ids.values()) == [0, 1, 2]
    assert scorer.term_id("gamma") is None
    assert scorer.term_id("") is None
    assert scorer.term_id("cafe") is None


def test_hash_collisions_are_resolved_by_the_stored_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lexicon, "term_hash", lambda b: len(b) % 3)  # nearly every term collides
    corpus = [["ab", "cd", "xyz"], ["ef", "cd"], ["g", "ab", "ab"], ["hij", "klmn"]]
    scorer = BM25Scorer.build(corpus)
    bm = BM25Okapi(corpus)
    terms = sorted({t for doc in corpus for t in doc})
    assert sorted(scorer.term_id(t) for t in terms) == list(range(len(terms)))
    assert scorer.term_id("zz") is None
    for query in (["ab"], ["cd", "ef"], ["xyz", "hij", "g", "zz"]):
        assert np.array_equal(scorer.scores(query), bm.get_scores(query))


# ------------------------------------------------------------------------- (b) real news text


def _news_sentences(limit: int) -> list[str]:
    sentences: list[str] = []
    with gzip.open(SHARED_NEWS, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
                if len(sentence) > 20:
                    sentences.append(sentence)
                    if len(sentences) >= limit:
                        return sentences
    return sentences


@pytest.fixture(scope="module")
def news_corpus() -> list[list[str]]:
    if not SHARED_NEWS.is_file():
        pytest.skip(f"benchmark news not available at {SHARED_NEWS}")
    return [re.findall(r"\w+", s.lower()) for s in _news_sentences(2000)]


def test_real_news_sample_matches_rank_bm25(news_corpus: list[list[str]]) -> None:
    bm = BM25Okapi(news_corpus)
    scorer = BM25Scorer.build(news_corpus)
    rng = random.Random(20240601)
    for _ in range(50):
        doc = rng.choice([d for d in news_corpus if d])
        query = [rng.choice(doc) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.3:
            query.append("qqqunknownqqq")
        if rng.random() < 0.3:
            query.append(query[0])
        ref = bm.get_scores(query)
        got = scorer.scores(query)
        assert np.max(np.abs(got - ref)) <= 1e-9
        assert np.array_equal(got, ref)  # in fact bit-for-bit
        check_top_k(scorer, ref, query, 10)
        check_top_k(scorer, ref, query, 1)


# ------------------------------------------------------------------------- (c) the term table and postings


@pytest.fixture(scope="module")
def small_corpus() -> list[list[str]]:
    rng = np.random.default_rng(3)
    vocab = [f"t{i}" for i in range(60)]
    p = 1 / np.arange(1, 61)
    p /= p.sum()
    return [[vocab[i] for i in rng.choice(60, size=rng.integers(0, 10), p=p)] for _ in range(300)]


def test_lexicon_round_trip_and_growth() -> None:
    lexicon = Lexicon.from_terms(["alpha", "beta", "café"])
    again = Lexicon.from_arrays({k: v.copy() for k, v in lexicon.arrays().items()})
    assert again.ids(["beta", "café", "zeta"]) == [1, 2, None]
    grown, ids = again.with_terms(["zeta", "alpha", "eta"])
    assert ids.tolist() == [3, 0, 4] and len(grown) == 5 and len(again) == 3  # append-only, old ids kept
    assert grown.terms() == ["alpha", "beta", "café", "zeta", "eta"]
    broken = dict(lexicon.arrays())
    broken["hash_order"] = broken["hash_order"][::-1].copy()
    with pytest.raises(ValueError, match="hash_order"):
        Lexicon.from_arrays(broken)
    broken = dict(lexicon.arrays())
    broken["term_offsets"] = np.array([0, 5, 4, 11], dtype=np.int64)
    with pytest.raises(ValueError, match="term_offsets"):
        Lexicon.from_arrays(broken)


def _postings(corpus: list[list[str]]) -> tuple[FieldPostings, Lexicon]:
    lexicon = Lexicon.from_terms(dict.fromkeys(t for doc in corpus for t in doc))
    ids = {t: i for i, t in enumerate(lexicon.terms())}
    tokens = np.array([ids[t] for doc in corpus for t in doc], dtype=np.int32)
    return FieldPostings.build(tokens, np.array([len(d) for d in corpus])), lexicon


def test_postings_hold_raw_frequencies_and_bounds(small_corpus: list[list[str]]) -> None:
    postings, lexicon = _postings(small_corpus)
    ids = {t: i for i, t in enumerate(lexicon.terms())}
    for term in ("t0", "t7", "t59"):
        if term not in ids:
            continue
        r = int(np.searchsorted(postings.terms, ids[term]))
        docs = postings.docs[postings.indptr[r] : postings.indptr[r + 1]].tolist()
        assert docs == [d for d, doc in enumerate(small_corpus) if term in doc]
        tf = postings.tf[postings.indptr[r] : postings.indptr[r + 1]].tolist()
        assert tf == [small_corpus[d].count(term) for d in docs]
        pairs = {(small_corpus[d].count(term), len(small_corpus[d])) for d in docs}
        frontier = {(f, n) for f, n in pairs if not any(g >= f and m <= n and (g, m) != (f, n) for g, m in pairs)}
        lo, hi = postings.bound_ptr[r], postings.bound_ptr[r + 1]
        assert set(zip(postings.bound_tf[lo:hi].tolist(), postings.bound_len[lo:hi].tolist(), strict=True)) == frontier
        flat = [t for doc in small_corpus for t in doc]
        assert postings.first[r] == flat.index(term)
    again = FieldPostings.from_arrays({k: v.copy() for k, v in postings.arrays().items()}, n_terms_total=len(lexicon))
    assert again.nnz == postings.nnz


@pytest.mark.parametrize("damage", ["doc_out_of_range", "indptr", "terms_unsorted", "term_outside", "dtype", "length"])
def test_postings_from_arrays_refuses_what_the_kernels_cannot_trust(small_corpus: list[list[str]], damage: str
                                                                    ) -> None:
    postings, lexicon = _postings(small_corpus)
    arrays = {k: v.copy() for k, v in postings.arrays().items()}
    if damage == "doc_out_of_range":
        arrays["docs"][3] = len(small_corpus)
    elif damage == "indptr":
        arrays["indptr"][2] = arrays["indptr"][1]
    elif damage == "terms_unsorted":
        arrays["terms"][[0, 1]] = arrays["terms"][[1, 0]]
    elif damage == "term_outside":
        arrays["terms"][-1] = len(lexicon)
    elif damage == "dtype":
        arrays["tf"] = arrays["tf"].astype(np.int64)
    else:
        arrays["bound_ptr"] = arrays["bound_ptr"][:-1]
    with pytest.raises(ValueError):
        FieldPostings.from_arrays(arrays, n_terms_total=len(lexicon))


# ------------------------------------------------------------------------- (d) allowed mask


def test_top_k_with_allowed_mask(small_corpus: list[list[str]]) -> None:
    bm = BM25Okapi(small_corpus)
    scorer = BM25Scorer.build(small_corpus)
    rng = np.random.default_rng(11)
    for query in (["t0", "t1"], ["t2", "t7", "t2"], ["t30", "t0", "t4", "t9"]):
        ref = bm.get_scores(query)
        for density in (0.0, 0.1, 0.5, 1.0):
            allowed = rng.random(len(small_corpus)) < density
            for k in (1, 10, 1000):
                check_top_k(scorer, ref, query, k, allowed)
    with pytest.raises(ValueError, match="allowed"):
        scorer.top_k(["t0"], 3, allowed=np.ones(len(small_corpus) - 1, dtype=bool))
    with pytest.raises(ValueError, match="allowed"):
        scorer.top_k(["t0"], 3, allowed=np.ones(len(small_corpus), dtype=np.int8))
    assert scorer.top_k(["t0"], 0)[0].size == 0


def test_a_prepared_mask_gives_what_the_plain_mask_gives(small_corpus: list[list[str]]) -> None:
    scorer = BM25Scorer.build(small_corpus)
    rng = np.random.default_rng(12)
    for density in (0.0, 0.3, 1.0):
        allowed = rng.random(len(small_corpus)) < density
        prepared = scorer.prepare(allowed)
        for backend in ("numba", "numpy"):
            scorer._backend = backend
            for prune in (0, 10**9):
                scorer._prune_min_postings = prune
                for query in (["t0", "t1"], ["t2", "t7", "t2"], ["t30", "t0", "t4", "t9"]):
                    for k in (1, 10, 1000):
                        want_ids, want_sc = scorer.top_k(query, k, allowed=allowed)
                        ids, sc = scorer.top_k(query, k, allowed=prepared)
                        assert ids.tolist() == want_ids.tolist() and np.array_equal(sc, want_sc)
                        assert all(allowed[i] for i in ids.tolist())
    with pytest.raises(ValueError, match="another scorer"):
        BM25Scorer.build(small_corpus).top_k(["t0"], 3, allowed=prepared)
    with pytest.raises(ValueError, match="allowed"):
        scorer.prepare(np.ones(len(small_corpus) - 1, dtype=bool))


def test_a_known_document_to_start_the_top_1_from_changes_nothing(small_corpus: list[list[str]]) -> None:
    # the ranking starts its best-article search from a candidate's article and score (Retriever.rank)
    scorer = BM25Scorer.build(small_corpus)
    rng = np.random.default_rng(13)
    for backend in ("numba", "numpy"):
        scorer._backend = backend
        for prune in (0, 10**9):
            scorer._prune_min_postings = prune
            for query in (["t0", "t1"], ["t2", "t7", "t2"], ["t30", "t0", "t4", "t9"]):
                for allowed in (None, rng.random(len(small_corpus)) < 0.5):
                    want_ids, want_sc = scorer.top_k(query, 1, allowed=allowed)
                    scores = scorer.scores(query)
                    ok = scores > 0 if allowed is None else (scores > 0) & allowed
                    for doc in [*rng.choice(np.flatnonzero(ok), size=min(5, int(ok.sum())), replace=False).tolist(),
                                *want_ids.tolist()]:
                        ids, sc = scorer.top_k(query, 1, allowed=allowed,
                                               known=(doc, float(scorer.scores_of(query, [doc])[0])))
                        assert ids.tolist() == want_ids.tolist() and np.array_equal(sc, want_sc)


# ------------------------------------------------------------------------- (e) numba and numpy paths


def test_numba_and_numpy_paths_agree_on_random_corpora() -> None:
    rng = np.random.default_rng(5)
    prng = random.Random(5)
    for _ in range(12):
        n_docs = prng.randint(1, 400)
        n_terms = prng.choice([3, 20, 200])
        p = 1 / np.arange(1, n_terms + 1) ** prng.choice([0.0, 1.0, 1.5])
        p /= p.sum()
        corpus = [[f"w{i}" for i in rng.choice(n_terms, size=prng.randint(0, 12), p=p)] for _ in range(n_docs)]
        if not any(corpus):
            continue
        bm = BM25Okapi(corpus)
        scorer = BM25Scorer.build(corpus)
        for _ in range(25):
            query = [f"w{i}" for i in rng.choice(n_terms, size=prng.randint(1, 7), p=p)]
            allowed = rng.random(n_docs) < 0.6 if prng.random() < 0.3 else None
            check_top_k(scorer, bm.get_scores(query), query, prng.choice([1, 5, 20]), allowed)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed or disabled")
def test_numba_pruning_kicks_in_and_stays_exact() -> None:
    # one rare term with a high idf and common ones: after the rare term the k-th best score beats
    # what the common terms could add, so their long rows are skipped for new documents
    rng = np.random.default_rng(8)
    corpus = [
        ["common", "filler"] + [f"w{i}" for i in rng.integers(0, 40, size=rng.integers(1, 6))] for _ in range(3000)
    ]
    for i in range(0, 3000, 150):
        corpus[i].append("rare")
    bm = BM25Okapi(corpus)
    scorer = BM25Scorer.build(corpus)
    for query in (["rare", "common"], ["common", "w1", "rare", "w1"], ["filler", "common"], ["w3", "w4", "w5"]):
        check_top_k(scorer, bm.get_scores(query), query, 10)


def test_lengths_looked_up_by_document_until_the_postings_carry_them(small_corpus: list[list[str]]) -> None:
    scorer = BM25Scorer.build(small_corpus)
    (seg,) = scorer._segments
    assert np.array_equal(seg.postings.doc_len, seg.postings.lengths[seg.postings.docs])  # made by the build
    bm = BM25Okapi(small_corpus)
    queries = (["t0", "t7"], ["t3", "t3", "t59"], ["t1"])
    for query in queries:
        check_top_k(scorer, bm.get_scores(query), query, 10)
    seg.postings.__dict__.pop("_doc_len")
    seg.source.__dict__.pop("_doc_len")
    assert seg.lens()[1] is False and not scorer.doc_lens_ready
    for query in queries:
        check_top_k(scorer, bm.get_scores(query), query, 10)
        assert np.array_equal(scorer.scores_of(query, [0, 5, 9]), bm.get_scores(query)[[0, 5, 9]])


def test_fallback_when_numba_is_absent_or_disabled(monkeypatch: pytest.MonkeyPatch, small_corpus) -> None:
    bm = BM25Okapi(small_corpus)
    scorer = BM25Scorer.build(small_corpus)
    monkeypatch.setattr(_kernels, "_kernel_state", {})
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    assert warm_up() is False
    assert not scorer._use_numba()
    query = ["t0", "t3", "t0"]
    ids, scores = scorer.top_k(query, 7)
    want = expected_top(bm.get_scores(query), 7)
    assert ids.tolist() == want and np.array_equal(scores, bm.get_scores(query)[want])
    scorer._backend = "numba"
    with pytest.raises(RuntimeError, match="numba"):
        scorer.top_k(query, 7)
    monkeypatch.undo()
    monkeypatch.setattr(_kernels, "_kernel_state", {})
    monkeypatch.setenv("NEWSBOT_BM25_NUMBA", "0")
    assert warm_up() is False


def test_concurrent_queries_use_separate_scratch(small_corpus: list[list[str]]) -> None:
    bm = BM25Okapi(small_corpus)
    scorer = BM25Scorer.build(small_corpus)
    queries = [["t0", "t1"], ["t2", "t5", "t9"], ["t1", "t1", "t40"], ["t3"]]
    want = [expected_top(bm.get_scores(q), 10) for q in queries]
    errors: list[str] = []

    def worker(offset: int) -> None:
        for i in range(200):
            j = (i + offset) % len(queries)
            if scorer.top_k(queries[j], 10)[0].tolist() != want[j]:
                errors.append(f"query {j}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
