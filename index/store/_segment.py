"""A segment: the articles of some corpus files, cleaned, split, analyzed and indexed, never changed.

A new or changed corpus file's articles go into a new segment; a merge copies the files several
segments hold for the current commit into one. A segment holds everything a snapshot needs of its
articles, with *local* ids (articles and sentences numbered from 0 within the segment, files laid
out in name order):

* the article records, by column (``RecordTable``), and per file its name, digest and article range;
* the sentences: offsets, kind, quotable flag, UTF-8 text, and their analyzed terms as global
  term ids (``tokens``/``tokptr``), which ranking reads instead of re-analyzing text;
* each headline's terms (``head_tokens``/``head_ptr``);
* two BM25 fields of raw frequencies (``FieldPostings``): sentences, and articles (headline terms
  then the terms of every sentence, for article-level evidence);
* acronym definitions per article.

On disk: a directory of ``.npy`` files (never pickle) and JSON, with ``segment.json`` written last
listing every file's size and checksum; it is written under a temporary name and renamed whole. A
small segment (an add's, a small merge's: up to ``PACK_MAX_BYTES``) keeps the same arrays and
texts in one uncompressed ``segment.npz`` (format 5), so that making it durable takes two fsyncs,
not 34; a large one keeps one file per array, memory-mapped when loaded."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import fsync_dir
from .._errors import IndexFileError
from ..articles import Article
from ..bm25 import FieldPostings, Lexicon
from ..text import MIN_QUOTABLE_WORDS
from ._integrity import Verifier, check_sizes, file_checksum
from ._model import ArticleRecord, LazyRecords, Progress
from ._workers import processed_batches, worker_count

SEGMENT_FORMAT = 4  # 4: articles carry date_source
PACKED_FORMAT = 5  # format 4's arrays and texts in one segment.npz
PACK = "segment.npz"
PACK_MAX_BYTES = 4 << 20  # segments up to this size are packed (read whole when loaded)
META = "segment.json"
SEGMENT_ARRAYS: dict[str, np.dtype] = {
    "chunk_article": np.dtype(np.int32),  # local article of each sentence
    "chunk_start": np.dtype(np.int32),  # offsets into the article's cleaned text
    "chunk_end": np.dtype(np.int32),
    "chunk_kind": np.dtype(np.int8),  # KIND_CODES
    "quotable": np.dtype(np.bool_),
    "text_offsets": np.dtype(np.int64),  # byte offsets of sentence texts in text_blob (n + 1)
    "text_blob": np.dtype(np.uint8),
    "tokens": np.dtype(np.int32),  # each sentence's terms (global ids), sentences back to back
    "tokptr": np.dtype(np.int64),  # (n + 1)
    "head_tokens": np.dtype(np.int32),  # each headline's terms
    "head_ptr": np.dtype(np.int64),  # (articles + 1)
}
FIELDS = ("sentences", "articles")
_FIELD_PREFIX = {"sentences": "s_", "articles": "a_"}


@dataclass(frozen=True)
class SegmentFile:
    """One corpus file's part of a segment."""

    name: str
    digest: str
    lo: int  # local article range [lo, hi)
    hi: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "digest": self.digest, "articles": [self.lo, self.hi]}

    @classmethod
    def from_json(cls, raw: Any) -> SegmentFile:
        lo, hi = raw["articles"]
        return cls(str(raw["name"]), str(raw["digest"]), int(lo), int(hi))


