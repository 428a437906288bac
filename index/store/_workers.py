"""The per-article work of a build (clean, split into sentences, analyze, mine acronyms), in batches,
in worker processes for large corpora, or in this process.

Large corpora (more than PARALLEL_MIN_ARTICLES articles) are cleaned, split and analyzed in worker
processes, a batch of articles at a time, results taken in corpus order, so the index is the same,
array for array, as a serial build's. Workers are forked, or spawned when other threads run.

A worker dies with the process that started it, whatever kills that one (SIGKILL included): its
initializer asks Linux for SIGKILL when its parent goes (``prctl(PR_SET_PDEATHSIG)``), and exits at
once if the parent is already gone. Workers never hold the writer's lock: it is a POSIX record lock
(``fcntl.lockf``), which a child process does not inherit."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from array import array
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, field

from ..articles import Article
from ..text import analyze, chunk_blocks, clean_body, collect_acronyms
from ._model import KIND_CODES

# Corpora above this many articles are processed by worker processes (below it, starting them
# costs more than it saves).
PARALLEL_MIN_ARTICLES = 2000
MAX_BUILD_WORKERS = 4
_BATCH_ARTICLES = 256  # articles per task sent to a worker
_SERIAL_BATCH_ARTICLES = 16


def worker_count(n_articles: int, requested: int | None = None) -> int:
    """The processes a build of n_articles uses: requested (1 = serial), else the CPUs this process
    may use, at most MAX_BUILD_WORKERS, for a corpus over PARALLEL_MIN_ARTICLES; 1 whatever was
    requested when the corpus is one batch (nothing to share out)."""
    n_workers = _build_workers(n_articles) if requested is None else max(1, int(requested))
    if n_articles <= _BATCH_ARTICLES:
        n_workers = 1  # one batch: nothing to share out
    return n_workers


def _build_workers(n_articles: int) -> int:
    if n_articles <= PARALLEL_MIN_ARTICLES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_BUILD_WORKERS))


def join_terms(terms: list[str]) -> str | None:
    """A term list as one string (terms are [a-z0-9.'-] runs, never holding a space); None for []."""
    return " ".join(terms) if terms else None


@dataclass
class Batch:
    """What cleaning, splitting and analysis made of a run of consecutive articles (compact, picklable)."""

    n_chunks: list[int] = field(default_factory=list)  # per article; -1 = skipped (nothing quotable)
    headline_terms: list[str | None] = field(default_factory=list)  # per article (None when skipped)
    starts: array = field(default_factory=lambda: array("i"))  # per chunk
    ends: array = field(default_factory=lambda: array("i"))
    kinds: array = field(default_factory=lambda: array("b"))
    word_counts: array = field(default_factory=lambda: array("i"))
    text_lengths: array = field(default_factory=lambda: array("q"))  # UTF-8 bytes
    blob: bytes = b""
    sentence_terms: list[str | None] = field(default_factory=list)  # per chunk, see join_terms
    # (article's offset in the batch, acronym, phrase, count): who defines what, so that a removed
    # article's definitions go with it
    acronyms: list[tuple[int, str, str, int]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def process_articles(articles: list[Article]) -> Batch:
    """Clean, split and analyze articles (in a worker process, or in this one)."""
    batch = Batch()
    texts: list[bytes] = []
    timers = {"clean": 0.0, "split": 0.0, "analyze": 0.0}
    for offset, article in enumerate(articles):
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
        batch.headline_terms.append(join_terms(analyze(article.title)))
        defined: dict[str, dict[str, int]] = {}
        for chunk in chunks:
            encoded = chunk.text.encode("utf-8")
            batch.sentence_terms.append(join_terms(analyze(chunk.text)))
            batch.starts.append(chunk.start)
            batch.ends.append(chunk.end)
            batch.kinds.append(KIND_CODES[chunk.kind])
            batch.word_counts.append(len(encoded.split()))  # ASCII whitespace, as always
            batch.text_lengths.append(len(encoded))
            texts.append(encoded)
            if "(" in chunk.text:  # (what an acronym definition needs)
                collect_acronyms(chunk.text, defined)
        batch.acronyms += [(offset, short, phrase, count) for short, phrases in defined.items()
                           for phrase, count in phrases.items()]
        timers["analyze"] += time.perf_counter() - t2
    batch.blob = b"".join(texts)
    batch.seconds = timers
    return batch


def processed_batches(
    articles: list[Article], workers: int, fallback: list[str] | None = None
) -> Iterator[tuple[int, Batch]]:
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
        yield lo, process_articles(articles[lo : lo + _SERIAL_BATCH_ARTICLES])


def _parallel_batches(articles: list[Article], workers: int) -> Iterator[tuple[int, Batch]]:
    bounds = range(0, len(articles), _BATCH_ARTICLES)
    # fork is quickest and needs no `if __name__ == "__main__"` guard in the caller's script, but it
    # copies other threads' locks mid-flight: with threads about (a bot, a numba warm-up), spawn.
    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        results = pool.map(process_articles, (articles[lo : lo + _BATCH_ARTICLES] for lo in bounds))
        yield from zip(bounds, results, strict=True)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: be killed when the parent goes, and leave now if it already went.

    Linux sends the signal when the *thread* that forked us ends: builds run in the thread that
    owns the pool, which outlives it. Elsewhere (no prctl) this does nothing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's executor still reaps its workers
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
