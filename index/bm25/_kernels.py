"""The query kernels, one segment at a time: numba when importable (optional), numpy otherwise;
identical results.

A segment stores raw term frequencies and document lengths; a contribution is computed when a posting
is read, with rank-bm25's expression and operand order, ``idf * (tf * (k1 + 1) / (tf + norm))``, where
``norm = k1 * (1 - b + b * dl / avgdl)`` is worked out from the document's length then and there, with
the operations numpy applies to rank-bm25's length array (the same double-precision steps, so the same
bits). The length is read beside the posting (``FieldPostings.doc_len``, made in the background after a
load), so a row is read in order: looking it up by document was a cache miss per posting, most of a
question's time once its postings are out of the cache, as they are in service at 1M sentences (a
per-snapshot array of norms would be the same random reads, twice as wide). Until those arrays are made
the kernels look the length up by document (``by_posting`` false): the same values. Documents whose
``ok`` flag is off (deleted, or outside a prepared mask) are skipped; the others are reported by their
canonical id (their place in a full rebuild of the corpus), which also breaks ties.

Top k over several segments: one bounded heap of (score, canonical id) is carried from segment to
segment (largest segment first), so the k-th best score found so far prunes the next segments.
Within a segment (numba), a MaxScore-style pass takes the query's terms by decreasing upper bound
(its largest contribution in the segment, from the frontier of its postings' frequencies and lengths) and,
once the k-th best score beats what the remaining terms could add, stops opening their long rows for
new documents; candidates are then re-scored exactly in query order, so pruning never changes a
score or the ranking. Without numba the numpy path scores every posting of the query's rows.
``NEWSBOT_BM25_NUMBA=0`` forces the numpy path.

The numba kernels are written as plain Python functions: small helpers (the heap, the binary
searches, adding a row) and the kernels that call them. :func:`numba_kernels` compiles copies of
them whose globals map each helper's name to its jitted version, so the module's own functions stay
plain Python (and can be read, and run, as such). The first numba query of a process imports numba
and loads the compiled kernels from numba's on-disk cache (~1 s; a few seconds when the cache is
cold): call :func:`warm_up` at start-up, e.g. in a background thread, to keep that off the first
question.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any, NamedTuple

import numpy as np

# Below this many postings over the query's terms (times (k / 10) squared, k at least 10), pruning cannot
# pay for its bookkeeping, which grows with k: the k-th best score is refreshed over the documents
# touched, and every surviving candidate is re-scored by binary searches. Measured on NewsQA questions at
# 1M sentences (one segment and twelve): a fixed 256 made top 100 slower than no pruning at all on the
# twelve segments (about 1,900 postings each); 256 per ten results (2,560 for top 100) was faster there
# at the median, but the questions with more postings than that still paid for pruning: 25,600 for top
# 100 left the median as it was and took the twelve segments' mean answer 5 % and p95 12 % lower (one
# segment: no change); top 10 and top 1 are as they were (benchmarks/SCALE.md).
PRUNE_MIN_POSTINGS = 256
# Relative safety margin of the pruning bounds (float rounding is ~1e-15 relative).
_PRUNE_MARGIN = 1e-9

_kernel_lock = threading.Lock()
_kernel_state: dict[str, Any] = {}


class Kernels(NamedTuple):
    """The jitted kernels: top k of one segment (into a carried heap) or of several, exact scores of listed
    documents, and which query terms stored sentences hold (the ranking's evidence)."""

    topk: Callable[..., None]
    score_listed: Callable[..., None]
    topk_segments: Callable[..., None]  # topk over several segments (typed lists of their arrays) in one call
    score_listed_segments: Callable[..., None]  # score_listed over runs of documents of several segments
    terms_held: Callable[..., tuple[np.ndarray, np.ndarray, int]]  # which query terms stored rows hold (ranking)
    gather: Callable[..., None]  # out[p] = lengths[docs[p]]: the postings' document lengths, without the GIL
    scores_and_best: Callable[..., float]  # listed documents' scores and the best of all, one pass over the rows
    evidence: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]]  # the ranking's, at once
    ranked: Callable[..., tuple[Any, ...]]  # the ranking's evidence, its neighbours and its order, at once


def _numba_disabled_by_env() -> bool:
    return os.environ.get("NEWSBOT_BM25_NUMBA", "").strip().lower() in {"0", "false", "no", "off"}


def numba_kernels() -> Kernels | None:
    """The jitted kernels, or None when numba is absent or disabled (NEWSBOT_BM25_NUMBA=0)."""
    if "kernels" in _kernel_state:
        return _kernel_state["kernels"]
    with _kernel_lock:
        if "kernels" not in _kernel_state:
            kernels = None
            if not _numba_disabled_by_env():
                try:
                    kernels = _compile_numba_kernels()
                except ImportError:
                    kernels = None
            _kernel_state["kernels"] = kernels
            _kernels_decided.set()
    return _kernel_state["kernels"]


def loaded_kernels() -> Kernels | None:
    """The jitted kernels once someone has loaded them (`warm_up`, a first query), waiting until then
    without loading them itself: numba's import holds the GIL for about a second, which a background
    helper must not put on a process that loads an index only to add a file. None without numba."""
    _kernels_decided.wait()
    return _kernel_state["kernels"]


_kernels_decided = threading.Event()


