"""One segment's postings for one field: raw term frequencies and document lengths, never scores.

A BM25 contribution depends on corpus-wide statistics (document count, average length, each term's
document frequency), which change with every added or removed document; what a segment stores does
not: per term (global id, ascending) the documents holding it (local ids, ascending) with the term's
frequency there, plus what bounds and orders a term without looking at its postings: the Pareto
frontier of its (frequency, document length) pairs — the postings no other one beats with a higher
frequency *and* a shorter document — whose best contribution, at whatever average length the corpus
has when it is searched, is the term's exact largest contribution in the segment (BM25's term score
grows with the frequency and shrinks with the length), for pruning; and the offset of its first
occurrence in the field's token stream (rank-bm25 sums its average idf over the terms in order of
first appearance).

``LiveStats`` is the same per-term information restricted to the documents still live (a segment's
deletions): live document frequencies and first live occurrences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

_NO_OFFSET = np.iinfo(np.int64).max


@dataclass(frozen=True)
class FieldPostings:
    """A term × document CSR matrix of raw frequencies, and what the scorer needs besides."""

    terms: np.ndarray  # int32 (V_s,) global term ids, ascending
    indptr: np.ndarray  # int64 (V_s + 1,) row pointers
    docs: np.ndarray  # int32 (nnz,) local document ids, ascending within a row
    tf: np.ndarray  # int32 (nnz,) frequency of the term in the document
    bound_ptr: np.ndarray  # int64 (V_s + 1,) each row's frontier in bound_tf / bound_len
    bound_tf: np.ndarray  # int32 frequencies of the frontier postings, descending
    bound_len: np.ndarray  # int32 their document lengths, ascending
    first: np.ndarray  # int64 (V_s,) offset of the term's first occurrence in the token stream
    lengths: np.ndarray  # int32 (n_docs,) document lengths in tokens

    ARRAYS: ClassVar[dict[str, np.dtype]] = {
        "terms": np.dtype(np.int32),
        "indptr": np.dtype(np.int64),
        "docs": np.dtype(np.int32),
        "tf": np.dtype(np.int32),
        "bound_ptr": np.dtype(np.int64),
        "bound_tf": np.dtype(np.int32),
        "bound_len": np.dtype(np.int32),
        "first": np.dtype(np.int64),
        "lengths": np.dtype(np.int32),
    }

    @property
    def n_docs(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def n_terms(self) -> int:
        return int(self.terms.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.docs.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    @property
    def doc_len(self) -> np.ndarray | None:
        """Each posting's document length (int32, beside ``docs``), for the kernels to read a row in order;
        None until `make_doc_len` has run (they then look lengths up by document, the same values). Made,
        not saved: an index on disk stays as it was, and loading it no slower."""
        made: np.ndarray | None = self.__dict__.get("_doc_len")
        return made

    def make_doc_len(self, gather: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None
                     ) -> np.ndarray:
        """Make `doc_len` (once; a race makes the same array twice). ``gather(lengths, docs, out)`` does it
        (the numba kernel, which releases the GIL: made in a background thread, it costs the other threads
        nothing); without it numpy's take (holding the GIL: for small segments)."""
        made = self.doc_len
        if made is None:
            made = np.empty(self.nnz, dtype=np.int32)
            if gather is not None:
                gather(self.lengths, self.docs, made)
            else:
                np.take(self.lengths, self.docs, out=made)
            made.flags.writeable = False
            self.__dict__["_doc_len"] = made  # derived, not a field: equality and persistence ignore it
        return made

    def sharing_doc_len(self, other: FieldPostings) -> FieldPostings:
        """self, given ``other``'s doc_len when made (the same postings as other, in other arrays)."""
        made = other.doc_len
        if made is not None and self.doc_len is None:
            self.__dict__["_doc_len"] = made
        return self

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], *, n_terms_total: int) -> FieldPostings:
        """From persisted arrays, checked so that the query kernels (which do no bounds checks) cannot
        read outside them; ValueError names what does not fit."""
        for name, dtype in cls.ARRAYS.items():
            arr = arrays.get(name)
            if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != 1:
                raise ValueError(f"postings array {name} missing or not 1-d {dtype}")
        terms, indptr, docs = arrays["terms"], arrays["indptr"], arrays["docs"]
        v, nnz, n_docs = terms.shape[0], docs.shape[0], arrays["lengths"].shape[0]
        if indptr.shape != (v + 1,) or arrays["tf"].shape != (nnz,):
            raise ValueError("postings arrays have inconsistent lengths")
        if arrays["first"].shape != (v,) or arrays["bound_ptr"].shape != (v + 1,):
            raise ValueError("postings arrays have the wrong length")
        bound_ptr, n_bounds = arrays["bound_ptr"], arrays["bound_tf"].shape[0]
        if arrays["bound_len"].shape != (n_bounds,) or bound_ptr[0] != 0 or bound_ptr[-1] != n_bounds or (
                v and np.any(bound_ptr[1:] <= bound_ptr[:-1])):
            raise ValueError("postings bounds are not one or more per term")
        if indptr[0] != 0 or indptr[-1] != nnz or (v and np.any(indptr[1:] <= indptr[:-1])):
            raise ValueError("postings row pointers are not a strictly increasing 0..nnz")
        if nnz and (int(docs.min()) < 0 or int(docs.max()) >= n_docs):
            raise ValueError("postings document ids outside the segment")
        if v and (int(terms[0]) < 0 or int(terms[-1]) >= n_terms_total or np.any(terms[1:] <= terms[:-1])):
            raise ValueError("postings term ids unsorted or outside the lexicon")
        return cls(**{name: arrays[name] for name in cls.ARRAYS})

    @classmethod
    def build(cls, tokens: np.ndarray, lengths: np.ndarray) -> FieldPostings:
        """Postings of documents given as one token stream (global term ids, documents back to back)
        and their lengths."""
        tokens = np.ascontiguousarray(tokens, dtype=np.int32)
        lengths64 = np.ascontiguousarray(lengths, dtype=np.int64)
        n_docs = int(lengths64.shape[0])
        if int(lengths64.sum()) != tokens.shape[0]:
            raise ValueError("document lengths do not add up to the token stream")
        if tokens.size == 0:
            empty32 = np.zeros(0, dtype=np.int32)
            return cls(empty32, np.zeros(1, dtype=np.int64), empty32, empty32, np.zeros(1, dtype=np.int64), empty32,
                       empty32, np.zeros(0, dtype=np.int64), lengths64.astype(np.int32))
        # one sort of (term, document) keys groups postings by term with ascending documents
        keys = tokens.astype(np.int64)
        keys *= n_docs
        keys += np.repeat(np.arange(n_docs, dtype=np.int64), lengths64)
        keys.sort()
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        tf = np.diff(np.append(starts, keys.size))
        keys = keys[starts]
        del starts
        term, doc = np.divmod(keys, n_docs)
        del keys
        row_starts = np.flatnonzero(np.concatenate(([True], term[1:] != term[:-1])))
        terms = term[row_starts].astype(np.int32)
        indptr = np.append(row_starts, term.size).astype(np.int64)
        doc_len = lengths64[doc]
        bound_ptr, bound_tf, bound_len = _frontiers(term, tf, doc_len, row_starts)
        del term
        first_all = np.full(int(terms[-1]) + 1, _NO_OFFSET, dtype=np.int64)
        np.minimum.at(first_all, tokens, np.arange(tokens.size, dtype=np.int64))
        built = cls(
            terms=terms,
            indptr=indptr,
            docs=doc.astype(np.int32),
            tf=tf.astype(np.int32),
            bound_ptr=bound_ptr,
            bound_tf=bound_tf,
            bound_len=bound_len,
            first=first_all[terms],
            lengths=lengths64.astype(np.int32),
        )
        made = doc_len.astype(np.int32)  # at hand here
        made.flags.writeable = False
        built.__dict__["_doc_len"] = made
        return built

    def live_stats(self, tokens: np.ndarray | Callable[[], np.ndarray], live: np.ndarray | None) -> LiveStats:
        """Per-term statistics over the live documents only (``live``: bool per document, None = all).
        ``tokens``: the token stream, or what makes it (only needed when some documents are deleted)."""
        if live is None or bool(live.all()):
            return LiveStats(df=np.diff(self.indptr).astype(np.int32), first=self.first,
                             n_docs=self.n_docs, total_tokens=int(self.lengths.sum(dtype=np.int64)))
        live = np.asarray(live, dtype=bool)
        if live.shape != (self.n_docs,):
            raise ValueError("live mask has the wrong length")
        n_terms = self.n_terms
        if n_terms:
            df = np.add.reduceat(live[self.docs].astype(np.int32), self.indptr[:-1]).astype(np.int32)
        else:
            df = np.zeros(0, dtype=np.int32)
        first = np.full(n_terms, -1, dtype=np.int64)
        if n_terms:
            if callable(tokens):
                tokens = tokens()
            token_live = np.repeat(live, self.lengths.astype(np.int64))
            if token_live.shape[0] != tokens.shape[0]:
                raise ValueError("token stream does not match the document lengths")
            first_all = np.full(int(self.terms[-1]) + 1, _NO_OFFSET, dtype=np.int64)
            offsets = np.flatnonzero(token_live)
            np.minimum.at(first_all, tokens[offsets], offsets)
            first = first_all[self.terms]
            first[df == 0] = -1
        return LiveStats(df=df, first=first, n_docs=int(live.sum()),
                         total_tokens=int(self.lengths[live].sum(dtype=np.int64)))


