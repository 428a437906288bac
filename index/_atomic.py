"""The one way newsbot writes a file: a temporary file beside it, fsync'ed, then renamed over it.

A reader (or a process killed half-way through the write) sees the old file or the new one, never a
mix; every module that persists something (index files, commit pointers, transcripts) uses this."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces path when the block ends without an error (the
    temporary file is in the same directory, so the rename cannot cross file systems)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text, newlines written as given (no platform translation)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: object) -> None:
    """JSON (UTF-8, non-ASCII kept, indented one space) written atomically."""
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1))


def fsync_dir(directory: Path) -> None:
    """Make a directory's entries durable (a rename, a new file) after the files themselves are."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
