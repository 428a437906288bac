"""The persisted index: building it (in worker processes for large corpora), saving and loading it,
checking its integrity, and the cache that rebuilds it when the corpus changes."""

from ._build import build_index
from ._cache import POINTER, default_cache_dir, describe_changes, expected_identity, open_index
from ._files import load_index, save_index
from ._model import ArticleRecord, BuildReport, IndexData, Progress

__all__ = [
    "POINTER",
    "ArticleRecord",
    "BuildReport",
    "IndexData",
    "Progress",
    "build_index",
    "default_cache_dir",
    "describe_changes",
    "expected_identity",
    "load_index",
    "open_index",
    "save_index",
]
