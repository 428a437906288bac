"""Exact rank-bm25 ``BM25Okapi`` scores over the live documents of several segments.

Segments store raw term frequencies and document lengths (``FieldPostings``); the corpus-wide
statistics rank-bm25 derives from the whole corpus are taken here, when a snapshot opens, from the
segments' live statistics:

* the document count N and the average length ``avgdl = total tokens / N`` (Python ints, as rank-bm25);
* each term's document frequency, summed over segments, and its idf with ``math.log``, as
  ``BM25Okapi._calc_idf``;
* the average idf, summed *sequentially* over the vocabulary in order of first appearance in the
  documents (rank-bm25's dict order) — the order is the one of the corpus's canonical document order,
  given by each segment's ``first_key`` per term — and the epsilon floor for negative idfs;
* each document's length norm ``k1 * (1 - b + b * dl / avgdl)``, worked out from its length when a posting
  of it is read, in the order of operations numpy applies to rank-bm25's length array.

A score is then ``0.0 + c(q1, d) + c(q2, d) + ...`` in query order, where ``c`` is computed when
the posting is read (see ``_kernels``); a document lacking a term gets nothing from it, which adds
0.0 in rank-bm25 (the identity), so scores are bit-for-bit rank-bm25's, not merely within 1e-9.
Deliberate difference: where rank-bm25 divides 0 by 0 (an empty document when ``b == 1``) and
produces NaN, a document that lacks a query term gets 0 from it here.

``BM25Scorer.derived`` makes the scorer of a snapshot that only adds documents after the previous
one's (and merges its segments) from the previous scorer: the order of first appearance is extended
rather than sorted again, kept segments' postings and canonical ids are shared, and the values are
a fresh scorer's.

Documents are known by their canonical id: their place among the live documents in the order a full
rebuild would give them; top-k ties go to the lower canonical id, as a full rebuild's would.

Thread-safety: queries use a per-thread scratch (about 13 bytes x the largest segment's documents per
thread), so one scorer may be queried from several threads at once; the numba kernels release the GIL.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ._kernels import (
    PRUNE_MIN_POSTINGS,
    Kernels,
    _numba_disabled_by_env,
    array_list,
    contributions,
    loaded_kernels,
    norms,
    numba_kernels,
    topk_numpy_segment,
    typed_lists_ready,
)
from ._lexicon import Lexicon
from ._postings import FieldPostings, LiveStats

_INT32_MAX = np.iinfo(np.int32).max
_NO_KEY = np.iinfo(np.int64).max


def _readonly(arr: np.ndarray) -> np.ndarray:
    view = np.ascontiguousarray(arr).view(np.ndarray)
    view.flags.writeable = False
    return view


def check_params(k1: float, b: float, epsilon: float) -> None:
    if not (math.isfinite(k1) and k1 > 0):
        raise ValueError(f"k1 must be a finite number > 0, got {k1!r}")
    if not (math.isfinite(b) and 0.0 <= b <= 1.0):
        raise ValueError(f"b must be within [0, 1], got {b!r}")
    if not math.isfinite(epsilon):
        raise ValueError(f"epsilon must be finite, got {epsilon!r}")


@dataclass(frozen=True)
class ScoredSegment:
    """One segment of a field as a snapshot sees it: its postings, which documents are live and
    where they stand in the canonical order."""

    postings: FieldPostings
    live: LiveStats
    canon: np.ndarray  # int32 (n_docs,) canonical id of each local document, -1 when deleted
    first_key: np.ndarray  # int64 (V_s,) comparable across segments: first live occurrence; -1 none


class BM25Scorer:
    """BM25Okapi over the live documents of a list of segments (one field: sentences or articles)."""

    seg_of: np.ndarray  # int32 per canonical document: its segment
    local_of: np.ndarray  # int32 per canonical document: its local id there
    _order: np.ndarray  # int64 the live term ids in order of first appearance

    def __init__(self, segments: Sequence[ScoredSegment], lexicon: Lexicon, *, k1: float, b: float,
                 epsilon: float) -> None:
        check_params(k1, b, epsilon)
        self.k1, self.b, self.epsilon = float(k1), float(b), float(epsilon)
        self._setup(segments, lexicon, None, [None] * len(segments))

    @classmethod
    def derived(cls, previous: BM25Scorer, segments: Sequence[ScoredSegment], lexicon: Lexicon,
                reuse: Sequence[int | None]) -> BM25Scorer:
        """The scorer ``BM25Scorer(segments, lexicon, ...)`` would be, made from ``previous`` (same
        parameters) when the segments differ from its ones only by documents added after all of its
        live documents (new segments, canonical ids after its own) and by segments merged into
        others (the same live documents, the same canonical ids): ``reuse[i]`` is the index in
        ``previous`` of segment i when it is the same one with the same live documents, else None.
        Its order of first appearance is extended, not sorted again, and what does not depend on
        N or avgdl (postings, canonical ids, where each document is) is shared; every value equals a
        fresh scorer's."""
        self = cls.__new__(cls)
        self.k1, self.b, self.epsilon = previous.k1, previous.b, previous.epsilon
        self._setup(segments, lexicon, previous, reuse)
        return self

    def _setup(self, segments: Sequence[ScoredSegment], lexicon: Lexicon, previous: BM25Scorer | None,
               reuse: Sequence[int | None]) -> None:
        self.lexicon = lexicon
        self.n_docs = sum(s.live.n_docs for s in segments)
        self.total_tokens = sum(s.live.total_tokens for s in segments)
        self.avgdl = self.total_tokens / self.n_docs if self.n_docs else 0.0  # int / int, as rank-bm25
        n_lex = len(lexicon)
        df = np.zeros(n_lex, dtype=np.int64)
        key = np.full(n_lex, _NO_KEY, dtype=np.int64)
        for seg in segments:
            terms = seg.postings.terms
            df[terms] += seg.live.df  # a segment holds each term once: no repeated index
            has = seg.first_key >= 0
            key[terms[has]] = np.minimum(key[terms[has]], seg.first_key[has])
        self._df = _readonly(df)
        live_terms = np.flatnonzero(df > 0)
        self.vocabulary_size = int(live_terms.shape[0])
        # the live terms in order of first appearance: the previous order, then the terms new since
        # (which first appear after every old one), when the keys say so; else sorted anew
        order = None
        if previous is not None and previous._order.shape[0] <= n_lex:
            old = previous._order
            was = np.zeros(n_lex, dtype=bool)
            was[old] = True
            fresh = live_terms[~was[live_terms]]
            fresh = fresh[np.argsort(key[fresh], kind="stable")]
            candidate = np.concatenate((old, fresh))
            keys = key[candidate]
            if candidate.shape[0] == live_terms.shape[0] and bool(np.all(df[old] > 0)) and bool(
                    np.all(keys[1:] > keys[:-1])):
                order = candidate
        if order is None:
            order = live_terms[np.argsort(key[live_terms], kind="stable")]
        self._key = _readonly(key)
        self._order = _readonly(order)
        # idf exactly as BM25Okapi._calc_idf: math.log, sequential sum in first-appearance order
        idf_raw = np.zeros(n_lex, dtype=np.float64)
        if live_terms.size:
            live_df = df[live_terms]
            present = np.bincount(live_df)  # the distinct frequencies, without sorting the terms
            values = np.flatnonzero(present)
            n = self.n_docs
            logs = np.zeros(present.shape[0], dtype=np.float64)
            logs[values] = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in values.tolist()]
            idf_raw[live_terms] = logs[live_df]
            idf_sum = float(np.cumsum(idf_raw[order])[-1])  # cumsum adds one after the other
            self.average_idf = idf_sum / self.vocabulary_size
        else:
            self.average_idf = 0.0
        eps = self.epsilon * self.average_idf
        idf = np.where(idf_raw < 0, eps, idf_raw)
        idf[df == 0] = 0.0
        self._idf = _readonly(idf)
        self.max_idf = float(idf[live_terms].max()) if live_terms.size else 0.0

        self._segments: list[_Segment] = []
        if previous is not None and any(j is not None for j in reuse):
            # the documents of reused segments keep their canonical ids and local ids: only their
            # segment's index may change; the others are written below
            n_old = previous.n_docs
            renumber = np.full(max(len(previous._segments), 1), -1, dtype=np.int32)
            for i, j in enumerate(reuse):
                if j is not None:
                    renumber[j] = i
            seg_of = np.empty(self.n_docs, dtype=np.int32)
            local_of = np.empty(self.n_docs, dtype=np.int32)
            if np.array_equal(renumber, np.arange(renumber.shape[0], dtype=np.int32)):
                seg_of[:n_old] = previous.seg_of  # segments appended only: nobody's index changed
            else:
                seg_of[:n_old] = renumber[previous.seg_of]
            local_of[:n_old] = previous.local_of
        else:
            seg_of = np.empty(self.n_docs, dtype=np.int32)
            local_of = np.empty(self.n_docs, dtype=np.int32)
        for i, seg in enumerate(segments):
            j = reuse[i]
            if previous is not None and j is not None:
                kept = previous._segments[j]  # the same documents, live as before: nothing to redo
                self._segments.append(_Segment(kept.postings, kept.canon, kept.live, seg.live.n_docs, kept.source))
                continue
            canon = np.ascontiguousarray(seg.canon, dtype=np.int32)
            live = canon >= 0
            locals_ = np.flatnonzero(live)
            seg_of[canon[locals_]] = i
            local_of[canon[locals_]] = locals_
            postings = FieldPostings(**{name: _readonly(a) for name, a in seg.postings.arrays().items()})
            postings.sharing_doc_len(seg.postings)
            self._segments.append(_Segment(postings, _readonly(canon), _readonly(live), seg.live.n_docs,
                                           seg.postings))
        self.seg_of = _readonly(seg_of)
        self.local_of = _readonly(local_of)
        # largest first: the k-th best score found early prunes the smaller segments
        self._search_order = sorted(range(len(self._segments)), key=lambda j: -self._segments[j].n_live)
        self._search_order_array = _readonly(np.asarray(self._search_order, dtype=np.int64))
        self._lists: _SegmentLists | None = None
        self._max_docs = max((s.postings.n_docs for s in self._segments), default=0)
        self._local = threading.local()
        self._backend: str = "auto"  # "auto" | "numba" | "numpy" (tests pin one)
        self._prune_min_postings = PRUNE_MIN_POSTINGS  # tests lower it to exercise pruning
        self._make_doc_lens()

    def _make_doc_lens(self) -> None:
        """Give every segment its postings' document lengths (`FieldPostings.doc_len`): at once when there
        are few postings to go through, else in a background thread with numba's kernel, which holds no
        GIL, once numba is loaded by someone else (its import holds the GIL for a second), so that loading
        a large index and adding to it stay as fast as they were (numpy's take held the GIL, about 50 ms
        per million postings: `newsbot add` at 1M took 0.25 s longer). Questions asked meanwhile look the
        lengths up by document (the same scores)."""
        if _numba_disabled_by_env():
            return  # only the numba kernels read them
        missing = [seg for seg in self._segments if seg.postings.doc_len is None]
        if not missing:
            return
        if sum(seg.postings.nnz for seg in missing) <= _DOC_LEN_AT_ONCE:
            _make_doc_lens(missing)
        else:
            threading.Thread(target=_make_doc_lens_in_background, args=(missing,), name="newsbot-doc-len",
                             daemon=True).start()

    @property
    def doc_lens_ready(self) -> bool:
        """Whether every segment's postings carry their document lengths (`_make_doc_lens`)."""
        return all(seg.postings.doc_len is not None for seg in self._segments)

    # ---------------------------------------------------------------- build (one segment, in memory)

    @classmethod
    def build(cls, corpus_tokens: Iterable[Sequence[str]], *, k1: float = 1.5, b: float = 0.75,
              epsilon: float = 0.25) -> BM25Scorer:
        """Index tokenised documents (streamed once) with rank-bm25's BM25Okapi model: one segment,
        every document live, canonical ids in the order given."""
        check_params(k1, b, epsilon)
        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        flat = array("i")
        lengths = array("q")
        for doc in corpus_tokens:
            if isinstance(doc, (str, bytes)):
                raise TypeError("corpus_tokens must yield sequences of tokens, not strings")
            ids = [setdefault(tok, len(vocab)) for tok in doc]
            flat.extend(ids)
            lengths.append(len(ids))
        if not lengths:
            raise ValueError("cannot build a BM25 index over an empty corpus")
        if len(lengths) > _INT32_MAX or len(vocab) > _INT32_MAX:
            raise ValueError("corpus too large for int32 document/term ids")
        for tok in vocab:
            if not isinstance(tok, str):
                raise TypeError(f"tokens must be str, got {type(tok).__name__}: {tok!r}")
        lexicon = Lexicon.from_terms(vocab)
        tokens = np.frombuffer(flat, dtype=np.int32) if flat else np.zeros(0, dtype=np.int32)
        postings = FieldPostings.build(tokens, np.frombuffer(lengths, dtype=np.int64))
        live = postings.live_stats(tokens, None)
        canon = np.arange(postings.n_docs, dtype=np.int32)
        return cls([ScoredSegment(postings, live, canon, postings.first)], lexicon, k1=k1, b=b, epsilon=epsilon)

    # ---------------------------------------------------------------- vocabulary

    @property
    def nnz(self) -> int:
        return sum(s.postings.nnz for s in self._segments)

    @property
    def n_segments(self) -> int:
        return len(self._segments)

    def __repr__(self) -> str:
        return (f"BM25Scorer(n_docs={self.n_docs}, segments={self.n_segments}, terms={self.vocabulary_size}, "
                f"postings={self.nnz}, k1={self.k1}, b={self.b}, epsilon={self.epsilon})")

    def term_id(self, term: str) -> int | None:
        """The term's id, or None if no live document contains it."""
        tid = self.lexicon.id(term)
        return tid if tid is not None and self._df[tid] > 0 else None

    def document_frequency(self, term: str) -> int:
        """Live documents holding the term (0 when none)."""
        tid = self.lexicon.id(term)
        return int(self._df[tid]) if tid is not None else 0

    def document_frequencies(self, terms: Sequence[str]) -> list[int]:
        """document_frequency of many terms with one look-up (a spelling correction weighs hundreds)."""
        return [int(self._df[tid]) if tid is not None else 0 for tid in self.lexicon.ids(list(terms))]

    def idf(self, term_id: int) -> float:
        """BM25Okapi's idf of a term (after the epsilon floor), as its scores use it."""
        return float(self._idf[term_id])

    def terms(self) -> list[str]:
        """Every term some live document holds, in no particular order."""
        return self.lexicon.terms(np.flatnonzero(self._df > 0).tolist())

    def _query(self, query_tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, idfs) of the query's tokens that a live document holds, in query order."""
        if isinstance(query_tokens, (str, bytes)):
            raise TypeError("query_tokens must be a sequence of tokens, not a string")
        tokens = list(query_tokens)
        distinct = list(dict.fromkeys(tokens))
        ids = dict(zip(distinct, self.lexicon.ids(distinct), strict=True))
        qterms = [tid for tid in (ids[t] for t in tokens) if tid is not None and self._df[tid] > 0]
        qt = np.asarray(qterms, dtype=np.int64)
        return _readonly(qt), _readonly(self._idf[qt])

    # ---------------------------------------------------------------- scoring

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Dense float64 scores of every live document by canonical id, equal to
        ``BM25Okapi.get_scores(query_tokens)`` over the live documents in canonical order."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        qterms, qidf = self._query(query_tokens)
        for t, idf in zip(qterms.tolist(), qidf.tolist(), strict=True):
            for seg in self._segments:
                p = seg.postings
                r = int(np.searchsorted(p.terms, t))
                if r >= p.n_terms or p.terms[r] != t:
                    continue
                s0, e0 = int(p.indptr[r]), int(p.indptr[r + 1])
                docs = p.docs[s0:e0]
                canon = seg.canon[docs]
                live = canon >= 0
                out[canon[live]] += contributions(p.tf[s0:e0][live], self._norms(p.lengths[docs[live]]), idf, self.k1)
        return out

    def scores_of(self, query_tokens: Sequence[str], ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Exact scores of the given canonical ids (the same values as ``scores``, for a few documents)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.zeros(ids.shape[0], dtype=np.float64)
        if ids.size == 0:
            return out
        if int(ids.min()) < 0 or int(ids.max()) >= self.n_docs:
            raise IndexError("document id outside the scorer")
        qterms, qidf = self._query(query_tokens)
        if qterms.size == 0:
            return out
        kernels = self._kernels()
        # the ids sorted by (segment, local id) with one sort, an id asked twice scored once; each
        # segment's run is then one kernel call over its ascending local ids
        segs = self.seg_of[ids]
        locals_ = self.local_of[ids].astype(np.int64)
        order = np.lexsort((locals_, segs))
        s_sorted, l_sorted = segs[order], locals_[order]
        new = np.ones(order.shape[0], dtype=bool)
        new[1:] = (s_sorted[1:] != s_sorted[:-1]) | (l_sorted[1:] != l_sorted[:-1])
        u_segs, u_locals = s_sorted[new], l_sorted[new]
        got = np.zeros(u_locals.shape[0])
        if kernels is not None and len(self._segments) == 1:
            p = self._segments[0].postings
            kernels.score_listed(p.terms, p.indptr, p.docs, p.tf, *self._segments[0].lens(), qterms, qidf, self.k1,
                                 self.b, self.avgdl, _readonly(u_locals), got)
            out[order] = got[np.cumsum(new) - 1]
            return out
        lists = self._segment_lists() if kernels is not None else None
        if kernels is not None and lists is not None:
            # one kernel call over every run of one segment's ids (a call per segment cost more at 12)
            starts = np.flatnonzero(np.concatenate(([True], u_segs[1:] != u_segs[:-1])))
            kernels.score_listed_segments(
                lists.terms, lists.indptr, lists.docs, lists.tf, lists.lens, lists.by_posting, qterms, qidf, self.k1,
                self.b, self.avgdl, _readonly(u_segs[starts].astype(np.int64)),
                _readonly(np.append(starts, u_locals.shape[0]).astype(np.int64)), _readonly(u_locals), got)
            out[order] = got[np.cumsum(new) - 1]
            return out
        edges = (np.flatnonzero(u_segs[1:] != u_segs[:-1]) + 1).tolist()
        for lo, hi in zip([0, *edges], [*edges, u_locals.shape[0]], strict=True):
            seg = self._segments[int(u_segs[lo])]
            p = seg.postings
            local = u_locals[lo:hi]
            part = got[lo:hi]
            if kernels is not None:  # the typed lists not made yet (see _kernels.array_list)
                kernels.score_listed(p.terms, p.indptr, p.docs, p.tf, *seg.lens(), qterms, qidf, self.k1, self.b,
                                     self.avgdl, _readonly(local), part)
                continue
            for t, idf in zip(qterms.tolist(), qidf.tolist(), strict=True):
                r = int(np.searchsorted(p.terms, t))
                if r >= p.n_terms or p.terms[r] != t:
                    continue
                s0, e0 = int(p.indptr[r]), int(p.indptr[r + 1])
                row = p.docs[s0:e0]
                pos = np.searchsorted(row, local)
                hit = (pos < row.shape[0]) & (row[np.minimum(pos, row.shape[0] - 1)] == local)
                part[hit] += contributions(p.tf[s0:e0][pos[hit]], self._norms(p.lengths[local[hit]]), idf, self.k1)
        out[order] = got[np.cumsum(new) - 1]
        return out

    def scores_and_best(self, query_tokens: Sequence[str], ids: np.ndarray, *,
                        allowed: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """(`scores_of` the canonical ids, the best score of any live document, allowed ones only when a mask is
        given, or 0.0 when none scores above 0), the same values as those two calls. With numba, one pass over
        the query's rows gives both: for long documents (articles), the listed ones' binary searches and the
        pruned search for the best each cost more than reading the rows once."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.n_docs):
            raise IndexError("document id outside the scorer")
        mask = None if allowed is None else self._check_allowed(allowed)
        kernels = self._kernels()
        lists = self._segment_lists() if kernels is not None else None
        if kernels is None or lists is None:
            top_ids, top_scores = self.top_k(query_tokens, 1, allowed=mask)
            return self.scores_of(query_tokens, ids), float(top_scores[0]) if top_ids.size else 0.0
        qterms, qidf = self._query(query_tokens)
        out = np.zeros(ids.shape[0], dtype=np.float64)
        acc = getattr(self._local, "dense", None)
        if acc is None:
            acc = self._local.dense = np.zeros(max(self.n_docs, 1), dtype=np.float64)
        try:
            best = kernels.scores_and_best(
                lists.terms, lists.indptr, lists.docs, lists.tf, lists.lens, lists.by_posting, lists.canon, qterms,
                qidf, self.k1, self.b, self.avgdl, acc, _readonly(ids), out,
                _EMPTY_MASK if mask is None else _readonly(mask), mask is not None)
        except BaseException:
            self._local.dense = None  # may be left dirty: the next query allocates a clean one
            raise
        return out, best

    def _segment_lists(self) -> _SegmentLists | None:
        """The segments' arrays as numba typed lists, made on the first query (a race makes them twice):
        the kernels then go over every segment in one call from Python, not one call per segment.
        None while numba's typed lists are not compiled yet (`_kernels.array_list`). Made again, once, when
        every segment's doc_len is there (made in the background after a load)."""
        lists = self._lists
        if lists is None:
            if not typed_lists_ready():
                return None

            def of(name: str, dtype: type) -> Any:
                return array_list([getattr(seg.postings, name) for seg in self._segments], dtype)

            by_posting = self.doc_lens_ready
            lists = self._lists = _SegmentLists(
                of("terms", np.int32), of("indptr", np.int64), of("docs", np.int32), of("tf", np.int32),
                of("bound_ptr", np.int64), of("bound_tf", np.int32), of("bound_len", np.int32),
                self._lens_list() if by_posting else of("lengths", np.int32), by_posting,
                array_list([seg.canon for seg in self._segments], np.int32),
                array_list([seg.live for seg in self._segments], np.bool_))
        elif not lists.by_posting and self.doc_lens_ready:  # only the lengths change
            lists = self._lists = replace(lists, lens=self._lens_list(), by_posting=True)
        return lists

    def _lens_list(self) -> Any:
        return array_list([seg.lens()[0] for seg in self._segments], np.int32)

    def _scratch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = getattr(self._local, "scratch", None)
        if s is None:
            # zero-filled by the OS lazily; each query restores the zeros it disturbed
            n = max(self._max_docs, 1)
            s = (np.zeros(n, dtype=np.float64), np.zeros(n, dtype=np.uint8), np.empty(n, dtype=np.int32))
            self._local.scratch = s
        return s

    def _kernels(self) -> Kernels | None:
        """The numba kernels this scorer queries with, or None for the numpy path."""
        if self._backend == "numpy":
            return None
        kernels = numba_kernels()
        if self._backend == "numba" and kernels is None:
            raise RuntimeError("numba backend requested but numba is not available")
        return kernels

    def _use_numba(self) -> bool:
        return self._kernels() is not None

    def prepare(self, allowed: np.ndarray) -> AllowedMask:
        """A mask over canonical ids made ready for many queries (the quotable sentences, say): each
        segment gets its own view of it, so the kernels skip a document by a flag read beside its other
        data instead of a look-up in a corpus-wide array."""
        allowed = self._check_allowed(allowed)
        local = tuple(_readonly(allowed[np.maximum(seg.canon, 0)] & seg.live) for seg in self._segments)
        return AllowedMask(_readonly(allowed), local, self)

    def _check_allowed(self, allowed: np.ndarray) -> np.ndarray:
        allowed = np.asarray(allowed)
        if allowed.dtype != np.bool_ or allowed.shape != (self.n_docs,):
            raise ValueError(
                f"allowed must be a boolean array of shape ({self.n_docs},), got {allowed.dtype} {allowed.shape}"
            )
        return allowed

    def top_k(self, query_tokens: Sequence[str], k: int, *, allowed: np.ndarray | AllowedMask | None = None,
              known: tuple[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best live documents with score > 0: (canonical ids int64, scores float64), best
        first, ties broken by lower id. Work is proportional to the query terms' postings.

        ``allowed``: optional boolean mask over canonical ids (or one made ready with `prepare`, faster
        when it serves many queries); documents where it is False are skipped.
        ``known``: for k == 1, a live allowed document and its exact score (`scores_of`'s): the search
        starts with it as the best so far, so the pruning skips more from the start; the result is the
        same.
        """
        k = int(k)
        prepared: tuple[np.ndarray, ...] | None = None
        ready: AllowedMask | None = None
        if isinstance(allowed, AllowedMask):
            if allowed.scorer is not self:
                raise ValueError("the mask was prepared for another scorer")
            ready, prepared, allowed = allowed, allowed.local, allowed.mask
        elif allowed is not None:
            allowed = self._check_allowed(allowed)
        qterms, qidf = self._query(query_tokens)
        if k <= 0 or qterms.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        kernels = self._kernels()
        if kernels is None:
            return self._top_k_numpy(qterms, qidf, k, allowed)
        # a prepared mask is checked through each segment's own flags; a plain one per document found
        mask, use_mask = (_EMPTY_MASK, False) if allowed is None or prepared else (_readonly(allowed), True)
        hs = np.empty(k, dtype=np.float64)
        hi = np.empty(k, dtype=np.int64)
        hn = np.zeros(1, dtype=np.int64)
        if known is not None and k == 1 and known[1] > 0.0:
            hi[0], hs[0] = known
            hn[0] = 1
        prune_min = self._prune_min_postings * max(k, 10) ** 2 // 100  # see PRUNE_MIN_POSTINGS (k = 100: x100)
        acc, seen, touched = self._scratch()
        try:
            lists = self._segment_lists() if len(self._segments) > 1 else None
            if lists is not None:  # one call over the segments (a call per segment cost more at 12)
                if ready is not None and ready.local_list is None:  # once per mask (a race makes it twice)
                    ready.local_list = array_list(ready.local, np.bool_)
                kernels.topk_segments(
                    lists.terms, lists.indptr, lists.docs, lists.tf, lists.bound_ptr, lists.bound_tf, lists.bound_len,
                    lists.lens, lists.by_posting, lists.canon, lists.live if ready is None else ready.local_list,
                    self._search_order_array, qterms, qidf, self.k1, self.b, self.avgdl, acc, seen, touched, mask,
                    use_mask, hs, hi, hn, prune_min)
            else:
                for j in self._search_order:
                    seg = self._segments[j]
                    p = seg.postings
                    kernels.topk(p.terms, p.indptr, p.docs, p.tf, p.bound_ptr, p.bound_tf, p.bound_len, *seg.lens(),
                                 seg.canon, seg.live if prepared is None else prepared[j], qterms, qidf, self.k1,
                                 self.b, self.avgdl, acc, seen, touched, mask, use_mask, hs, hi, hn, prune_min)
        except BaseException:
            # the scratch may be left dirty: drop it, the next query allocates a clean one
            self._local.scratch = None
            raise
        n = int(hn[0])
        order = np.lexsort((hi[:n], -hs[:n]))
        return hi[:n][order], hs[:n][order]

    def _norms(self, lengths: np.ndarray) -> np.ndarray:
        return norms(lengths, self.k1, self.b, self.avgdl)

    def _top_k_numpy(self, qterms: np.ndarray, qidf: np.ndarray, k: int, allowed: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray]:
        ids_parts, score_parts = [], []
        for seg in self._segments:
            p = seg.postings
            ids, sc = topk_numpy_segment(p.terms, p.indptr, p.docs, p.tf, p.lengths, seg.canon, qterms, qidf, self.k1,
                                         self.b, self.avgdl, allowed)
            ids_parts.append(ids)
            score_parts.append(sc)
        ids = np.concatenate(ids_parts) if ids_parts else np.empty(0, np.int64)
        sc = np.concatenate(score_parts) if score_parts else np.empty(0, np.float64)
        order = np.lexsort((ids, -sc))[:k]
        return ids[order], sc[order]


@dataclass(eq=False)
class AllowedMask:
    """A boolean mask over a scorer's canonical ids with each segment's local view of it (`BM25Scorer.prepare`)."""

    mask: np.ndarray
    local: tuple[np.ndarray, ...]  # per segment: allowed and live, by local document
    scorer: BM25Scorer
    local_list: Any = field(default=None, repr=False)  # local as a numba typed list, made by the first query


@dataclass(frozen=True)
class _SegmentLists:
    """A scorer's per-segment arrays as numba typed lists (`BM25Scorer._segment_lists`)."""

    terms: Any
    indptr: Any
    docs: Any
    tf: Any
    bound_ptr: Any
    bound_tf: Any
    bound_len: Any
    lens: Any  # each segment's doc_len (by_posting), or its lengths by document until every doc_len is made
    by_posting: bool
    canon: Any
    live: Any


@dataclass(frozen=True)
class _Segment:
    postings: FieldPostings  # read-only views of the segment's own
    canon: np.ndarray  # int32 per local document, -1 deleted
    live: np.ndarray  # bool per local document: canon >= 0
    n_live: int
    source: FieldPostings  # the segment's own postings: a doc_len made there serves later snapshots too

    def lens(self) -> tuple[np.ndarray, bool]:
        """(lengths for the kernels, whether per posting): doc_len when made, else per document."""
        made = self.postings.doc_len
        return (made, True) if made is not None else (self.postings.lengths, False)


_DOC_LEN_AT_ONCE = 1 << 20  # postings: fewer are given their lengths at once (a few ms), more in the background


def _make_doc_lens(segments: Sequence[_Segment], gather: Callable[..., None] | None = None) -> None:
    """Make each segment's doc_len on its own postings and share it with the scorer's views (largest first)."""
    for seg in sorted(segments, key=lambda s: -s.postings.nnz):
        seg.source.make_doc_len(gather)  # at once when another snapshot's thread made it meanwhile
        seg.postings.sharing_doc_len(seg.source)


def _make_doc_lens_in_background(segments: Sequence[_Segment]) -> None:
    """_make_doc_lens with numba's kernel, which holds no GIL, once numba is loaded by someone else
    (`warm_up`, a first query): a process that loads a large index only to add a file (`newsbot add`,
    ~2.5 s) is not slowed down; nothing to make without numba."""
    kernels = loaded_kernels()
    if kernels is not None:
        _make_doc_lens(segments, kernels.gather)


_EMPTY_MASK = _readonly(np.zeros(1, dtype=np.bool_))
