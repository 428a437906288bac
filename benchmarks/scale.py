"""Scale benchmark: build, load and query newsbot's index at 10k / 100k / 1M sentences.

    python benchmarks/scale.py --sizes 10000 100000 1000000

Corpus: ../shared/bench/news_articles.jsonl.gz (28,868 real articles, ~178k sentences after
newsbot's cleaning and splitting; skipped with a message when absent), grown to N sentences by the
method of ../shared/bench/README.md: every real article (so every real sentence) once, then copies
of the articles in which each whitespace-separated word is dropped independently with p=0.1
(seeded), until the index holds about N sentences. A 1M figure is therefore ~18% real text and
~82% word-dropped copies of it, whose vocabulary grows less than a real corpus's would. Below the
real count, N is reached with a seeded sample of whole real articles.

The index is built through the normal ingestion path: the grown corpus is written as a temporary
``.jsonl`` of articles (real ones as they are, synthetic ones with the dropped-word title and body of
one real article) and ``open_index`` builds it (read, clean, split, analyze, index, save), with a
rich progress bar. Each phase runs in its own subprocess so peak RSS and load time are honest:

* build: ``open_index(force=True)`` on the corpus, one segment; BuildReport.seconds by stage, peak
  RSS of the builder and of its largest worker, index size on disk.
* grow: the same articles as ten ``.jsonl`` files of about a tenth each, indexed as the corpus grows
  (the first file, then each next one added with ``open_index``, merge policy on), then two small
  files: an index of the same sentences in twelve segments. Each add's wall time.
* load: each index's files dropped from the page cache (``posix_fadvise`` DONTNEED, only these
  files), then ``load_index`` (cold, every file's checksum verified), again (warm), and
  ``NewsService.open`` (what the bot does at start: stat the corpus, load); top_k p50 on the
  one-segment index for reference.
* serve, on the segmented index: ``BM25Scorer.top_k(terms, 10)`` for 200 real questions (NewsQA dev,
  analyzed with ``index.analyze``; best of 3 rounds per question, as the machine is shared), then
  ``NewsService.answer`` (best of 2 rounds), then the serving RSS. Only then, in the same process and
  with the same tokens (every sentence's stored terms): bm25s (numba backend, method "robertson", one
  thread) p50/p95, and rank-bm25 ``BM25Okapi.get_scores`` on a sample of questions, whose scores and
  top 10 are checked bit for bit against ours.

Prints a table and writes benchmarks/results/scale.json (results merged by size). The tree must
not change during a run (a 1M run takes ~10 minutes): with others editing it, run a snapshot,
    git archive HEAD | tar -x -C /tmp/snap && NEWSBOT_SHARED=$PWD/../shared \
        NEWSBOT_BENCH_COMMIT=$(git rev-parse --short HEAD) \
        python /tmp/snap/benchmarks/scale.py --out benchmarks/results/scale.json
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

SHARED = Path(os.environ.get("NEWSBOT_SHARED", REPO.parent / "shared"))
BENCH = SHARED / "bench" / "news_articles.jsonl.gz"
QUESTIONS = SHARED / "eval" / "newsqa" / "dev_questions.jsonl"
RESULTS = HERE / "results" / "scale.json"
DROP_P = 0.1
TARGETS = {
    "query_p50_vs_bm25s": "ours p50 <= 1.0x bm25s (numba) p50 with >= 10 segments, exact BM25Okapi scores",
    "answer_p50_ms": 2.0,
    "build_s_1M": 90.0,
    "load_s": 1.0,
    "serving_rss_mb": 1024.0,
}


# ------------------------------------------------------------------------------------ helpers


def _rss_mb() -> dict[str, float]:
    """VmRSS / VmHWM / RssAnon / RssFile of this process, MiB."""
    out: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = round(int(rest.split()[0]) / 1024, 1)
    return out


def _percentiles(values_ms: list[float]) -> dict[str, float]:
    import numpy as np

    arr = np.asarray(values_ms, dtype=float)
    return {"p50_ms": round(float(np.percentile(arr, 50)), 4), "p95_ms": round(float(np.percentile(arr, 95)), 4),
            "max_ms": round(float(arr.max()), 4), "n": int(arr.size)}


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _drop_page_cache(path: Path) -> None:
    """Evict this directory's files (only them) from the page cache."""
    for p in path.rglob("*"):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def _segments(cache: Path) -> int:
    from index.store import read_current

    commit = read_current(cache)
    return len(commit.segments) if commit else 0


