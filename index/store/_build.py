"""Building an index: every article through the workers, then the two BM25 scorers over the results."""

from __future__ import annotations

import logging
import time
from array import array
from collections.abc import Iterator

import numpy as np

from ..articles import ReadReport
from ..bm25 import BM25Scorer
from ..text import MIN_QUOTABLE_WORDS, analyzer_signature, merge_acronyms, resolve_acronyms
from ._model import BM25_PARAMS, FORMAT_VERSION, ArticleRecord, BuildReport, IndexData, Progress
from ._workers import processed_batches, split_terms, worker_count


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
    n_workers = worker_count(total, workers)
    stats.workers = n_workers
    records: list[ArticleRecord] = []
    starts = array("i")
    ends = array("i")
    kinds = array("b")
    word_counts = array("i")
    text_lengths = array("q")
    blobs: list[bytes] = []
    sentence_terms: list[str | None] = []  # each chunk's terms, join_terms'ed: 1M small lists would cost far more
    headline_terms: list[str | None] = []  # each kept article's headline terms, likewise
    chunk_article = array("i")
    acronyms: dict[str, dict[str, int]] = {}
    cpu = {"clean": 0.0, "split": 0.0, "analyze": 0.0}
    t_process = time.perf_counter()
    done = 0
    fallback: list[str] = []
    for lo, batch in processed_batches(articles, n_workers, fallback):
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
                    article.origin, len(chunk_article), n_chunks, article.title_from_body, article.date_source,
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
    sentences = BM25Scorer.build(map(split_terms, sentence_terms), **BM25_PARAMS)
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


def _article_docs(
    records: list[ArticleRecord], headline_terms: list[str | None], sentence_terms: list[str | None]
) -> Iterator[list[str]]:
    """Each article's headline terms, then the terms of its chunks in order."""
    for record, headline in zip(records, headline_terms, strict=True):
        terms = split_terms(headline)
        for joined in sentence_terms[record.first_chunk : record.first_chunk + record.n_chunks]:
            terms.extend(split_terms(joined))
        yield terms
