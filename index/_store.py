"""Building the index from a corpus, and persisting it (JSON + .npy, never pickle) in a cache directory."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._atomic import atomic_write_json
from ._errors import IndexFileError
from .articles import Article, ReadReport, corpus_files, read_corpus
from .bm25 import BM25Scorer
from .text import (
    MIN_QUOTABLE_WORDS,
    BlockKind,
    analyze,
    analyzer_signature,
    chunk_blocks,
    clean_body,
    collect_acronyms,
    merge_acronyms,
    resolve_acronyms,
)

FORMAT_VERSION = 2
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
KIND_CODES = {BlockKind.STORY: 0, BlockKind.HIGHLIGHT: 1, BlockKind.SUBHEADING: 2}
POINTER = "CURRENT.json"
LOCK = ".lock"
CACHE_DIR_NAME = ".newsbot-cache"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ArticleRecord:
    """What the index keeps of an article besides its sentences."""

    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: str | None
    origin: str
    first_chunk: int
    n_chunks: int
    title_from_body: bool = False

    def to_json(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass
class BuildReport:
    """What a build did, for the line the CLI prints and for the benchmark."""

    articles: int = 0
    sentences: int = 0
    quotable: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # stage → seconds
    changes: list[str] = field(default_factory=list)  # what changed since the previous index
    workers: int = 1  # processes that cleaned, split and analyzed the articles


@dataclass
class IndexData:
    """A loaded (or freshly built) index: articles, chunk arrays, texts and the two BM25 scorers."""

    manifest: dict[str, object]
    articles: list[ArticleRecord]
    chunk_article: np.ndarray  # int32, article index of each chunk
    chunk_start: np.ndarray  # int32, offsets into the article's cleaned text
    chunk_end: np.ndarray
    chunk_kind: np.ndarray  # int8, KIND_CODES
    quotable: np.ndarray  # bool
    text_offsets: np.ndarray  # int64, byte offsets of chunk texts in text_blob (len n+1)
    text_blob: np.ndarray  # uint8, UTF-8 chunk texts back to back
    sentences: BM25Scorer  # over chunks
    headlines: BM25Scorer  # over articles: headline + highlights + text, for article-level evidence
    acronyms: dict[str, list[str]]
    vocabulary: list[str]  # sorted sentence terms, for prefix look-ups of words the corpus lacks

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_article.shape[0])

    def chunk_text(self, i: int) -> str:
        start, end = int(self.text_offsets[i]), int(self.text_offsets[i + 1])
        return bytes(self.text_blob[start:end]).decode("utf-8")

    def position(self, i: int) -> int:
        return i - self.articles[int(self.chunk_article[i])].first_chunk


# ---------------------------------------------------------------------------------------------- build


def build_index(
    report: ReadReport, *, fingerprint: str, digests: dict[str, str], corpus: str, progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[IndexData, BuildReport]:
    """Clean, split and analyze every article, then score with BM25Okapi's model.

    Large corpora (more than PARALLEL_MIN_ARTICLES articles) are cleaned, split and analyzed in
    worker processes, a batch of articles at a time, results taken in corpus order: the index is the
    same, array for array, as a serial build's. ``workers`` overrides the number of processes
    (1 = serial); the default is the CPUs this process may use, at most MAX_BUILD_WORKERS. Workers
    are forked, or spawned when other threads run: then, as always with spawn, a script that builds
    a large index needs the ``if __name__ == "__main__":`` guard (newsbot's entry points have it)."""
    stats = BuildReport(skipped=list(report.skipped))
    articles = report.articles
    total = len(articles)
    n_workers = _build_workers(total) if workers is None else max(1, int(workers))
    if total <= _BATCH_ARTICLES:
        n_workers = 1  # one batch: nothing to share out
    stats.workers = n_workers
    records: list[ArticleRecord] = []
    starts = array("i")
    ends = array("i")
    kinds = array("b")
    word_counts = array("i")
    text_lengths = array("q")
    blobs: list[bytes] = []
    sentence_terms: list[str | None] = []  # each chunk's terms, _join'ed: 1M small lists would cost far more
    headline_terms: list[str | None] = []  # each kept article's headline terms, likewise
    chunk_article = array("i")
    acronyms: dict[str, dict[str, int]] = {}
    cpu = {"clean": 0.0, "split": 0.0, "analyze": 0.0}
    t_process = time.perf_counter()
    done = 0
    fallback: list[str] = []
    for lo, batch in _processed_batches(articles, n_workers, fallback):
        for key in cpu:
            cpu[key] += batch.seconds[key]
        merge_acronyms(acronyms, batch.acronyms)
        for offset, n_chunks in enumerate(batch.n_chunks):
            article = articles[lo + offset]
            if n_chunks < 0:
                stats.skipped.append((article.origin or article.article_id, "no story text after cleaning"))
                continue
            index = len(records)
            records.append(
                ArticleRecord(
                    article.article_id, article.title, article.outlet, article.url, article.published,
                    article.origin, len(chunk_article), n_chunks, article.title_from_body,
                )
            )
            chunk_article.extend([index] * n_chunks)
            headline_terms.append(batch.headline_terms[offset])
        starts.extend(batch.starts)
        ends.extend(batch.ends)
        kinds.extend(batch.kinds)
        word_counts.extend(batch.word_counts)
        text_lengths.extend(batch.text_lengths)
        blobs.append(batch.blob)
        sentence_terms.extend(batch.sentence_terms)
        done = lo + len(batch.n_chunks)
        if progress:
            progress("analyze", done, total)
    process_wall = time.perf_counter() - t_process
    if fallback:
        stats.workers = 1
        logging.getLogger(__name__).warning("index built in one process: worker processes failed (%s)", fallback[0])
    # Stage times add up to the wall time: with workers, the phase's wall time is shared out in
    # proportion to the time the workers spent in each stage.
    cpu_total = sum(cpu.values()) or 1.0
    timers = {key: process_wall * value / cpu_total for key, value in cpu.items()}

    t_index = time.perf_counter()
    sentences = BM25Scorer.build(map(_split, sentence_terms), **BM25_PARAMS)
    vocabulary = sorted(sentences.terms())  # every term of every sentence, once

    headlines = BM25Scorer.build(_article_docs(records, headline_terms, sentence_terms), **BM25_PARAMS)
    del sentence_terms, headline_terms
    timers["index"] = time.perf_counter() - t_index
    offsets = np.zeros(len(text_lengths) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(text_lengths, dtype=np.int64), out=offsets[1:])
    blob = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    del blobs
    kind_arr = np.frombuffer(kinds, dtype=np.int8).copy()
    data = IndexData(
        manifest={
            "format": FORMAT_VERSION,
            "analyzer": analyzer_signature(),
            "bm25": dict(BM25_PARAMS),
            "corpus": corpus,
            "fingerprint": fingerprint,
            "files": digests,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        articles=records,
        chunk_article=np.frombuffer(chunk_article, dtype=np.int32).copy(),
        chunk_start=np.frombuffer(starts, dtype=np.int32).copy(),
        chunk_end=np.frombuffer(ends, dtype=np.int32).copy(),
        chunk_kind=kind_arr,
        quotable=(kind_arr == 0) & (np.frombuffer(word_counts, dtype=np.int32) >= MIN_QUOTABLE_WORDS),
        text_offsets=offsets,
        text_blob=blob,
        sentences=sentences,
        headlines=headlines,
        acronyms=resolve_acronyms(acronyms),
        vocabulary=vocabulary,
    )
    stats.articles = len(records)
    stats.sentences = data.n_chunks
    stats.quotable = int(data.quotable.sum())
    stats.seconds.update(timers)
    return data, stats


# Corpora above this many articles are processed by worker processes (below it, starting them
# costs more than it saves).
PARALLEL_MIN_ARTICLES = 2000
MAX_BUILD_WORKERS = 4
_BATCH_ARTICLES = 256  # articles per task sent to a worker
_SERIAL_BATCH_ARTICLES = 16


def _article_docs(
    records: list[ArticleRecord], headline_terms: list[str | None], sentence_terms: list[str | None]
) -> Iterator[list[str]]:
    """Each article's headline terms, then the terms of its chunks in order."""
    for record, headline in zip(records, headline_terms):
        terms = _split(headline)
        for joined in sentence_terms[record.first_chunk : record.first_chunk + record.n_chunks]:
            terms.extend(_split(joined))
        yield terms


def _join(terms: list[str]) -> str | None:
    """A term list as one string (terms are [a-z0-9.'-] runs, never holding a space); None for []."""
    return " ".join(terms) if terms else None


def _split(joined: str | None) -> list[str]:
    return joined.split(" ") if joined is not None else []


def _build_workers(n_articles: int) -> int:
    if n_articles <= PARALLEL_MIN_ARTICLES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_BUILD_WORKERS))


