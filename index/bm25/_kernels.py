"""The top-k query kernels: numba when importable (optional), numpy otherwise; identical results.

Query path (``top_k``): the query's posting rows are accumulated into a dense per-thread scratch
array, remembering which documents were touched, and a bounded heap picks the k best among the
touched documents only; the scratch is re-zeroed at those positions. Nothing is O(n_docs) per query.
With numba (optional), a MaxScore-style pass takes the terms by decreasing upper bound (rarest
first, usually) and, once the k-th best partial score exceeds what the remaining terms could add,
stops opening their long rows for new documents; candidates are then re-scored exactly in query
order, so pruning never changes a score or the ranking. Without numba the same results come from a
numpy path (slower on long rows). ``NEWSBOT_BM25_NUMBA=0`` forces the numpy path.

The numba kernel is written as plain Python functions: small helpers (the heap, the binary search,
adding a posting row) and the two kernels that call them. :func:`numba_kernel` compiles copies of
them whose globals map each helper's name to its jitted version, so the module's own functions stay
plain Python (and can be read, and run, as such). The first numba query of a process imports numba
and loads the compiled kernel from numba's on-disk cache (~1 s; a few seconds when the cache is
cold): call :func:`warm_up` at start-up, e.g. in a background thread, to keep that off the first
question.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import FunctionType
from typing import Any

import numpy as np

# Below this many postings over the query's terms, pruning cannot pay for its bookkeeping.
PRUNE_MIN_POSTINGS = 4096
# Relative safety margin of the pruning bounds (float rounding is ~1e-15 relative).
_PRUNE_MARGIN = 1e-9

_kernel_lock = threading.Lock()
_kernel_state: dict[str, Any] = {}


def _numba_disabled_by_env() -> bool:
    return os.environ.get("NEWSBOT_BM25_NUMBA", "").strip().lower() in {"0", "false", "no", "off"}


def numba_kernel() -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
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
    return numba_kernel() is not None


# ---------------------------------------------------------------------------------------- helpers
# The heaps hold (score, document) pairs in hs/hi; the root is the worst kept: the lowest score,
# and among equal scores the highest document id.


def _worse(s1, d1, s2, d2):
    """(s1, d1) ranks below (s2, d2): a lower score, or the same score and a higher document id."""
    return s1 < s2 or (s1 == s2 and d1 > d2)


def _sift_up(hs, hi, c, s, d):
    """Put (s, d) into the hole at c, moving better parents down."""
    while c > 0:
        par = (c - 1) // 2
        if not _worse(s, d, hs[par], hi[par]):
            break
        hs[c] = hs[par]
        hi[c] = hi[par]
        c = par
    hs[c] = s
    hi[c] = d


def _sift_down(hs, hi, size, s, d):
    """Put (s, d) into the hole at the root of hs[:size], moving worse children up."""
    c = 0
    while True:
        m = 2 * c + 1  # the worse child
        if m >= size:
            break
        if m + 1 < size and _worse(hs[m + 1], hi[m + 1], hs[m], hi[m]):
            m += 1
        if not _worse(hs[m], hi[m], s, d):
            break
        hs[c] = hs[m]
        hi[c] = hi[m]
        c = m
    hs[c] = s
    hi[c] = d


def _heap_offer(hs, hi, n, s, d):
    """Offer (s, d) to the bounded heap hs[:n]/hi[:n] (room for hs.shape[0]); returns the new n."""
    if n < hs.shape[0]:
        _sift_up(hs, hi, n, s, d)
        return n + 1
    if _worse(hs[0], hi[0], s, d):
        _sift_down(hs, hi, n, s, d)
    return n


def _find(indices, lo, hi, d):
    """Position of document d in the ascending indices[lo:hi], or -1 (a binary search)."""
    end = hi
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    if lo < end and indices[lo] == d:
        return lo
    return -1


def _add_row(indptr, indices, data, t, w, acc, seen, touched, n_touched):
    """acc += w x term t's posting row, documents met for the first time appended to touched;
    returns the new number of touched documents. (w = 1.0 adds the contributions exactly.)"""
    for p in range(indptr[t], indptr[t + 1]):
        d = indices[p]
        if seen[d] == 0:
            seen[d] = 1
            touched[n_touched] = d
            n_touched += 1
        acc[d] += w * data[p]
    return n_touched


def _add_row_to_listed(indptr, indices, data, t, w, acc, seen, touched, n_list):
    """acc += w x term t's contributions, for the documents touched[:n_list] only (those marked in
    seen): a binary search per document when that is cheaper than a scan of the row."""
    s0 = indptr[t]
    e0 = indptr[t + 1]
    df = e0 - s0
    if n_list * (np.log2(df + 1.0) + 1.0) < df:
        for jj in range(n_list):  # binary search each candidate in the sorted row
            d = touched[jj]
            p = _find(indices, s0, e0, d)
            if p >= 0:
                acc[d] += w * data[p]
    else:
        for p in range(s0, e0):  # cheaper to scan the row
            d = indices[p]
            if seen[d] != 0:
                acc[d] += w * data[p]


def _sum_bounds(ub, order, start, nu):
    """What the terms order[start:nu] could still add to any document's score."""
    rest = 0.0
    for o2 in range(start, nu):
        rest += ub[order[o2]]
    return rest


