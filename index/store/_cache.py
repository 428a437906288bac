"""The index cache of a corpus: the index is loaded when it matches the corpus, else rebuilt.

A cache directory holds index directories (``index-<fingerprint>-<random>``) and a pointer file naming
the current one, replaced atomically after a build; a lock file lets one process build at a time,
and directories the pointer no longer names are removed."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .._atomic import atomic_write_json
from .._errors import IndexFileError
from ..articles import corpus_files, read_corpus
from ..text import analyzer_signature
from ._build import build_index
from ._files import load_index, save_index
from ._model import BM25_PARAMS, BuildReport, IndexData, Progress

POINTER = "CURRENT.json"
LOCK = ".lock"
CACHE_DIR_NAME = ".newsbot-cache"


@contextlib.contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """One builder at a time per cache directory (two bot replicas, or the bot and `newsbot index`)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def default_cache_dir(corpus: Path) -> Path:
    """Where a corpus's index is kept when no cache directory is configured: beside the corpus."""
    return corpus.resolve().parent / CACHE_DIR_NAME


def expected_identity(corpus: Path) -> tuple[str, dict[str, str]]:
    """The corpus's fingerprint, a digest of its files' names and contents that any added, edited or
    removed article changes, and per-file content digests, so a rebuild can say which articles were
    added, edited or removed; each file is read once (a 1M-sentence corpus is ~140 MB)."""
    files = corpus_files(corpus)
    fingerprint = hashlib.sha256()
    digests: dict[str, str] = {}
    for file in files:
        fingerprint.update(file.name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(file, "rb") as handle:
                content = hashlib.file_digest(handle, "sha256")
        except OSError as exc:
            fingerprint.update(f"unreadable:{exc.errno}".encode())
            digests[file.name] = "unreadable"
            continue
        fingerprint.update(content.digest())
        digests[file.name] = content.hexdigest()[:16]
    return fingerprint.hexdigest(), digests


def _current_dir(cache_dir: Path) -> Path | None:
    try:
        pointer = json.loads((cache_dir / POINTER).read_text(encoding="utf-8"))
        return cache_dir / str(pointer["directory"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _mismatch(manifest: dict[str, object], fingerprint: str) -> str | None:
    if manifest.get("analyzer") != analyzer_signature():
        return "the analyzer changed"
    if manifest.get("bm25") != BM25_PARAMS:
        return "the BM25 parameters changed"
    if manifest.get("fingerprint") != fingerprint:
        return "the corpus changed"
    return None


def describe_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """'added x.txt', 'edited y.txt', 'removed z.txt' between two file digest maps."""
    lines = [f"added {n}" for n in sorted(new.keys() - old.keys())]
    lines += [f"edited {n}" for n in sorted(new.keys() & old.keys()) if new[n] != old[n]]
    lines += [f"removed {n}" for n in sorted(old.keys() - new.keys())]
    return lines


def open_index(
    corpus: Path,
    cache_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[IndexData, BuildReport | None]:
    """Load the cached index for this corpus, or (re)build it when missing, stale or corrupt.

    Returns the index and the build report when a build happened (None when loaded)."""
    say = warn or (lambda _msg: None)
    fingerprint, digests = expected_identity(corpus)
    current = None if force else _current_dir(cache_dir)
    if current is not None:
        loaded = _try_load(current, fingerprint, say)
        if loaded is not None:
            return loaded, None
    with _locked(cache_dir):
        # Another process may have built it while we waited for the lock.
        current = _current_dir(cache_dir)
        previous: dict[str, str] = {}
        if current is not None and not force:
            loaded = _try_load(current, fingerprint, lambda _m: None)
            if loaded is not None:
                return loaded, None
        if current is not None:
            with contextlib.suppress(OSError, ValueError):
                previous = dict(json.loads((current / "manifest.json").read_text("utf-8")).get("files", {}))
        t0 = time.perf_counter()
        report = read_corpus(corpus)
        read_seconds = time.perf_counter() - t0
        data, stats = build_index(
            report, fingerprint=fingerprint, digests=digests, corpus=str(corpus), progress=progress
        )
        stats.seconds = {"read": read_seconds, **stats.seconds}
        if previous:
            stats.changes = describe_changes(previous, digests)
        t1 = time.perf_counter()
        name = f"index-{fingerprint[:12]}-{uuid.uuid4().hex[:8]}"
        target = cache_dir / name
        save_index(data, target)
        atomic_write_json(cache_dir / POINTER, {"directory": name})
        stats.seconds["save"] = time.perf_counter() - t1
        _remove_stale(cache_dir, keep=name)
        return data, stats


def _try_load(directory: Path, fingerprint: str, say: Callable[[str], None]) -> IndexData | None:
    try:
        data = load_index(directory)
    except IndexFileError as exc:
        say(f"index in {directory} is unusable ({exc}); rebuilding")
        return None
    reason = _mismatch(data.manifest, fingerprint)
    if reason:
        say(f"{reason} since the index was built; rebuilding")
        return None
    return data


def _remove_stale(cache_dir: Path, keep: str) -> None:
    for child in cache_dir.iterdir():
        if child.is_dir() and child.name.startswith("index-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
