"""Paired whole-answer timing of two code trees on one index: does version B answer faster than version A?

    python benchmarks/answer_pair.py INDEX_DIR TREE_A TREE_B [--rounds 3] [--questions 200]

This machine's speed swings by a third from one minute to the next (benchmarks/SCALE.md), so two versions
timed one after the other say little about which is faster. Here two worker processes, one per tree (each
imports ``bot`` and ``index`` from its own tree), load the same index (``INDEX_DIR``: an index directory,
as ``load_index`` takes) and wait until it is fully warmed (numba's typed lists, every posting's document
length). The driver then asks each question of both, one right after the other, alternating which goes
first, for several rounds: the two see the same minute of the machine and the same page cache. Both
workers are pinned to one core and the driver to the other (Linux), so neither version has a core to
itself. Per question, the best of the rounds; printed: each tree's p50, mean and p95, the ratio of the
p50s (B / A) and the median of the per-question ratios.

Questions: the first N of NewsQA dev (``NEWSBOT_SHARED``, default ../shared). A tree is a directory
holding ``bot/`` and ``index/``, such as a snapshot: ``git archive REV | tar -x -C DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SHARED = Path(os.environ.get("NEWSBOT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
QUESTIONS = SHARED / "eval" / "newsqa" / "dev_questions.jsonl"
WORKER_CPU, DRIVER_CPU = 0, 1


def _questions(n: int) -> list[str]:
    with open(QUESTIONS, encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()][:n]


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def worker(tree: str, index_dir: str, n: int) -> None:
    """Load the index with the tree's own code, say "ready" once warmed, then answer question numbers read
    from stdin, printing each answer's milliseconds."""
    _pin(WORKER_CPU)
    sys.path.insert(0, tree)
    import bot
    from bot import NewsService
    from index import Retriever, load_index, warm_up

    if not Path(bot.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"{tree}: imported bot from {bot.__file__}")
    warm_up()
    data = load_index(Path(index_dir))
    service = NewsService(Retriever(data))
    ready = [getattr(data.sentences, "doc_lens_ready", True), getattr(data.headlines, "doc_lens_ready", True)]
    while not all(ready):
        time.sleep(0.05)
        ready = [data.sentences.doc_lens_ready, data.headlines.doc_lens_ready]
    questions = _questions(n)
    for question in questions:  # every word and name the composer remembers, met once
        service.answer(question)
    print("ready", flush=True)
    for line in sys.stdin:
        question = questions[int(line)]
        start = time.perf_counter()
        service.answer(question)
        print((time.perf_counter() - start) * 1000, flush=True)


def _summary(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20)
    return f"p50 {statistics.median(ms):.3f}  mean {statistics.fmean(ms):.3f}  p95 {q[18]:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("tree_a")
    parser.add_argument("tree_b")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    if not QUESTIONS.is_file():
        raise SystemExit(f"no questions at {QUESTIONS} (set NEWSBOT_SHARED)")
    n = len(_questions(args.questions))
    _pin(DRIVER_CPU)
    workers = [subprocess.Popen([sys.executable, __file__, "_worker", tree, args.index_dir, str(n)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for tree in (args.tree_a, args.tree_b)]
    try:
        for w in workers:
            assert w.stdout is not None
            if w.stdout.readline().strip() != "ready":
                raise SystemExit("a worker did not start (its error is above)")
        best = [[float("inf")] * n for _ in workers]
        for r in range(args.rounds):
            for i in range(n):
                for k in (0, 1) if (i + r) % 2 == 0 else (1, 0):
                    w = workers[k]
                    assert w.stdin is not None and w.stdout is not None
                    w.stdin.write(f"{i}\n")
                    w.stdin.flush()
                    best[k][i] = min(best[k][i], float(w.stdout.readline()))
    finally:
        for w in workers:
            if w.stdin is not None:
                w.stdin.close()
            w.wait()
    for tree, ms in zip((args.tree_a, args.tree_b), best, strict=True):
        print(f"{tree:<24} {_summary(ms)}")
    ratios = [b / a for a, b in zip(best[0], best[1], strict=True)]
    print(f"B / A: p50 {statistics.median(best[1]) / statistics.median(best[0]):.3f}, "
          f"median per-question ratio {statistics.median(ratios):.3f} ({args.rounds} rounds, {n} questions)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
