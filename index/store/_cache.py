"""The index cache of a corpus: open the current commit, updating it first when the corpus changed.

``open_index`` reads the commit the pointer names and the corpus files' stat: when they agree, it
opens that snapshot (reusing, in a running process, the segments it already loaded). Otherwise it
takes the writer's lock and brings the index up to date: new and changed files are indexed into a
new segment, removed and replaced ones deleted, and a new commit written; a full build happens only
when there is no usable index (none yet, a corrupt file, another analyzer or BM25 parameters).

A cache directory that cannot be written gives one warning naming NEWSBOT_CACHE_DIR, and the index
is built (or updated) in memory and served from there, never a traceback."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .._errors import IndexFileError, IndexLockedError
from ..bm25 import Lexicon
from ._commit import Commit, needs_tidying, read_current, remove_stale
from ._lock import CacheNotWritableError, WriterLock
from ._merge import start_merging
from ._model import BuildReport, Progress
from ._snapshot import IndexData, LiveSegment, snapshot_of
from ._writer import (
    ScannedFile,
    Store,
    Update,
    is_corpus_name,
    mismatch,
    next_generation,
    persist,
    plan_update,
    same_content,
    scan_corpus,
    store_for,
    unchanged,
)

CACHE_APP = "newsbot"


def default_cache_dir(corpus: Path) -> Path:
    """Where a corpus's index is kept when no cache directory is configured: one directory per
    corpus, ``$XDG_CACHE_HOME/newsbot/<corpus name>-<hash of its absolute path>`` (``~/.cache`` when
    XDG_CACHE_HOME is unset), so two corpora never share (and evict) one index."""
    absolute = Path(os.path.abspath(Path(corpus).expanduser()))
    digest = hashlib.sha256(str(absolute).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        root = Path(xdg)
    else:
        try:
            root = Path.home() / ".cache"
        except RuntimeError:  # no home directory at all
            root = Path(tempfile.gettempdir()) / f"{CACHE_APP}-{os.getuid()}"
    name = absolute.name or "corpus"
    return root / CACHE_APP / f"{name}-{digest}"


def open_index(
    corpus: Path,
    cache_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    lock_timeout: float | None = None,
    merge: bool = True,
    workers: int | None = None,
) -> tuple[IndexData, BuildReport | None]:
    """The index of the corpus, up to date: loaded when the corpus is what the current commit says,
    else updated (new and changed files indexed, removed ones deleted) or, when there is no usable
    index, built. Returns the snapshot and the report of what was indexed (None when nothing was).

    ``lock_timeout``: seconds to wait for another writer (default 60), then IndexLockedError naming
    it. ``merge``: start merging segments in a background thread when the policy asks for it.
    Calling it again in the same process (a service's refresh) reuses what is loaded and returns the
    same snapshot object when nothing changed."""
    say = warn or (lambda _message: None)
    corpus = Path(corpus)
    cache_dir = Path(cache_dir)
    scanned = scan_corpus(corpus)
    store = store_for(cache_dir)
    reason: str | None = None
    if not force:
        with store.lock:
            if store.memory is not None:  # this process serves an index it could not write
                return _in_memory(store, corpus, cache_dir, scanned, progress=progress, warn=say, workers=workers)
        commit, reason = _usable(cache_dir)
        if commit is not None and (unchanged(commit, scanned) or same_content(commit, scanned)):
            try:
                data = store.snapshot(commit)
            except IndexFileError as exc:
                reason = f"index in {cache_dir} is unusable ({exc}); rebuilding"
            else:
                if not unchanged(commit, scanned):
                    data = _record_stats(store, corpus, cache_dir, scanned, data)
                _found(data, corpus, cache_dir, store, merge, lock_timeout)
                return data, None
    try:
        with WriterLock(cache_dir, timeout=lock_timeout, say=say):
            data, report = _write(store, corpus, cache_dir, scanned, force=force, reason=reason, progress=progress,
                                  warn=say, workers=workers)
    except CacheNotWritableError as exc:
        return _in_memory(store, corpus, cache_dir, scanned, progress=progress, warn=say, workers=workers,
                          why=exc.strerror or str(exc))
    _found(data, corpus, cache_dir, store, merge, lock_timeout)
    return data, report


def add_files(
    corpus: Path,
    cache_dir: Path,
    paths: Sequence[Path],
    *,
    warn: Callable[[str], None] | None = None,
    lock_timeout: float | None = None,
    merge: bool = True,
    workers: int | None = None,
) -> tuple[IndexData, BuildReport | None]:
    """Index new files just put in the corpus folder (``paths``), looking at no other file: what
    ``newsbot add`` and the live poller do after writing articles. When the files are new to the
    index and sort after every file it has (the live corpus names articles by date), only they are
    stat'ed and read, and the commit adds a part of the file list for them: no step grows with the
    files already indexed. Otherwise (a file the index has, one sorting earlier, no usable index, a
    cache that cannot be written) this is ``open_index``, which looks at every file. Files of the
    folder that are not named are picked up by the next ``open_index`` / ``refresh_index``."""
    say = warn or (lambda _message: None)
    corpus = Path(corpus)
    cache_dir = Path(cache_dir)
    store = store_for(cache_dir)
    new = _new_files(corpus, paths)
    added: tuple[IndexData, BuildReport | None] | None = None
    if new is not None and store.memory is None:
        try:
            with WriterLock(cache_dir, timeout=lock_timeout, say=say):
                commit, _ = _usable(cache_dir)
                if commit is not None and commit.files and commit.corpus == str(corpus) and (
                        new[0].name > commit.files[-1].name):
                    try:
                        lives, lexicon = store.load(commit)
                    except IndexFileError:
                        pass  # rebuilt by open_index below
                    else:
                        update = plan_update(commit, lives, lexicon, new, corpus=corpus,
                                             generation=next_generation(cache_dir, commit), workers=workers,
                                             seen=store.ids_read(commit), appending=True)
                        persist(update, cache_dir, store)
                        store.learn_ids(update)
                        with contextlib.suppress(OSError):
                            remove_stale(cache_dir, update.commit)
                        added = _publish(store, update, commit)
        except CacheNotWritableError:
            pass  # served from memory by open_index, with its one warning
    if added is not None:
        _found(added[0], corpus, cache_dir, store, merge, lock_timeout)  # the lock released, as open_index does
        return added
    return open_index(corpus, cache_dir, warn=warn, lock_timeout=lock_timeout, merge=merge, workers=workers)


def _new_files(corpus: Path, paths: Sequence[Path]) -> list[ScannedFile] | None:
    """The named files as a scan of the folder would list them (name order), or None when one is not
    a regular corpus file directly in the folder (then the whole folder is looked at)."""
    if not corpus.is_dir() or not paths:
        return None
    out = {}
    folder = os.path.realpath(corpus)
    for path in paths:
        name = Path(path).name
        if not is_corpus_name(name) or os.path.dirname(os.path.realpath(corpus / name)) != folder:
            return None
        try:
            st = (corpus / name).stat()
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        out[name] = ScannedFile(name, str(corpus / name), st)
    return [out[name] for name in sorted(out)]


def refresh_index(data: IndexData, *, warn: Callable[[str], None] | None = None,
                  lock_timeout: float | None = None) -> tuple[IndexData, BuildReport | None]:
    """For a running service: the newest snapshot of the index ``data`` came from — ``data`` itself
    when neither the corpus nor the commit changed (a stat per corpus file and one read of the
    pointer), else a new snapshot sharing the segments already loaded (the corpus's new files are
    indexed first, as by open_index). A question in flight keeps the snapshot it started with."""
    if data.corpus is None or data.cache_dir is None:
        raise ValueError("this snapshot does not know its corpus and cache directory")
    return open_index(data.corpus, data.cache_dir, warn=warn, lock_timeout=lock_timeout)


def _record_stats(store: Store, corpus: Path, cache_dir: Path, scanned: list[ScannedFile], data: IndexData
                  ) -> IndexData:
    """Files touched or copied (new stat, same content): a commit with their new stat spares the next
    open from hashing them again, when the cache can be written and no writer is busy; else the
    snapshot is served as it is."""
    try:
        with WriterLock(cache_dir, blocking=False):
            newer, _ = _write(store, corpus, cache_dir, scanned, force=False, reason=None, progress=None,
                              warn=lambda _m: None, workers=None)
            return newer
    except (IndexLockedError, CacheNotWritableError, OSError):
        return data


def _usable(cache_dir: Path) -> tuple[Commit | None, str | None]:
    """The current commit if it can be updated, else (None, why a rebuild is needed)."""
    try:
        commit = read_current(cache_dir)
    except IndexFileError as exc:
        return None, f"index in {cache_dir} is unusable ({exc}); rebuilding"
    if commit is None:
        return None, None
    why = mismatch(commit)
    if why:
        return None, f"{why} since the index was built; rebuilding"
    return commit, None


def _found(data: IndexData, corpus: Path, cache_dir: Path, store: Store, merge: bool,
           lock_timeout: float | None) -> None:
    data.corpus = corpus
    data.cache_dir = cache_dir
    if needs_tidying(cache_dir):  # what a killed writer left, removed when no writer is busy
        with contextlib.suppress(IndexLockedError, CacheNotWritableError, OSError, IndexFileError):
            with WriterLock(cache_dir, blocking=False):
                commit = read_current(cache_dir)
                if commit is not None:
                    remove_stale(cache_dir, commit)
    if merge:
        start_merging(cache_dir, store, lock_timeout=lock_timeout)


def _write(
    store: Store, corpus: Path, cache_dir: Path, scanned: list[ScannedFile], *, force: bool, reason: str | None,
    progress: Progress | None, warn: Callable[[str], None], workers: int | None,
) -> tuple[IndexData, BuildReport | None]:
    """Under the writer's lock: update the current commit, or build anew."""
    commit: Commit | None = None
    lives: dict[str, LiveSegment] = {}
    lexicon = Lexicon.empty()
    if not force:
        commit, reason = _usable(cache_dir)  # another writer may have committed while we waited
        if commit is not None:
            try:
                if unchanged(commit, scanned):
                    return store.snapshot(commit), None
                lives, lexicon = store.load(commit)
            except IndexFileError as exc:
                reason = f"index in {cache_dir} is unusable ({exc}); rebuilding"
                commit, lives, lexicon = None, {}, Lexicon.empty()
    if reason:
        warn(reason)
    update = plan_update(commit, lives, lexicon, scanned, corpus=corpus,
                         generation=next_generation(cache_dir, commit), progress=progress, workers=workers,
                         seen=store.ids_read(commit))
    persist(update, cache_dir, store)
    store.learn_ids(update)
    with contextlib.suppress(OSError):
        remove_stale(cache_dir, update.commit)
    return _publish(store, update, commit)


def _publish(store: Store, update: Update, previous: Commit | None) -> tuple[IndexData, BuildReport | None]:
    with store.lock:
        prior = store.last[1] if store.last is not None else None
        data = snapshot_of(update.commit, update.lives, update.lexicon, prior)
        store.last = (update.commit, data)
        if store.cache_dir is not None and store.memory is None:
            store.forget_unused(update.commit)
    report = update.report
    if previous is not None and previous.content_id == update.commit.content_id:
        return data, None  # only stat changed (a file touched, copied back): nothing indexed
    report.articles = len(data.articles)
    report.sentences = data.n_chunks
    report.quotable = int(data.quotable.sum())
    return data, report


def _in_memory(
    store: Store, corpus: Path, cache_dir: Path, scanned: list[ScannedFile], *, progress: Progress | None,
    warn: Callable[[str], None], workers: int | None, why: str | None = None,
) -> tuple[IndexData, BuildReport | None]:
    """Build or update the index in memory only (the cache directory cannot be written)."""
    with store.lock:
        base = store.memory
        if base is None:
            warn(f"cannot write the index cache {cache_dir} ({why or 'not writable'}); the index is built in "
                 "memory and not kept: set NEWSBOT_CACHE_DIR to a writable directory")
            commit, _ = _usable(cache_dir)  # a read-only cache may still hold an index to start from
            lives: dict[str, LiveSegment] = {}
            lexicon = Lexicon.empty()
            if commit is not None:
                try:
                    lives, lexicon = store.load(commit)
                except IndexFileError:
                    commit, lives, lexicon = None, {}, Lexicon.empty()
        else:
            commit, lives, lexicon = base.commit, base.lives, base.lexicon
            if unchanged(commit, scanned) and store.last is not None:
                return store.last[1], None
        update = plan_update(commit, lives, lexicon, scanned, corpus=corpus,
                             generation=(commit.generation + 1) if commit else 1, progress=progress, workers=workers)
        store.memory = update
        data, report = _publish(store, update, commit)
        data.corpus = corpus
        data.cache_dir = cache_dir
        return data, report
