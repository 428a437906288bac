"""Building the index from a corpus, and persisting it (JSON + .npy, never pickle) in a cache directory."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._analyzer import analyze, analyzer_signature, fold
from ._articles import Article, ReadReport, corpus_files, file_digests, fingerprint_files, read_corpus
from ._bm25 import BM25Scorer
from ._chunk import chunk_blocks
from ._clean import BlockKind, clean_body
from ._errors import IndexFileError

FORMAT_VERSION = 2
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
KIND_CODES = {BlockKind.STORY: 0, BlockKind.HIGHLIGHT: 1, BlockKind.SUBHEADING: 2}
POINTER = "CURRENT.json"
LOCK = ".lock"

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
    (1 = serial); the default is the CPUs this process may use, at most MAX_BUILD_WORKERS."""
    stats = BuildReport(skipped=list(report.skipped))
    articles = report.articles
    total = len(articles)
    n_workers = _build_workers(total) if workers is None else max(1, int(workers))
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
    for lo, batch in _processed_batches(articles, n_workers):
        for key in cpu:
            cpu[key] += batch.seconds[key]
        for short, phrases in batch.acronyms.items():
            bucket = acronyms.setdefault(short, {})
            for phrase, count in phrases.items():
                bucket[phrase] = bucket.get(phrase, 0) + count
        chunk_pos = 0
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
            chunk_pos += n_chunks
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
    # Stage times add up to the wall time: with workers, the phase's wall time is shared out in
    # proportion to the time the workers spent in each stage.
    cpu_total = sum(cpu.values()) or 1.0
    timers = {key: process_wall * value / cpu_total for key, value in cpu.items()}

    t_index = time.perf_counter()
    vocabulary_set: set[str] = set()

    def sentence_docs() -> Iterator[list[str]]:
        for joined in sentence_terms:
            terms = _split(joined)
            vocabulary_set.update(terms)
            yield terms

    sentences = BM25Scorer.build(sentence_docs(), **BM25_PARAMS)
    vocabulary = sorted(vocabulary_set)
    del vocabulary_set

    def article_docs() -> Iterator[list[str]]:
        for record, headline in zip(records, headline_terms):
            terms = _split(headline)
            for joined in sentence_terms[record.first_chunk : record.first_chunk + record.n_chunks]:
                terms.extend(_split(joined))
            yield terms

    headlines = BM25Scorer.build(article_docs(), **BM25_PARAMS)
    del sentence_terms, headline_terms
    timers["index"] = time.perf_counter() - t_index
    offsets = np.zeros(len(text_lengths) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(text_lengths, dtype=np.int64), out=offsets[1:])
    blob = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    del blobs
    kind_arr = np.frombuffer(kinds, dtype=np.int8).copy()
    from ._chunk import MIN_QUOTABLE_WORDS

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
        acronyms=_resolve_acronyms(acronyms),
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
            _collect_acronyms(chunk.text, batch.acronyms)
        timers["analyze"] += time.perf_counter() - t2
    batch.blob = b"".join(texts)
    batch.seconds = timers
    return batch


def _processed_batches(articles: list[Article], workers: int) -> Iterator[tuple[int, _Batch]]:
    """(index of the batch's first article, batch), in corpus order."""
    if workers <= 1 or len(articles) <= _BATCH_ARTICLES:
        for lo in range(0, len(articles), _SERIAL_BATCH_ARTICLES):  # small batches: a smooth progress bar
            yield lo, _process_articles(articles[lo : lo + _SERIAL_BATCH_ARTICLES])
        return
    bounds = range(0, len(articles), _BATCH_ARTICLES)
    # fork is quickest and needs no `if __name__ == "__main__"` guard in the caller's script, but it
    # copies other threads' locks mid-flight: with threads about (a bot, a numba warm-up), spawn.
    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_process_articles, (articles[lo : lo + _BATCH_ARTICLES] for lo in bounds))
        yield from zip(bounds, results)


_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w'’-]*\s+){1,5}?)\(([A-Z]{2,6})\)")


def _collect_acronyms(text: str, found: dict[str, dict[str, int]]) -> None:
    """'National Front (FN)' and 'Front National (FN)': FN stands for those words."""
    for match in _ACRONYM_DEF.finditer(text):
        words = match.group(1).split()
        short = match.group(2)
        for n in range(len(short) - 1, len(words) + 1):
            candidate = words[-n:]
            initials = {w[0].upper() for w in candidate}
            if len(candidate) >= 2 and set(short) <= initials | set("".join(w[:2].upper() for w in candidate)):
                phrase = " ".join(candidate)
                bucket = found.setdefault(fold(short), {})
                bucket[phrase] = bucket.get(phrase, 0) + 1
                break


def _resolve_acronyms(found: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """acronym term → analyzed terms of its most frequent expansion."""
    out: dict[str, list[str]] = {}
    for short, phrases in found.items():
        phrase = max(phrases.items(), key=lambda kv: (kv[1], kv[0]))[0]
        terms = analyze(phrase)
        key = analyze(short)
        if terms and key:
            out[key[0]] = terms
    return out


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
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            files[str(path.relative_to(directory))] = _checksum(path)
    manifest = dict(data.manifest)
    manifest.update(
        {"sentences": sentences_meta, "headlines": headlines_meta, "checksums": files, "n_chunks": data.n_chunks}
    )
    _atomic_write_json(directory / "manifest.json", manifest)
    data.manifest = manifest


def load_index(directory: Path, *, verify: bool = True) -> IndexData:
    """Load a saved index memory-mapped; anything missing, corrupt or inconsistent is IndexFileError."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise IndexFileError(f"index format is not {FORMAT_VERSION}")
        if verify:
            for rel, digest in dict(manifest["checksums"]).items():
                if _checksum(directory / rel) != digest:
                    raise IndexFileError(f"checksum mismatch in {rel}")
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
        raw_articles = json.loads((directory / "articles.json").read_text(encoding="utf-8"))
        articles = [ArticleRecord(**item) for item in raw_articles]
        acronyms = json.loads((directory / "acronyms.json").read_text(encoding="utf-8"))
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        if not isinstance(vocabulary, list) or not isinstance(acronyms, dict):
            raise IndexFileError("vocabulary or acronyms file has the wrong shape")
        sentences = BM25Scorer.load(directory / "sentences", manifest["sentences"])
        headlines = BM25Scorer.load(directory / "headlines", manifest["headlines"])
    except IndexFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexFileError(f"unreadable index in {directory}: {exc}") from None
    data = IndexData(manifest=manifest, articles=articles, sentences=sentences, headlines=headlines,
                     acronyms=acronyms, vocabulary=vocabulary, **arrays)
    _check_consistent(data)
    return data


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


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write_json(path: Path, obj: object) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


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


def expected_identity(corpus: Path) -> tuple[list[Path], str, dict[str, str]]:
    files = corpus_files(corpus)
    return files, fingerprint_files(files), file_digests(files)


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
        _atomic_write_json(cache_dir / POINTER, {"directory": name})
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