def split_corpus(corpus: Path, target: Path, parts: int = 10) -> list[Path]:
    """The corpus's lines as `parts` files of (about) equal line counts, in name order."""
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    target.mkdir(parents=True, exist_ok=True)
    step = -(-len(lines) // parts)
    out = []
    for i in range(parts):
        path = target / f"part-{i:02d}.jsonl"
        path.write_text("".join(lines[i * step : (i + 1) * step]), encoding="utf-8")
        out.append(path)
    return out


def _questions(n: int) -> list[str]:
    out = []
    with open(QUESTIONS, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line)["question"])
            if len(out) == n:
                break
    return out


def _machine() -> dict[str, object]:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpus": len(os.sched_getaffinity(0)), "cpu_model": model, "python": platform.python_version(),
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def _git_commit() -> str:
    if os.environ.get("NEWSBOT_BENCH_COMMIT"):  # a snapshot has no .git
        return os.environ["NEWSBOT_BENCH_COMMIT"]
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip()
    except OSError:
        return ""


# ------------------------------------------------------------------------------------ corpus


def _real_articles() -> list[dict]:
    with gzip.open(BENCH, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _count_chunks(raw: list[dict], work: Path) -> list[int]:
    """Sentences (index chunks) newsbot makes of each real article; -1 = skipped. Cached in work/."""
    stamp = f"{BENCH.stat().st_size}-{int(BENCH.stat().st_mtime)}"
    cache = work / "real_counts.json"
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved.get("stamp") == stamp:
            return saved["counts"]
    counts = _counts_of(raw)
    cache.write_text(json.dumps({"stamp": stamp, "counts": counts}))
    return counts


def _counts_of(raw: list[dict]) -> list[int]:
    from concurrent.futures import ProcessPoolExecutor

    from index.articles import article_from_json
    from index.store._workers import process_articles

    articles = [article_from_json(obj, f"bench:{i}") for i, obj in enumerate(raw)]
    step = 256
    with ProcessPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        batches = pool.map(process_articles, (articles[i : i + step] for i in range(0, len(articles), step)))
        return [n for batch in batches for n in batch.n_chunks]


def _drop_words(text: str, rng: random.Random) -> str:
    """Each whitespace-separated word dropped with p=0.1; line breaks and indentation kept."""
    lines = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip())]
        kept = [w for w in line.split() if rng.random() >= DROP_P]
        lines.append(indent + " ".join(kept) if kept else "")
    return "\n".join(lines)


