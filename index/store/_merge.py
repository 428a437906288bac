"""Merges: fewer, larger segments, in the background, never blocking questions or writers for long.

Policy, in one sentence: whenever a size tier (segments of 10^k to 10^(k+1) - 1 live sentences)
holds more than 10 segments, its 10 smallest are merged into one; a segment more than half of whose
sentences are deleted is rewritten alone, when the rewrite can drop some (a file it holds is no longer
the current one; articles shadowed by a duplicate id in an earlier file are copied, not dropped).

A merge copies the segments' current files (text, offsets, term ids; no re-analysis) into a new
segment written under a temporary name, without the writer's lock; then, with the lock, it checks
that the segments it read are still in the newest commit and still hold the same files, renames its
segment into place and commits. Which of the merged articles are live is taken from the segments
they were copied from (a merge changes where articles are, not which are live), so committing a
merge reads no other file's ids. Questions keep their snapshot meanwhile; a crash at any point leaves
the last commit as it was (the new segment becomes visible only through a new commit, and the next
writer removes a dead merge's temporary directory). One merge at a time per cache directory
(``.merge.lock``)."""

from __future__ import annotations

import bisect
import logging
import shutil
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import IndexFileError, IndexLockedError
from ..bm25 import FieldPostings
from ._commit import SEGMENT_PREFIX, Commit, SegmentEntry, read_current, remove_stale, tmp_dir_name
from ._lock import MERGE_LOCK, CacheNotWritableError, WriterLock
from ._segment import SEGMENT_ARRAYS, RecordTable, Segment, SegmentFile, article_token_stream
from ._snapshot import LiveSegment
from ._writer import Store, Update, liveness, next_generation, persist

log = logging.getLogger(__name__)

MAX_PER_TIER = 10


def tier(n_live: int) -> int:
    """The size tier of a segment: floor(log10(live sentences))."""
    return len(str(max(int(n_live), 1))) - 1


def pick_merge(segments: list[SegmentEntry], max_per_tier: int = MAX_PER_TIER) -> list[str] | None:
    """The segments to merge next under the policy (smallest tier first), or None."""
    by_tier: dict[int, list[SegmentEntry]] = defaultdict(list)
    for entry in segments:
        by_tier[tier(entry.n_live)].append(entry)
    for t in sorted(by_tier):
        group = by_tier[t]
        if len(group) > max_per_tier:
            return [e.name for e in sorted(group, key=lambda e: (e.n_live, e.name))[: max(max_per_tier, 2)]]
    for entry in segments:
        if entry.n_live * 2 < entry.n_chunks:
            return [entry.name]
    return None


