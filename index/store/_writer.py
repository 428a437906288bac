"""Writing the index: what changed in the corpus, a new segment for it, deletions, and the commit.

Change detection reads no unchanged file: a file whose size, mtimes and inode are the commit's is
unchanged; only a file whose stat changed is hashed, and only a file whose content digest changed
(or a new one) is read and indexed, into one new segment. Articles of removed or replaced files are
deleted: the commit gives the segment holding them a new deletion state.

Which articles are live is a function of the corpus files alone, as in a full read of the corpus:
an article is live when its file is current and no earlier file (by name) holds the same id.

``Store`` keeps, per cache directory and process, the segments, deletion states and term tables
already loaded (and verified), so a refresh only loads what a new commit added; a snapshot whose
commit did not change is handed out again as is, and the next one is derived from it
(``_snapshot.derive_snapshot``). It also keeps the ids the current commit's files read, so that an
add of files sorting after the others reads only the new files' ids to tell which articles are live.
The term table is written as one ``lexicon.npz``; the terms an add brings go into a small part of
their own (``terms-…npz``), merged as the file list's parts are, so an add does not rewrite (or sort)
the whole table."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._atomic import fsync_dir
from .._errors import CorpusError, IndexFileError
from ..articles import corpus_files, read_file
from ..articles._jsonl import JSONL_SUFFIXES
from ..articles._text_files import ARTICLE_SUFFIXES
from ..bm25 import Lexicon
from ..text import analyzer_signature
from ._commit import (
    DELETES,
    LEXICON_PREFIX,
    SEGMENT_PREFIX,
    TERMS_PREFIX,
    Commit,
    FileEntry,
    FilePart,
    SegmentEntry,
    merge_into_new_part,
    tmp_dir_name,
    write_commit,
)
from ._integrity import Verifier, file_checksum
from ._model import BM25_PARAMS, BuildReport, Progress
from ._segment import META, PACK, FileArticles, Segment, _load_npy, build_segment, load_npz, save_npz
from ._snapshot import IndexData, LiveSegment, snapshot_of


class ScannedFile(NamedTuple):
    name: str
    where: str  # its path (a Path made only for the few files that are read)
    stat: os.stat_result

    @property
    def path(self) -> Path:
        return Path(self.where)


_CORPUS_SUFFIXES = ARTICLE_SUFFIXES + JSONL_SUFFIXES


def is_corpus_name(name: str) -> bool:
    """A name a corpus file may have (as ``corpus_files`` lists them): no hidden file, a known suffix."""
    return name[:1] != "." and name.endswith(_CORPUS_SUFFIXES)


def scan_corpus(corpus: Path) -> list[ScannedFile]:
    """The corpus files in name order with their stat (CorpusError when there are none): the files
    ``corpus_files`` lists, each stat'ed once (a directory is listed with scandir, not stat'ed twice
    per file)."""
    if corpus.is_dir():
        found = []
        try:
            with os.scandir(corpus) as listing:
                for entry in listing:
                    name = entry.name
                    if not is_corpus_name(name):
                        continue
                    try:
                        st = entry.stat()  # follows symbolic links, as Path.is_file does
                    except OSError:
                        continue  # removed since it was listed: as if it never was
                    if stat.S_ISREG(st.st_mode):
                        found.append(ScannedFile(name, entry.path, st))
        except OSError:
            found = []
        if found:
            found.sort()  # by name: names in one directory differ
            return found
    out = []
    for path in corpus_files(corpus):  # a single file, or what to say when there is none
        try:
            st = path.stat()
        except OSError:
            continue  # removed since it was listed: as if it never was
        out.append(ScannedFile(path.name, str(path), st))
    return out


def file_digest(path: Path) -> str:
    """A file's content digest (16 hex digits of SHA-256), or 'unreadable'."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:16]
    except OSError:
        return "unreadable"


def describe_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """'added x.txt', 'edited y.txt', 'removed z.txt' between two file digest maps."""
    lines = [f"added {n}" for n in sorted(new.keys() - old.keys())]
    lines += [f"edited {n}" for n in sorted(new.keys() & old.keys()) if new[n] != old[n]]
    lines += [f"removed {n}" for n in sorted(old.keys() - new.keys())]
    return lines


