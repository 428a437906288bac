"""The term table of an index: every term gets one id for good, shared by all segments.

Append-only: a segment built later gives new terms the next ids and never renumbers old ones, so
segments (and their merges) can all keep their postings in the same id space and nothing is
re-mapped when a snapshot opens. Terms no live document uses any more stay in the table (a full
rebuild starts a new one); statistics say which are live.

Lookup without a Python dict: the terms' 64-bit BLAKE2b hashes sorted once, one ``searchsorted``,
then a byte comparison against the stored term (so hash collisions are resolved exactly)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np

_EMPTY_U8 = np.zeros(0, dtype=np.uint8)
_KNOWN_MAX = 100_000  # remembered look-ups per table (a few MB), forgotten all at once beyond that


def encode(term: str) -> bytes:
    return term.encode("utf-8", "surrogatepass")


def term_hash(term_bytes: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(term_bytes, digest_size=8).digest(), "little")


def _readonly(arr: np.ndarray) -> np.ndarray:
    view = arr.view(np.ndarray)
    view.flags.writeable = False
    return view


class Lexicon:
    """Term strings by id (bytes + offsets), their hashes, and the ids in hash order."""

    ARRAYS: ClassVar[dict[str, np.dtype]] = {
        "term_bytes": np.dtype(np.uint8),
        "term_offsets": np.dtype(np.int64),
        "term_hash": np.dtype(np.uint64),  # by id
        "hash_order": np.dtype(np.int64),  # ids sorted by (hash, id)
    }

    def __init__(self, term_bytes: np.ndarray, term_offsets: np.ndarray, term_hash_: np.ndarray,
                 hash_order: np.ndarray) -> None:
        self.term_bytes = _readonly(term_bytes)
        self.term_offsets = _readonly(term_offsets)
        self.term_hash = _readonly(term_hash_)
        self.hash_order = _readonly(hash_order)
        self._sorted_hash = _readonly(np.ascontiguousarray(self.term_hash[self.hash_order]))
        self._strings: list[str] | None = None
        self._known: dict[str, int | None] = {}  # looked-up terms (the table never changes: see `extended`)

    @classmethod
    def empty(cls) -> Lexicon:
        return cls(_EMPTY_U8, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> Lexicon:
        return cls.empty().extended(list(terms))

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Lexicon:
        """From persisted arrays; ValueError when they do not fit together."""
        n = arrays["term_hash"].shape[0]
        offsets = arrays["term_offsets"]
        if offsets.shape != (n + 1,) or arrays["hash_order"].shape != (n,):
            raise ValueError("lexicon arrays have inconsistent lengths")
        if offsets[0] != 0 or offsets[-1] != arrays["term_bytes"].shape[0] or (
                n and np.any(offsets[1:] < offsets[:-1])):
            raise ValueError("lexicon term_offsets inconsistent with term_bytes")
        order = arrays["hash_order"]
        if n and (int(order.min()) < 0 or int(order.max()) >= n):
            raise ValueError("lexicon hash_order outside the table")
        lexicon = cls(arrays["term_bytes"], offsets, arrays["term_hash"], order)
        if n > 1 and np.any(lexicon._sorted_hash[1:] < lexicon._sorted_hash[:-1]):
            raise ValueError("lexicon hash_order does not sort the hashes")
        return lexicon

    def arrays(self) -> dict[str, np.ndarray]:
        return {"term_bytes": self.term_bytes, "term_offsets": self.term_offsets, "term_hash": self.term_hash,
                "hash_order": self.hash_order}

    def __len__(self) -> int:
        return int(self.term_hash.shape[0])

    def __repr__(self) -> str:
        return f"Lexicon({len(self)} terms)"

    # ------------------------------------------------------------------------------ look-ups

    def ids(self, terms: Sequence[str]) -> list[int | None]:
        """The id of each term, None for a term the table does not hold; remembered per table, as a
        question's terms are looked up several times over."""
        known = self._known
        if len(known) > _KNOWN_MAX:
            known = self._known = {}  # replaced, not cleared: another thread may be reading the old one
        missing = [t for t in dict.fromkeys(terms) if t not in known]
        if missing:
            known.update(zip(missing, self._look_up(missing), strict=True))
        return [known[t] for t in terms]

    def _look_up(self, terms: Sequence[str]) -> list[int | None]:
        if not terms:
            return []
        encoded = [encode(t) for t in terms]
        hashes = [term_hash(e) for e in encoded]
        sorted_hash = self._sorted_hash
        n = sorted_hash.shape[0]
        positions = np.searchsorted(sorted_hash, np.asarray(hashes, dtype=np.uint64)).tolist()
        offsets = self.term_offsets
        blob = self.term_bytes
        order = self.hash_order
        out: list[int | None] = []
        for e, h, i in zip(encoded, hashes, positions, strict=True):
            found = None
            while i < n and int(sorted_hash[i]) == h:
                tid = int(order[i])
                if blob[offsets[tid] : offsets[tid + 1]].tobytes() == e:
                    found = tid
                    break
                i += 1
            out.append(found)
        return out

    def id(self, term: str) -> int | None:
        return self.ids([term])[0]

    def term(self, tid: int) -> str:
        start, end = int(self.term_offsets[tid]), int(self.term_offsets[tid + 1])
        return self.term_bytes[start:end].tobytes().decode("utf-8", "surrogatepass")

    def terms(self, ids: Iterable[int] | None = None) -> list[str]:
        """The terms of these ids (all, in id order, when None); every term is decoded once, on the
        first call."""
        if self._strings is None:
            blob = self.term_bytes.tobytes()
            offsets = self.term_offsets.tolist()
            self._strings = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogatepass")
                             for i in range(len(offsets) - 1)]
        strings = self._strings
        return list(strings) if ids is None else [strings[i] for i in ids]

    # ------------------------------------------------------------------------------ growth

    def extended(self, new_terms: Sequence[str], new_hashes: Sequence[int] | None = None) -> Lexicon:
        """A table with new_terms (absent from this one, distinct) appended, in the order given
        (``new_hashes``: their term_hash, when already known)."""
        if not new_terms:
            return self
        encoded = [encode(t) for t in new_terms]
        fresh = new_hashes if new_hashes is not None else [term_hash(e) for e in encoded]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)])
        return self.appended(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets,
                             np.asarray(fresh, dtype=np.uint64))

    def appended(self, term_bytes: np.ndarray, term_offsets: np.ndarray, term_hash_: np.ndarray) -> Lexicon:
        """A table with these terms appended (their bytes, offsets from 0, hashes: a part of a table
        as ``part`` gives it). The hash order is merged, not sorted again: an add of a few terms
        costs a copy of the table, not a sort of it."""
        n_old, n_new = len(self), int(term_hash_.shape[0])
        if not n_new:
            return self
        if term_offsets.shape != (n_new + 1,) or int(term_offsets[0]) != 0 or int(term_offsets[-1]) != int(
                term_bytes.shape[0]) or bool(np.any(term_offsets[1:] < term_offsets[:-1])):
            raise ValueError("term part offsets inconsistent with its bytes")
        hashes = np.concatenate([self.term_hash, term_hash_.astype(np.uint64, copy=False)])
        offsets = np.concatenate([self.term_offsets, self.term_offsets[-1] + term_offsets[1:]])
        blob = np.concatenate([self.term_bytes, term_bytes.astype(np.uint8, copy=False)])
        # ids sorted by (hash, id): the new ids are larger than every old one, so each goes after the
        # old ids of an equal hash (side="right"), and among themselves a stable sort keeps id order
        mine = np.argsort(term_hash_, kind="stable")
        where = np.searchsorted(self._sorted_hash, term_hash_[mine], side="right")
        order = np.insert(self.hash_order, where, mine.astype(np.int64) + n_old)
        return Lexicon(blob, offsets, hashes, order)

    def part(self, start: int) -> dict[str, np.ndarray]:
        """The terms from id ``start`` on, as ``appended`` takes them back (what a term part holds)."""
        lo = int(self.term_offsets[start])
        return {"term_bytes": np.ascontiguousarray(self.term_bytes[lo:]),
                "term_offsets": np.ascontiguousarray(self.term_offsets[start:] - lo),
                "term_hash": np.ascontiguousarray(self.term_hash[start:])}

    PART_ARRAYS: ClassVar[dict[str, np.dtype]] = {
        "term_bytes": np.dtype(np.uint8), "term_offsets": np.dtype(np.int64), "term_hash": np.dtype(np.uint64)}

    def with_terms(self, terms: Sequence[str]) -> tuple[Lexicon, np.ndarray]:
        """(the table holding every one of these distinct terms, their ids): unknown terms are
        appended in the order given."""
        if not len(self):  # a first build: every term is new
            return self.extended(terms), np.arange(len(terms), dtype=np.int64)
        found = self._look_up(terms)  # a segment's whole vocabulary: not worth remembering
        new = [t for t, tid in zip(terms, found, strict=True) if tid is None]
        lexicon = self.extended(new)
        next_id = len(self)
        ids = np.empty(len(terms), dtype=np.int64)
        for i, tid in enumerate(found):
            if tid is None:
                ids[i] = next_id
                next_id += 1
            else:
                ids[i] = tid
        return lexicon, ids
