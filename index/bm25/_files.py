"""A BM25 scorer on disk: its arrays as plain ``.npy`` files (never pickle), memory-mapped on load.

* ``bm25_indptr.npy``  int64 (V+1)  row pointers of the term rows
* ``bm25_indices.npy`` int32 (nnz)  sentence ids, ascending within each term row
* ``bm25_data.npy``    float64 (nnz) per-posting contribution (already multiplied by the idf)
* ``bm25_max_contrib.npy`` float64 (V) largest contribution of each term (for pruning)
* ``bm25_idf.npy``     float64 (V)  idf after the epsilon floor (diagnostics)
* ``bm25_term_hash.npy`` uint64 (V) 64-bit BLAKE2b of each term's UTF-8 bytes, ascending; term id
  = position in this array. Lookup is one ``searchsorted`` plus a byte comparison against
* ``bm25_term_bytes.npy`` uint8 / ``bm25_term_offsets.npy`` int64 (V+1): the terms themselves,
  so hash collisions are resolved exactly and no Python dict is built at load.

Each file is written with index.atomic_writer; the JSON-able meta that describes them goes into the
index manifest, and loading checks every array against it (dtype, shape, and that the numba kernel,
which does no bounds checks, cannot read outside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from .._atomic import atomic_writer

FORMAT = "newsbot-bm25okapi-csr"
FORMAT_VERSION = 1

# logical name -> (file name, dtype); every array is one-dimensional
ARRAYS: dict[str, tuple[str, np.dtype]] = {
    "indptr": ("bm25_indptr.npy", np.dtype(np.int64)),
    "indices": ("bm25_indices.npy", np.dtype(np.int32)),
    "data": ("bm25_data.npy", np.dtype(np.float64)),
    "max_contrib": ("bm25_max_contrib.npy", np.dtype(np.float64)),
    "idf": ("bm25_idf.npy", np.dtype(np.float64)),
    "term_hash": ("bm25_term_hash.npy", np.dtype(np.uint64)),
    "term_offsets": ("bm25_term_offsets.npy", np.dtype(np.int64)),
    "term_bytes": ("bm25_term_bytes.npy", np.dtype(np.uint8)),
}


class Params(TypedDict):
    """A scorer's numbers besides its arrays (BM25Scorer's keyword arguments)."""

    k1: float
    b: float
    epsilon: float
    n_docs: int
    avgdl: float
    average_idf: float
    total_tokens: int


def save_arrays(directory: Path, params: Params, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Write the arrays as ``.npy`` files into ``directory``; return the JSON-able meta."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, (fname, dtype) in ARRAYS.items():
        with atomic_writer(directory / fname) as handle:
            np.save(handle, np.ascontiguousarray(arrays[name], dtype=dtype), allow_pickle=False)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        **params,
        "vocabulary_size": int(arrays["term_hash"].shape[0]),
        "nnz": int(arrays["indices"].shape[0]),
        "term_hash": "blake2b-64-le",
        "files": {name: fname for name, (fname, _) in ARRAYS.items()},
    }


def load_arrays(directory: Path, meta: dict[str, Any], *, mmap: bool = True) -> tuple[Params, dict[str, np.ndarray]]:
    """Open what :func:`save_arrays` wrote. Raises ValueError naming the problem when the meta or an
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
    for name, (_, dtype) in ARRAYS.items():
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

    params = Params(k1=k1, b=b, epsilon=epsilon, n_docs=n_docs, avgdl=avgdl, average_idf=average_idf,
                    total_tokens=total_tokens)
    return params, arrays