def mismatch(commit: Commit) -> str | None:
    """Why a commit cannot be updated, only rebuilt (None when it can)."""
    if commit.analyzer != analyzer_signature():
        return "the analyzer changed"
    if commit.bm25 != BM25_PARAMS:
        return "the BM25 parameters changed"
    return None


def unchanged(commit: Commit, scanned: list[ScannedFile]) -> bool:
    """The corpus is the commit's, as far as stat tells (no file is read)."""
    if len(commit.files) != len(scanned):
        return False
    return all(e.name == s.name and e.same_stat(s.stat) for e, s in zip(commit.files, scanned, strict=True))


def same_content(commit: Commit, scanned: list[ScannedFile]) -> bool:
    """The corpus holds the commit's files with the same contents: only files whose stat changed are
    hashed (a copy, a touch, an image unpacked on another host)."""
    if [e.name for e in commit.files] != [s.name for s in scanned]:
        return False
    return all(e.same_stat(s.stat) or e.digest == file_digest(s.path)
               for e, s in zip(commit.files, scanned, strict=True))


def _token() -> str:
    return uuid.uuid4().hex[:8]


# ---------------------------------------------------------------------------------- the store


class Store:
    """What one process has loaded of one cache directory (None: an index kept in memory only)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self.lock = threading.RLock()
        self.segments: dict[str, Segment] = {}
        self.lives: dict[tuple[str, str | None], LiveSegment] = {}
        self.lexicons: dict[LexiconKey, Lexicon] = {}  # (term table directory, its parts) → the table
        self.signatures: dict[str, tuple[tuple[str, int, int, int], ...]] = {}  # loaded directory → its files
        self.last: tuple[Commit, IndexData] | None = None
        self.memory: Update | None = None  # the index this process keeps in memory (cache not writable)
        self.verify = True  # check every file's checksum when loading
        self.ids: tuple[str, set[str]] | None = None  # (content_id, the ids its files read)

    def ids_read(self, commit: Commit | None) -> set[str] | None:
        """The ids the commit's files read, when known (kept from the last write)."""
        with self.lock:
            if commit is None or self.ids is None or self.ids[0] != commit.content_id:
                return None
            return self.ids[1]

    def learn_ids(self, update: Update) -> None:
        """After the update's commit is written: keep the ids its files read."""
        if update.ids is None:
            return
        with self.lock:
            base, added = update.ids
            base.update(added)  # the set of the commit before, not needed any more
            self.ids = (update.commit.content_id, base)

    def _drop_changed(self, commit: Commit) -> bool:
        """Forget what was loaded of the commit's directories if their files changed on disk since
        (sizes, mtimes, inodes: a corruption, a copy over them), so they are loaded, and verified,
        again; True when something was dropped."""
        dropped = False
        for entry in commit.segments:
            for name in (entry.name, f"{DELETES}/{entry.deletes}" if entry.deletes else None):
                if name is None or name not in self.signatures:
                    continue
                if self.signatures[name] != _signature(self._dir() / name):
                    dropped = True
                    del self.signatures[name]
                    self.segments.pop(entry.name, None)
                    self.lives = {k: v for k, v in self.lives.items() if k[0] != entry.name}
        if commit.lexicon in self.signatures and self.signatures[commit.lexicon] != _signature(
                self._dir() / commit.lexicon):
            dropped = True
            del self.signatures[commit.lexicon]
            self.lexicons = {k: v for k, v in self.lexicons.items() if k[0] != commit.lexicon}
        return dropped

    def _remember(self, name: str) -> None:
        self.signatures[name] = _signature(self._dir() / name)

    def _dir(self) -> Path:
        if self.cache_dir is None:
            raise IndexFileError("this index is kept in memory only")
        return self.cache_dir

    def load(self, commit: Commit) -> tuple[dict[str, LiveSegment], Lexicon]:
        """Every segment of the commit with its deletions, and its term table; IndexFileError when a
        file is missing, corrupt or does not belong to the commit."""
        with self.lock:
            verifiers: list[Verifier] = []
            for entry in commit.segments:
                if entry.name in self.segments:
                    continue
                directory = self._dir() / entry.name
                try:
                    meta_checksum = file_checksum(directory / META, (directory / META).stat().st_size)
                except OSError as exc:
                    raise IndexFileError(f"missing segment {entry.name}: {exc.strerror or exc}") from None
                if meta_checksum != entry.checksum:
                    raise IndexFileError(f"checksum mismatch in {entry.name}/{META}")
                segment, verifier = Segment.load(directory, verify=self.verify)
                if verifier is not None:
                    verifiers.append(verifier)
                self.segments[entry.name] = segment
                self._remember(entry.name)
            try:
                for verifier in verifiers:
                    verifier.result()
            except IndexFileError:
                for entry in commit.segments:  # unverified: never reuse them
                    self.segments.pop(entry.name, None)
                raise
            lexicon = self._lexicon(commit)
            lives = {}
            for entry in commit.segments:
                segment = self.segments[entry.name]
                if segment.n_terms > len(lexicon):
                    raise IndexFileError(f"segment {entry.name} uses terms the term table lacks")
                key = (entry.name, entry.deletes)
                if key not in self.lives:
                    if entry.deletes is None:
                        self.lives[key] = LiveSegment.of(segment, None)
                    else:
                        self.lives[key] = LiveSegment.load(segment, self._dir() / DELETES / entry.deletes,
                                                           entry.deletes_checksums)
                        self._remember(f"{DELETES}/{entry.deletes}")
                lives[entry.name] = self.lives[key]
            return lives, lexicon

    def _lexicon(self, commit: Commit) -> Lexicon:
        """The commit's term table: its directory, then its parts appended (a table already loaded
        with fewer of them is extended by the rest)."""
        key = lexicon_key(commit)
        if key in self.lexicons:
            return self.lexicons[key]
        parts = commit.lexicon_parts
        for done in range(len(parts) - 1, -1, -1):
            lexicon = self.lexicons.get((commit.lexicon, tuple(p.name for p in parts[:done])))
            if lexicon is not None:
                break
        else:
            done, lexicon = 0, self._lexicon_base(commit)
        for part in parts[done:]:
            path = self._dir() / part.name
            try:
                if file_checksum(path, path.stat().st_size) != part.checksum:
                    raise IndexFileError(f"checksum mismatch in {part.name}")
                arrays = load_npz(path, Lexicon.PART_ARRAYS)
                if arrays["term_hash"].shape[0] != part.count:
                    raise ValueError(f"holds {arrays['term_hash'].shape[0]} terms, the commit says {part.count}")
                lexicon = lexicon.appended(arrays["term_bytes"], arrays["term_offsets"], arrays["term_hash"])
            except IndexFileError:
                raise
            except (OSError, ValueError) as exc:
                raise IndexFileError(f"unreadable term part {part.name}: {exc}") from None
        self.lexicons[key] = lexicon
        return lexicon

    def _lexicon_base(self, commit: Commit) -> Lexicon:
        key: LexiconKey = (commit.lexicon, ())
        if key in self.lexicons:
            return self.lexicons[key]
        if commit.lexicon is None:
            lexicon = Lexicon.empty()
        else:
            directory = self._dir() / commit.lexicon
            meta = {"checksums": commit.lexicon_checksums, "sizes": {}}
            try:
                Verifier(directory, meta).result()
                if LEXICON_PACK in commit.lexicon_checksums:
                    arrays = load_npz(directory / LEXICON_PACK, Lexicon.ARRAYS)
                else:  # one file per array, as before packing
                    arrays = {name: _load_npy(directory / f"{name}.npy", dtype)
                              for name, dtype in Lexicon.ARRAYS.items()}
                lexicon = Lexicon.from_arrays(arrays)
            except IndexFileError:
                raise
            except (OSError, ValueError) as exc:
                raise IndexFileError(f"unreadable term table {commit.lexicon}: {exc}") from None
            self._remember(commit.lexicon)
        self.lexicons[key] = lexicon
        return lexicon

    def snapshot(self, commit: Commit) -> IndexData:
        """The commit's snapshot (the same object again when it is the last one made)."""
        with self.lock:
            if self.cache_dir is not None and self._drop_changed(commit):
                self.last = None
            if self.last is not None and self.last[0] == commit:
                return self.last[1]
            previous = self.last[1] if self.last is not None else None
            self.last = None
            lives, lexicon = self.load(commit)
            data = snapshot_of(commit, lives, lexicon, previous)
            self.last = (commit, data)
            self.forget_unused(commit)
            return data

    def forget_unused(self, commit: Commit) -> None:
        """Drop what the commit does not use (snapshots handed out keep their own references)."""
        names = {s.name for s in commit.segments}
        keys = {(s.name, s.deletes) for s in commit.segments}
        self.segments = {k: v for k, v in self.segments.items() if k in names}
        self.lives = {k: v for k, v in self.lives.items() if k in keys}
        self.lexicons = {k: v for k, v in self.lexicons.items() if k == lexicon_key(commit)}
        keep = names | {f"{DELETES}/{s.deletes}" for s in commit.segments if s.deletes} | {commit.lexicon}
        self.signatures = {k: v for k, v in self.signatures.items() if k in keep}


