"""Are saved index files intact? File sizes, and checksums verified in a background thread while the
index loads (the consistency of loaded arrays is checked where they are loaded).

A corruption check, not a defence against tampering: a file edited on purpose can be given a
matching checksum; a disk error, a truncated copy or an index overwritten half-way cannot."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import IndexFileError

# Files above this size are checked with _word_sum instead of blake2b (which runs at ~0.3-1 GB/s): from
# about 16 KB on the word sum is as fast, and the 326 files of 64 KB to 1 MB of a 12-segment 1M index took
# 0.11 s to check with blake2b, 0.02 s with it. The kind is recorded with each digest: a file saved with
# blake2b (an index saved when this was 1 MB) is still checked with it.
_BLAKE2B_MAX_BYTES = 1 << 16
_WORD_SUM = "wsum64:"
_WORD_BLOCK = 1 << 20  # words per read
_MASK64 = (1 << 64) - 1


def check_sizes(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists with its recorded size (truncated, extended)."""
    sizes = manifest.get("sizes") or {}  # absent in indexes saved before sizes were recorded
    if not isinstance(sizes, dict):
        raise IndexFileError("manifest sizes have the wrong shape")
    for rel in dict(manifest["checksums"]):
        if rel in sizes and (directory / rel).stat().st_size != sizes[rel]:
            raise IndexFileError(f"size mismatch in {rel} (truncated or overwritten)")


def _verify_checksums(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file has its checksum (edits). Files up to _BLAKE2B_MAX_BYTES carry a blake2b digest;
    bigger ones (the arrays of a large index, hundreds of MB at a million sentences, where blake2b
    runs at 0.3-1 GB/s) a word sum, which numpy computes at memory speed and any changed byte changes."""
    for rel, digest in dict(manifest["checksums"]).items():
        path = directory / rel
        actual = _word_sum(path) if str(digest).startswith(_WORD_SUM) else _checksum(path)
        if actual != digest:
            raise IndexFileError(f"checksum mismatch in {rel}")


class Verifier:
    """_verify_checksums in a background thread (file reads and numpy release the GIL)."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(directory, manifest), name="index-verify",
                                        daemon=True)
        self._thread.start()

    def _run(self, directory: Path, manifest: dict[str, Any]) -> None:
        try:
            _verify_checksums(directory, manifest)
        except Exception as exc:  # handed to the loading thread
            self._error = exc

    def result(self) -> None:
        """Wait for the check; raise IndexFileError when a file does not match."""
        self._thread.join()
        error, self._error = self._error, None
        if isinstance(error, IndexFileError):
            raise error
        if isinstance(error, (OSError, ValueError, KeyError, TypeError)):
            raise IndexFileError(f"unreadable index file: {error}") from None
        if error is not None:
            raise error


def file_checksum(path: Path, size: int) -> str:
    """What the manifest records for a file of size bytes: a blake2b digest up to
    _BLAKE2B_MAX_BYTES, a word sum above (see _verify_checksums)."""
    return _checksum(path) if size <= _BLAKE2B_MAX_BYTES else _word_sum(path)


def _word_sum(path: Path) -> str:
    """The file's bytes (zero-padded to whole 8-byte little-endian words x_i) summed as
    sum((2i + 1) * x_i) mod 2**64, with its byte length: every weight is odd, hence invertible mod
    2**64, so a change to any one word (any one byte, any run of up to 8 bytes) always changes the
    sum; a truncated or extended file changes the length. A corruption check, not a MAC."""
    weights = _weights(_WORD_BLOCK)
    total = 0
    length = 0
    first = 0  # index of the block's first word
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        # read into a block no larger than the file (a fresh 8 MB block and its weights for each of a
        # segment's files were most of a load's verification)
        words_buffer = np.empty(max(1, min(_WORD_BLOCK, (size + 7) // 8 + 1)), dtype="<u8")
        buffer = words_buffer.data.cast("B")
        while True:
            n = 0
            while n < len(buffer):  # fill the block (a read may return less)
                got = handle.readinto(buffer[n:])
                if not got:
                    break
                n += got
            if not n:
                break
            length += n
            if n % 8:
                pad = 8 - n % 8
                buffer[n : n + pad] = bytes(pad)
                n += pad
            words = words_buffer[: n // 8]
            # sum((2(first + j) + 1) x_j) = sum((2j + 1) x_j) + 2 first sum(x_j); numpy wraps mod 2**64
            weighted = int(np.dot(words, weights[: words.size]))
            total = (total + weighted + 2 * first * int(words.sum(dtype=np.uint64))) & _MASK64
            first += words.size
    return f"{_WORD_SUM}{length}:{total:016x}"


_weights_made: list[np.ndarray] = []


def _weights(n: int) -> np.ndarray:
    """2j + 1 for j < n (at least), made once for a block's words (a race makes them twice, the same)."""
    if not _weights_made or _weights_made[0].size < n:
        weights = np.arange(n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        weights.flags.writeable = False
        _weights_made[:] = [weights]
    return _weights_made[0]


def _checksum(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
