"""What questions about time cost at scale: the articles' days (read once per snapshot), a range's mask
(per question), search within a range against search over everything, and a whole answer for a question
that is only a time ("What happened yesterday?").

    python benchmarks/time_questions.py --corpus CORPUS --cache-dir DIR [--questions N]

CORPUS is any dated corpus; the scale benchmark's 1M-sentence .jsonl (`python benchmarks/scale.py --sizes
1000000 --keep` leaves it under its --work directory) has Reuters' dates (1987) on most of its articles. Results go to
benchmarks/results/time_questions.json."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bot import NewsService  # noqa: E402
from index import UNDATED, QueryError, Retriever, day_number, day_of  # noqa: E402

QUESTIONS = HERE.parent.parent / "shared" / "eval" / "newsqa" / "dev_questions.jsonl"


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered) * 1000, 3),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()

    started = time.perf_counter()
    service = NewsService.open(args.corpus, args.cache_dir)
    opened = time.perf_counter() - started
    retriever = Retriever(service.retriever.data)  # a fresh one: its articles' days not yet read
    started = time.perf_counter()
    days = retriever.article_days
    days_s = time.perf_counter() - started
    known = days[days != UNDATED]
    if known.size == 0:
        print("no article of this corpus has a known date", file=sys.stderr)
        return 1
    newest = day_of(int(known.max()))
    # a range holding about a tenth of the dated articles: the newest tenth
    cut = int(np.quantile(known, 0.9))
    lo, hi = day_of(cut), newest
    masks = []
    for _ in range(100):
        t = time.perf_counter()
        mask = (days >= day_number(lo)) & (days <= day_number(hi))
        allowed = retriever._quotable & mask[retriever.data.chunk_article]  # what rank() does per question
        masks.append(time.perf_counter() - t)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()[: args.questions]] \
        if QUESTIONS.exists() else ["Who won the election?", "What did the minister say?"] * 50
    plain, within = [], []
    for q in questions:
        for out, kw in ((plain, {}), (within, {"articles": mask})):
            t = time.perf_counter()
            try:
                retriever.search(q, k=20, **kw)
            except QueryError:  # a question without content words
                continue
            out.append(time.perf_counter() - t)
    service.now = newest + dt.timedelta(days=1)
    digest = []
    for _ in range(20):
        t = time.perf_counter()
        answer = service.answer("What happened yesterday?")
        digest.append(time.perf_counter() - t)
    result = {
        "corpus": str(args.corpus), "articles": len(days), "dated_articles": int(known.size),
        "sentences": int(retriever.data.n_chunks), "open_s": round(opened, 2),
        "article_days_s": round(days_s, 3), "range": [lo.isoformat(), hi.isoformat()],
        "articles_in_range": int(mask.sum()), "quotable_in_range": int(allowed.sum()),
        "mask_ms": _ms(masks), "search_ms": _ms(plain), "search_within_range_ms": _ms(within),
        "digest_answer_ms": _ms(digest), "digest_sources": len(answer.sources),
        "digest_note": answer.dates.note if answer.dates else None,
    }
    print(json.dumps(result, indent=2))
    target = HERE / "results" / "time_questions.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