def warm_up() -> bool:
    """Import numba and load (or compile) the query kernels now, not on the first question.

    The first ``top_k`` of a process otherwise pays for it: about 1 s with numba's on-disk cache
    warm, a few seconds on a cold cache. Then the typed lists that let one kernel call go over every
    segment are compiled (``_compile_typed_lists``). Safe to call from a background thread. Returns
    whether the numba kernels are in use (False: numpy fallback)."""
    if numba_kernels() is None:
        return False
    _compile_typed_lists()
    return True


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
    """Position of d in the ascending indices[lo:hi], or -1 (a binary search)."""
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


def _length(lens, by_posting, p, d):
    """The length of posting p's document d: lens is either every posting's (read in order) or every
    document's (a look-up by document, until the postings' own are made: `FieldPostings.doc_len`)."""
    return lens[p] if by_posting else lens[d]


def _norm(k1, b, avgdl, dl):
    """rank-bm25's length normalisation of one document: k1 * (1 - b + b * dl / avgdl)."""
    return k1 * (1 - b + b * dl / avgdl)


def _contribution(idf, f, nrm, k1p1):
    """rank-bm25's term score, same operations in the same order: idf * (tf * (k1 + 1) / (tf + norm))."""
    return idf * (f * k1p1 / (f + nrm))


# How many postings ahead the kernels ask for the scratch (and canonical ids) of the document they will meet: a
# row's documents are scattered over the scratch, so each is a cache miss the processor cannot foresee; asked
# for a dozen postings early, the misses overlap with the work in between (benchmarks/SCALE.md, eighth round).
_AHEAD = 12


def _prefetch(arr, i):
    """Ask for arr[i] to be brought into the cache (numba: ``llvm.prefetch``, `_prefetch_intrinsic`); a hint that
    changes no value, and nothing at all in plain Python."""


