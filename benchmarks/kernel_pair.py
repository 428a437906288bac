"""Paired timing of this tree's BM25 kernels against another version of them, one question at a time.

    python benchmarks/kernel_pair.py INDEX_DIR OTHER_KERNELS_PY [--field sentences|articles] [--rounds 3]

``OTHER_KERNELS_PY`` is another version of ``index/bm25/_kernels.py`` (from a snapshot of another commit, or an
edited copy): it is loaded as a module of its own and compiled beside this tree's. Both serve the same loaded
index (``INDEX_DIR``) through this tree's scorer; for each of 200 NewsQA dev questions the two are called one
right after the other, alternating which goes first, each after a 32 MB sweep of the caches (in service a
question's postings and scratch were evicted by the questions before it). First, every question's results are
checked to be the same from both. Per question, the best of the rounds; printed: each version's p50, the
ratio of the p50s (other / this) and the median and mean of the per-question ratios.

* ``sentences``: the ranking's top 100 over quotable sentences (`BM25Scorer.top_k`);
* ``articles``: the candidates' articles' scores and the best article's (`BM25Scorer.scores_and_best`).

Numba compiles the other version on its first run; give the run a ``NUMBA_CACHE_DIR`` of its own (numba cannot
load a cache it made for the same file under another module name).
Questions: ``NEWSBOT_SHARED`` (default ../shared)/eval/newsqa/dev_questions.jsonl.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSBOT_SHARED", REPO.parent / "shared"))
QUESTIONS = SHARED / "eval" / "newsqa" / "dev_questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("other_kernels")
    parser.add_argument("--field", choices=("sentences", "articles"), default="sentences")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not QUESTIONS.is_file():
        raise SystemExit(f"no questions at {QUESTIONS} (set NEWSBOT_SHARED)")

    import numpy as np

    import index.bm25._scorer as scorer_module
    from index import Retriever, load_index, warm_up
    from index.bm25._kernels import numba_kernels, typed_lists_ready

    spec = importlib.util.spec_from_file_location("other_kernels", args.other_kernels)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {args.other_kernels}")
    other = importlib.util.module_from_spec(spec)
    sys.modules["other_kernels"] = other
    spec.loader.exec_module(other)
    warm_up()
    versions = (numba_kernels(), other.numba_kernels())
    if None in versions:
        raise SystemExit("numba is needed on both sides")
    data = load_index(Path(args.index_dir))
    retriever = Retriever(data)
    while not (typed_lists_ready() and data.sentences.doc_lens_ready and data.headlines.doc_lens_ready):
        time.sleep(0.05)
    with open(QUESTIONS, encoding="utf-8") as fh:
        questions = [json.loads(line)["question"] for line in fh if line.strip()][:200]
    terms = [[t for group in retriever.query_terms(q) for t in group] for q in questions]
    mask = retriever._quotable_mask
    articles = [np.unique(np.asarray(data.chunk_article)[data.sentences.top_k(t, 100, allowed=mask)[0]])
                .astype(np.int64) for t in terms]

    def run(kernels: Any, i: int) -> Any:
        scorer_module.numba_kernels = lambda: kernels  # the scorer looks its kernels up per call
        if args.field == "articles":
            return data.headlines.scores_and_best(terms[i], articles[i])
        return data.sentences.top_k(terms[i], 100, allowed=mask)

    for i in range(len(terms)):
        a, b = (run(k, i) for k in versions)
        same = np.array_equal(a[0], b[0]) and (a[1] == b[1] if args.field == "articles" else np.array_equal(a[1], b[1]))
        if not same:
            raise SystemExit(f"the two versions differ on question {i}: {questions[i]!r}")
    sweep = np.ones(4_000_000)  # 32 MB
    best = [[float("inf")] * len(terms) for _ in versions]
    for r in range(args.rounds):
        for i in range(len(terms)):
            for k in (0, 1) if (i + r) % 2 == 0 else (1, 0):
                sweep.sum()
                start = time.perf_counter()
                run(versions[k], i)
                best[k][i] = min(best[k][i], (time.perf_counter() - start) * 1000)
    ratios = [b / a for a, b in zip(best[0], best[1], strict=True)]
    print(f"{args.field}: this p50 {statistics.median(best[0]):.3f} ms, other p50 {statistics.median(best[1]):.3f} ms; "
          f"other / this: p50 {statistics.median(best[1]) / statistics.median(best[0]):.3f}, per question median "
          f"{statistics.median(ratios):.3f}, mean {statistics.fmean(ratios):.3f} ({args.rounds} rounds)")


if __name__ == "__main__":
    main()
