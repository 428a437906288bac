"""Building an index in memory from articles already read: one segment, every article live.

What ``open_index`` does for a corpus with no usable index, without a cache directory; the tests and
benchmarks compare builds with it (serial and parallel give the same index, array for array)."""

from __future__ import annotations

import time
import uuid

from ..articles import ReadReport
from ..bm25 import Lexicon
from ..text import analyzer_signature
from ._commit import Commit, FileEntry, SegmentEntry
from ._model import BM25_PARAMS, BuildReport, Progress
from ._segment import FileArticles, build_segment
from ._snapshot import IndexData, LiveSegment, make_snapshot

MEMORY_FILE = "(articles)"  # the one pseudo file of an index built from a ReadReport


def build_index(
    report: ReadReport, *, corpus: str = "", progress: Progress | None = None, workers: int | None = None,
) -> tuple[IndexData, BuildReport]:
    """Clean, split and analyze every article of the report into one segment and open it.

    Large corpora (more than PARALLEL_MIN_ARTICLES articles) are cleaned, split and analyzed in
    worker processes, a batch of articles at a time, results taken in corpus order: the index is the
    same, array for array, as a serial build's. ``workers`` overrides the number of processes
    (1 = serial); the default is the CPUs this process may use, at most MAX_BUILD_WORKERS. Workers
    are forked, or spawned when other threads run: then, as always with spawn, a script that builds
    a large index needs the ``if __name__ == "__main__":`` guard (newsbot's entry points have it)."""
    t0 = time.perf_counter()
    segment, lexicon, build = build_segment("seg-memory", [FileArticles(MEMORY_FILE, "", report.articles)],
                                            Lexicon.empty(), progress=progress, workers=workers)
    skipped = list(report.skipped) + build.skipped.get(MEMORY_FILE, [])
    entry = FileEntry(MEMORY_FILE, 0, 0, 0, 0, "", segment.name if segment.n_articles else None, tuple(skipped),
                      tuple(report.warnings), tuple(build.unindexed.get(MEMORY_FILE, [])))
    commit = Commit(generation=0, content_id=uuid.uuid4().hex[:8], analyzer=analyzer_signature(),
                    bm25=dict(BM25_PARAMS), corpus=corpus, lexicon=None, lexicon_checksums={},
                    segments=[SegmentEntry(segment.name, "", segment.n_chunks, segment.n_chunks)], files=[entry],
                    built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    data = make_snapshot(commit, {segment.name: LiveSegment.of(segment, None)}, lexicon)
    stats = BuildReport(articles=len(data.articles), sentences=data.n_chunks, quotable=int(data.quotable.sum()),
                        skipped=skipped, warnings=list(report.warnings), workers=build.workers)
    stats.seconds = {"read": 0.0, **build.seconds}
    stats.seconds["open"] = time.perf_counter() - t0 - sum(build.seconds.values())
    return data, stats
