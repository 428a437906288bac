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

The query kernels are in ``_kernels`` and the files in ``_files``.

Thread-safety: queries use a per-thread scratch (about 13 bytes x n_docs per thread, allocated on a
thread's first query), so one scorer may be queried from several threads at once; the numba kernel
releases the GIL.
"""

from __future__ import annotations

import hashlib
import math
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._files import Params, load_arrays, save_arrays
from ._kernels import PRUNE_MIN_POSTINGS, numba_kernel, topk_numpy

_INT32_MAX = np.iinfo(np.int32).max


def _encode(term: str) -> bytes:
    return term.encode("utf-8", "surrogatepass")


def _readonly(arr: np.ndarray) -> np.ndarray:
    view = arr.view(np.ndarray)
    view.flags.writeable = False
    return view


def _hash(term_bytes: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(term_bytes, digest_size=8).digest(), "little")


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
        self._prune_min_postings = PRUNE_MIN_POSTINGS  # tests lower it to exercise pruning

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
        for e, h, i in zip(encoded, hashes.tolist(), pos, strict=True):
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

    def document_frequency(self, term: str) -> int:
        """How many documents contain term (0 when none does)."""
        term_id = self.term_id(term)
        return 0 if term_id is None else int(self._indptr[term_id + 1] - self._indptr[term_id])

    def idf(self, term_id: int) -> float:
        """BM25Okapi's idf of a term row (after the epsilon floor), as its scores use it."""
        return float(self._idf[term_id])

    def terms(self) -> list[str]:
        """Every term the scorer holds (its persisted term table), in no particular order."""
        blob = self._term_bytes.tobytes()
        offsets = self._term_offsets.tolist()
        return [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogatepass") for i in range(len(offsets) - 1)]

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

    def _numba_kernel(self) -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
        """The numba kernel this scorer queries with, or None for the numpy path."""
        if self._backend == "numpy":
            return None
        kernel = numba_kernel()
        if self._backend == "numba" and kernel is None:
            raise RuntimeError("numba backend requested but numba is not available")
        return kernel

    def _use_numba(self) -> bool:
        return self._numba_kernel() is not None

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
            kernel = self._numba_kernel()
            if kernel is not None:
                if allowed is None:
                    mask, use_mask = _EMPTY_MASK, False
                else:
                    mask, use_mask = _readonly(np.ascontiguousarray(allowed)), True
                ids, sc = kernel(
                    self._indptr, self._indices, self._data, self._max_contrib,
                    _readonly(qterms), acc, seen, touched, mask, use_mask, k, self._prune_min_postings,
                )
            else:
                ids, sc = topk_numpy(self._indptr, self._indices, self._data, qterms, acc, seen, allowed, k)
        except BaseException:
            # the scratch may be left dirty: drop it, the next query allocates a clean one
            self._local.scratch = None
            raise
        return ids, sc

    # ---------------------------------------------------------------- persistence

    def _params(self) -> Params:
        return Params(k1=self.k1, b=self.b, epsilon=self.epsilon, n_docs=self.n_docs, avgdl=self.avgdl,
                      average_idf=self.average_idf, total_tokens=self.total_tokens)

    def save(self, directory: Path) -> dict[str, Any]:
        """Write the arrays as ``.npy`` files into ``directory``; return the JSON-able meta."""
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
        return save_arrays(directory, self._params(), arrays)

    @classmethod
    def load(cls, directory: Path, meta: dict[str, Any], *, mmap: bool = True) -> BM25Scorer:
        """Open what :meth:`save` wrote. Raises ValueError naming the problem when the meta or an
        array is missing, unreadable, of the wrong dtype/shape, or inconsistent with the meta."""
        params, arrays = load_arrays(directory, meta, mmap=mmap)
        return cls(**params, arrays=arrays)


_EMPTY_MASK = _readonly(np.zeros(1, dtype=np.bool_))
