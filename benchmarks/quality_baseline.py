"""The reference point for `newsbot eval` on NewsQA dev: naive regex sentence split + rank-bm25 BM25Okapi.

Every story of ../shared/eval/newsqa/corpus (title line dropped) is split after . ! ? followed by
whitespace, tokenized as lowercase ``\\w+`` (or ``lower().split()`` with --split), and scored with
rank-bm25's BM25Okapi (k1=1.5, b=0.75). For each dev question the top sentences are compared with
the gold answers the way `newsbot eval` does (case- and accent-insensitive containment):
answer@1 (top sentence), hit@5 (top 5), source@1 (top sentence's article).

    python benchmarks/quality_baseline.py [--shared ../shared]

Skips (exit 0, a message) when the NewsQA sample is absent. Takes about a minute (rank-bm25 scores
every sentence in Python for every question).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import fold  # noqa: E402

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


def norm(text: str) -> str:
    return " ".join(fold(text).split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--split", action="store_true", help="lower().split() tokens instead of \\w+")
    args = parser.parse_args()
    base = args.shared / "eval" / "newsqa"
    corpus, questions_file = base / "corpus", base / "dev_questions.jsonl"
    if not corpus.is_dir() or not questions_file.is_file():
        print(f"skipped: NewsQA sample not found under {base}")
        return 0
    tokenize = (lambda s: s.lower().split()) if args.split else (lambda s: _WORD.findall(s.lower()))

    t0 = time.perf_counter()
    sentences: list[str] = []
    owner: list[str] = []
    for path in sorted(corpus.glob("*.txt")):
        body = path.read_text(encoding="utf-8").partition("\n")[2]  # line 1 is the synthetic title
        for sentence in _SENTENCE_END.split(body.strip()):
            if sentence.strip():
                sentences.append(sentence.strip())
                owner.append(path.stem)
    bm25 = BM25Okapi([tokenize(s) for s in sentences], k1=1.5, b=0.75)
    questions = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    t1 = time.perf_counter()

    at1 = at5 = src1 = 0
    for q in questions:
        scores = bm25.get_scores(tokenize(q["question"]))
        top = np.argsort(-scores, kind="stable")[:5]
        gold = [norm(a) for a in q["answers"]]
        hit = [any(g in norm(sentences[i]) for g in gold) for i in top]
        at1 += hit[0]
        at5 += any(hit)
        src1 += owner[top[0]] in q["sources"]
    t2 = time.perf_counter()
    n = len(questions)
    tokens = "lower().split()" if args.split else "\\w+"
    print(f"{len(sentences):,} sentences from {len(set(owner))} stories, {n} questions, tokens {tokens}")
    print(f"answer@1 {at1}/{n} ({100 * at1 / n:.1f} %)   hit@5 {at5}/{n} ({100 * at5 / n:.1f} %)   "
          f"source@1 {src1}/{n} ({100 * src1 / n:.1f} %)")
    print(f"index {t1 - t0:.1f} s, questions {t2 - t1:.1f} s ({1000 * (t2 - t1) / n:.0f} ms per question)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