LEXICON_PACK = "lexicon.npz"  # the term table's arrays, in one file

LexiconKey = tuple[str | None, tuple[str, ...]]


def lexicon_key(commit: Commit) -> LexiconKey:
    """What names a commit's term table: its directory and its parts."""
    return commit.lexicon, tuple(p.name for p in commit.lexicon_parts)


def _signature(directory: Path) -> tuple[tuple[str, int, int, int], ...]:
    try:
        return tuple(sorted((p.name, (st := p.stat()).st_size, st.st_mtime_ns, st.st_ino)
                            for p in directory.iterdir()))
    except OSError:
        return ()


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store_for(cache_dir: Path) -> Store:
    key = os.path.realpath(cache_dir)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = Store(cache_dir)
        return _stores[key]


# ---------------------------------------------------------------------------------- liveness


def liveness(files: list[FileEntry], segments: dict[str, Segment], *, seen: set[str] | None = None,
             live: dict[str, np.ndarray] | None = None
             ) -> tuple[dict[str, np.ndarray], list[tuple[str, str]], set[str]]:
    """Which articles of each segment are live (bool per local article), the duplicates, and every
    id the files read: an article is live when the commit maps its file to that segment and no
    earlier file (by name) read the same id — read_corpus's rule. ``seen`` (not changed) and
    ``live``: the ids read by files before these and the masks they left, when only these files
    are to be read."""
    live = dict(live or {})
    for name, seg in segments.items():
        live.setdefault(name, np.zeros(seg.n_articles, dtype=bool))
    duplicates: list[tuple[str, str]] = []
    before = seen if seen is not None else set()
    seen = set()
    for entry in files:
        ids: list[str] = list(entry.unindexed)
        if entry.segment is not None:
            segment = segments[entry.segment]
            sf = segment.file_named(entry.name)
            if sf is None:
                raise IndexFileError(f"segment {entry.segment} does not hold {entry.name}")
            file_ids = segment.records.ids()[sf.lo : sf.hi]
            mask = live[entry.segment]
            if seen or before:
                origins = segment.records.columns["origin"]
                for j, article_id in enumerate(file_ids):
                    if article_id in seen or article_id in before:
                        duplicates.append((origins[sf.lo + j], f"duplicate article id {article_id!r}"))
                    else:
                        mask[sf.lo + j] = True
            else:
                mask[sf.lo : sf.hi] = True
            ids += file_ids
        seen.update(ids)
    return live, duplicates, seen