def _frontiers(term: np.ndarray, tf: np.ndarray, doc_len: np.ndarray, row_starts: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (postings grouped by term), the postings with a higher frequency or a shorter document
    than every posting of higher frequency: (row pointers, frequencies, lengths)."""
    big = np.int64(doc_len.max()) + 2 if doc_len.size else np.int64(2)
    # by term, frequency descending, length ascending: one sort of a packed key when it fits
    if term.size and int(term[-1]) < (1 << 23) and int(tf.max()) < (1 << 20) and int(big) < (1 << 20):
        packed = (term.astype(np.int64) << 40) | (((1 << 20) - 1 - tf.astype(np.int64)) << 20) | doc_len
        order = np.argsort(packed)
        del packed
    else:
        order = np.lexsort((doc_len, -tf, term))
    t, f, n = term[order], tf[order], doc_len[order]
    # running minimum of the length within each term: a running maximum of term * big - length
    # (a new term starts above everything before it)
    key = t * big - n
    best_before = np.maximum.accumulate(key)
    best_before = np.concatenate(([np.iinfo(np.int64).min], best_before[:-1]))
    starts = np.zeros(t.size, dtype=bool)
    starts[row_starts] = True  # (postings are already grouped by term in the same row order)
    keep = starts | (key > best_before)
    kept_term = t[keep]
    ptr = np.searchsorted(kept_term, np.append(t[row_starts], t[-1] + 1)).astype(np.int64)
    return ptr, f[keep].astype(np.int32), n[keep].astype(np.int32)


@dataclass(frozen=True)
class LiveStats:
    """A field's statistics over the live documents of one segment."""

    df: np.ndarray  # int32 (V_s,) live documents holding each term (0: none)
    first: np.ndarray  # int64 (V_s,) first live occurrence in the token stream, -1 when none
    n_docs: int
    total_tokens: int

    def arrays(self) -> dict[str, np.ndarray]:
        return {"df": self.df, "first": self.first}
