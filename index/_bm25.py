"""Exact rank-bm25 ``BM25Okapi`` scores from a precomputed, memory-mappable posting matrix.

``rank_bm25.BM25Okapi.get_scores`` is pure Python over every document (~1.8 s per question at a
million sentences). This module precomputes, once, the contribution of every (term, sentence)
posting with the very same floating-point expression rank-bm25 evaluates, and stores them as a
term x sentence CSR matrix. A question then only touches the postings of its own terms.

Exactness: for every document rank-bm25 computes ``score = 0.0; score += c(q, d)`` for each query
token ``q`` in query order, where ``c`` is 0.0 when ``d`` lacks ``q``. Adding 0.0 is the identity
in IEEE arithmetic, so adding only the stored non-zero contributions, in query order, gives the
same bits. Contributions are computed with the same operand order as rank-bm25 (and the idf with
``math.log``, average idf summed sequentially in rank-bm25's dict order), so scores are bit-for-bit
equal, not merely within 1e-9, for every corpus rank-bm25 itself handles. Deliberate difference:
where rank-bm25 divides 0 by 0 (an empty document when ``b == 1``) and produces NaN, a document that
lacks a query term gets 0 from it here.

Persistence is plain ``.npy`` (never pickle), memory-mapped on load:

* ``bm25_indptr.npy``  int64 (V+1)  row pointers of the term rows
* ``bm25_indices.npy`` int32 (nnz)  sentence ids, ascending within each term row
* ``bm25_data.npy``    float64 (nnz) per-posting contribution (already multiplied by the idf)
* ``bm25_max_contrib.npy`` float64 (V) largest contribution of each term (for pruning)
* ``bm25_idf.npy``     float64 (V)  idf after the epsilon floor (diagnostics)
* ``bm25_term_hash.npy`` uint64 (V) 64-bit BLAKE2b of each term's UTF-8 bytes, ascending; term id
  = position in this array. Lookup is one ``searchsorted`` plus a byte comparison against
* ``bm25_term_bytes.npy`` uint8 / ``bm25_term_offsets.npy`` int64 (V+1): the terms themselves,
  so hash collisions are resolved exactly and no Python dict is built at load.

Query path (``top_k``): the query's posting rows are accumulated into a dense per-thread scratch
array, remembering which documents were touched, and a bounded heap picks the k best among the
touched documents only; the scratch is re-zeroed at those positions. Nothing is O(n_docs) per query.
With numba (optional), a MaxScore-style pass takes the terms by decreasing upper bound (rarest
first, usually) and, once the k-th best partial score exceeds what the remaining terms could add,
stops opening their long rows for new documents; candidates are then re-scored exactly in query
order, so pruning never changes a score or the ranking. Without numba the same results come from a
numpy path (slower on long rows). ``NEWSBOT_BM25_NUMBA=0`` forces the numpy path.

Thread-safety: queries use a per-thread scratch (about 13 bytes x n_docs per thread, allocated on a
thread's first query), so one scorer may be queried from several threads at once; the numba kernel
releases the GIL. The first numba query of a process imports numba and loads the compiled kernel
from numba's on-disk cache (~1 s; a few seconds when the cache is cold): call :func:`warm_up` at
start-up, e.g. in a background thread, to keep that off the first question.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BM25Scorer", "warm_up"]

FORMAT = "newsbot-bm25okapi-csr"
FORMAT_VERSION = 1

# logical name -> (file name, dtype); every array is one-dimensional
_ARRAYS: dict[str, tuple[str, np.dtype]] = {
    "indptr": ("bm25_indptr.npy", np.dtype(np.int64)),
    "indices": ("bm25_indices.npy", np.dtype(np.int32)),
    "data": ("bm25_data.npy", np.dtype(np.float64)),
    "max_contrib": ("bm25_max_contrib.npy", np.dtype(np.float64)),
    "idf": ("bm25_idf.npy", np.dtype(np.float64)),
    "term_hash": ("bm25_term_hash.npy", np.dtype(np.uint64)),
    "term_offsets": ("bm25_term_offsets.npy", np.dtype(np.int64)),
    "term_bytes": ("bm25_term_bytes.npy", np.dtype(np.uint8)),
}

_INT32_MAX = np.iinfo(np.int32).max


def _encode(term: str) -> bytes:
    return term.encode("utf-8", "surrogatepass")


def _readonly(arr: np.ndarray) -> np.ndarray:
    view = arr.view(np.ndarray)
    view.flags.writeable = False
    return view


def _hash(term_bytes: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(term_bytes, digest_size=8).digest(), "little")


# --------------------------------------------------------------------------------------------
# query kernels: numba when importable (optional), numpy otherwise; identical results
# --------------------------------------------------------------------------------------------

_kernel_lock = threading.Lock()
_kernel_state: dict[str, Any] = {}


def _numba_disabled_by_env() -> bool:
    return os.environ.get("NEWSBOT_BM25_NUMBA", "").strip().lower() in {"0", "false", "no", "off"}


def _numba_kernel():
    """The jitted top-k kernel, or None when numba is absent or disabled (NEWSBOT_BM25_NUMBA=0)."""
    if "kernel" in _kernel_state:
        return _kernel_state["kernel"]
    with _kernel_lock:
        if "kernel" not in _kernel_state:
            kernel = None
            if not _numba_disabled_by_env():
                try:
                    kernel = _compile_numba_kernel()
                except ImportError:
                    kernel = None
            _kernel_state["kernel"] = kernel
    return _kernel_state["kernel"]


def warm_up() -> bool:
    """Import numba and load (or compile) the query kernel now, not on the first question.

    The first ``top_k`` of a process otherwise pays for it: about 1 s with numba's on-disk cache
    warm, a few seconds on a cold cache. Safe to call from a background thread. Returns whether
    the numba kernel is in use (False: numpy fallback)."""
    return _numba_kernel() is not None


# Below this many postings over the query's terms, pruning cannot pay for its bookkeeping.
_PRUNE_MIN_POSTINGS = 4096
# Relative safety margin of the pruning bounds (float rounding is ~1e-15 relative).
_PRUNE_MARGIN = 1e-9


def _kth_largest_impl(acc, touched, n, allowed, use_allowed, k):
    """k-th largest positive acc[d] over d in touched[:n] (allowed ones); 0.0 if fewer than k."""
    h = np.empty(k, np.float64)
    m = 0
    for j in range(n):
        d = touched[j]
        s = acc[d]
        if not s > 0.0:
            continue
        if use_allowed and not allowed[d]:
            continue
        if m < k:
            c = m
            m += 1
            while c > 0:
                par = (c - 1) // 2
                if s < h[par]:
                    h[c] = h[par]
                    c = par
                else:
                    break
            h[c] = s
        elif s > h[0]:
            c = 0
            while True:
                left = 2 * c + 1
                if left >= k:
                    break
                mm = left
                if left + 1 < k and h[left + 1] < h[left]:
                    mm = left + 1
                if h[mm] < s:
                    h[c] = h[mm]
                    c = mm
                else:
                    break
            h[c] = s
    return h[0] if m == k else 0.0


def _topk_impl(
    indptr, indices, data, max_contrib, qterms, acc, seen, touched, allowed, use_allowed, k, prune_min
):
    nq = qterms.shape[0]
    # distinct query terms (first appearance) with their multiplicities
    uterm = np.empty(nq, np.int64)
    umult = np.empty(nq, np.int64)
    nu = 0
    for i in range(nq):
        t = qterms[i]
        found = False
        for j in range(nu):
            if uterm[j] == t:
                umult[j] += 1
                found = True
                break
        if not found:
            uterm[nu] = t
            umult[nu] = 1
            nu += 1
    total = 0
    prunable = nu >= 2
    for j in range(nu):
        t = uterm[j]
        total += indptr[t + 1] - indptr[t]
        if max_contrib[t] < 0.0:  # negative idf floor (tiny corpora): no upper bounds
            prunable = False
    if total < prune_min:
        prunable = False

    n_touched = 0
    n_list = 0  # touched[:n_list] = documents whose exact score is in acc
    if not prunable:
        # exhaustive and exact: query order, duplicates included, like rank-bm25
        for qi in range(nq):
            t = qterms[qi]
            for p in range(indptr[t], indptr[t + 1]):
                d = indices[p]
                if seen[d] == 0:
                    seen[d] = 1
                    touched[n_touched] = d
                    n_touched += 1
                acc[d] += data[p]
        n_list = n_touched
    else:
        # MaxScore-style: take terms by decreasing upper bound (rarest first, usually); once the
        # k-th best partial score beats what all remaining terms together could add, documents
        # not yet touched cannot reach the top k and the remaining (long) lists are skipped.
        # Partial sums here are approximate (other order); exact scores are recomputed below.
        ub = np.empty(nu, np.float64)
        order = np.empty(nu, np.int64)
        for j in range(nu):
            ub[j] = umult[j] * max_contrib[uterm[j]]
            order[j] = j
        for a in range(1, nu):  # insertion sort: ub descending, then shorter list first
            j = order[a]
            dfj = indptr[uterm[j] + 1] - indptr[uterm[j]]
            c = a
            while c > 0:
                i = order[c - 1]
                dfi = indptr[uterm[i] + 1] - indptr[uterm[i]]
                if ub[i] < ub[j] or (ub[i] == ub[j] and dfi > dfj):
                    order[c] = i
                    c -= 1
                else:
                    break
            order[c] = j
        theta = 0.0
        stopped = nu
        rest_post = total
        done_ub = 0.0  # sum of the upper bounds of the terms added so far: theta cannot exceed it
        for oj in range(nu):
            j = order[oj]
            t = uterm[j]
            # a check costs one pass over the touched documents: only when it could succeed and
            # would save more than it costs
            if oj > 0 and n_touched >= k and rest_post > n_touched:
                rest = 0.0
                for o2 in range(oj, nu):
                    rest += ub[order[o2]]
                if rest < done_ub:
                    theta = max(theta, _kth_largest_nb(acc, touched, n_touched, allowed, use_allowed, k))
                    if rest * (1.0 + _PRUNE_MARGIN) < theta * (1.0 - _PRUNE_MARGIN):
                        stopped = oj
                        break
            done_ub += ub[j]
            w = float(umult[j])
            for p in range(indptr[t], indptr[t + 1]):
                d = indices[p]
                if seen[d] == 0:
                    seen[d] = 1
                    touched[n_touched] = d
                    n_touched += 1
                acc[d] += w * data[p]
            rest_post -= indptr[t + 1] - indptr[t]
        if stopped == nu:  # (when stopped early, theta is already that of the touched set)
            theta = max(theta, _kth_largest_nb(acc, touched, n_touched, allowed, use_allowed, k))
        # Candidates: partial + what the not-yet-added terms could add still reaches theta (with
        # margins). The skipped terms are then added to the candidates only, one at a time, and
        # the candidates filtered again each time as the bound tightens.
        n_list = n_touched
        for oj in range(stopped, nu + 1):
            if oj > stopped:
                j = order[oj - 1]
                t = uterm[j]
                w = float(umult[j])
                s0 = indptr[t]
                e0 = indptr[t + 1]
                df = e0 - s0
                if n_list * (np.log2(df + 1.0) + 1.0) < df:
                    for jj in range(n_list):  # binary search each candidate in the sorted row
                        d = touched[jj]
                        a_ = s0
                        b_ = e0
                        while a_ < b_:
                            mid = (a_ + b_) >> 1
                            if indices[mid] < d:
                                a_ = mid + 1
                            else:
                                b_ = mid
                        if a_ < e0 and indices[a_] == d:
                            acc[d] += w * data[a_]
                else:
                    for p in range(s0, e0):  # cheaper to scan the row
                        d = indices[p]
                        if seen[d] != 0:
                            acc[d] += w * data[p]
                if n_list > k:
                    theta = max(theta, _kth_largest_nb(acc, touched, n_list, allowed, use_allowed, k))
            rest = 0.0
            for o2 in range(oj, nu):
                rest += ub[order[o2]]
            lo = theta * (1.0 - _PRUNE_MARGIN) - rest * (1.0 + _PRUNE_MARGIN)
            kept = 0
            for jj in range(n_list):
                d = touched[jj]
                if acc[d] >= lo and not (use_allowed and not allowed[d]):
                    touched[kept] = d
                    kept += 1
                else:
                    acc[d] = 0.0
                    seen[d] = 0
            n_list = kept
        # exact scores of the survivors: every query token in query order, as rank-bm25
        for jj in range(n_list):
            acc[touched[jj]] = 0.0
        for qi in range(nq):
            t = qterms[qi]
            s0 = indptr[t]
            e0 = indptr[t + 1]
            df = e0 - s0
            if n_list * (np.log2(df + 1.0) + 1.0) < df:
                for jj in range(n_list):
                    d = touched[jj]
                    a_ = s0
                    b_ = e0
                    while a_ < b_:
                        mid = (a_ + b_) >> 1
                        if indices[mid] < d:
                            a_ = mid + 1
                        else:
                            b_ = mid
                    if a_ < e0 and indices[a_] == d:
                        acc[d] += data[a_]
            else:
                for p in range(s0, e0):
                    d = indices[p]
                    if seen[d] != 0:
                        acc[d] += data[p]

    # bounded heap over touched[:n_list]; the root is the worst kept (lowest score, and among
    # equal scores the highest id); the scratch of these documents is reset on the way
    hs = np.empty(k, np.float64)
    hi = np.empty(k, np.int64)
    n = 0
    for j in range(n_list):
        d = touched[j]
        s = acc[d]
        acc[d] = 0.0
        seen[d] = 0
        if not s > 0.0:
            continue
        if use_allowed and not allowed[d]:
            continue
        if n < k:
            c = n
            n += 1
            while c > 0:
                par = (c - 1) // 2
                if s < hs[par] or (s == hs[par] and d > hi[par]):
                    hs[c] = hs[par]
                    hi[c] = hi[par]
                    c = par
                else:
                    break
            hs[c] = s
            hi[c] = d
        elif s > hs[0] or (s == hs[0] and d < hi[0]):
            c = 0
            while True:
                left = 2 * c + 1
                if left >= n:
                    break
                m = left
                right = left + 1
                if right < n and (hs[right] < hs[left] or (hs[right] == hs[left] and hi[right] > hi[left])):
                    m = right
                if hs[m] < s or (hs[m] == s and hi[m] > d):
                    hs[c] = hs[m]
                    hi[c] = hi[m]
                    c = m
                else:
                    break
            hs[c] = s
            hi[c] = d
    # pop the worst repeatedly into the back: best first
    out_s = np.empty(n, np.float64)
    out_i = np.empty(n, np.int64)
    size = n
    while size > 0:
        out_s[size - 1] = hs[0]
        out_i[size - 1] = hi[0]
        size -= 1
        s = hs[size]
        d = hi[size]
        c = 0
        while True:
            left = 2 * c + 1
            if left >= size:
                break
            m = left
            right = left + 1
            if right < size and (hs[right] < hs[left] or (hs[right] == hs[left] and hi[right] > hi[left])):
                m = right
            if hs[m] < s or (hs[m] == s and hi[m] > d):
                hs[c] = hs[m]
                hi[c] = hi[m]
                c = m
            else:
                break
        hs[c] = s
        hi[c] = d
    return out_i, out_s


def _compile_numba_kernel():
    """JIT the kernels for one fixed signature (read-only inputs, writable scratch), so a single
    compiled version exists and numba's on-disk cache (``__pycache__``) is hit in later processes."""
    global _kth_largest_nb
    import numba
    from numba import types

    def ro(dtype):
        return types.Array(dtype, 1, "C", readonly=True)

    def rw(dtype):
        return types.Array(dtype, 1, "C")

    kth_sig = types.float64(
        rw(types.float64), rw(types.int32), types.int64, ro(types.boolean), types.boolean, types.int64
    )
    _kth_largest_nb = numba.njit(kth_sig, cache=True, nogil=True)(_kth_largest_impl)
    kernel_sig = types.Tuple((rw(types.int64), rw(types.float64)))(
        ro(types.int64),  # indptr
        ro(types.int32),  # indices
        ro(types.float64),  # data
        ro(types.float64),  # max_contrib
        ro(types.int64),  # qterms
        rw(types.float64),  # acc
        rw(types.uint8),  # seen
        rw(types.int32),  # touched
        ro(types.boolean),  # allowed
        types.boolean,  # use_allowed
        types.int64,  # k
        types.int64,  # prune_min
    )
    return numba.njit(kernel_sig, cache=True, nogil=True)(_topk_impl)