# ---------------------------------------------------------------------------------- updates


@dataclass
class Update:
    """A new commit not yet written: its new segment, deletion states and term table, in memory."""

    commit: Commit
    lives: dict[str, LiveSegment]  # every segment of the commit with its (new) deletions
    lexicon: Lexicon
    new_segment: Segment | None = None
    new_deletes: dict[str, LiveSegment] = field(default_factory=dict)  # segment → state to write
    lexicon_changed: bool = False
    lexicon_before: int = 0  # terms in the table the update started from (the commit's table)
    report: BuildReport = field(default_factory=BuildReport)
    # the ids the commit's files read: (a set, ids to add to it), kept by the store for the next add
    ids: tuple[set[str], set[str]] | None = None


def plan_update(
    commit: Commit | None, lives: dict[str, LiveSegment], lexicon: Lexicon, scanned: list[ScannedFile], *,
    corpus: Path, generation: int, progress: Progress | None = None, workers: int | None = None,
    seen: set[str] | None = None, appending: bool = False,
) -> Update:
    """The commit that brings the index (commit None: nothing) up to the scanned corpus: changed and
    new files indexed into one new segment, removed and replaced ones deleted. ``seen``: the ids the
    commit's files read, when known (then files added after them are all that is read for liveness).
    ``appending``: ``scanned`` holds only new files, all sorting after the commit's, and the commit's
    files are kept as they are, not looked at (``add_files``): nothing here then grows with them."""
    t0 = time.perf_counter()
    report = BuildReport(full=commit is None)
    if appending and (commit is None or (commit.files and scanned and scanned[0].name <= commit.files[-1].name)):
        raise ValueError("appending needs a commit and new files that sort after its files")
    old = {f.name: f for f in commit.files} if commit is not None and not appending else {}
    entries: dict[str, FileEntry] = {}
    to_index: list[tuple[ScannedFile, str]] = []
    for scanned_file in scanned:
        previous = old.get(scanned_file.name)
        if previous is not None and previous.same_stat(scanned_file.stat):
            entries[scanned_file.name] = previous
            continue
        digest = file_digest(scanned_file.path)
        if previous is not None and previous.digest == digest:
            entries[scanned_file.name] = previous.with_stat(scanned_file.stat)
            continue
        to_index.append((scanned_file, digest))
    if appending:
        report.changes = [f"added {s.name}" for s, _ in to_index]
    elif commit is not None:
        # describe_changes of the two corpora, from what changed only (all files are compared when
        # some are removed)
        added = [s.name for s, _ in to_index if s.name not in old]
        edited = [s.name for s, _ in to_index if s.name in old]
        if len(entries) + len(edited) == len(old):
            report.changes = [f"added {n}" for n in sorted(added)] + [f"edited {n}" for n in sorted(edited)]
        else:
            report.changes = describe_changes({n: f.digest for n, f in old.items()},
                                              {**{n: f.digest for n, f in entries.items()},
                                               **{s.name: d for s, d in to_index}})
    content_changed = bool(to_index) or (not appending and len(entries) + len(to_index) != len(old))
    groups: list[FileArticles] = []
    read_reports = {}
    for scanned_file, digest in to_index:
        one = read_file(scanned_file.path)
        read_reports[scanned_file.name] = one
        if one.articles:
            groups.append(FileArticles(scanned_file.name, digest, one.articles))
    report.seconds["read"] = time.perf_counter() - t0
    new_segment = None
    build = None
    if groups:
        name = f"{SEGMENT_PREFIX}{generation:06d}-{_token()}"
        new_segment, lexicon_after, build = build_segment(name, groups, lexicon, progress=progress, workers=workers)
        report.workers = build.workers
        report.seconds.update(build.seconds)
    else:
        lexicon_after = lexicon
    for scanned_file, digest in to_index:
        one = read_reports[scanned_file.name]
        name = scanned_file.name
        skipped = list(one.skipped) + (build.skipped.get(name, []) if build else [])
        holds = new_segment is not None and any(f.name == name and f.hi > f.lo for f in new_segment.files)
        st = scanned_file.stat
        entries[name] = FileEntry(name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest,
                                  new_segment.name if holds and new_segment is not None else None,
                                  tuple(skipped), tuple(one.warnings),
                                  tuple(build.unindexed.get(name, []) if build else []))
        report.skipped += skipped
        report.warnings += one.warnings
    segments = {name: live.segment for name, live in lives.items()}
    if new_segment is not None:
        segments[new_segment.name] = new_segment
    if appending and commit is not None:
        files = commit.files + [entries[s.name] for s in scanned]
        used = {e.name for e in commit.segments} | {e.segment for e in files[len(commit.files):] if e.segment}
    else:
        files = [entries[s.name] for s in scanned]
        used = {f.segment for f in files if f.segment is not None}
    segments = {name: seg for name, seg in segments.items() if name in used}
    t_live = time.perf_counter()
    k = len(commit.files) if commit is not None else 0
    if commit is not None and seen is not None and new_segment is not None and (
            appending or _only_appended(commit, files)):
        # the files before are the commit's, as they were: their articles stay as live as they are
        masks, duplicates, new_ids = liveness(
            files[k:], segments, seen=seen,
            live={name: np.ones(state.segment.n_articles, dtype=bool) if state.live is None else state.live
                  for name, state in lives.items() if name in segments})
        duplicates = list(commit.duplicates) + duplicates
        ids_after = (seen, new_ids)
    else:
        masks, duplicates, new_ids = liveness(files, segments)
        ids_after = (new_ids, set())
    if not any(mask.any() for mask in masks.values()):
        reasons = "; ".join(f"{name}: {why}" for f in files for name, why in f.skipped[:3])[:300]
        raise CorpusError(f"no readable article in {corpus}" + (f" ({reasons})" if reasons else ""))
    report.skipped += duplicates if commit is None else [d for d in duplicates if d not in commit.duplicates]
    new_lives: dict[str, LiveSegment] = {}
    new_deletes: dict[str, LiveSegment] = {}
    for name, segment in segments.items():
        mask = masks[name]
        current = lives.get(name)
        current_live = None if current is None else current.live
        if _same_mask(current_live, mask) and current is not None:
            new_lives[name] = current
            continue
        state = LiveSegment.of(segment, mask)
        new_lives[name] = state
        if state.live is not None:
            new_deletes[name] = state
    report.seconds["deletions"] = time.perf_counter() - t_live
    order = [e.name for e in commit.segments if e.name in segments] if commit is not None else []
    if new_segment is not None and new_segment.name in segments:
        order.append(new_segment.name)
    old_entries = {e.name: e for e in commit.segments} if commit is not None else {}
    segment_entries = []
    for name in order:
        state = new_lives[name]
        entry = old_entries.get(name)
        if entry is not None and name not in new_deletes and (state.live is None) == (entry.deletes is None):
            segment_entries.append(SegmentEntry(entry.name, entry.checksum, entry.n_chunks, state.n_live_chunks(),
                                                entry.deletes, entry.deletes_checksums))
        else:
            segment_entries.append(SegmentEntry(name, entry.checksum if entry else "", segments[name].n_chunks,
                                                state.n_live_chunks()))
    content_id = commit.content_id if commit is not None and not content_changed and not new_deletes else _token()
    new_commit = Commit(
        generation=generation, content_id=content_id, analyzer=analyzer_signature(), bm25=dict(BM25_PARAMS),
        corpus=str(corpus), lexicon=commit.lexicon if commit is not None else None,
        lexicon_checksums=dict(commit.lexicon_checksums) if commit is not None else {},
        segments=segment_entries, files=files, duplicates=duplicates,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        lexicon_parts=list(commit.lexicon_parts) if commit is not None else [],
    )
    return Update(new_commit, new_lives, lexicon_after, new_segment, new_deletes,
                  lexicon_changed=len(lexicon_after) != len(lexicon), lexicon_before=len(lexicon), report=report,
                  ids=ids_after)