@dataclass
class _Batch:
    """What cleaning, splitting and analysis made of a run of consecutive articles (compact, picklable)."""

    n_chunks: list[int] = field(default_factory=list)  # per article; -1 = skipped (nothing quotable)
    headline_terms: list[str | None] = field(default_factory=list)  # per article (None when skipped)
    starts: array = field(default_factory=lambda: array("i"))  # per chunk
    ends: array = field(default_factory=lambda: array("i"))
    kinds: array = field(default_factory=lambda: array("b"))
    word_counts: array = field(default_factory=lambda: array("i"))
    text_lengths: array = field(default_factory=lambda: array("q"))  # UTF-8 bytes
    blob: bytes = b""
    sentence_terms: list[str | None] = field(default_factory=list)  # per chunk, see _join
    acronyms: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _process_articles(articles: list[Article]) -> _Batch:
    """Clean, split and analyze articles (in a worker process, or in this one)."""
    batch = _Batch()
    texts: list[bytes] = []
    timers = {"clean": 0.0, "split": 0.0, "analyze": 0.0}
    for article in articles:
        t0 = time.perf_counter()
        blocks = clean_body(article.body)
        t1 = time.perf_counter()
        _, chunks = chunk_blocks(blocks)
        t2 = time.perf_counter()
        timers["clean"] += t1 - t0
        timers["split"] += t2 - t1
        if not any(c.quotable for c in chunks):
            batch.n_chunks.append(-1)
            batch.headline_terms.append(None)
            continue
        batch.n_chunks.append(len(chunks))
        batch.headline_terms.append(_join(analyze(article.title)))
        for chunk in chunks:
            encoded = chunk.text.encode("utf-8")
            batch.sentence_terms.append(_join(analyze(chunk.text)))
            batch.starts.append(chunk.start)
            batch.ends.append(chunk.end)
            batch.kinds.append(KIND_CODES[chunk.kind])
            batch.word_counts.append(len(encoded.split()))  # ASCII whitespace, as always
            batch.text_lengths.append(len(encoded))
            texts.append(encoded)
            if "(" in chunk.text:  # (what _ACRONYM_DEF needs)
                collect_acronyms(chunk.text, batch.acronyms)
        timers["analyze"] += time.perf_counter() - t2
    batch.blob = b"".join(texts)
    batch.seconds = timers
    return batch


