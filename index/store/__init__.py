"""The persisted index: immutable segments, one commit point, snapshots that see them as one index,
updates that index only what changed, background merges, and the writer's lock."""

from ._build import build_index
from ._cache import add_files, default_cache_dir, open_index, refresh_index
from ._commit import POINTER, Commit, read_current
from ._files import load_index, save_index
from ._lock import DEFAULT_LOCK_TIMEOUT
from ._merge import MAX_PER_TIER, merge_once, pick_merge, start_merging, wait_for_merges
from ._model import ArticleRecord, BuildReport, Progress
from ._snapshot import IndexData
from ._writer import describe_changes, file_digest, store_for

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "MAX_PER_TIER",
    "POINTER",
    "ArticleRecord",
    "BuildReport",
    "Commit",
    "IndexData",
    "Progress",
    "add_files",
    "build_index",
    "default_cache_dir",
    "describe_changes",
    "file_digest",
    "load_index",
    "merge_once",
    "open_index",
    "pick_merge",
    "read_current",
    "refresh_index",
    "save_index",
    "start_merging",
    "store_for",
    "wait_for_merges",
]