def gather_segment(name: str, parts: list[tuple[Segment, list[int]]]) -> Segment:
    """A new segment holding the given files (positions in each segment's file list), in name order,
    copied as they are: records, sentences, texts, term ids, acronyms; postings rebuilt."""
    blocks = sorted(((seg.files[j].name, p, j) for p, (seg, keep) in enumerate(parts) for j in keep))
    files: list[SegmentFile] = []
    columns: dict[str, list[Any]] = {c: [] for c in RecordTable.COLUMNS}
    firsts: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    acronyms: list[tuple[int, str, str, int]] = []
    pieces: dict[str, list[np.ndarray]] = {key: [] for key in SEGMENT_ARRAYS}
    n_art = n_chunk = n_bytes = n_tok = n_head = 0
    for _, p, j in blocks:
        seg = parts[p][0]
        sf = seg.files[j]
        a = seg.arrays
        lo, hi = sf.lo, sf.hi
        first, count = seg.record_arrays()
        c0 = int(first[lo]) if hi > lo else 0
        c1 = int(first[hi - 1] + count[hi - 1]) if hi > lo else 0
        files.append(SegmentFile(sf.name, sf.digest, n_art, n_art + hi - lo))
        for c in RecordTable.COLUMNS:
            columns[c] += seg.records.columns[c][lo:hi]
        firsts.append(first[lo:hi] - c0 + n_chunk)
        counts.append(count[lo:hi])
        keys = [entry[0] for entry in seg.acronyms]
        for entry in seg.acronyms[bisect.bisect_left(keys, lo) : bisect.bisect_left(keys, hi)]:
            acronyms.append((entry[0] - lo + n_art, entry[1], entry[2], entry[3]))
        for key in ("chunk_start", "chunk_end", "chunk_kind", "quotable"):
            pieces[key].append(a[key][c0:c1])
        pieces["chunk_article"].append(a["chunk_article"][c0:c1] - lo + n_art)
        to, tp, hp = a["text_offsets"], a["tokptr"], a["head_ptr"]
        pieces["text_offsets"].append(to[c0:c1] - to[c0] + n_bytes)
        pieces["text_blob"].append(a["text_blob"][to[c0] : to[c1]])
        pieces["tokptr"].append(tp[c0:c1] - tp[c0] + n_tok)
        pieces["tokens"].append(a["tokens"][tp[c0] : tp[c1]])
        pieces["head_ptr"].append(hp[lo:hi] - hp[lo] + n_head)
        pieces["head_tokens"].append(a["head_tokens"][hp[lo] : hp[hi]])
        n_art += hi - lo
        n_chunk += c1 - c0
        n_bytes += int(to[c1] - to[c0])
        n_tok += int(tp[c1] - tp[c0])
        n_head += int(hp[hi] - hp[lo])
    records = RecordTable(columns, np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64),
                          np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64))
    pieces["text_offsets"].append(np.array([n_bytes], dtype=np.int64))
    pieces["tokptr"].append(np.array([n_tok], dtype=np.int64))
    pieces["head_ptr"].append(np.array([n_head], dtype=np.int64))
    arrays = {key: np.concatenate(parts_).astype(dtype, copy=False) if parts_ else np.zeros(0, dtype=dtype)
              for (key, dtype), parts_ in zip(SEGMENT_ARRAYS.items(), pieces.values(), strict=True)}
    sentences = FieldPostings.build(arrays["tokens"], np.diff(arrays["tokptr"]))
    article_tokens, article_lengths = article_token_stream(arrays, records.first_chunks, records.chunk_counts)
    fields = {"sentences": sentences, "articles": FieldPostings.build(article_tokens, article_lengths)}
    segment = Segment(name, files, records, arrays, fields, acronyms, max(seg.n_terms for seg, _ in parts),
                      _article_tokens=article_tokens)
    segment.check()
    return segment


def merge_once(cache_dir: Path, store: Store, *, lock_timeout: float | None = None,
               max_per_tier: int = MAX_PER_TIER) -> bool:
    """Do the next merge the policy asks for, if any (and no other merge runs); True when one was
    committed. Nothing is locked, let alone written, when the policy asks for nothing."""
    try:
        commit = read_current(cache_dir)
    except IndexFileError:
        return False
    if commit is None or not pick_merge(commit.segments, max_per_tier):
        return False
    try:
        with WriterLock(cache_dir, name=MERGE_LOCK, blocking=False):
            return _merge(cache_dir, store, lock_timeout, max_per_tier)
    except IndexLockedError:
        return False


def _merge(cache_dir: Path, store: Store, lock_timeout: float | None, max_per_tier: int) -> bool:
    commit = read_current(cache_dir)
    if commit is None:
        return False
    names = pick_merge(commit.segments, max_per_tier)
    if not names:
        return False
    lives, _ = store.load(commit)

    def current_files(name: str) -> list[int]:
        segment = lives[name].segment
        mapped = {f.name for f in commit.files if f.segment == name}
        return [j for j, f in enumerate(segment.files) if f.name in mapped]

    if len(names) == 1:
        # a lone rewrite drops the files a segment holds that are no longer current; one that would
        # copy them all (its deleted articles are duplicates shadowed by earlier files, which a copy
        # keeps) would only start again: the next segment that can shrink is rewritten, or none
        names = next(([e.name] for e in commit.segments if e.n_live * 2 < e.n_chunks
                      and len(current_files(e.name)) < len(lives[e.name].segment.files)), [])
        if not names:
            return False
    parts = [(lives[name].segment, current_files(name)) for name in names]
    merged_name = f"{SEGMENT_PREFIX}{commit.generation:06d}m-{uuid.uuid4().hex[:8]}"
    merged = gather_segment(merged_name, parts)
    tmp = cache_dir / tmp_dir_name(uuid.uuid4().hex[:8])
    try:
        merged.save(tmp)
        with WriterLock(cache_dir, timeout=lock_timeout):
            latest = read_current(cache_dir)
            if latest is None or not _still_there(latest, names, merged):
                return False
            _commit_merge(cache_dir, store, latest, names, merged, tmp)
            return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _still_there(latest: Commit, names: list[str], merged: Segment) -> bool:
    """The merged segments are all in the newest commit, holding the files the merge copied."""
    current = {e.name for e in latest.segments}
    if not set(names) <= current:
        return False
    copied = {f.name: f.digest for f in merged.files}
    mapped = {f.name: f.digest for f in latest.files if f.segment in names}
    return copied == mapped