def _processed_batches(
    articles: list[Article], workers: int, fallback: list[str] | None = None
) -> Iterator[tuple[int, _Batch]]:
    """(index of the batch's first article, batch), in corpus order. When worker processes cannot
    be started or die (no /dev/shm, out of memory, spawn in a script without the __main__ guard),
    the rest is done in this process, the reason appended to fallback."""
    start = 0
    if workers > 1:
        try:
            for lo, batch in _parallel_batches(articles, workers):
                yield lo, batch
                start = lo + _BATCH_ARTICLES
            return
        except (BrokenExecutor, OSError) as exc:
            if fallback is not None:
                fallback.append(f"{type(exc).__name__}: {exc}")
    for lo in range(start, len(articles), _SERIAL_BATCH_ARTICLES):  # small batches: a smooth progress bar
        yield lo, _process_articles(articles[lo : lo + _SERIAL_BATCH_ARTICLES])


def _parallel_batches(articles: list[Article], workers: int) -> Iterator[tuple[int, _Batch]]:
    bounds = range(0, len(articles), _BATCH_ARTICLES)
    # fork is quickest and needs no `if __name__ == "__main__"` guard in the caller's script, but it
    # copies other threads' locks mid-flight: with threads about (a bot, a numba warm-up), spawn.
    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_process_articles, (articles[lo : lo + _BATCH_ARTICLES] for lo in bounds))
        yield from zip(bounds, results)


# ------------------------------------------------------------------------------------------ persist

_ARRAYS = ("chunk_article", "chunk_start", "chunk_end", "chunk_kind", "quotable", "text_offsets", "text_blob")


