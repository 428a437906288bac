"""An index built in memory saved as a cache directory (one commit), and a cache directory's current
commit loaded as it is, with every file verified: for tests, benchmarks and tools; the bot goes
through open_index."""

from __future__ import annotations

from pathlib import Path

from .._errors import IndexFileError
from ._commit import Commit, read_current, remove_stale
from ._lock import WriterLock
from ._snapshot import IndexData, LiveSegment
from ._writer import Store, Update, next_generation, persist


def save_index(data: IndexData, directory: Path) -> None:
    """Write a snapshot made in memory (build_index: one segment, nothing deleted) into a cache
    directory as its new current commit."""
    if len(data.segments) != 1:
        raise ValueError("save_index writes an index built in memory (one segment)")
    directory.mkdir(parents=True, exist_ok=True)
    segment = data.segments[0]
    with WriterLock(directory):
        commit = Commit.from_json(data.manifest)
        commit.generation = next_generation(directory, None)
        update = Update(commit, {segment.name: LiveSegment.of(segment, None)}, data.lexicon, new_segment=segment,
                        lexicon_changed=True)
        persist(update, directory, Store(directory))
        remove_stale(directory, update.commit)


def load_index(directory: Path, *, verify: bool = True) -> IndexData:
    """The current commit of a cache directory, loaded by a store of its own (every file verified
    when verify); IndexFileError when there is none or it is unusable."""
    store = Store(directory)
    store.verify = verify
    commit = read_current(directory)
    if commit is None:
        raise IndexFileError(f"no index in {directory}")
    return store.snapshot(commit)