def _only_appended(commit: Commit, files: list[FileEntry]) -> bool:
    """The files are the commit's (same names, contents and segments) and then new ones."""
    k = len(commit.files)
    if len(files) <= k:
        return False
    for old, new in zip(commit.files, files, strict=False):
        if old is not new and (old.name != new.name or old.digest != new.digest or old.segment != new.segment
                               or old.unindexed != new.unindexed):
            return False
    return True


def _same_mask(current: np.ndarray | None, mask: np.ndarray) -> bool:
    if current is None:
        return bool(mask.all())
    return current.shape == mask.shape and bool(np.array_equal(current, mask))


def persist(update: Update, cache_dir: Path, store: Store, *, tmp: Path | None = None) -> None:
    """Write the update's new files, then its commit (and switch the pointer to it). Call with the
    writer's lock held. The store learns the new segment (memory-mapped from its files). ``tmp``:
    where the new segment was already saved (a merge saves it before taking the lock)."""
    t0 = time.perf_counter()
    commit = update.commit
    if update.new_segment is not None and any(s.name == update.new_segment.name for s in commit.segments):
        segment = update.new_segment
        if tmp is None:
            tmp = cache_dir / tmp_dir_name(_token())
            segment.save(tmp)
        os.replace(tmp, cache_dir / segment.name)
        fsync_dir(cache_dir)
        if (cache_dir / segment.name / PACK).exists():
            # packed: a load would read the same arrays whole again; the ones in memory are used
            loaded = segment.frozen(cache_dir / segment.name)
        else:
            # just written: memory-mapped now (the records are the ones in memory)
            loaded, _ = Segment.load(cache_dir / segment.name, verify=False, records=segment.records)
        meta = cache_dir / segment.name / META
        checksum = file_checksum(meta, meta.stat().st_size)
        _replace_entry(commit, segment.name, checksum=checksum)
        store.segments[segment.name] = loaded
        store._remember(segment.name)
        old_state = update.lives[segment.name]
        update.lives[segment.name] = LiveSegment(loaded, old_state.live, old_state.stats)
        if segment.name in update.new_deletes:
            update.new_deletes[segment.name] = update.lives[segment.name]
    for name, state in update.new_deletes.items():
        directory_name = f"{name}-g{commit.generation:06d}-{_token()}"
        (cache_dir / DELETES).mkdir(exist_ok=True)
        checksums = state.save(cache_dir / DELETES / directory_name)
        _replace_entry(commit, name, deletes=directory_name, deletes_checksums=checksums)
        store.lives[(name, directory_name)] = state
        store._remember(f"{DELETES}/{directory_name}")
    for entry in commit.segments:
        if entry.deletes is None:
            store.lives.setdefault((entry.name, None), update.lives[entry.name])
    if update.lexicon_changed or (commit.lexicon is None and len(update.lexicon)):
        _write_terms(cache_dir, commit, update, store)
    store.lexicons[lexicon_key(commit)] = update.lexicon
    write_commit(cache_dir, commit)
    update.report.seconds["save"] = time.perf_counter() - t0