_kth_largest_nb = None  # set by _compile_numba_kernel


def _topk_numpy(indptr, indices, data, qterms, acc, seen, allowed, k):
    """Same contract and results as the numba kernel, vectorised per term."""
    parts = []
    for t in qterms.tolist():
        start, end = int(indptr[t]), int(indptr[t + 1])
        idx = indices[start:end]
        new = idx[seen[idx] == 0]
        seen[new] = 1
        parts.append(new)
        # a term's postings hold each document once, so this fancy-indexed add is exact
        acc[idx] += data[start:end]
    touched = np.concatenate(parts) if parts else np.empty(0, np.int32)
    sc = acc[touched]
    acc[touched] = 0.0
    seen[touched] = 0
    keep = sc > 0.0
    if allowed is not None:
        keep &= allowed[touched]
    ids = touched[keep].astype(np.int64)
    sc = sc[keep]
    if ids.size > k:
        part = np.argpartition(-sc, k - 1)[:k]
        cut = sc[part].min()
        cand = np.flatnonzero(sc >= cut)  # everything tied with the k-th score competes by id
        ids, sc = ids[cand], sc[cand]
    order = np.lexsort((ids, -sc))[:k]
    return ids[order], sc[order]


# --------------------------------------------------------------------------------------------


class BM25Scorer:
    """Precomputed BM25Okapi: a term × sentence CSR matrix of per-posting contributions."""

    k1: float
    b: float
    epsilon: float
    n_docs: int
    avgdl: float

    def __init__(
        self,
        *,
        k1: float,
        b: float,
        epsilon: float,
        n_docs: int,
        avgdl: float,
        average_idf: float,
        total_tokens: int,
        arrays: dict[str, np.ndarray],
    ) -> None:
        self.k1 = float(k1)
        self.b = float(b)
        self.epsilon = float(epsilon)
        self.n_docs = int(n_docs)
        self.avgdl = float(avgdl)
        self.average_idf = float(average_idf)
        self.total_tokens = int(total_tokens)
        # read-only plain ndarray views: memory-mapped or built, the kernel sees one array type
        a = {name: _readonly(arr) for name, arr in arrays.items()}
        self._indptr = a["indptr"]
        self._indices = a["indices"]
        self._data = a["data"]
        self._max_contrib = a["max_contrib"]
        self._idf = a["idf"]
        self._term_hash = a["term_hash"]
        self._term_offsets = a["term_offsets"]
        self._term_bytes = a["term_bytes"]
        self._local = threading.local()
        self._backend: str = "auto"  # "auto" | "numba" | "numpy" (tests pin one)
        self._prune_min_postings = _PRUNE_MIN_POSTINGS  # tests lower it to exercise pruning

    # ---------------------------------------------------------------- properties

    @property
    def vocabulary_size(self) -> int:
        return int(self._term_hash.shape[0])

    @property
    def nnz(self) -> int:
        return int(self._indices.shape[0])

    def __repr__(self) -> str:
        return (
            f"BM25Scorer(n_docs={self.n_docs}, terms={self.vocabulary_size}, postings={self.nnz}, "
            f"k1={self.k1}, b={self.b}, epsilon={self.epsilon})"
        )

    # ---------------------------------------------------------------- build

    @classmethod
    def build(
        cls,
        corpus_tokens: Iterable[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> BM25Scorer:
        """Index tokenised documents (streamed once) with rank-bm25's BM25Okapi model.

        Term ids are first assigned in order of first appearance (rank-bm25's dict order, which the
        average idf is summed in), then renumbered by term hash for the persisted lookup table.
        """
        if not (math.isfinite(k1) and k1 > 0):
            raise ValueError(f"k1 must be a finite number > 0, got {k1!r}")
        if not (math.isfinite(b) and 0.0 <= b <= 1.0):
            raise ValueError(f"b must be within [0, 1], got {b!r}")
        if not math.isfinite(epsilon):
            raise ValueError(f"epsilon must be finite, got {epsilon!r}")

        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        flat = array("i")  # term id of every token, documents concatenated
        lengths = array("q")
        for doc in corpus_tokens:
            if isinstance(doc, (str, bytes)):
                raise TypeError("corpus_tokens must yield sequences of tokens, not strings")
            ids = [setdefault(tok, len(vocab)) for tok in doc]
            flat.extend(ids)
            lengths.append(len(ids))
        n_docs = len(lengths)
        if n_docs == 0:
            raise ValueError("cannot build a BM25 index over an empty corpus")
        if n_docs > _INT32_MAX or len(vocab) > _INT32_MAX:
            raise ValueError("corpus too large for int32 document/term ids")
        for tok in vocab:
            if not isinstance(tok, str):
                raise TypeError(f"tokens must be str, got {type(tok).__name__}: {tok!r}")
        n_terms = len(vocab)
        total_tokens = int(sum(lengths))
        avgdl = total_tokens / n_docs  # int / int, exactly as rank-bm25

        # persisted term order: by 64-bit hash (ties, i.e. collisions, by first appearance)
        term_enc = [_encode(t) for t in vocab]  # first-appearance order
        del vocab
        hashes = np.fromiter((_hash(e) for e in term_enc), dtype=np.uint64, count=n_terms)
        first_to_final = np.empty(n_terms, dtype=np.int64)
        final_order = np.argsort(hashes, kind="stable")  # final id -> first-appearance id
        first_to_final[final_order] = np.arange(n_terms, dtype=np.int64)

        doc_len = np.frombuffer(lengths, dtype=np.int64)
        tids = np.frombuffer(flat, dtype=np.int32)
        del flat
        # one sort of (term, doc) keys groups postings by term with ascending doc ids
        keys = first_to_final[tids]
        del tids
        keys *= n_docs
        keys += np.repeat(np.arange(n_docs, dtype=np.int64), doc_len)
        keys.sort()
        if keys.size:
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        else:
            starts = np.empty(0, dtype=np.int64)
        tf = np.diff(np.append(starts, keys.size))
        keys = keys[starts]
        del starts
        post_term, post_doc = np.divmod(keys, n_docs)
        del keys

        df = np.bincount(post_term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        # idf exactly as BM25Okapi._calc_idf: math.log, sequential sum in first-appearance order
        idf_of_df: dict[int, float] = {}
        for f in np.unique(df).tolist():
            idf_of_df[f] = math.log(n_docs - f + 0.5) - math.log(f + 0.5)
        idf_raw = np.array([idf_of_df[f] for f in df.tolist()], dtype=np.float64)  # final order
        idf_sum = 0
        for v in idf_raw[first_to_final].tolist():  # first-appearance order
            idf_sum += v
        average_idf = idf_sum / n_terms if n_terms else 0.0
        eps = epsilon * average_idf
        idf = np.where(idf_raw < 0, eps, idf_raw)

        # contribution = idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))), same operand
        # order as rank-bm25 (its doc_len is an int64 array, q_freq an int array)
        if total_tokens:
            norm = k1 * (1 - b + b * doc_len / avgdl)
        else:
            norm = np.zeros(n_docs)
        data = tf * (k1 + 1) / (tf + norm[post_doc])
        del tf
        data = idf[post_term] * data
        indices = post_doc.astype(np.int32)
        del post_doc, post_term
        if n_terms:
            max_contrib = np.maximum.reduceat(data, indptr[:-1]) if data.size else np.zeros(n_terms)
        else:
            max_contrib = np.zeros(0)

        enc_final = [term_enc[i] for i in final_order.tolist()]
        del term_enc
        term_offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, enc_final), dtype=np.int64, count=n_terms), out=term_offsets[1:])
        term_bytes = np.frombuffer(b"".join(enc_final), dtype=np.uint8).copy()
        term_hash = hashes[final_order]

        return cls(
            k1=k1,
            b=b,
            epsilon=epsilon,
            n_docs=n_docs,
            avgdl=avgdl,
            average_idf=average_idf,
            total_tokens=total_tokens,
            arrays={
                "indptr": indptr,
                "indices": indices,
                "data": np.ascontiguousarray(data, dtype=np.float64),
                "max_contrib": np.ascontiguousarray(max_contrib, dtype=np.float64),
                "idf": np.ascontiguousarray(idf, dtype=np.float64),
                "term_hash": np.ascontiguousarray(term_hash, dtype=np.uint64),
                "term_offsets": term_offsets,
                "term_bytes": term_bytes,
            },
        )

    # ---------------------------------------------------------------- vocabulary

    def _term_ids(self, terms: Sequence[str]) -> list[int | None]:
        if not terms:
            return []
        encoded = [_encode(t) for t in terms]
        hashes = np.fromiter((_hash(e) for e in encoded), dtype=np.uint64, count=len(encoded))
        th = self._term_hash
        pos = np.searchsorted(th, hashes).tolist()
        n_terms = th.shape[0]
        offsets = self._term_offsets
        blob = self._term_bytes
        out: list[int | None] = []
        for e, h, i in zip(encoded, hashes.tolist(), pos):
            found = None
            while i < n_terms and int(th[i]) == h:
                if blob[offsets[i] : offsets[i + 1]].tobytes() == e:
                    found = i
                    break
                i += 1
            out.append(found)
        return out

    def term_id(self, term: str) -> int | None:
        """Row of ``term`` in the posting matrix, or None if no document contains it."""
        return self._term_ids([term])[0]

    def idf(self, term_id: int) -> float:
        """BM25Okapi's idf of a term row (after the epsilon floor), as its scores use it."""
        return float(self._idf[term_id])

    @property
    def max_idf(self) -> float:
        """The largest idf in the vocabulary (the rarest term); 0.0 for an empty vocabulary."""
        return float(self._idf.max()) if self._idf.size else 0.0

    def _query_terms(self, query_tokens: Sequence[str]) -> np.ndarray:
        if isinstance(query_tokens, (str, bytes)):
            raise TypeError("query_tokens must be a sequence of tokens, not a string")
        tids = [t for t in self._term_ids(list(query_tokens)) if t is not None]
        return np.asarray(tids, dtype=np.int64)

    # ---------------------------------------------------------------- scoring

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Dense float64 scores of every document, equal to ``BM25Okapi.get_scores(query_tokens)``."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for t in self._query_terms(query_tokens).tolist():
            start, end = int(self._indptr[t]), int(self._indptr[t + 1])
            out[self._indices[start:end]] += self._data[start:end]
        return out

    def _scratch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = getattr(self._local, "scratch", None)
        if s is None:
            # zero-filled by the OS lazily; each query restores the zeros it disturbed
            s = (
                np.zeros(self.n_docs, dtype=np.float64),
                np.zeros(self.n_docs, dtype=np.uint8),
                np.empty(self.n_docs, dtype=np.int32),
            )
            self._local.scratch = s
        return s

    def _use_numba(self) -> bool:
        if self._backend == "numpy":
            return False
        kernel = _numba_kernel()
        if self._backend == "numba" and kernel is None:
            raise RuntimeError("numba backend requested but numba is not available")
        return kernel is not None

    def top_k(
        self, query_tokens: Sequence[str], k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best documents with score > 0: (ids int64, scores float64), best first,
        ties broken by lower id. Work is proportional to the query terms' postings, not n_docs.

        ``allowed``: optional boolean mask of length n_docs; documents where it is False are skipped.
        """
        k = int(k)
        if allowed is not None:
            allowed = np.asarray(allowed)
            if allowed.dtype != np.bool_ or allowed.shape != (self.n_docs,):
                raise ValueError(
                    f"allowed must be a boolean array of shape ({self.n_docs},), "
                    f"got {allowed.dtype} {allowed.shape}"
                )
        qterms = self._query_terms(query_tokens)
        if k <= 0 or qterms.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        acc, seen, touched = self._scratch()
        try:
            if self._use_numba():
                kernel = _numba_kernel()
                if allowed is None:
                    mask, use_mask = _EMPTY_MASK, False
                else:
                    mask, use_mask = _readonly(np.ascontiguousarray(allowed)), True
                ids, sc = kernel(
                    self._indptr, self._indices, self._data, self._max_contrib,
                    _readonly(qterms), acc, seen, touched, mask, use_mask, k, self._prune_min_postings,
                )
            else:
                ids, sc = _topk_numpy(self._indptr, self._indices, self._data, qterms, acc, seen, allowed, k)
        except BaseException:
            # the scratch may be left dirty: drop it, the next query allocates a clean one
            self._local.scratch = None
            raise
        return ids, sc

    # ---------------------------------------------------------------- persistence

    def save(self, directory: Path) -> dict:
        """Write the arrays as ``.npy`` files into ``directory``; return the JSON-able meta."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            "indptr": self._indptr,
            "indices": self._indices,
            "data": self._data,
            "max_contrib": self._max_contrib,
            "idf": self._idf,
            "term_hash": self._term_hash,
            "term_offsets": self._term_offsets,
            "term_bytes": self._term_bytes,
        }
        for name, (fname, dtype) in _ARRAYS.items():
            path = directory / fname
            tmp = directory / (fname + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(arrays[name], dtype=dtype), allow_pickle=False)
            os.replace(tmp, path)
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "n_docs": self.n_docs,
            "avgdl": self.avgdl,
            "average_idf": self.average_idf,
            "total_tokens": self.total_tokens,
            "vocabulary_size": self.vocabulary_size,
            "nnz": self.nnz,
            "term_hash": "blake2b-64-le",
            "files": {name: fname for name, (fname, _) in _ARRAYS.items()},
        }

    @classmethod
    def load(cls, directory: Path, meta: dict, *, mmap: bool = True) -> BM25Scorer:
        """Open what :meth:`save` wrote. Raises ValueError naming the problem when the meta or an
        array is missing, unreadable, of the wrong dtype/shape, or inconsistent with the meta."""
        directory = Path(directory)
        if not isinstance(meta, dict):
            raise ValueError(f"BM25 meta must be a dict, got {type(meta).__name__}")
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"BM25 meta: unsupported format {meta.get('format')!r} version {meta.get('version')!r} "
                f"(expected {FORMAT!r} version {FORMAT_VERSION})"
            )
        try:
            k1, b, epsilon = float(meta["k1"]), float(meta["b"]), float(meta["epsilon"])
            avgdl, average_idf = float(meta["avgdl"]), float(meta["average_idf"])
            n_docs, total_tokens = meta["n_docs"], meta["total_tokens"]
            n_terms, nnz = meta["vocabulary_size"], meta["nnz"]
            files = meta["files"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"BM25 meta: missing or invalid field: {exc!r}") from None
        counts = {"n_docs": n_docs, "total_tokens": total_tokens, "vocabulary_size": n_terms, "nnz": nnz}
        for key, val in counts.items():
            if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                raise ValueError(f"BM25 meta: {key} must be a non-negative int, got {val!r}")
        if n_docs < 1:
            raise ValueError("BM25 meta: n_docs must be >= 1")
        if not isinstance(files, dict):
            raise ValueError("BM25 meta: files must be a mapping of array name to file name")

        expected_len = {
            "indptr": n_terms + 1,
            "indices": nnz,
            "data": nnz,
            "max_contrib": n_terms,
            "idf": n_terms,
            "term_hash": n_terms,
            "term_offsets": n_terms + 1,
            "term_bytes": None,  # checked against term_offsets below
        }
        arrays: dict[str, np.ndarray] = {}
        for name, (default_fname, dtype) in _ARRAYS.items():
            fname = files.get(name)
            if not isinstance(fname, str) or not fname or Path(fname).name != fname:
                raise ValueError(f"BM25 meta: files[{name!r}] must be a plain file name, got {fname!r}")
            path = directory / fname
            if not path.is_file():
                raise ValueError(f"BM25 index: missing array file {path}")
            try:
                arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
            except Exception as exc:  # truncated/garbled header, object arrays, short file...
                raise ValueError(f"BM25 index: cannot read {path}: {exc}") from None
            if not isinstance(arr, np.ndarray):
                raise ValueError(f"BM25 index: {path} does not hold a single array")
            if arr.dtype != dtype:
                raise ValueError(f"BM25 index: {path} has dtype {arr.dtype}, expected {dtype}")
            want = expected_len[name]
            if arr.ndim != 1 or (want is not None and arr.shape[0] != want):
                raise ValueError(
                    f"BM25 index: {path} has shape {arr.shape}, expected ({want if want is not None else 'n'},)"
                )
            if not arr.flags.c_contiguous:
                raise ValueError(f"BM25 index: {path} is not C-contiguous")
            arrays[name] = arr

        # consistency checks cheap enough to run on every load (they also keep the unchecked numba
        # kernel from reading out of bounds on a corrupted index)
        indptr = arrays["indptr"]
        if indptr[0] != 0 or indptr[-1] != nnz or (n_terms and np.any(indptr[1:] < indptr[:-1])):
            raise ValueError("BM25 index: indptr is not a monotone 0..nnz row pointer")
        indices = arrays["indices"]
        if nnz and (int(indices.min()) < 0 or int(indices.max()) >= n_docs):
            raise ValueError(f"BM25 index: document ids outside [0, {n_docs})")
        offsets = arrays["term_offsets"]
        if offsets[0] != 0 or offsets[-1] != arrays["term_bytes"].shape[0] or (
            n_terms and np.any(offsets[1:] < offsets[:-1])
        ):
            raise ValueError("BM25 index: term_offsets inconsistent with term_bytes")
        th = arrays["term_hash"]
        if n_terms > 1 and np.any(th[1:] < th[:-1]):
            raise ValueError("BM25 index: term_hash is not sorted")

        return cls(
            k1=k1,
            b=b,
            epsilon=epsilon,
            n_docs=n_docs,
            avgdl=avgdl,
            average_idf=average_idf,
            total_tokens=total_tokens,
            arrays=arrays,
        )


_EMPTY_MASK = _readonly(np.zeros(1, dtype=np.bool_))