def _prefetch_intrinsic() -> Any:
    """`_prefetch` for the jitted kernels: a read prefetch of the element's address, kept in every cache level."""
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def prefetch(typingctx: Any, arr: Any, idx: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            array_type = signature.args[0]
            array = context.make_array(array_type)(context, builder, args[0])
            address = cgutils.get_item_pointer(context, builder, array_type, array, [args[1]], wraparound=False)
            byte_pointer = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            llvm_prefetch = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch.p0i8")
            builder.call(llvm_prefetch, [builder.bitcast(address, byte_pointer), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return types.void(arr, idx), codegen

    return prefetch


def _add_row(indptr, docs, tf, lens, by_posting, ok, k1, b, avgdl, r, idf, w, k1p1, acc, seen, touched, n_touched):
    """acc += w x row r's contributions (documents ok), documents met for the first time appended to
    touched; returns the new number of touched documents. (w = 1.0 adds the contributions exactly.)"""
    end = indptr[r + 1]
    for p in range(indptr[r], end):
        if p + _AHEAD < end:
            ahead = docs[p + _AHEAD]
            _prefetch(ok, ahead)
            _prefetch(seen, ahead)
            _prefetch(acc, ahead)
        d = docs[p]
        if not ok[d]:
            continue
        if seen[d] == 0:
            seen[d] = 1
            touched[n_touched] = d
            n_touched += 1
        acc[d] += w * _contribution(idf, float(tf[p]), _norm(k1, b, avgdl, _length(lens, by_posting, p, d)),
                                    k1p1)
    return n_touched


def _add_row_to_listed(indptr, docs, tf, lens, by_posting, k1, b, avgdl, r, idf, w, k1p1, acc, seen, touched,
                       n_list):
    """acc += w x row r's contributions, for the documents touched[:n_list] only (those marked in
    seen): a binary search per document when that is cheaper than a scan of the row."""
    s0 = indptr[r]
    e0 = indptr[r + 1]
    df = e0 - s0
    if n_list * (np.log2(df + 1.0) + 1.0) < df:
        for jj in range(n_list):  # binary search each candidate in the sorted row
            d = touched[jj]
            p = _find(docs, s0, e0, d)
            if p >= 0:
                acc[d] += w * _contribution(idf, float(tf[p]), _norm(k1, b, avgdl, _length(lens, by_posting, p, d)),
                                            k1p1)
    else:
        for p in range(s0, e0):  # cheaper to scan the row
            if p + _AHEAD < e0:
                _prefetch(seen, docs[p + _AHEAD])
            d = docs[p]
            if seen[d] != 0:
                acc[d] += w * _contribution(idf, float(tf[p]), _norm(k1, b, avgdl, _length(lens, by_posting, p, d)),
                                            k1p1)


def _sum_bounds(ub, order, start, nu):
    """What the terms order[start:nu] could still add to any document's score."""
    rest = 0.0
    for o2 in range(start, nu):
        rest += ub[order[o2]]
    return rest


def _rows_of(terms, qterms):
    """The segment's row of each query term (global id), -1 when the segment lacks it."""
    nq = qterms.shape[0]
    rows = np.empty(nq, np.int64)
    n = terms.shape[0]
    for i in range(nq):
        rows[i] = _find(terms, 0, n, qterms[i])
    return rows


# ---------------------------------------------------------------------------------------- kernels


def _kth_largest(acc, touched, n, canon, allowed, use_allowed, k):
    """k-th largest positive acc[d] over d in touched[:n] (allowed ones); 0.0 if fewer than k."""
    hs = np.empty(k, np.float64)
    hi = np.empty(k, np.int64)
    m = 0
    for j in range(n):
        d = touched[j]
        s = acc[d]
        if not s > 0.0:
            continue
        if use_allowed and not allowed[canon[d]]:
            continue
        m = _heap_offer(hs, hi, m, s, d)
    return hs[0] if m == k else 0.0


def _topk_segment(terms, indptr, docs, tf, bound_ptr, bound_tf, bound_len, lens, by_posting, canon, ok, qterms, qidf,
                  k1, b, avgdl, acc, seen, touched, allowed, use_allowed, hs, hi, hn, prune_min):
    """Offer this segment's documents that are ok (live, and in a prepared mask) and also allowed (a
    corpus-wide mask, when use_allowed) with a positive score to the heap hs/hi (hn[0] entries, room for
    k = hs.shape[0]), by canonical id; the scratch (acc, seen) is left zeroed."""
    k = hs.shape[0]
    k1p1 = k1 + 1
    nq = qterms.shape[0]
    rows = _rows_of(terms, qterms)
    # distinct rows (first appearance) with their multiplicities and idf
    urow = np.empty(nq, np.int64)
    umult = np.empty(nq, np.int64)
    uidf = np.empty(nq, np.float64)
    nu = 0
    for i in range(nq):
        r = rows[i]
        if r < 0:
            continue
        found = False
        for j in range(nu):
            if urow[j] == r:
                umult[j] += 1
                found = True
                break
        if not found:
            urow[nu] = r
            umult[nu] = 1
            uidf[nu] = qidf[i]
            nu += 1
    if nu == 0:
        return
    total = 0
    prunable = True
    for j in range(nu):
        r = urow[j]
        total += indptr[r + 1] - indptr[r]
        if uidf[j] < 0.0:  # negative idf floor (tiny corpora): no upper bounds
            prunable = False
    if total < prune_min:
        prunable = False
    theta = hs[0] if hn[0] == k else 0.0  # the k-th best score of the segments before this one

    n_touched = 0
    n_list = 0  # touched[:n_list] = documents whose exact score is in acc
    if not prunable:
        # exhaustive and exact: query order, duplicates included, like rank-bm25
        for qi in range(nq):
            if rows[qi] >= 0:
                n_touched = _add_row(indptr, docs, tf, lens, by_posting, ok, k1, b, avgdl, rows[qi], qidf[qi], 1.0,
                                     k1p1, acc, seen, touched, n_touched)
        n_list = n_touched
    else:
        # MaxScore-style: take terms by decreasing upper bound (rarest first, usually); once the
        # k-th best score beats what all remaining terms together could add, documents not yet
        # touched cannot reach the top k and the remaining (long) rows are skipped.
        # Partial sums here are approximate (other order); exact scores are recomputed below.
        ub = np.empty(nu, np.float64)
        order = np.empty(nu, np.int64)
        for j in range(nu):
            # the row's largest contribution: the best of its frontier postings (exact, not a bound)
            r = urow[j]
            best = 0.0
            for q in range(bound_ptr[r], bound_ptr[r + 1]):
                nrm = _norm(k1, b, avgdl, bound_len[q])
                best = max(best, _contribution(uidf[j], float(bound_tf[q]), nrm, k1p1))
            ub[j] = umult[j] * best
            order[j] = j
        for a in range(1, nu):  # insertion sort: ub descending, then shorter row first
            j = order[a]
            dfj = indptr[urow[j] + 1] - indptr[urow[j]]
            c = a
            while c > 0:
                i = order[c - 1]
                dfi = indptr[urow[i] + 1] - indptr[urow[i]]
                if ub[i] < ub[j] or (ub[i] == ub[j] and dfi > dfj):
                    order[c] = i
                    c -= 1
                else:
                    break
            order[c] = j
        stopped = nu
        rest_post = total
        done_ub = 0.0  # sum of the upper bounds of the terms added so far
        for oj in range(nu):
            j = order[oj]
            r = urow[j]
            rest = _sum_bounds(ub, order, oj, nu)
            if theta > 0.0 and rest * (1.0 + _PRUNE_MARGIN) < theta * (1.0 - _PRUNE_MARGIN):
                stopped = oj
                break
            # refreshing theta from this segment's documents costs one pass over them: only when it
            # could succeed and would save more than it costs
            if oj > 0 and n_touched >= k and rest_post > n_touched and rest < done_ub:
                theta = max(theta, _kth_largest(acc, touched, n_touched, canon, allowed, use_allowed, k))
                if rest * (1.0 + _PRUNE_MARGIN) < theta * (1.0 - _PRUNE_MARGIN):
                    stopped = oj
                    break
            done_ub += ub[j]
            n_touched = _add_row(indptr, docs, tf, lens, by_posting, ok, k1, b, avgdl, r, uidf[j], float(umult[j]),
                                 k1p1, acc, seen, touched, n_touched)
            rest_post -= indptr[r + 1] - indptr[r]
        if stopped == nu:
            theta = max(theta, _kth_largest(acc, touched, n_touched, canon, allowed, use_allowed, k))
        # Candidates: partial + what the not-yet-added terms could add still reaches theta (with
        # margins). The skipped terms are then added to the candidates only, one at a time, and
        # the candidates filtered again each time as the bound tightens.
        n_list = n_touched
        for oj in range(stopped, nu + 1):
            if oj > stopped:
                j = order[oj - 1]
                _add_row_to_listed(indptr, docs, tf, lens, by_posting, k1, b, avgdl, urow[j], uidf[j],
                                   float(umult[j]), k1p1, acc, seen, touched, n_list)
                if n_list > k:
                    theta = max(theta, _kth_largest(acc, touched, n_list, canon, allowed, use_allowed, k))
            rest = _sum_bounds(ub, order, oj, nu)
            lo = theta * (1.0 - _PRUNE_MARGIN) - rest * (1.0 + _PRUNE_MARGIN)
            kept = 0
            for jj in range(n_list):
                d = touched[jj]
                if acc[d] >= lo and not (use_allowed and not allowed[canon[d]]):
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
            if rows[qi] >= 0:
                _add_row_to_listed(indptr, docs, tf, lens, by_posting, k1, b, avgdl, rows[qi], qidf[qi], 1.0, k1p1,
                                   acc, seen, touched, n_list)

    # offer the survivors to the carried heap; the scratch of these documents is reset on the way
    n = hn[0]
    for j in range(n_list):
        d = touched[j]
        s = acc[d]
        acc[d] = 0.0
        seen[d] = 0
        if not s > 0.0 or (n == k and s < hs[0]):
            continue  # (a full heap takes no lower score: the canonical id is not even read)
        cd = canon[d]
        if use_allowed and not allowed[cd]:
            continue
        n = _heap_offer(hs, hi, n, s, cd)
    hn[0] = n


def _score_listed(terms, indptr, docs, tf, lens, by_posting, qterms, qidf, k1, b, avgdl, listed, out):
    """out[j] = exact score of local document listed[j] (ascending, distinct), query order."""
    k1p1 = k1 + 1
    n = terms.shape[0]
    m = listed.shape[0]
    for qi in range(qterms.shape[0]):
        r = _find(terms, 0, n, qterms[qi])
        if r < 0:
            continue
        s0 = indptr[r]
        e0 = indptr[r + 1]
        idf = qidf[qi]
        if m * (np.log2(e0 - s0 + 1.0) + 1.0) < e0 - s0:
            for j in range(m):
                p = _find(docs, s0, e0, listed[j])
                if p >= 0:
                    dl = _length(lens, by_posting, p, listed[j])
                    out[j] += _contribution(idf, float(tf[p]), _norm(k1, b, avgdl, dl), k1p1)
        else:  # merge the row with the (ascending) list
            j = 0
            for p in range(s0, e0):
                d = docs[p]
                while j < m and listed[j] < d:
                    j += 1
                if j == m:
                    break
                if listed[j] == d:
                    out[j] += _contribution(idf, float(tf[p]), _norm(k1, b, avgdl, _length(lens, by_posting, p, d)),
                                            k1p1)


def _topk_segments(terms, indptr, docs, tf, bound_ptr, bound_tf, bound_len, lens, by_posting, canon, ok, order,
                   qterms, qidf, k1, b, avgdl, acc, seen, touched, allowed, use_allowed, hs, hi, hn, prune_min):
    """_topk_segment over the segments order[0], order[1], … (each argument before ``order`` but by_posting a
    typed list with one array per segment): one call from Python instead of one per segment."""
    for j in order:
        _topk_segment(terms[j], indptr[j], docs[j], tf[j], bound_ptr[j], bound_tf[j], bound_len[j], lens[j], by_posting,
                      canon[j], ok[j], qterms, qidf, k1, b, avgdl, acc, seen, touched, allowed, use_allowed, hs, hi,
                      hn, prune_min)


def _score_listed_segments(terms, indptr, docs, tf, lens, by_posting, qterms, qidf, k1, b, avgdl, segs, edges, listed,
                           out):
    """_score_listed for each run listed[edges[i]:edges[i + 1]] of documents of segment segs[i] (typed lists
    of the segments' arrays), in one call."""
    for i in range(segs.shape[0]):
        j = segs[i]
        _score_listed(terms[j], indptr[j], docs[j], tf[j], lens[j], by_posting, qterms, qidf, k1, b, avgdl,
                      listed[edges[i]:edges[i + 1]], out[edges[i]:edges[i + 1]])


def _scores_and_best(terms, indptr, docs, tf, lens, by_posting, canon, qterms, qidf, k1, b, avgdl, acc, listed, out,
                     allowed, use_allowed):
    """out[j] = the exact score of canonical document listed[j], and the best score of any live document (allowed,
    when use_allowed), 0.0 when none scores above 0: the query's rows are read once into acc (by canonical id,
    left zeroed), each document's score summed in query order, duplicates included, as rank-bm25 sums it."""
    k1p1 = k1 + 1
    nseg = len(terms)
    nq = qterms.shape[0]
    rows = np.empty((nq, nseg), np.int64)
    for qi in range(nq):
        for j in range(nseg):
            rows[qi, j] = _find(terms[j], 0, terms[j].shape[0], qterms[qi])
    best = 0.0
    for adding in (True, False):  # the rows added into acc; then the same rows again: the best, and acc reset
        if not adding:
            for i in range(listed.shape[0]):
                out[i] = acc[listed[i]]
        for qi in range(nq):
            idf = qidf[qi]
            for j in range(nseg):
                r = rows[qi, j]
                if r < 0:
                    continue
                ip = indptr[j]
                dd = docs[j]
                ff = tf[j]
                ll = lens[j]
                cc = canon[j]
                end = ip[r + 1]
                for p in range(ip[r], end):
                    if adding and p + _AHEAD < end:
                        ahead = cc[dd[p + _AHEAD]]
                        if ahead >= 0:
                            _prefetch(acc, ahead)
                    d = dd[p]
                    c = cc[d]
                    if c < 0:
                        continue
                    if adding:
                        acc[c] += _contribution(idf, float(ff[p]), _norm(k1, b, avgdl, _length(ll, by_posting, p, d)),
                                                k1p1)
                    elif acc[c] != 0.0:
                        s = acc[c]
                        acc[c] = 0.0
                        if s > best and not (use_allowed and not allowed[c]):
                            best = s
    return best


def _terms_held(values, ptrs, segs, locs, known, member, pair_times):
    """For row locs[j] of segment segs[j] (a sentence's stored term ids): which groups it holds (holds[j, g]:
    a term t = known[r] with member[r, g]) and the sum of pair_times[a, b] over the distinct adjacent pairs
    of known terms (rows a, b of known) it holds. ``known`` ascending; the rows are not copied out.

    The rows are scattered over memory-mapped arrays, and waiting for them was most of the time: their
    bounds, then their first terms, are read in passes of independent loads (which the processor
    overlaps) before the rows are gone through. The third value is what that second pass read."""
    n = segs.shape[0]
    nk = known.shape[0]
    starts = np.empty(n, np.int64)
    ends = np.empty(n, np.int64)
    for j in range(n):
        ptr = ptrs[segs[j]]
        starts[j] = ptr[locs[j]]
        ends[j] = ptr[locs[j] + 1]
    first = 0
    for j in range(n):
        if ends[j] > starts[j]:
            first += values[segs[j]][starts[j]]
    holds = np.zeros((n, member.shape[1]), np.bool_)
    counts = np.zeros(n, np.int64)
    stamp = np.full((nk, nk), -1, np.int64)  # the last row that counted the pair
    for j in range(n):
        row = values[segs[j]]
        prev = -1  # the previous token's place in known, -1 when not a question term
        for p in range(starts[j], ends[j]):
            at = _find(known, 0, nk, row[p])
            if at >= 0:
                for g in range(member.shape[1]):
                    if member[at, g]:
                        holds[j, g] = True
                if prev >= 0 and stamp[prev, at] != j:
                    stamp[prev, at] = j
                    counts[j] += pair_times[prev, at]
            prev = at
    return holds, counts, first


def _evidence(values, ptrs, segs, locs, known, member, pair_times, arts, art_known, art_values, best_article, raws,
              best, lead, group_weight, total_weight, w_article, w_coverage, w_lead, w_phrase, n_pairs):
    """The ranking's evidence for stored sentences (`Retriever.rank`), in one call: what `_terms_held` gives, and
    each sentence's coverage (the weights of the groups it holds, added in order, over their total), article
    score over the best article's (art_values[i] for its article art_known[i], ascending), and score:
    raws / best + w_article x that + w_coverage x coverage + w_lead x lead, plus w_phrase x its pairs / n_pairs
    when n_pairs > 0; every value with numpy's operations in numpy's order, so the same bits. The last value
    is False when some article is not in art_known (the caller then works it out with numpy)."""
    holds, counts, _first = _terms_held(values, ptrs, segs, locs, known, member, pair_times)
    n = segs.shape[0]
    ng = member.shape[1]
    na = art_known.shape[0]
    score = np.empty(n, np.float64)
    art_norm = np.empty(n, np.float64)
    coverage = np.empty(n, np.float64)
    found = True
    for j in range(n):
        c = 0.0
        for g in range(ng):
            x = group_weight[g] if holds[j, g] else 0.0
            c = x if g == 0 else c + x
        coverage[j] = c / total_weight
        at = _find(art_known, 0, na, arts[j])
        if at < 0:
            found = False
            art_norm[j] = 0.0
        else:
            art_norm[j] = art_values[at] / best_article
        sc = raws[j] / best + w_article * art_norm[j]
        sc = sc + w_coverage * coverage[j]
        sc = sc + w_lead * lead[j]
        if n_pairs > 0:
            sc = sc + w_phrase * float(counts[j]) / n_pairs
        score[j] = sc
    return score, art_norm, coverage, holds, found


def _before(score, day, chunk, i, j):
    """Does candidate i rank before j: the better evidence, then the newer article, then the earlier sentence
    (the keys of `Retriever.rank`'s np.lexsort, a total order)."""
    if score[i] != score[j]:
        return score[i] > score[j]
    if day[i] != day[j]:
        return day[i] > day[j]
    return chunk[i] < chunk[j]


def _best_of(score, day, chunk, m):
    """The positions of the m best candidates (`_before`), best first: an insertion into a short sorted list."""
    n = score.shape[0]
    m = max(0, min(m, n))
    out = np.empty(m, np.int64)
    if m == 0:
        return out
    size = 0
    for i in range(n):
        if size == m and not _before(score, day, chunk, i, out[m - 1]):
            continue
        at = size if size < m else m - 1
        while at > 0 and _before(score, day, chunk, i, out[at - 1]):
            if at < m:
                out[at] = out[at - 1]
            at -= 1
        out[at] = i
        if size < m:
            size += 1
    return out


def _evidence_of(values, ptrs, seg_of, local_of, chunks, known, member, pair_times, chunk_article, art_known,
                 art_values, best_article, raws, best, story_pos, lead_table, group_weight, total_weight, w_article,
                 w_coverage, w_lead, w_phrase, n_pairs, article_days):
    """`_evidence` of sentences given by their canonical numbers (their segment, place, article and lead bonus
    read here), and each one's article day."""
    n = chunks.shape[0]
    segs = np.empty(n, np.int32)
    locs = np.empty(n, np.int32)
    arts = np.empty(n, np.int64)
    lead = np.empty(n, np.float64)
    day = np.empty(n, np.int64)
    for j in range(n):
        c = chunks[j]
        segs[j] = seg_of[c]
        locs[j] = local_of[c]
        arts[j] = chunk_article[c]
        lead[j] = lead_table[story_pos[c]]
        day[j] = article_days[arts[j]]
    score, art_norm, coverage, holds, found = _evidence(
        values, ptrs, segs, locs, known, member, pair_times, arts, art_known, art_values, best_article, raws, best,
        lead, group_weight, total_weight, w_article, w_coverage, w_lead, w_phrase, n_pairs)
    return score, art_norm, coverage, holds, found, day


def _ranked(values, ptrs, seg_of, local_of, ids, known, member, pair_times, chunk_article, art_known, art_values,
            best_article, raws, best, story_pos, lead_table, group_weight, total_weight, w_article, w_coverage, w_lead,
            w_phrase, n_pairs, article_days, article_starts, quotable, expand, expand_share, k):
    """`Retriever.rank` after the top k, in one call: the candidates' evidence (`_evidence`), the sentences next
    to the ``expand`` best joining them (in the same article, quotable, not candidates already; scoring at least
    ``expand_share`` of the one they are next to), and the positions of the k best of all (`_before`). Returns the
    candidates then those neighbours: (sentences, BM25 scores, scores, article scores, coverages, groups held,
    the k best positions, True); False last when some article is not in art_known (the caller then does it all
    with numpy)."""
    score, art_norm, coverage, holds, found, day = _evidence_of(
        values, ptrs, seg_of, local_of, ids, known, member, pair_times, chunk_article, art_known, art_values,
        best_article, raws, best, story_pos, lead_table, group_weight, total_weight, w_article, w_coverage, w_lead,
        w_phrase, n_pairs, article_days)
    n = ids.shape[0]
    # the neighbours of the best ones, each with the score of the first best one it is next to
    near = np.empty(2 * expand, np.int64)
    floor_of = np.empty(2 * expand, np.float64)
    m = 0
    if found:
        tops = _best_of(score, day, ids, expand)
        for t in range(tops.shape[0]):
            top = tops[t]
            c = ids[top]
            a = chunk_article[c]
            for nb in (c - 1, c + 1):
                if not (article_starts[a] <= nb < article_starts[a + 1]) or not quotable[nb]:
                    continue
                taken = False
                for j in range(n):
                    if ids[j] == nb:
                        taken = True
                        break
                for j in range(m):
                    if near[j] == nb:
                        taken = True
                        break
                if not taken:
                    near[m] = nb
                    floor_of[m] = score[top]
                    m += 1
    for a in range(1, m):  # the neighbours in sentence order, as the sorted keys of a dict
        c, f = near[a], floor_of[a]
        b = a
        while b > 0 and near[b - 1] > c:
            near[b] = near[b - 1]
            floor_of[b] = floor_of[b - 1]
            b -= 1
        near[b] = c
        floor_of[b] = f
    near = near[:m]
    nscore, nart, ncov, nholds, nfound, nday = _evidence_of(
        values, ptrs, seg_of, local_of, near, known, member, pair_times, chunk_article, art_known, art_values,
        best_article, np.zeros(m, np.float64), best, story_pos, lead_table, group_weight, total_weight, w_article,
        w_coverage, w_lead, w_phrase, n_pairs, article_days)
    for j in range(m):
        floor = expand_share * floor_of[j]
        if not nscore[j] >= floor:  # np.maximum(score, floor): the score when they are equal
            nscore[j] = floor
    chunks = np.concatenate((ids, near))
    raws_all = np.concatenate((raws, np.zeros(m, np.float64)))
    scored = np.concatenate((score, nscore))
    order = _best_of(scored, np.concatenate((day, nday)), chunks, k)
    return (chunks, raws_all, scored, np.concatenate((art_norm, nart)), np.concatenate((coverage, ncov)),
            np.concatenate((holds, nholds)), order, found and nfound)


def _gather(lengths, docs, out):
    """out[p] = lengths[docs[p]] (`FieldPostings.doc_len`, made in a background thread: numba releases the
    GIL, numpy's take would hold it for ~50 ms per million postings)."""
    for p in range(docs.shape[0]):
        out[p] = lengths[docs[p]]


def array_list(arrays: Sequence[np.ndarray], dtype: Any) -> Any:
    """The arrays (1-D, of dtype) as a numba typed list, made once per snapshot for the kernels that
    take one array per segment; None when numba is not in use, or when its typed lists are not
    compiled yet: the caller then calls a kernel per segment (the same results)."""
    if not typed_lists_ready():
        return None
    return _typed_list(*(np.ascontiguousarray(a, dtype=dtype) for a in arrays), dtype=dtype)


def typed_lists_ready() -> bool:
    """Whether ``array_list`` makes typed lists now (numba in use, their code compiled)."""
    return _lists_ready.is_set() and numba_kernels() is not None


_lists_ready = threading.Event()
_lists_lock = threading.Lock()
_LIST_DTYPES = (np.int32, np.int64, np.bool_)


def _compile_typed_lists() -> None:
    """Make one typed list of each dtype the kernels take: numba compiles a typed list's own code for
    each item type (about 0.3 s each, never cached on disk). Done by ``warm_up``, usually in a
    background thread, so a fresh process's first questions do not wait for it: until then
    ``array_list`` says None and the kernels are called per segment."""
    with _lists_lock:
        if not _lists_ready.is_set():
            for dtype in _LIST_DTYPES:
                _typed_list(np.zeros(1, dtype=dtype), dtype=dtype)
            _lists_ready.set()


def _typed_list(*arrays: np.ndarray, dtype: Any = np.int32) -> Any:
    """A numba typed list of read-only views of the arrays (all 1-D C-contiguous of dtype)."""
    from numba import from_dtype, typed, types

    out = typed.List.empty_list(types.Array(from_dtype(np.dtype(dtype)), 1, "C", readonly=True))
    for a in arrays:
        view = a.view(np.ndarray)
        view.flags.writeable = False
        out.append(view)
    return out


def _compile_numba_kernels() -> Kernels:
    """JIT the kernels for one fixed signature (read-only inputs, writable scratch), so a single
    compiled version exists and numba's on-disk cache (``__pycache__``) is hit in later processes.

    Each function is compiled from a copy whose globals are this module's with the helpers already
    jitted (numba resolves a callee by its global name when it compiles the caller). The small
    helpers are inlined into their callers."""
    # imported here, not at the top: numba is optional and takes about a second to import
    import numba
    from numba import types

    namespace = dict(globals())
    namespace["_prefetch"] = _prefetch_intrinsic()

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

    for helper in (_worse, _sift_up, _sift_down, _heap_offer, _find, _length, _norm, _contribution, _before, _best_of,
                   _evidence_of, _add_row, _add_row_to_listed, _sum_bounds):
        jit(helper, inline=True)
    jit(_rows_of, rw(types.int64)(ro(types.int32), ro(types.int64)))
    jit(_kth_largest, types.float64(
        rw(types.float64), rw(types.int32), types.int64, ro(types.int32), ro(types.boolean), types.boolean,
        types.int64,
    ))
    topk_sig = types.void(
        ro(types.int32),  # terms
        ro(types.int64),  # indptr
        ro(types.int32),  # docs
        ro(types.int32),  # tf
        ro(types.int64),  # bound_ptr
        ro(types.int32),  # bound_tf
        ro(types.int32),  # bound_len
        ro(types.int32),  # lens: each posting's document length, or each document's
        types.boolean,  # by_posting: which of the two
        ro(types.int32),  # canon
        ro(types.boolean),  # ok
        ro(types.int64),  # qterms
        ro(types.float64),  # qidf
        types.float64,  # k1
        types.float64,  # b
        types.float64,  # avgdl
        rw(types.float64),  # acc
        rw(types.uint8),  # seen
        rw(types.int32),  # touched
        ro(types.boolean),  # allowed
        types.boolean,  # use_allowed
        rw(types.float64),  # hs
        rw(types.int64),  # hi
        rw(types.int64),  # hn
        types.int64,  # prune_min
    )
    score_sig = types.void(
        ro(types.int32), ro(types.int64), ro(types.int32), ro(types.int32), ro(types.int32), types.boolean,
        ro(types.int64), ro(types.float64), types.float64, types.float64, types.float64, ro(types.int64),
        rw(types.float64),
    )
    topk = jit(_topk_segment, topk_sig)
    score_listed = jit(_score_listed, score_sig)

    def lists(*dtypes: Any) -> list[Any]:
        return [types.ListType(ro(dtype)) for dtype in dtypes]

    topk_segments_sig = types.void(
        *lists(types.int32, types.int64, types.int32, types.int32, types.int64, types.int32, types.int32,
               types.int32),  # terms … lens: one array per segment
        types.boolean,  # by_posting (all segments alike)
        *lists(types.int32, types.boolean),  # canon, ok
        ro(types.int64),  # order: the segments, in search order
        *topk_sig.args[11:],  # qterms … prune_min, as topk
    )
    score_segments_sig = types.void(
        *lists(types.int32, types.int64, types.int32, types.int32, types.int32),  # terms, indptr, docs, tf, lens
        types.boolean,  # by_posting
        ro(types.int64), ro(types.float64), types.float64, types.float64, types.float64,  # qterms … avgdl
        ro(types.int64), ro(types.int64),  # segs, edges
        ro(types.int64), rw(types.float64),  # listed, out
    )
    held_args = (types.ListType(ro(types.int32)), types.ListType(ro(types.int64)), rw(types.int32), rw(types.int32),
                 ro(types.int64), types.Array(types.boolean, 2, "C", readonly=True),
                 types.Array(types.int64, 2, "C", readonly=True))
    held_sig = types.Tuple((types.Array(types.boolean, 2, "C"), rw(types.int64), types.int64))(*held_args)
    evidence_sig = types.Tuple((rw(types.float64), rw(types.float64), rw(types.float64),
                                types.Array(types.boolean, 2, "C"), types.boolean))(
        *held_args,
        ro(types.int64), ro(types.int64), ro(types.float64), types.float64,  # arts, art_known, art_values, best_article
        ro(types.float64), types.float64, ro(types.float64),  # raws, best, lead
        ro(types.float64), types.float64,  # group_weight, total_weight
        types.float64, types.float64, types.float64, types.float64, types.float64)  # the weights, n_pairs
    kernels = Kernels(topk=topk, score_listed=score_listed,
                      topk_segments=jit(_topk_segments, topk_segments_sig),
                      score_listed_segments=jit(_score_listed_segments, score_segments_sig),
                      terms_held=jit(_terms_held, held_sig),
                      evidence=jit(_evidence, evidence_sig),
                      ranked=_jit_ranked(jit, ro, rw, held_args, evidence_sig),
                      gather=jit(_gather, types.void(ro(types.int32), ro(types.int32), rw(types.int32))),
                      scores_and_best=jit(_scores_and_best, types.float64(
                          *lists(types.int32, types.int64, types.int32, types.int32, types.int32),  # terms … lens
                          types.boolean,  # by_posting
                          *lists(types.int32),  # canon
                          ro(types.int64), ro(types.float64), types.float64, types.float64, types.float64,  # qterms …
                          rw(types.float64), ro(types.int64), rw(types.float64),  # acc, listed, out
                          ro(types.boolean), types.boolean)))  # allowed, use_allowed
    return kernels


# ---------------------------------------------------------------------------------------- numpy


def _jit_ranked(jit: Callable[..., Any], ro: Callable[[Any], Any], rw: Callable[[Any], Any], held_args: tuple[Any, ...],
                evidence_sig: Any) -> Any:
    """`_ranked` jitted for its one signature."""
    from numba import types

    int64 = types.int64
    return jit(_ranked, types.Tuple((
        rw(int64), rw(types.float64), rw(types.float64), rw(types.float64), rw(types.float64),
        types.Array(types.boolean, 2, "C"), rw(int64), types.boolean))(
        held_args[0], held_args[1],  # the stored terms and their row starts
        ro(types.int32), ro(types.int32), ro(int64),  # seg_of, local_of, ids
        *held_args[4:],  # known, member, pair_times
        ro(types.int32), *evidence_sig.args[8:11],  # chunk_article; art_known, art_values, best_article
        ro(types.float64), types.float64, ro(types.int32), ro(types.float64),  # raws, best, story_pos, lead_table
        *evidence_sig.args[14:],  # group_weight … n_pairs
        ro(types.int32), ro(int64), ro(types.boolean),  # article_days, article_starts, quotable
        int64, types.float64, int64))  # expand, expand_share, k


def norms(lengths: np.ndarray, k1: float, b: float, avgdl: float) -> np.ndarray:
    """rank-bm25's length normalisation of these documents, as it computes it over its length array
    (zeros in an index without a single token, where rank-bm25 would divide by zero)."""
    if not avgdl:
        return np.zeros(lengths.shape[0])
    return k1 * (1 - b + b * lengths.astype(np.int64) / avgdl)


def contributions(tf: np.ndarray, norm_of_docs: np.ndarray, idf: float, k1: float) -> np.ndarray:
    """rank-bm25's expression over a row, with numpy (its own evaluation): idf * (tf*(k1+1) / (tf + norm))."""
    q_freq = tf.astype(np.int64)
    return idf * (q_freq * (k1 + 1) / (q_freq + norm_of_docs))


def topk_numpy_segment(terms, indptr, docs, tf, lengths, canon, qterms, qidf, k1, b, avgdl, allowed):
    """(canonical ids, exact scores) of this segment's live documents with a positive score (and
    allowed), unordered: every posting of the query's rows, in query order."""
    parts_docs = []
    parts_contrib = []
    for t, idf in zip(qterms.tolist(), qidf.tolist(), strict=True):
        r = int(np.searchsorted(terms, t))
        if r >= terms.shape[0] or terms[r] != t:
            continue
        s0, e0 = int(indptr[r]), int(indptr[r + 1])
        d = docs[s0:e0]
        parts_docs.append(d)
        parts_contrib.append(contributions(tf[s0:e0], norms(lengths[d], k1, b, avgdl), idf, k1))
    if not parts_docs:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    touched = np.unique(np.concatenate(parts_docs))
    scores = np.zeros(touched.shape[0])
    for d, c in zip(parts_docs, parts_contrib, strict=True):
        # a row holds each document once: this fancy-indexed add is exact, and in query order
        scores[np.searchsorted(touched, d)] += c
    ids = canon[touched].astype(np.int64)
    keep = (ids >= 0) & (scores > 0.0)
    if allowed is not None:
        keep &= allowed[np.where(ids >= 0, ids, 0)]
    return ids[keep], scores[keep]