def _write_terms(cache_dir: Path, commit: Commit, update: Update, store: Store) -> None:
    """Persist the update's term table. The terms it added go into a part of their own, merged with
    the parts before it while the last of those is no larger (as the file list's parts); the whole
    table is written anew when there is none yet, or when the parts would hold as many terms as it."""
    lexicon = update.lexicon
    parts = list(commit.lexicon_parts)
    start = update.lexicon_before
    base = start - sum(p.count for p in parts)
    if commit.lexicon is not None and start > 0:
        parts, start = merge_into_new_part(parts, start, len(lexicon))
        if len(lexicon) - start < base:
            name = f"{TERMS_PREFIX}{commit.generation:06d}-{_token()}.npz"
            save_npz(cache_dir / name, lexicon.part(start))  # the directory is fsync'ed with the commit
            path = cache_dir / name
            commit.lexicon_parts = [*parts, FilePart(name, file_checksum(path, path.stat().st_size),
                                                     len(lexicon) - start)]
            return
    name = f"{LEXICON_PREFIX}{commit.generation:06d}-{_token()}"
    directory = cache_dir / name
    directory.mkdir()
    save_npz(directory / LEXICON_PACK, {key: np.ascontiguousarray(arr, dtype=Lexicon.ARRAYS[key])
                                        for key, arr in lexicon.arrays().items()})
    fsync_dir(directory)
    commit.lexicon = name
    commit.lexicon_checksums = {p.name: file_checksum(p, p.stat().st_size) for p in sorted(directory.iterdir())}
    commit.lexicon_parts = []
    store._remember(name)


def _replace_entry(commit: Commit, name: str, **changes: object) -> None:
    commit.segments = [dataclasses.replace(e, **changes) if e.name == name else e  # type: ignore[arg-type]
                       for e in commit.segments]


def next_generation(cache_dir: Path | None, commit: Commit | None) -> int:
    """One more than the newest commit file in the directory (or the commit given)."""
    newest = commit.generation if commit is not None else 0
    if cache_dir is not None and cache_dir.is_dir():
        for child in cache_dir.iterdir():
            name = child.name
            if name.startswith("commit-") and name.endswith(".json"):
                try:
                    newest = max(newest, int(name[len("commit-") : -len(".json")]))
                except ValueError:
                    continue
    return newest + 1