def _copy(obj: dict, round_no: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:{obj['id']}:{round_no}")
    title = _drop_words(obj.get("title") or "", rng).strip() or (obj.get("title") or "")
    out = {"id": f"{obj['id']}~{round_no}", "title": title, "text": _drop_words(obj["text"], rng)}
    if obj.get("source"):
        out["source"] = obj["source"]
    return out


def _copy_ratio(raw: list[dict], counts: list[int], seed: int, sample: int = 400) -> float:
    """Sentences a dropped-word copy yields per sentence of its original (dropped full stops merge some)."""
    from index.articles import article_from_json
    from index.store._workers import process_articles

    rng = random.Random(seed)
    picks = [i for i in rng.sample(range(len(raw)), min(sample, len(raw))) if counts[i] > 0]
    copies = [article_from_json(_copy(raw[i], 1, seed), "calibration") for i in picks]
    got = sum(max(n, 0) for n in process_articles(copies).n_chunks)
    return got / max(1, sum(counts[i] for i in picks))


def grow_corpus(size: int, raw: list[dict], counts: list[int], seed: int, target: Path) -> dict[str, object]:
    """Write the corpus for `size` sentences as one .jsonl of articles; return what it holds."""
    real_total = sum(c for c in counts if c > 0)
    n_real = n_syn = 0
    expected = 0.0
    with open(target, "w", encoding="utf-8") as out:
        if size <= real_total:
            order = list(range(len(raw)))
            random.Random(seed).shuffle(order)
            chosen: list[int] = []
            for i in order:
                if expected >= size:
                    break
                if counts[i] > 0:
                    chosen.append(i)
                    expected += counts[i]
            out.writelines(json.dumps(raw[i], ensure_ascii=False) + "\n" for i in sorted(chosen))
            n_real = len(chosen)
        else:
            ratio = _copy_ratio(raw, counts, seed)
            out.writelines(json.dumps(obj, ensure_ascii=False) + "\n" for obj in raw)
            n_real = len(raw)
            expected = float(real_total)
            round_no = 0
            while expected < size:
                round_no += 1
                for obj, c in zip(raw, counts, strict=False):
                    if expected >= size:
                        break
                    if c <= 0:
                        continue
                    out.write(json.dumps(_copy(obj, round_no, seed), ensure_ascii=False) + "\n")
                    n_syn += 1
                    expected += c * ratio
    return {"real_articles": n_real, "synthetic_articles": n_syn, "expected_sentences": int(expected),
            "real_sentences_available": real_total, "corpus_bytes": target.stat().st_size}


# ------------------------------------------------------------------------------------ phases (subprocesses)


def phase_build(corpus: Path, cache: Path) -> dict[str, object]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from index import open_index

    bar = Progress(TextColumn("building {task.fields[label]}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
    task = bar.add_task("build", total=None, label=corpus.name)

    def progress(stage: str, done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    t0 = time.perf_counter()
    loadavg = os.getloadavg()
    with bar:
        data, report = open_index(corpus, cache, force=True, progress=progress, merge=False)
    wall = time.perf_counter() - t0
    assert report is not None
    directory = cache
    me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    self_peak, child_peak = me.ru_maxrss / 1024, workers.ru_maxrss / 1024
    return {
        "wall_s": round(wall, 2),
        "loadavg_1m_before_after": [round(loadavg[0], 2), round(os.getloadavg()[0], 2)],
        "stages_s": {k: round(v, 2) for k, v in report.seconds.items()},
        "workers": report.workers,
        "articles": report.articles,
        "sentences": report.sentences,
        "quotable": report.quotable,
        "skipped": len(report.skipped),
        # CPU seconds used: wall well above (main + workers) / cores means other load on the machine
        "cpu_s": {"main": round(me.ru_utime + me.ru_stime, 1), "workers": round(workers.ru_utime + workers.ru_stime, 1)},
        "peak_rss_mb": round(self_peak, 1),
        "peak_rss_worker_mb": round(child_peak, 1),
        "index_dir": str(directory),
        "index_mb": round(_dir_size(directory) / 2**20, 1),
        "files_mb": {str(p.relative_to(directory)): round(p.stat().st_size / 2**20, 2)
                     for p in sorted(directory.rglob("*")) if p.is_file() and p.stat().st_size > 2**20},
        "vocabulary": data.sentences.vocabulary_size,
        "postings": data.sentences.nnz,
        "segments": _segments(cache),
    }


def phase_grow(parts_dir: Path, cache: Path) -> dict[str, object]:
    """The corpus indexed as it grows: part after part, then two small files (twelve segments)."""
    from index import open_index, wait_for_merges

    parts = sorted(parts_dir.glob("part-*.jsonl"))
    grown = parts_dir.parent / "grown"
    grown.mkdir()
    walls = []
    for part in parts:
        os.replace(part, grown / part.name)
        t = time.perf_counter()
        open_index(grown, cache)
        walls.append(round(time.perf_counter() - t, 2))
        print(f"  grow: {part.name} in {walls[-1]} s, {_segments(cache)} segments", flush=True)
    for i in range(2):
        extra = {"id": f"extra-{i}", "title": f"Extra story {i}",
                 "text": f"The harbour council met on Tuesday {i} and voted on the budget. It passed."}
        (grown / f"zz-extra-{i}.jsonl").write_text(json.dumps(extra) + "\n", encoding="utf-8")
        t = time.perf_counter()
        open_index(grown, cache)
        walls.append(round(time.perf_counter() - t, 2))
    wait_for_merges()
    return {"add_walls_s": walls, "segments": _segments(cache), "sentences": open_index(grown, cache)[0].n_chunks,
            "corpus": str(grown)}


def phase_load(directory: Path, corpus: Path, cache: Path, n_questions: int) -> dict[str, object]:
    from index import analyze, load_index, warm_up

    _drop_page_cache(directory)
    t0 = time.perf_counter()
    data = load_index(directory)
    cold = time.perf_counter() - t0
    rss_after_load = _rss_mb()
    t0 = time.perf_counter()
    load_index(directory)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_index(directory, verify=False)
    unverified = time.perf_counter() - t0
    from bot import NewsService

    warnings: list[str] = []
    t0 = time.perf_counter()
    service = NewsService.open(corpus, cache, warn=warnings.append)
    service_open = time.perf_counter() - t0
    if service.build_report is not None:  # e.g. BM25_PARAMS edited in the working tree meanwhile
        raise SystemExit(f"NewsService.open rebuilt the index instead of loading it: {warnings}")
    warm_up()
    tokens = [analyze(q) for q in _questions(n_questions)]
    data.sentences.top_k(tokens[0], 10)
    best = [min(_timed_once(lambda q=q: data.sentences.top_k(q, 10)) for _ in range(3)) for q in tokens]
    return {"load_cold_s": round(cold, 3), "load_warm_s": round(warm, 3), "load_unverified_s": round(unverified, 3),
            "service_open_s": round(service_open, 3), "rss_after_load_mb": rss_after_load,
            "segments": len(data.segments), "query": _percentiles(best)}


def _timed_once(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def phase_serve(directory: Path, n_questions: int, okapi_sample: int, seed: int) -> dict[str, object]:
    import numpy as np

    from bot import NewsService
    from index import Retriever, analyze, load_index, warm_up

    warm_up()
    data = load_index(directory)
    service = NewsService(Retriever(data))
    questions = _questions(n_questions)
    tokens = [analyze(q) for q in questions]
    scorer = data.sentences

    once: list[float] = []  # the last timed call's first round: each item asked for the first time

    def timed(fn, items, rounds):  # type: ignore[no-untyped-def]
        best = [float("inf")] * len(items)
        once.clear()
        for r in range(rounds):
            for i, item in enumerate(items):
                t = time.perf_counter()
                fn(item)
                ms = (time.perf_counter() - t) * 1000
                best[i] = min(best[i], ms)
                if r == 0:
                    once.append(ms)
        return best

    t = time.perf_counter()
    scorer.top_k(tokens[0], 10)
    first_query_ms = (time.perf_counter() - t) * 1000
    ours = timed(lambda q: scorer.top_k(q, 10), tokens, 3)
    t = time.perf_counter()
    service.answer(questions[0])
    first_answer_ms = (time.perf_counter() - t) * 1000
    answers = timed(service.answer, questions, 2)
    # best of two asks a question twice, and the composer remembers words and names it has seen: each
    # question's first asking alone (its words may still be known from earlier questions, as in service)
    answers_once = list(once)
    serving = _rss_mb()
    result: dict[str, object] = {
        "questions": len(questions),
        "query_first_ms": round(first_query_ms, 3),
        "query": _percentiles(ours),
        "answer_first_ms": round(first_answer_ms, 3),
        "answer": _percentiles(answers),
        "answer_once": _percentiles(answers_once),
        "serving_rss_mb": serving,
    }

    # Baselines, same process, same tokens: every sentence's terms as the index stored them (the
    # analyzer's output; tests/unit/test_index_store.py checks they are equal)
    t = time.perf_counter()
    docs = [data.chunk_terms(i) for i in range(data.n_chunks)]
    result["reanalyze_s"] = round(time.perf_counter() - t, 1)
    result["segments"] = len(data.segments)
    import bm25s

    t = time.perf_counter()
    theirs_index = bm25s.BM25(method="robertson", backend="numba")
    theirs_index.index(docs, show_progress=False)
    result["bm25s_build_s"] = round(time.perf_counter() - t, 1)
    known = [q for q in tokens if q]

    def bm25s_top10(q: list[str]) -> object:
        return theirs_index.retrieve([q], k=10, show_progress=False, n_threads=1)

    bm25s_top10(known[0])  # compile
    result["bm25s"] = _percentiles(timed(bm25s_top10, known, 3))
    kernel = _bm25s_kernel(theirs_index)
    if kernel is not None:  # its numba kernel alone, without retrieve()'s Python around it
        kernel(known[0])
        result["bm25s_kernel"] = _percentiles(timed(kernel, known, 3))
    theirs_index = None  # free it before rank-bm25's own copy of the corpus
    gc.collect()

    from rank_bm25 import BM25Okapi

    t = time.perf_counter()
    okapi = BM25Okapi(docs, k1=scorer.k1, b=scorer.b, epsilon=scorer.epsilon)
    result["rank_bm25_build_s"] = round(time.perf_counter() - t, 1)
    del docs
    sample = random.Random(seed).sample([q for q in tokens if q], min(okapi_sample, len(known)))
    okapi_ms, ours_ms, exact = [], [], True
    for q in sample:
        t = time.perf_counter()
        ref = okapi.get_scores(q)
        okapi_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        ids, sc = scorer.top_k(q, 10)
        ours_ms.append((time.perf_counter() - t) * 1000)
        order = np.lexsort((np.arange(ref.size), -ref))
        want = [int(j) for j in order[:10] if ref[j] > 0]
        exact &= ids.tolist() == want and np.array_equal(sc, ref[want])
        exact &= bool(np.array_equal(scorer.scores(q), ref))
    result["rank_bm25"] = {**_percentiles(okapi_ms), "sample": len(sample), "ours_on_sample": _percentiles(ours_ms),
                           "exact_scores_and_top10": bool(exact)}
    return result


def _bm25s_kernel(index):  # type: ignore[no-untyped-def]
    """bm25s's jitted top-k over one query's token ids (its internals: None if they moved)."""
    import numpy as np

    try:
        from bm25s.numba.retrieve_utils import _retrieve_internal_jitted_serial
    except ImportError:
        return None
    scores = index.scores

    def top10(q: list[str]) -> object:
        ids = np.asarray(index.get_tokens_ids(q), dtype=np.int32)
        return _retrieve_internal_jitted_serial(
            query_tokens_ids_flat=ids, query_pointers=np.array([0, ids.size], dtype=np.int32), k=10, sorted=True,
            dtype=np.dtype(index.dtype), int_dtype=np.dtype(index.int_dtype), data=scores["data"],
            indptr=scores["indptr"], indices=scores["indices"], num_docs=scores["num_docs"],
            nonoccurrence_array=None, weight_mask=None)

    return top10


def _run_phase(name: str, *args: str) -> dict[str, object]:
    handle, out = tempfile.mkstemp(prefix=f"scale-{name}-", suffix=".json")
    os.close(handle)
    cmd = [sys.executable, str(Path(__file__).resolve()), "_phase", name, out, *args]
    try:
        subprocess.run(cmd, check=True)
        return json.loads(Path(out).read_text())
    finally:
        os.unlink(out)


# ------------------------------------------------------------------------------------ main


def _table(results: dict[str, dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="newsbot scale benchmark (1M = real + word-dropped copies, see --help); "
                        "query, answer and RSS rows: the grown (segmented) index")
    table.add_column("")
    sizes = sorted(results, key=int)
    for size in sizes:
        table.add_column(f"{int(size):,}", justify="right")

    def row(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        cells = []
        for size in sizes:
            try:
                cells.append(fn(results[size]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        table.add_row(label, *cells)

    row("sentences indexed", lambda r: f"{r['build']['sentences']:,}")
    row("articles (real + copies)", lambda r: f"{r['corpus']['real_articles']:,} + {r['corpus']['synthetic_articles']:,}")
    row("build wall s", lambda r: f"{r['build']['wall_s']:.1f}")
    for stage in ("read", "clean", "split", "analyze", "index", "save"):
        row(f"  {stage} s", lambda r, s=stage: f"{r['build']['stages_s'][s]:.1f}")
    row("build CPU s (main + workers)", lambda r: f"{r['build']['cpu_s']['main']:.0f} + {r['build']['cpu_s']['workers']:.0f}")
    row("build peak RSS MB (main / worker)",
        lambda r: f"{r['build']['peak_rss_mb']:.0f} / {r['build']['peak_rss_worker_mb']:.0f}")
    row("index on disk MB", lambda r: f"{r['build']['index_mb']:.1f}")
    row("load s (cold / warm)", lambda r: f"{r['load']['load_cold_s']:.3f} / {r['load']['load_warm_s']:.3f}")
    row("NewsService.open s", lambda r: f"{r['load']['service_open_s']:.3f}")
    row("query p50 ms, 1 segment", lambda r: f"{r['load']['query']['p50_ms']:.3f}")
    row("grown: segments", lambda r: f"{r['grow']['segments']}")
    row("grown: adds of a tenth, s", lambda r: " ".join(f"{x:.1f}" for x in r['grow']['add_walls_s'][:10]))
    row("grown: load s (cold / warm)",
        lambda r: f"{r['load_segmented']['load_cold_s']:.3f} / {r['load_segmented']['load_warm_s']:.3f}")
    row("query p50 / p95 ms", lambda r: f"{r['serve']['query']['p50_ms']:.3f} / {r['serve']['query']['p95_ms']:.3f}")
    row("bm25s p50 / p95 ms", lambda r: f"{r['serve']['bm25s']['p50_ms']:.3f} / {r['serve']['bm25s']['p95_ms']:.3f}")
    row("ours / bm25s p50 (p95)", lambda r: f"{r['ratios']['vs_bm25s_p50']:.2f}x ({r['ratios']['vs_bm25s_p95']:.2f}x)")
    row("bm25s kernel only p50 / p95 ms",
        lambda r: f"{r['serve']['bm25s_kernel']['p50_ms']:.3f} / {r['serve']['bm25s_kernel']['p95_ms']:.3f}")
    row("ours / bm25s kernel p50 (p95)",
        lambda r: f"{r['ratios']['vs_bm25s_kernel_p50']:.2f}x ({r['ratios']['vs_bm25s_kernel_p95']:.2f}x)")
    row("rank-bm25 p50 ms", lambda r: f"{r['serve']['rank_bm25']['p50_ms']:.0f}")
    row("rank-bm25 / ours p50", lambda r: f"{r['ratios']['rank_bm25_over_ours_p50']:,.0f}x")
    row("exact vs rank-bm25", lambda r: "yes" if r['serve']['rank_bm25']['exact_scores_and_top10'] else "NO")
    row("answer p50 / p95 ms", lambda r: f"{r['serve']['answer']['p50_ms']:.2f} / {r['serve']['answer']['p95_ms']:.2f}")
    row("answer p50 / p95 ms, first asking", lambda r: (f"{r['serve']['answer_once']['p50_ms']:.2f} / "
                                                       f"{r['serve']['answer_once']['p95_ms']:.2f}")
        if "answer_once" in r["serve"] else "-")
    row("serving RSS MB", lambda r: f"{r['serve']['serving_rss_mb']['VmRSS']:.0f}")
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_phase"]:
        name, out, *args = argv[1:]
        if name == "build":
            result = phase_build(Path(args[0]), Path(args[1]))
        elif name == "grow":
            result = phase_grow(Path(args[0]), Path(args[1]))
        elif name == "load":
            result = phase_load(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]))
        else:
            result = phase_serve(Path(args[0]), int(args[1]), int(args[2]), int(args[3]))
        Path(out).write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--okapi-sample", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsbot-scale",
                        help="where corpora and indexes are written (removed per size unless --keep)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not BENCH.exists():
        print(f"scale benchmark skipped: {BENCH} is absent (see ../shared/bench/README.md)")
        return 0
    if not QUESTIONS.exists():
        print(f"scale benchmark skipped: {QUESTIONS} is absent")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    raw = _real_articles()
    t = time.perf_counter()
    counts = _count_chunks(raw, args.work)
    print(f"{len(raw):,} real articles, {sum(c for c in counts if c > 0):,} sentences "
          f"(counted in {time.perf_counter() - t:.0f} s)", flush=True)
    results: dict[str, dict] = {}
    if args.out.exists():
        results = json.loads(args.out.read_text()).get("sizes", {})
    for size in args.sizes:
        where = args.work / f"n{size}"
        shutil.rmtree(where, ignore_errors=True)
        where.mkdir(parents=True)
        corpus, cache = where / "articles.jsonl", where / "cache"
        t = time.perf_counter()
        corpus_info = grow_corpus(size, raw, counts, args.seed, corpus)
        corpus_info["write_s"] = round(time.perf_counter() - t, 1)
        print(f"[{size:,}] corpus: {corpus_info}", flush=True)
        load_before = os.getloadavg()
        build = _run_phase("build", str(corpus), str(cache))
        print(f"[{size:,}] build: {build['wall_s']} s {build['stages_s']}, {build['sentences']:,} sentences, "
              f"peak RSS {build['peak_rss_mb']} MB (worker {build['peak_rss_worker_mb']} MB), "
              f"{build['index_mb']} MB on disk", flush=True)
        load = _run_phase("load", str(cache), str(corpus), str(cache), str(args.questions))
        print(f"[{size:,}] load: {load}", flush=True)
        split_corpus(corpus, where / "parts")
        grow_cache = where / "grow-cache"
        grow = _run_phase("grow", str(where / "parts"), str(grow_cache))
        print(f"[{size:,}] grow: {grow}", flush=True)
        load_grown = _run_phase("load", str(grow_cache), grow["corpus"], str(grow_cache), str(args.questions))
        print(f"[{size:,}] load ({grow['segments']} segments): {load_grown}", flush=True)
        serve = _run_phase("serve", str(grow_cache), str(args.questions), str(args.okapi_sample), str(args.seed))
        q, b, o = serve["query"], serve["bm25s"], serve["rank_bm25"]
        ratios = {
            "vs_bm25s_p50": q["p50_ms"] / b["p50_ms"],
            "vs_bm25s_p95": q["p95_ms"] / b["p95_ms"],
            "rank_bm25_over_ours_p50": o["p50_ms"] / o["ours_on_sample"]["p50_ms"],
        }
        if "bm25s_kernel" in serve:
            ratios["vs_bm25s_kernel_p50"] = q["p50_ms"] / serve["bm25s_kernel"]["p50_ms"]
            ratios["vs_bm25s_kernel_p95"] = q["p95_ms"] / serve["bm25s_kernel"]["p95_ms"]
        print(f"[{size:,}] serve: query {q}, bm25s {b}, answer {serve['answer']}, "
              f"RSS {serve['serving_rss_mb']}, ratios {ratios}", flush=True)
        results[str(size)] = {
            "size": size,
            "corpus": corpus_info,
            "build": build,
            "load": load,
            "grow": grow,
            "load_segmented": load_grown,
            "serve": serve,
            "ratios": ratios,
            "loadavg_before_build": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": _git_commit(),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"method": "real articles once, then copies with each whitespace-separated word dropped "
                             "independently with p=0.1 (seeded) until N sentences; below the real count a seeded "
                             "sample of whole real articles",
                   "machine": _machine(), "targets": TARGETS, "sizes": results}
        args.out.write_text(json.dumps(payload, indent=1))
        if not args.keep:
            shutil.rmtree(where, ignore_errors=True)
    _table(results)
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