# ---------------------------------------------------------------------------------------- kernels


def _kth_largest(acc, touched, n, allowed, use_allowed, k):
    """k-th largest positive acc[d] over d in touched[:n] (allowed ones); 0.0 if fewer than k."""
    hs = np.empty(k, np.float64)
    hi = np.empty(k, np.int64)
    m = 0
    for j in range(n):
        d = touched[j]
        s = acc[d]
        if not s > 0.0:
            continue
        if use_allowed and not allowed[d]:
            continue
        m = _heap_offer(hs, hi, m, s, d)
    return hs[0] if m == k else 0.0


def _topk(indptr, indices, data, max_contrib, qterms, acc, seen, touched, allowed, use_allowed, k, prune_min):
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
            n_touched = _add_row(indptr, indices, data, qterms[qi], 1.0, acc, seen, touched, n_touched)
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
                rest = _sum_bounds(ub, order, oj, nu)
                if rest < done_ub:
                    theta = max(theta, _kth_largest(acc, touched, n_touched, allowed, use_allowed, k))
                    if rest * (1.0 + _PRUNE_MARGIN) < theta * (1.0 - _PRUNE_MARGIN):
                        stopped = oj
                        break
            done_ub += ub[j]
            n_touched = _add_row(indptr, indices, data, t, float(umult[j]), acc, seen, touched, n_touched)
            rest_post -= indptr[t + 1] - indptr[t]
        if stopped == nu:  # (when stopped early, theta is already that of the touched set)
            theta = max(theta, _kth_largest(acc, touched, n_touched, allowed, use_allowed, k))
        # Candidates: partial + what the not-yet-added terms could add still reaches theta (with
        # margins). The skipped terms are then added to the candidates only, one at a time, and
        # the candidates filtered again each time as the bound tightens.
        n_list = n_touched
        for oj in range(stopped, nu + 1):
            if oj > stopped:
                j = order[oj - 1]
                _add_row_to_listed(indptr, indices, data, uterm[j], float(umult[j]), acc, seen, touched, n_list)
                if n_list > k:
                    theta = max(theta, _kth_largest(acc, touched, n_list, allowed, use_allowed, k))
            rest = _sum_bounds(ub, order, oj, nu)
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
            _add_row_to_listed(indptr, indices, data, qterms[qi], 1.0, acc, seen, touched, n_list)

    # bounded heap over touched[:n_list]; the scratch of these documents is reset on the way
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
        n = _heap_offer(hs, hi, n, s, d)
    # pop the worst repeatedly into the back: best first
    out_s = np.empty(n, np.float64)
    out_i = np.empty(n, np.int64)
    size = n
    while size > 0:
        out_s[size - 1] = hs[0]
        out_i[size - 1] = hi[0]
        size -= 1
        _sift_down(hs, hi, size, hs[size], hi[size])
    return out_i, out_s


def _compile_numba_kernel() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """JIT the kernels for one fixed signature (read-only inputs, writable scratch), so a single
    compiled version exists and numba's on-disk cache (``__pycache__``) is hit in later processes.

    Each function is compiled from a copy whose globals are this module's with the helpers already
    jitted (numba resolves a callee by its global name when it compiles the caller). The small
    helpers are inlined into their callers, as they were written inline before."""
    # imported here, not at the top: numba is optional and takes about a second to import
    import numba
    from numba import types

    namespace = dict(globals())

    def jit(func: Callable[..., Any], signature: Any = None, inline: bool = False) -> Any:
        copy = FunctionType(func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__)
        options: dict[str, Any] = {"cache": True, "nogil": True}
        if inline:
            options["inline"] = "always"
        namespace[func.__name__] = numba.njit(signature, **options)(copy)
        return namespace[func.__name__]

    def ro(dtype: Any) -> Any:
        return types.Array(dtype, 1, "C", readonly=True)

    def rw(dtype: Any) -> Any:
        return types.Array(dtype, 1, "C")

    for helper in (_worse, _sift_up, _sift_down, _heap_offer, _find, _add_row, _add_row_to_listed, _sum_bounds):
        jit(helper, inline=True)
    jit(_kth_largest, types.float64(
        rw(types.float64), rw(types.int32), types.int64, ro(types.boolean), types.boolean, types.int64
    ))
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
    kernel: Callable[..., tuple[np.ndarray, np.ndarray]] = jit(_topk, kernel_sig)
    return kernel


def topk_numpy(indptr, indices, data, qterms, acc, seen, allowed, k):
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