class RecordTable(LazyRecords):
    """A segment's article records kept by column (JSON lists of strings parse several times faster
    than a list of objects, and most records are never read); a record is made when first read."""

    COLUMNS = ("article_id", "title", "outlet", "url", "published", "origin", "title_from_body", "date_source")

    def __init__(self, columns: dict[str, list[Any]], first: np.ndarray, count: np.ndarray) -> None:
        n = first.shape[0]
        if count.shape != (n,) or any(len(columns[c]) != n for c in self.COLUMNS):
            raise IndexFileError("article columns of different lengths")
        self.columns = columns
        self.first_chunks = first  # int64, first sentence of each article (local)
        self.chunk_counts = count  # int64, its sentence count
        self._made: list[ArticleRecord | None] = [None] * n

    @classmethod
    def from_records(cls, records: list[ArticleRecord]) -> RecordTable:
        columns = {c: [getattr(r, c) for r in records] for c in cls.COLUMNS}
        first = np.fromiter((r.first_chunk for r in records), dtype=np.int64, count=len(records))
        count = np.fromiter((r.n_chunks for r in records), dtype=np.int64, count=len(records))
        table = cls(columns, first, count)
        table._made = list(records)
        return table

    def ids(self) -> list[str]:
        return self.columns["article_id"]

    def __len__(self) -> int:
        return self.first_chunks.shape[0]

    def _one(self, i: int) -> ArticleRecord:
        made = self._made[i]
        if made is None:
            c = self.columns
            made = self._made[i] = ArticleRecord(
                c["article_id"][i], c["title"][i], c["outlet"][i], c["url"][i], c["published"][i], c["origin"][i],
                int(self.first_chunks[i]), int(self.chunk_counts[i]), bool(c["title_from_body"][i]),
                c["date_source"][i])
        return made