def save_index(data: IndexData, directory: Path) -> None:
    """Write every file, checksums in the manifest last; callers write into a fresh directory."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name in _ARRAYS:
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
            files[rel] = _checksum(path) if sizes[rel] <= _BLAKE2B_MAX_BYTES else _word_sum(path)
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
    verifier: _Verifier | None = None
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise IndexFileError(f"index format is not {FORMAT_VERSION}")
        if verify:
            _check_sizes(directory, manifest)
            verifier = _Verifier(directory, manifest)
        # plain read-only ndarray views of the maps: np.memmap's Python-level __getitem__ costs ~1 µs
        # per scalar look-up, and an answer does thousands (chunk_text, chunk_article, ...)
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
                  for name in _ARRAYS}
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
    _check_consistent(data)
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


def _check_consistent(data: IndexData) -> None:
    n = data.n_chunks
    if n != data.manifest.get("n_chunks"):
        raise IndexFileError("chunk count differs from the manifest")
    for name in ("chunk_start", "chunk_end", "chunk_kind", "quotable"):
        if getattr(data, name).shape != (n,):
            raise IndexFileError(f"{name} has the wrong shape")
    if data.text_offsets.shape != (n + 1,) or int(data.text_offsets[-1]) != data.text_blob.shape[0]:
        raise IndexFileError("text offsets do not match the text blob")
    if data.sentences.n_docs != n or data.headlines.n_docs != len(data.articles):
        raise IndexFileError("BM25 matrices do not match the chunks and articles")
    if data.articles and data.articles[-1].first_chunk + data.articles[-1].n_chunks != n:
        raise IndexFileError("article chunk ranges do not cover the chunks")


def _check_sizes(directory: Path, manifest: dict[str, object]) -> None:
    """Every file the manifest lists exists with its recorded size (truncated, extended)."""
    sizes = manifest.get("sizes") or {}  # absent in indexes saved before sizes were recorded
    if not isinstance(sizes, dict):
        raise IndexFileError("manifest sizes have the wrong shape")
    for rel in dict(manifest["checksums"]):  # type: ignore[call-overload]
        if rel in sizes and (directory / rel).stat().st_size != sizes[rel]:
            raise IndexFileError(f"size mismatch in {rel} (truncated or overwritten)")


def _verify_checksums(directory: Path, manifest: dict[str, object]) -> None:
    """Every file has its checksum (edits). Files up to _BLAKE2B_MAX_BYTES carry a blake2b digest;
    bigger ones (the arrays of a large index, hundreds of MB at a million sentences, where blake2b
    runs at 0.3-1 GB/s) a word sum, which numpy computes at memory speed and any changed byte changes."""
    for rel, digest in dict(manifest["checksums"]).items():  # type: ignore[call-overload]
        path = directory / rel
        actual = _word_sum(path) if str(digest).startswith(_WORD_SUM) else _checksum(path)
        if actual != digest:
            raise IndexFileError(f"checksum mismatch in {rel}")


class _Verifier:
    """_verify_checksums in a background thread (file reads and numpy release the GIL)."""

    def __init__(self, directory: Path, manifest: dict[str, object]) -> None:
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(directory, manifest), name="index-verify",
                                        daemon=True)
        self._thread.start()

    def _run(self, directory: Path, manifest: dict[str, object]) -> None:
        try:
            _verify_checksums(directory, manifest)
        except Exception as exc:  # noqa: BLE001 (handed to the loading thread)
            self._error = exc

    def result(self) -> None:
        """Wait for the check; raise IndexFileError when a file does not match."""
        self._thread.join()
        error, self._error = self._error, None
        if isinstance(error, IndexFileError):
            raise error
        if isinstance(error, (OSError, ValueError, KeyError, TypeError)):
            raise IndexFileError(f"unreadable index file: {error}") from None
        if error is not None:
            raise error


# Files above this size are checked with _word_sum instead of blake2b (which runs at ~0.3-1 GB/s).
_BLAKE2B_MAX_BYTES = 1 << 20
_WORD_SUM = "wsum64:"
_WORD_BLOCK = 1 << 20  # words per read
_MASK64 = (1 << 64) - 1


def _word_sum(path: Path) -> str:
    """The file's bytes (zero-padded to whole 8-byte little-endian words x_i) summed as
    sum((2i + 1) * x_i) mod 2**64, with its byte length: every weight is odd, hence invertible mod
    2**64, so a change to any one word (any one byte, any run of up to 8 bytes) always changes the
    sum; a truncated or extended file changes the length. A corruption check, not a MAC."""
    buffer = bytearray(_WORD_BLOCK * 8)
    view = memoryview(buffer)
    weights = np.arange(_WORD_BLOCK, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    total = 0
    length = 0
    first = 0  # index of the block's first word
    with open(path, "rb", buffering=0) as handle:
        while True:
            n = 0
            while n < len(buffer):  # fill the block (a read may return less)
                got = handle.readinto(view[n:])
                if not got:
                    break
                n += got
            if not n:
                break
            length += n
            if n % 8:
                pad = 8 - n % 8
                view[n : n + pad] = bytes(pad)
                n += pad
            words = np.frombuffer(buffer, dtype="<u8", count=n // 8)
            # sum((2(first + j) + 1) x_j) = sum((2j + 1) x_j) + 2 first sum(x_j); numpy wraps mod 2**64
            weighted = int(np.dot(words, weights[: words.size]))
            total = (total + weighted + 2 * first * int(words.sum(dtype=np.uint64))) & _MASK64
            first += words.size
    return f"{_WORD_SUM}{length}:{total:016x}"


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------ cache handling


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


def expected_identity(corpus: Path) -> tuple[list[Path], str, dict[str, str]]:
    """The corpus files, their fingerprint and per-file digests: the values fingerprint_files and
    file_digests give, with each file read once (a 1M-sentence corpus is ~140 MB)."""
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
    return files, fingerprint.hexdigest(), digests


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
    files, fingerprint, digests = expected_identity(corpus)
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