def _live_as_before(latest: Commit, names: list[str], lives: dict[str, LiveSegment], merged: Segment
                    ) -> np.ndarray | None:
    """Which of the merged segment's articles are live: those that were, file by file, in the
    segments it copied (None if a file is not where the commit says)."""
    was_in = {f.name: f.segment for f in latest.files if f.segment in names}
    mask = np.zeros(merged.n_articles, dtype=bool)
    for sf in merged.files:
        old = lives.get(str(was_in.get(sf.name)))
        osf = old.segment.file_named(sf.name) if old is not None else None
        if old is None or osf is None or osf.hi - osf.lo != sf.hi - sf.lo:
            return None
        mask[sf.lo : sf.hi] = True if old.live is None else old.live[osf.lo : osf.hi]
    return mask


def _commit_merge(cache_dir: Path, store: Store, latest: Commit, names: list[str], merged: Segment,
                  tmp: Path) -> None:
    lives, lexicon = store.load(latest)
    files = [f.with_segment(merged.name) if f.segment in names else f for f in latest.files]
    # a merge changes where articles are, not which are live: the merged segment's articles are as
    # live as they were in the segments it copied them from (no need to read every file's ids again)
    mask = _live_as_before(latest, names, lives, merged)
    if mask is None:  # pragma: no cover - _still_there checked that the files are where they were
        segments = {n: live.segment for n, live in lives.items() if n not in names}
        segments[merged.name] = merged
        masks, duplicates, _ = liveness(files, segments)
        mask = masks[merged.name]
    else:
        duplicates = list(latest.duplicates)
    new_lives = {n: live for n, live in lives.items() if n not in names}
    state = LiveSegment.of(merged, mask)
    new_lives[merged.name] = state
    entries: list[SegmentEntry] = []
    placed = False
    for entry in latest.segments:  # the merged segment where the first of its parts was
        if entry.name not in names:
            entries.append(entry)
        elif not placed:
            entries.append(SegmentEntry(merged.name, "", merged.n_chunks, state.n_live_chunks()))
            placed = True
    commit = Commit(
        generation=next_generation(cache_dir, latest), content_id=latest.content_id, analyzer=latest.analyzer,
        bm25=latest.bm25, corpus=latest.corpus, lexicon=latest.lexicon, lexicon_checksums=latest.lexicon_checksums,
        segments=entries, files=files, duplicates=duplicates, built_at=latest.built_at,
        lexicon_parts=list(latest.lexicon_parts),
    )
    update = Update(commit, new_lives, lexicon, new_segment=merged,
                    new_deletes={merged.name: state} if state.live is not None else {})
    persist(update, cache_dir, store, tmp=tmp)
    remove_stale(cache_dir, commit)
    log.info("merged %d segments into %s (%d sentences)", len(names), merged.name, merged.n_chunks)


# ---------------------------------------------------------------------------------- background


_mergers: dict[str, threading.Thread] = {}
_mergers_lock = threading.Lock()


def start_merging(cache_dir: Path, store: Store, *, lock_timeout: float | None = None,
                  on_commit: Callable[[], None] | None = None) -> threading.Thread | None:
    """Merge in a daemon thread until the policy asks for nothing more (one thread per directory);
    the thread, or None when one is already running."""
    key = str(cache_dir.resolve())
    with _mergers_lock:
        running = _mergers.get(key)
        if running is not None and running.is_alive():
            return None

        def run() -> None:
            try:
                while merge_once(cache_dir, store, lock_timeout=lock_timeout):
                    if on_commit is not None:
                        on_commit()
            except (IndexFileError, CacheNotWritableError, OSError) as exc:
                log.warning("merging segments in %s failed: %s", cache_dir, exc)

        thread = threading.Thread(target=run, name="index-merge", daemon=True)
        _mergers[key] = thread
        thread.start()
        return thread


def wait_for_merges(timeout: float | None = None) -> bool:
    """Wait for this process's background merges; True when none is running any more."""
    with _mergers_lock:
        threads = list(_mergers.values())
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)