@dataclass
class Segment:
    """An immutable segment, in memory (just built) or memory-mapped from its directory."""

    name: str
    files: list[SegmentFile]
    records: RecordTable  # first_chunk local to the segment
    arrays: dict[str, np.ndarray]  # SEGMENT_ARRAYS
    fields: dict[str, FieldPostings]  # "sentences", "articles"
    acronyms: list[tuple[int, str, str, int]]  # (local article, acronym, phrase, count)
    n_terms: int  # the term table must hold at least this many ids
    directory: Path | None = None
    _article_tokens: np.ndarray | None = field(default=None, repr=False)
    _files_by_name: dict[str, SegmentFile] | None = field(default=None, repr=False)

    @property
    def n_articles(self) -> int:
        return len(self.records)

    @property
    def n_chunks(self) -> int:
        return int(self.arrays["chunk_article"].shape[0])

    def file_named(self, name: str) -> SegmentFile | None:
        """The segment's part of the corpus file of that name (None when it holds none)."""
        if self._files_by_name is None:
            self._files_by_name = {f.name: f for f in self.files}
        return self._files_by_name.get(name)

    def record_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(first sentence, sentence count) of each article, as arrays."""
        return self.records.first_chunks, self.records.chunk_counts

    def chunk_text(self, i: int) -> str:
        offsets = self.arrays["text_offsets"]
        start, end = int(offsets[i]), int(offsets[i + 1])
        return bytes(self.arrays["text_blob"][start:end]).decode("utf-8")

    def chunk_tokens(self, i: int) -> np.ndarray:
        ptr = self.arrays["tokptr"]
        return self.arrays["tokens"][int(ptr[i]) : int(ptr[i + 1])]

    def tokens_of(self, field_name: str) -> np.ndarray:
        """The field's token stream (documents back to back), as its postings were built from."""
        if field_name == "sentences":
            return self.arrays["tokens"]
        if self._article_tokens is None:
            self._article_tokens = article_token_stream(self.arrays, *self.record_arrays())[0]
        return self._article_tokens

    def file_token_starts(self, field_name: str) -> np.ndarray:
        """Where each file's documents start in the field's token stream (int64, one per file)."""
        lo = np.asarray([f.lo for f in self.files], dtype=np.int64)
        if field_name == "articles":
            starts = np.concatenate(([0], np.cumsum(self.fields["articles"].lengths, dtype=np.int64)))
            return starts[lo]
        first_chunks = np.asarray([int(self.records.first_chunks[f.lo]) if f.lo < f.hi else -1 for f in self.files],
                                  dtype=np.int64)
        tokptr = self.arrays["tokptr"]
        # a file without articles starts where the next one does (it never holds a first occurrence)
        out = np.empty(len(self.files), dtype=np.int64)
        nxt = int(tokptr[-1])
        for j in range(len(self.files) - 1, -1, -1):
            if first_chunks[j] >= 0:
                nxt = int(tokptr[first_chunks[j]])
            out[j] = nxt
        return out

    def frozen(self, directory: Path) -> Segment:
        """This segment, just saved in directory, as loading it would give it: its arrays in their
        saved dtypes and read-only (the records are the ones in memory)."""

        def saved(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
            out = np.ascontiguousarray(arr, dtype=dtype).view(np.ndarray)
            out.flags.writeable = False
            return out

        arrays = {name: saved(self.arrays[name], dtype) for name, dtype in SEGMENT_ARRAYS.items()}
        fields = {name: FieldPostings(**{key: saved(arr, FieldPostings.ARRAYS[key])
                                         for key, arr in postings.arrays().items()}).sharing_doc_len(postings)
                  for name, postings in self.fields.items()}
        records = RecordTable(self.records.columns, saved(self.records.first_chunks, np.dtype(np.int64)),
                              saved(self.records.chunk_counts, np.dtype(np.int64)))
        records._made = self.records._made
        return dataclasses.replace(self, arrays=arrays, fields=fields, records=records, directory=directory)

    # ------------------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write every file, segment.json (sizes, checksums) last; the directory is new. A small
        segment (an add's few articles, up to PACK_MAX_BYTES) is written as one ``segment.npz`` of
        every array and JSON text: two files to fsync instead of 34."""
        directory.mkdir(parents=True)
        members = {name: np.ascontiguousarray(self.arrays[name], dtype=dtype) for name, dtype in SEGMENT_ARRAYS.items()}
        for field_name, postings in self.fields.items():
            for name, arr in postings.arrays().items():
                key = f"{_FIELD_PREFIX[field_name]}{name}"
                members[key] = np.ascontiguousarray(arr, dtype=FieldPostings.ARRAYS[name])
        members["art_first"] = np.ascontiguousarray(self.records.first_chunks, dtype=np.int64)
        members["art_count"] = np.ascontiguousarray(self.records.chunk_counts, dtype=np.int64)
        texts = {"articles": self.records.columns, "acronyms": [list(a) for a in self.acronyms]}
        encoded = {name: json.dumps(obj, ensure_ascii=False).encode("utf-8") for name, obj in texts.items()}
        packed = sum(a.nbytes for a in members.values()) + sum(map(len, encoded.values())) <= PACK_MAX_BYTES
        if packed:
            members.update({name: np.frombuffer(data, dtype=np.uint8) for name, data in encoded.items()})
            save_npz(directory / PACK, members)
        else:
            for name, arr in members.items():
                _save_npy(directory / f"{name}.npy", arr, arr.dtype)
            for name, data in encoded.items():
                _save_bytes(directory / f"{name}.json", data)
        sizes: dict[str, int] = {}
        checksums: dict[str, str] = {}
        for path in sorted(directory.iterdir()):
            sizes[path.name] = path.stat().st_size
            checksums[path.name] = file_checksum(path, sizes[path.name])
        meta = {"format": PACKED_FORMAT if packed else SEGMENT_FORMAT, "name": self.name,
                "files": [f.to_json() for f in self.files], "n_articles": self.n_articles, "n_chunks": self.n_chunks,
                "n_terms": self.n_terms, "sizes": sizes, "checksums": checksums}
        _save_json(directory / META, meta)
        fsync_dir(directory)
        self.directory = directory

    @classmethod
    def load(cls, directory: Path, *, verify: bool = True, records: RecordTable | None = None
             ) -> tuple[Segment, Verifier | None]:
        """Memory-map a saved segment (read a packed one whole); IndexFileError when anything is
        missing or inconsistent. With verify, sizes are checked now and checksums in a background
        thread (the Verifier returned: call its result() before trusting the segment)."""
        verifier: Verifier | None = None
        try:
            meta = json.loads((directory / META).read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("format") not in (SEGMENT_FORMAT, PACKED_FORMAT):
                raise IndexFileError(f"segment format is not {SEGMENT_FORMAT} or {PACKED_FORMAT}")
            if verify:
                check_sizes(directory, meta)
                verifier = Verifier(directory, meta)
            source: _Source = _Packed(directory / PACK) if meta["format"] == PACKED_FORMAT else _Files(directory)
            arrays = {name: source.array(name, dtype) for name, dtype in SEGMENT_ARRAYS.items()}
            n_terms = int(meta["n_terms"])
            fields = {
                field_name: FieldPostings.from_arrays(
                    {name: source.array(f"{prefix}{name}", dtype) for name, dtype in FieldPostings.ARRAYS.items()},
                    n_terms_total=n_terms)
                for field_name, prefix in _FIELD_PREFIX.items()
            }
            if records is None:
                columns = json.loads(source.text("articles"))
                if not isinstance(columns, dict) or any(not isinstance(columns.get(c), list)
                                                        for c in RecordTable.COLUMNS):
                    raise IndexFileError(f"segment {directory.name}: articles file has the wrong shape")
                records = RecordTable(columns, source.array("art_first", np.dtype(np.int64)),
                                      source.array("art_count", np.dtype(np.int64)))
            acronyms = [(int(a), str(s), str(p), int(c)) for a, s, p, c in json.loads(source.text("acronyms"))]
            files = [SegmentFile.from_json(f) for f in meta["files"]]
        except IndexFileError:
            if verifier is not None:
                verifier.result()  # a checksum mismatch says more than what it broke
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if verifier is not None:
                verifier.result()
            raise IndexFileError(f"unreadable segment {directory.name}: {exc}") from None
        segment = cls(str(meta["name"]), files, records, arrays, fields, acronyms, n_terms, directory)
        segment.check(meta)
        return segment, verifier

    def check(self, meta: dict[str, Any] | None = None) -> None:
        """The arrays agree with each other (every file can pass its checksum and belong elsewhere)."""
        a = self.arrays
        n, n_art = self.n_chunks, self.n_articles
        if meta is not None and (meta.get("n_chunks") != n or meta.get("n_articles") != n_art):
            raise IndexFileError(f"segment {self.name}: counts differ from its meta")
        for name in ("chunk_start", "chunk_end", "chunk_kind", "quotable"):
            if a[name].shape != (n,):
                raise IndexFileError(f"segment {self.name}: {name} has the wrong shape")
        if a["text_offsets"].shape != (n + 1,) or int(a["text_offsets"][-1]) != a["text_blob"].shape[0]:
            raise IndexFileError(f"segment {self.name}: text offsets do not match the text blob")
        if a["tokptr"].shape != (n + 1,) or int(a["tokptr"][-1]) != a["tokens"].shape[0]:
            raise IndexFileError(f"segment {self.name}: token pointers do not match the tokens")
        if a["head_ptr"].shape != (n_art + 1,) or int(a["head_ptr"][-1]) != a["head_tokens"].shape[0]:
            raise IndexFileError(f"segment {self.name}: headline pointers do not match the headlines")
        if self.fields["sentences"].n_docs != n or self.fields["articles"].n_docs != n_art:
            raise IndexFileError(f"segment {self.name}: postings do not match the sentences and articles")
        first, count = self.record_arrays()
        if n_art and (first[0] != 0 or np.any(first[1:] != first[:-1] + count[:-1]) or first[-1] + count[-1] != n):
            raise IndexFileError(f"segment {self.name}: article sentence ranges do not cover the sentences")
        if n and (int(a["chunk_article"].min()) < 0 or int(a["chunk_article"].max()) >= n_art):
            raise IndexFileError(f"segment {self.name}: sentences of unknown articles")
        covered = 0
        for f in self.files:
            if f.lo != covered or f.hi < f.lo:
                raise IndexFileError(f"segment {self.name}: file article ranges do not cover the articles")
            covered = f.hi
        if covered != n_art:
            raise IndexFileError(f"segment {self.name}: file article ranges do not cover the articles")


# ---------------------------------------------------------------------------------- building


@dataclass
class FileArticles:
    """What a segment build takes of one corpus file."""

    name: str
    digest: str
    articles: list[Article]


@dataclass
class SegmentBuild:
    """What building a segment did besides the segment: skips per file, stage times, workers."""

    skipped: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # file → (origin, reason)
    unindexed: dict[str, list[str]] = field(default_factory=dict)  # file → ids read, not indexed
    seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    fallback: str | None = None  # why worker processes were not used after all


def build_segment(
    name: str, files: list[FileArticles], lexicon: Lexicon, *, progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[Segment, Lexicon, SegmentBuild]:
    """Clean, split and analyze the files' articles (files in the order given: name order) into a
    segment; new terms are appended to the lexicon (returned). ``workers`` as for worker_count."""
    stats = SegmentBuild()
    articles: list[Article] = [a for f in files for a in f.articles]
    file_of = [i for i, f in enumerate(files) for _ in f.articles]
    total = len(articles)
    n_workers = worker_count(total, workers)
    stats.workers = n_workers
    records: list[ArticleRecord] = []
    record_file: list[int] = []
    starts, ends, kinds = array("i"), array("i"), array("b")
    word_counts, text_lengths = array("i"), array("q")
    blobs: list[bytes] = []
    sentence_terms: list[str | None] = []
    headline_terms: list[str | None] = []
    chunk_article = array("i")
    acronyms: list[tuple[int, str, str, int]] = []
    cpu = {"clean": 0.0, "split": 0.0, "analyze": 0.0}
    t_process = time.perf_counter()
    fallback: list[str] = []
    for lo, batch in processed_batches(articles, n_workers, fallback):
        for key in cpu:
            cpu[key] += batch.seconds[key]
        local_of_offset: dict[int, int] = {}
        for offset, n_chunks in enumerate(batch.n_chunks):
            article = articles[lo + offset]
            f = file_of[lo + offset]
            if n_chunks < 0:
                stats.skipped.setdefault(files[f].name, []).append(
                    (article.origin or article.article_id, "no story text after cleaning"))
                stats.unindexed.setdefault(files[f].name, []).append(article.article_id)
                continue
            index = len(records)
            local_of_offset[offset] = index
            records.append(ArticleRecord(
                article.article_id, article.title, article.outlet, article.url, article.published,
                article.origin, len(chunk_article), n_chunks, article.title_from_body, article.date_source,
            ))
            record_file.append(f)
            chunk_article.extend([index] * n_chunks)
            headline_terms.append(batch.headline_terms[offset])
        acronyms += [(local_of_offset[o], s, p, c) for o, s, p, c in batch.acronyms if o in local_of_offset]
        starts.extend(batch.starts)
        ends.extend(batch.ends)
        kinds.extend(batch.kinds)
        word_counts.extend(batch.word_counts)
        text_lengths.extend(batch.text_lengths)
        blobs.append(batch.blob)
        sentence_terms.extend(batch.sentence_terms)
        if progress:
            progress("analyze", lo + len(batch.n_chunks), total)
    process_wall = time.perf_counter() - t_process
    if fallback:
        stats.workers = 1
        stats.fallback = fallback[0]
        logging.getLogger(__name__).warning("index built in one process: worker processes failed (%s)", fallback[0])
    cpu_total = sum(cpu.values()) or 1.0
    stats.seconds = {key: process_wall * value / cpu_total for key, value in cpu.items()}

    t_index = time.perf_counter()
    tokens, tokptr, head_tokens, head_ptr, lexicon = _term_ids(sentence_terms, headline_terms, lexicon)
    del sentence_terms, headline_terms
    offsets = np.zeros(len(text_lengths) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(text_lengths, dtype=np.int64), out=offsets[1:])
    kind_arr = _np(kinds, np.int8)
    arrays = {
        "chunk_article": _np(chunk_article, np.int32),
        "chunk_start": _np(starts, np.int32),
        "chunk_end": _np(ends, np.int32),
        "chunk_kind": kind_arr,
        "quotable": (kind_arr == 0) & (_np(word_counts, np.int32) >= MIN_QUOTABLE_WORDS),
        "text_offsets": offsets,
        "text_blob": np.frombuffer(b"".join(blobs), dtype=np.uint8),
        "tokens": tokens,
        "tokptr": tokptr,
        "head_tokens": head_tokens,
        "head_ptr": head_ptr,
    }
    del blobs
    sentences = FieldPostings.build(tokens, np.diff(tokptr))
    table = RecordTable.from_records(records)
    article_tokens, article_lengths = article_token_stream(arrays, table.first_chunks, table.chunk_counts)
    fields = {"sentences": sentences, "articles": FieldPostings.build(article_tokens, article_lengths)}
    stats.seconds["index"] = time.perf_counter() - t_index
    owner = np.asarray(record_file, dtype=np.int64)  # records come file after file
    bounds = np.searchsorted(owner, np.arange(len(files) + 1), side="left").tolist()
    seg_files = [SegmentFile(f.name, f.digest, bounds[i], bounds[i + 1]) for i, f in enumerate(files)]
    segment = Segment(name, seg_files, table, arrays, fields, acronyms, len(lexicon),
                      _article_tokens=article_tokens)
    segment.check()
    return segment, lexicon, stats


def _term_ids(
    sentence_terms: list[str | None], headline_terms: list[str | None], lexicon: Lexicon
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Lexicon]:
    """Token streams of global term ids for the sentences and the headlines, the lexicon extended."""
    local: defaultdict[str, int] = defaultdict(itertools.count().__next__)  # term → local id, first seen first
    local_id = local.__getitem__
    out: list[np.ndarray] = []
    for joined_list in (sentence_terms, headline_terms):
        flat = array("i")
        lengths = array("q")
        for joined in joined_list:
            if joined is None:
                lengths.append(0)
                continue
            flat.extend(map(local_id, joined.split(" ")))
            lengths.append(joined.count(" ") + 1)
        ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        if lengths:
            np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=ptr[1:])
        out += [_np(flat, np.int32), ptr]
    lexicon, global_ids = lexicon.with_terms(list(local))
    mapping = global_ids.astype(np.int32)
    tokens = mapping[out[0]] if out[0].size else np.zeros(0, dtype=np.int32)
    head = mapping[out[2]] if out[2].size else np.zeros(0, dtype=np.int32)
    return tokens, out[1], head, out[3], lexicon


def article_token_stream(arrays: dict[str, np.ndarray], first: np.ndarray, count: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Each article (its first sentence and sentence count) as a document of the article field: its
    headline's terms, then the terms of its sentences in order; (token stream, lengths)."""
    head_ptr, tokptr = arrays["head_ptr"], arrays["tokptr"]
    n = first.shape[0]
    head_len = np.diff(head_ptr)
    body_start = tokptr[first] if n else np.zeros(0, dtype=np.int64)
    body_len = tokptr[first + count] - body_start if n else np.zeros(0, dtype=np.int64)
    n_head = int(head_ptr[-1])
    source = np.concatenate([arrays["head_tokens"], arrays["tokens"]])
    range_starts = np.empty(2 * n, dtype=np.int64)
    range_starts[0::2] = head_ptr[:-1]
    range_starts[1::2] = body_start + n_head
    range_lengths = np.empty(2 * n, dtype=np.int64)
    range_lengths[0::2] = head_len
    range_lengths[1::2] = body_len
    return source[ranges(range_starts, range_lengths)], head_len + body_len


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges [starts[i], starts[i] + lengths[i]) back to back (int64)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths  # where each range begins in the output
    return np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)


# ---------------------------------------------------------------------------------- files


def _np(buffer: array, dtype: type) -> np.ndarray:
    return np.frombuffer(buffer, dtype=dtype).copy() if len(buffer) else np.zeros(0, dtype=dtype)


def _save_npy(path: Path, arr: np.ndarray, dtype: np.dtype) -> None:
    with open(path, "wb") as handle:
        np.save(handle, np.ascontiguousarray(arr, dtype=dtype), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())


def _save_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def save_npz(path: Path, members: dict[str, np.ndarray]) -> None:
    """Several 1-d arrays in one uncompressed .npz, fsync'ed: one file to make durable, not one each."""
    with open(path, "wb") as handle:
        np.savez(handle, allow_pickle=False, **members)
        handle.flush()
        os.fsync(handle.fileno())


def load_npz(path: Path, dtypes: dict[str, np.dtype]) -> dict[str, np.ndarray]:
    """The members of an .npz that save_npz wrote, read whole, read-only, each the dtype given;
    ValueError when one is missing or another shape."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            raw = {name: archive[name] for name in archive.files}
    except Exception as exc:  # a truncated or garbled archive
        raise ValueError(f"cannot read {path.name}: {exc}") from None
    out = {}
    for name, dtype in dtypes.items():
        arr = raw.get(name)
        if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != 1 or not arr.flags.c_contiguous:
            raise ValueError(f"{path.name}: {name} is not a 1-d {dtype} array")
        arr.flags.writeable = False
        out[name] = arr
    return out


class _Source:
    """Where a saved segment's arrays and texts are read from."""

    def array(self, name: str, dtype: np.dtype) -> np.ndarray:
        raise NotImplementedError

    def text(self, name: str) -> str:
        raise NotImplementedError


class _Files(_Source):
    """One .npy or .json file each (format 4)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def array(self, name: str, dtype: np.dtype) -> np.ndarray:
        return _load_npy(self.directory / f"{name}.npy", dtype)

    def text(self, name: str) -> str:
        return (self.directory / f"{name}.json").read_text(encoding="utf-8")


class _Packed(_Source):
    """All in one .npz (format 5): the texts as UTF-8 bytes."""

    def __init__(self, path: Path) -> None:
        dtypes = {**SEGMENT_ARRAYS, "art_first": np.dtype(np.int64), "art_count": np.dtype(np.int64),
                  "articles": np.dtype(np.uint8), "acronyms": np.dtype(np.uint8)}
        for prefix in _FIELD_PREFIX.values():
            dtypes.update({f"{prefix}{name}": dtype for name, dtype in FieldPostings.ARRAYS.items()})
        self.members = load_npz(path, dtypes)

    def array(self, name: str, dtype: np.dtype) -> np.ndarray:
        arr = self.members[name]
        if arr.dtype != dtype:
            raise ValueError(f"{name} is not a 1-d {dtype} array")
        return arr

    def text(self, name: str) -> str:
        return self.members[name].tobytes().decode("utf-8")


def _save_json(path: Path, obj: object) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


MMAP_MIN_BYTES = 1 << 20  # smaller files are read whole: a memory map holds a file descriptor open


def _load_npy(path: Path, dtype: np.dtype) -> np.ndarray:
    """A read-only plain ndarray of the file: memory-mapped when large (np.memmap's Python
    __getitem__ costs ~1 µs per scalar look-up, and an answer does thousands, hence the plain view),
    read whole when small, so that dozens of small segments do not hold hundreds of descriptors."""
    try:
        big = path.stat().st_size >= MMAP_MIN_BYTES
        arr = np.load(path, mmap_mode="r" if big else None, allow_pickle=False)
    except Exception as exc:  # truncated/garbled header, object arrays, short file...
        raise ValueError(f"cannot read {path.name}: {exc}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != 1 or not arr.flags.c_contiguous:
        raise ValueError(f"{path.name} is not a 1-d {dtype} array")
    view = arr.view(np.ndarray)
    view.flags.writeable = False
    return view
