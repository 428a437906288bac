"""The commit point of a cache directory, as Lucene's ``segments_N``: one file says what the index is.

``commit-<N>.json`` (generation N) lists the live segments with the checksum of each one's
``segment.json`` and its deletion state (which articles are deleted, and the statistics that follow,
a directory under ``deletes/`` written with the commit, never inside the segment), the term table,
and the parts of its file list. ``CURRENT.json`` names the commit, with its checksum.

The file list (every corpus file: name, size, mtimes, inode, content digest, the segment holding its
articles, what was skipped in it) is kept in immutable parts, ``files-<N>-<token>.json``, each a run
of entries in name order, named in the commit with its checksum. A commit keeps the previous one's
parts whose entries did not change and writes the rest as one new part, merged with the parts
before it while the part before is no larger (a binary counter: at most log2(files) + 1 parts, each
entry rewritten O(log files) times). So an add of one file to a thousand writes a part of a few
entries and a commit of a few lines, not a thousand entries: the cost of an add does not grow with
the files already there.

A commit is written whole to a new file, fsync'ed, then the pointer is replaced atomically (written
beside, fsync'ed, renamed, the directory fsync'ed). A reader reads the pointer, then exactly that
commit; a process killed anywhere leaves the pointer on the previous complete commit, and what the
dead writer left (a half-written segment, a commit nobody points to) is removed by the next writer.

Files are kept while the current or the previous commit uses them: a reader that read the pointer
just before a writer replaced it can still open what it names. Each entry's JSON is made once
(``FileEntry.json_text``), and a process reads back the commits and parts it wrote as the objects it
wrote, never parsing them again."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._atomic import atomic_write_bytes, atomic_write_json, fsync_dir
from .._errors import IndexFileError

FORMAT_VERSION = 4  # 4: the file list in parts; 3 (one list in the commit) is still read
READ_FORMATS = (3, 4)
POINTER = "CURRENT.json"
SEGMENT_PREFIX = "seg-"
DELETES = "deletes"
LEXICON_PREFIX = "lexicon-"
FILES_PREFIX = "files-"
TERMS_PREFIX = "terms-"
TMP_PREFIX = "tmp-"
_COMMIT_RE = re.compile(r"^commit-(\d+)\.json$")
_PART_RE = re.compile(r"^(files-\d+-[0-9a-f]+\.json|terms-\d+-[0-9a-f]+\.npz)$")


@dataclass(frozen=True)
class FileEntry:
    """One corpus file as the commit knows it."""

    name: str
    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int
    digest: str
    segment: str | None  # the segment holding its articles; None when none was indexed
    skipped: tuple[tuple[str, str], ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()
    unindexed: tuple[str, ...] = ()  # ids read but not indexed (nothing quotable): they still shadow duplicates

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "mtime_ns": self.mtime_ns, "ctime_ns": self.ctime_ns,
                "ino": self.ino, "digest": self.digest, "segment": self.segment,
                "skipped": [list(x) for x in self.skipped], "warnings": [list(x) for x in self.warnings],
                "unindexed": list(self.unindexed)}

    @functools.cached_property
    def json_text(self) -> str:
        """to_json as the commit file writes it (made once: a commit rewrites every file's entry)."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    def same_stat(self, st: os.stat_result) -> bool:
        """Unchanged as far as stat can tell (then the file is not read again)."""
        return (self.size, self.mtime_ns, self.ctime_ns, self.ino) == (
            st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def with_stat(self, st: os.stat_result) -> FileEntry:
        return dataclasses.replace(self, size=st.st_size, mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns,
                                   ino=st.st_ino)

    def with_segment(self, segment: str | None) -> FileEntry:
        return dataclasses.replace(self, segment=segment)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FileEntry:
        return cls(str(raw["name"]), int(raw["size"]), int(raw["mtime_ns"]), int(raw["ctime_ns"]), int(raw["ino"]),
                   str(raw["digest"]), None if raw["segment"] is None else str(raw["segment"]),
                   tuple((str(a), str(b)) for a, b in raw["skipped"]),
                   tuple((str(a), str(b)) for a, b in raw["warnings"]), tuple(map(str, raw["unindexed"])))


@dataclass(frozen=True)
class SegmentEntry:
    """A live segment of the commit and its deletion state."""

    name: str
    checksum: str  # of the segment's segment.json
    n_chunks: int  # sentences it holds, live or not
    n_live: int  # live sentences (the merge policy sizes segments by this)
    deletes: str | None = None  # directory under deletes/; None when nothing is deleted
    deletes_checksums: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "checksum": self.checksum, "n_chunks": self.n_chunks, "n_live": self.n_live,
                "deletes": self.deletes, "deletes_checksums": dict(self.deletes_checksums)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SegmentEntry:
        return cls(str(raw["name"]), str(raw["checksum"]), int(raw["n_chunks"]), int(raw["n_live"]),
                   None if raw["deletes"] is None else str(raw["deletes"]),
                   {str(k): str(v) for k, v in dict(raw["deletes_checksums"]).items()})


@dataclass(frozen=True)
class FilePart:
    """A run of the commit's file entries (``files-…json``) or of terms appended to its term table
    (``terms-…npz``), in a file of its own in the cache directory."""

    name: str
    checksum: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "checksum": self.checksum, "count": self.count}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FilePart:
        name = str(raw["name"])
        if not _PART_RE.match(name):
            raise IndexFileError(f"commit names no part file: {name!r}")
        return cls(name, str(raw["checksum"]), int(raw["count"]))


@dataclass
class Commit:
    """What one generation of the index is."""

    generation: int
    content_id: str  # changes whenever the live articles do (not for a merge or a stat-only update)
    analyzer: dict[str, Any]
    bm25: dict[str, Any]
    corpus: str
    lexicon: str | None  # directory of the term table
    lexicon_checksums: dict[str, str]
    segments: list[SegmentEntry]
    files: list[FileEntry]  # in name order: the canonical order of the corpus
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # articles shadowed by an earlier id
    format: int = FORMAT_VERSION
    built_at: str = ""
    parts: list[FilePart] = field(default_factory=list)  # where ``files`` is on disk (set when written or read)
    lexicon_parts: list[FilePart] = field(default_factory=list)  # terms appended to the term table since

    @property
    def name(self) -> str:
        return commit_name(self.generation)

    def to_json(self, *, files: bool = True) -> dict[str, Any]:
        """The commit as a dictionary; with ``files``, every file's entry inline (a description of
        the index, as ``IndexData.manifest``); the commit file itself names its parts instead."""
        out = {"generation": self.generation, "content_id": self.content_id, "analyzer": dict(self.analyzer),
               "bm25": dict(self.bm25), "corpus": self.corpus, "lexicon": self.lexicon,
               "lexicon_checksums": dict(self.lexicon_checksums),
               "lexicon_parts": [p.to_json() for p in self.lexicon_parts],
               "segments": [e.to_json() for e in self.segments],
               "duplicates": [list(d) for d in self.duplicates], "format": self.format, "built_at": self.built_at}
        if files:
            out["files"] = [f.to_json() for f in self.files]
        return out

    @classmethod
    def from_json(cls, raw: Any, cache_dir: Path | None = None) -> Commit:
        """The commit a commit file holds; its file list read from its parts in ``cache_dir`` (format
        4) or from the commit itself (format 3)."""
        if not isinstance(raw, dict) or raw.get("format") not in READ_FORMATS:
            raise IndexFileError(f"index format is not {FORMAT_VERSION}")
        try:
            if "parts" in raw:
                if cache_dir is None:
                    raise IndexFileError("a commit with file-list parts read without its directory")
                parts = [FilePart.from_json(p) for p in raw["parts"]]
                files = [entry for part in parts for entry in _read_part(cache_dir, part)]
            else:
                parts, files = [], [FileEntry.from_json(f) for f in raw["files"]]
            return cls(
                generation=int(raw["generation"]), content_id=str(raw["content_id"]), analyzer=dict(raw["analyzer"]),
                bm25=dict(raw["bm25"]), corpus=str(raw["corpus"]),
                lexicon=None if raw["lexicon"] is None else str(raw["lexicon"]),
                lexicon_checksums={str(k): str(v) for k, v in dict(raw["lexicon_checksums"]).items()},
                segments=[SegmentEntry.from_json(s) for s in raw["segments"]],
                files=files,
                duplicates=[(str(a), str(b)) for a, b in raw["duplicates"]],
                built_at=str(raw.get("built_at", "")),
                parts=parts,
                lexicon_parts=[FilePart.from_json(p) for p in raw.get("lexicon_parts", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFileError(f"commit file has the wrong shape: {exc!r}") from None

    def referenced(self) -> set[str]:
        """Names (relative to the cache directory) of the directories this commit uses."""
        names = {s.name for s in self.segments}
        names |= {f"{DELETES}/{s.deletes}" for s in self.segments if s.deletes}
        if self.lexicon:
            names.add(self.lexicon)
        names |= {p.name for p in self.parts} | {p.name for p in self.lexicon_parts}
        return names


def commit_name(generation: int) -> str:
    return f"commit-{generation:06d}.json"


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_current(cache_dir: Path) -> Commit | None:
    """The commit the pointer names (checked against its checksum); None when there is no pointer.
    IndexFileError when the pointer or the commit is unusable."""
    try:
        raw_pointer = (cache_dir / POINTER).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexFileError(f"cannot read {cache_dir / POINTER}: {exc.strerror or exc}") from None
    try:
        pointer = json.loads(raw_pointer)
        name, checksum = str(pointer["commit"]), str(pointer["checksum"])
    except (ValueError, KeyError, TypeError):
        raise IndexFileError(f"{POINTER} is not a commit pointer (an index from an older newsbot?)") from None
    if not _COMMIT_RE.match(name):
        raise IndexFileError(f"{POINTER} names no commit file")
    try:
        st = (cache_dir / name).stat()
    except OSError as exc:
        raise IndexFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    key = (str(cache_dir / name), f"{checksum}:{st.st_size}:{st.st_mtime_ns}")
    cached = _parsed.get(key)
    if cached is not None:  # commit files are never rewritten: the same file, the same commit
        return cached
    try:
        data = (cache_dir / name).read_bytes()
    except OSError as exc:
        raise IndexFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    if _digest(data) != checksum:
        raise IndexFileError(f"checksum mismatch in {name}")
    try:
        raw = json.loads(data)
    except ValueError:
        raise IndexFileError(f"{name} is not JSON") from None
    commit = Commit.from_json(raw, cache_dir)
    _remember(key, commit)
    return commit


_parsed: dict[tuple[str, str], Commit] = {}  # (commit file, checksum and stat) → the commit, parsed once


def _remember(key: tuple[str, str], commit: Commit) -> None:
    """Keep a parsed commit, forgetting the oldest beyond 16 (the current and previous commits of
    a few directories: an add reads both, a merge writes one more)."""
    with _parsed_lock:  # a merge thread writes commits too
        _parsed.pop(key, None)
        _parsed[key] = commit
        while len(_parsed) > 16:
            del _parsed[next(iter(_parsed))]


_parsed_lock = threading.Lock()


def commit_bytes(commit: Commit) -> bytes:
    """The commit file's content: its JSON, naming its file-list parts (``commit.parts``)."""
    head = commit.to_json(files=False)
    head["parts"] = [p.to_json() for p in commit.parts]
    return json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()


def _part_bytes(entries: list[FileEntry]) -> bytes:
    return f'[{",".join(e.json_text for e in entries)}]'.encode()


def _read_part(cache_dir: Path, part: FilePart) -> list[FileEntry]:
    """A part's entries, checked against its checksum (parsed once per process: parts never change)."""
    key = (os.path.realpath(cache_dir / part.name), part.checksum)
    with _parsed_lock:
        cached = _parts.get(key)
    if cached is not None:
        return cached
    try:
        data = (cache_dir / part.name).read_bytes()
    except OSError as exc:
        raise IndexFileError(f"cannot read {part.name}: {exc.strerror or exc}") from None
    if _digest(data) != part.checksum:
        raise IndexFileError(f"checksum mismatch in {part.name}")
    try:
        entries = [FileEntry.from_json(raw) for raw in json.loads(data)]
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexFileError(f"{part.name} has the wrong shape: {exc!r}") from None
    if len(entries) != part.count:
        raise IndexFileError(f"{part.name} holds {len(entries)} entries, the commit says {part.count}")
    _keep_part(key, entries)
    return entries


_parts: dict[tuple[str, str], list[FileEntry]] = {}  # (part file, checksum) → its entries


def _keep_part(key: tuple[str, str], entries: list[FileEntry]) -> None:
    """Keep a part's entries, forgetting the oldest beyond 256 (the parts of a few directories'
    current and previous commits)."""
    with _parsed_lock:
        _parts.pop(key, None)
        _parts[key] = entries
        while len(_parts) > 256:
            del _parts[next(iter(_parts))]


def merge_into_new_part(parts: list[FilePart], start: int, total: int) -> tuple[list[FilePart], int]:
    """The parts that stay, and where the new part starts, when items ``start`` to ``total`` are new:
    the last part is merged into the new one while it is no larger (a binary counter: at most
    log2(total) + 1 parts, each item rewritten O(log total) times). File lists and term tables both
    grow this way."""
    kept = list(parts)
    while kept and kept[-1].count <= total - start:
        start -= kept.pop().count
    return kept, start


def _write_parts(cache_dir: Path, commit: Commit, previous: Commit | None) -> list[FilePart]:
    """The parts of the commit's file list: the previous commit's parts that hold the same entries at
    the same places, then the rest in one new part, merged with the kept parts before it while the
    last kept one is no larger (each part at least as large as the next: few parts, few rewrites)."""
    files = commit.files
    kept: list[FilePart] = []
    start = 0
    if previous is not None:
        for part in previous.parts:
            end = start + part.count
            if end > len(files) or files[start:end] != previous.files[start:end]:
                break
            kept.append(part)
            start = end
    if start == len(files) and kept:
        return kept
    kept, start = merge_into_new_part(kept, start, len(files))
    entries = files[start:]
    data = _part_bytes(entries)
    name = f"{FILES_PREFIX}{commit.generation:06d}-{uuid.uuid4().hex[:8]}.json"
    atomic_write_bytes(cache_dir / name, data)  # the directory is fsync'ed with the commit file
    part = FilePart(name, _digest(data), len(entries))
    _keep_part((os.path.realpath(cache_dir / name), part.checksum), list(entries))
    return [*kept, part]


def write_commit(cache_dir: Path, commit: Commit, previous: Commit | None = None) -> None:
    """Write the commit's new file-list parts and the commit file, then switch the pointer to it;
    each step fsync'ed, the pointer last. ``previous``: the commit it replaces (its unchanged parts
    are kept), by default the current one."""
    if previous is None:
        with contextlib.suppress(IndexFileError):
            previous = read_current(cache_dir)
    commit.parts = _write_parts(cache_dir, commit, previous)
    data = commit_bytes(commit)
    path = cache_dir / commit.name
    atomic_write_bytes(path, data)
    fsync_dir(cache_dir)
    checksum = _digest(data)
    atomic_write_json(cache_dir / POINTER, {"commit": commit.name, "checksum": checksum,
                                            "generation": commit.generation})
    fsync_dir(cache_dir)
    # this process reads it back as the object written (read_current and previous_commit key it by
    # its stat: another file there is parsed)
    with contextlib.suppress(OSError):
        st = path.stat()
        _remember((str(path), f"{checksum}:{st.st_size}:{st.st_mtime_ns}"), commit)
        _remember((str(path), f"{st.st_size}:{st.st_mtime_ns}"), commit)


def previous_commit(cache_dir: Path, commit: Commit) -> Commit | None:
    """The newest readable commit before this one (its files are kept for readers that raced)."""
    for generation in range(commit.generation - 1, max(0, commit.generation - 4), -1):
        path = cache_dir / commit_name(generation)
        try:
            st = path.stat()
            key = (str(path), f"{st.st_size}:{st.st_mtime_ns}")
            if key not in _parsed:
                _remember(key, Commit.from_json(json.loads(path.read_text(encoding="utf-8")), cache_dir))
            return _parsed[key]
        except (OSError, ValueError, IndexFileError):
            continue
    return None


def remove_stale(cache_dir: Path, commit: Commit) -> None:
    """Remove what neither this commit nor the previous one uses: older commit files, segments,
    deletion states and term tables, temporary directories of processes that are gone, and indexes
    of the format before segments. Call with the writer's lock held."""
    keep = commit.referenced()
    keep_commits = {commit.name}
    previous = previous_commit(cache_dir, commit)
    if previous is not None:
        keep |= previous.referenced()
        keep_commits.add(previous.name)
    for child in cache_dir.iterdir():
        name = child.name
        if _COMMIT_RE.match(name) and name not in keep_commits:
            child.unlink(missing_ok=True)
        elif _PART_RE.match(name) and name not in keep:
            child.unlink(missing_ok=True)
        elif child.is_dir() and (name.startswith((SEGMENT_PREFIX, LEXICON_PREFIX, "index-"))) and name not in keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.is_dir() and name.startswith(TMP_PREFIX) and not _owner_alive(name):
            shutil.rmtree(child, ignore_errors=True)
        elif name.startswith(".") and name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                child.unlink()
    deletes = cache_dir / DELETES
    if deletes.is_dir():
        for child in deletes.iterdir():
            if f"{DELETES}/{child.name}" not in keep:
                shutil.rmtree(child, ignore_errors=True)


def needs_tidying(cache_dir: Path) -> bool:
    """Something a dead writer left: a temporary directory of a process that is gone, or more commit
    files than the current and previous ones."""
    try:
        names = [p.name for p in cache_dir.iterdir()]
    except OSError:
        return False
    if sum(1 for n in names if _COMMIT_RE.match(n)) > 2:
        return True
    return any(n.startswith(TMP_PREFIX) and not _owner_alive(n) for n in names)


def tmp_dir_name(token: str) -> str:
    """A temporary directory for a segment being written, named after this process."""
    return f"{TMP_PREFIX}{os.getpid()}-{token}"


def _owner_alive(name: str) -> bool:
    try:
        pid = int(name[len(TMP_PREFIX) :].split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
