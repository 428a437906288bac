"""A saved index on disk: the chunk arrays as .npy, the article records, acronyms and vocabulary as
JSON (never pickle), each BM25 scorer in a subdirectory, and a manifest, written last, that lists
every file with its size and checksum. Loading memory-maps the arrays."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np

from .._atomic import atomic_write_json
from .._errors import IndexFileError
from ..bm25 import BM25Scorer
from ._integrity import Verifier, check_consistent, check_sizes, file_checksum
from ._model import FORMAT_VERSION, ArticleRecord, IndexData

ARRAYS = ("chunk_article", "chunk_start", "chunk_end", "chunk_kind", "quotable", "text_offsets", "text_blob")


def save_index(data: IndexData, directory: Path) -> None:
    """Write every file, checksums in the manifest last; callers write into a fresh directory."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name in ARRAYS:
        np.save(directory / f"{name}.npy", getattr(data, name), allow_pickle=False)
    (directory / "sentences").mkdir(exist_ok=True)
    (directory / "headlines").mkdir(exist_ok=True)
    sentences_meta = data.sentences.save(directory / "sentences")
    headlines_meta = data.headlines.save(directory / "headlines")
    with open(directory / "articles.json", "w", encoding="utf-8") as handle:
        json.dump([r.to_json() for r in data.articles], handle, ensure_ascii=False)
    with open(directory / "acronyms.json", "w", encoding="utf-8") as handle:
        json.dump(data.acronyms, handle, ensure_ascii=False, sort_keys=True)
    with open(directory / "vocabulary.json", "w", encoding="utf-8") as handle:
        json.dump(data.vocabulary, handle, ensure_ascii=False)
    sizes: dict[str, int] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            rel = str(path.relative_to(directory))
            sizes[rel] = path.stat().st_size
            files[rel] = file_checksum(path, sizes[rel])
    manifest = dict(data.manifest)
    manifest.update(
        {"sentences": sentences_meta, "headlines": headlines_meta, "checksums": files, "sizes": sizes,
         "n_chunks": data.n_chunks}
    )
    atomic_write_json(directory / "manifest.json", manifest)
    data.manifest = manifest


def load_index(directory: Path, *, verify: bool = True) -> IndexData:
    """Load a saved index memory-mapped; anything missing, corrupt or inconsistent is IndexFileError.

    With verify, every file's size is checked first, then its checksum in a background thread while
    this one parses the JSON files (a 1M-sentence index is ~400 MB: reading it all takes about as
    long as parsing its 40 MB of article records); a mismatch is raised before anything is returned."""
    verifier: Verifier | None = None
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise IndexFileError(f"index format is not {FORMAT_VERSION}")
        if verify:
            check_sizes(directory, manifest)
            verifier = Verifier(directory, manifest)
        # plain read-only ndarray views of the maps: np.memmap's Python-level __getitem__ costs ~1 µs
        # per scalar look-up, and an answer does thousands (chunk_text, chunk_article, ...)
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
                  for name in ARRAYS}
        raw_articles = json.loads((directory / "articles.json").read_text(encoding="utf-8"))
        articles = _article_records(raw_articles)
        acronyms = json.loads((directory / "acronyms.json").read_text(encoding="utf-8"))
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        if not isinstance(vocabulary, list) or not isinstance(acronyms, dict):
            raise IndexFileError("vocabulary or acronyms file has the wrong shape")
        sentences = BM25Scorer.load(directory / "sentences", manifest["sentences"])
        headlines = BM25Scorer.load(directory / "headlines", manifest["headlines"])
    except IndexFileError:
        if verifier is not None:
            verifier.result()  # a checksum mismatch says more than what it broke
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if verifier is not None:
            verifier.result()
        raise IndexFileError(f"unreadable index in {directory}: {exc}") from None
    if verifier is not None:
        verifier.result()
    data = IndexData(manifest=manifest, articles=articles, sentences=sentences, headlines=headlines,
                     acronyms=acronyms, vocabulary=vocabulary, **arrays)
    check_consistent(data)
    return data


_RECORD_FIELDS = frozenset(ArticleRecord.__dataclass_fields__)


def _article_records(raw: object) -> list[ArticleRecord]:
    """ArticleRecords from articles.json; the frozen dataclass's __init__ is bypassed (3x faster on
    170k records) when an item has exactly its fields, else it does the checking."""
    if not isinstance(raw, list):
        raise IndexFileError("articles file has the wrong shape")
    new = object.__new__
    records: list[ArticleRecord] = []
    append = records.append
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects, none of them garbage
    try:
        for item in raw:
            if isinstance(item, dict) and item.keys() == _RECORD_FIELDS:
                record = new(ArticleRecord)
                record.__dict__.update(item)
                append(record)
            else:
                append(ArticleRecord(**item))
    finally:
        if gc_was_enabled:
            gc.enable()
    return records
