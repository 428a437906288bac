"""Inline-mode benchmark: how long the real bot takes to answer inline queries at N sentences.

    python benchmarks/inline.py                          # 100,000 sentences, 300 queries
    python benchmarks/inline.py --sizes 100000 1000000 --json out.json

Corpus: the one benchmarks/scale.py grows from ../shared/bench/news_articles.jsonl.gz (real articles,
then word-dropped copies of them past ~178k sentences; skipped with a message when absent), written
once per size to ``--work`` and indexed there with ``newsbot index`` (both kept for the next run).
Queries: the first ``--queries`` NewsQA dev questions (../shared/eval/newsqa/dev_questions.jsonl).

The bot runs as ``python -m bot`` against the fake Bot API (bot.tgbot.testing) in this process, all
on 127.0.0.1. Queries go one at a time (from distinct users, so no flood limit applies), after
``--warm-up`` unmeasured ones. **Server time** is measured by the fake: from handing the query to
the bot (the getUpdates response) to the bot's answerInlineQuery call arriving — retrieval, the
composer, building up to three results and both HTTP legs, not Telegram's own network.

Target (issue 14): p95 <= 50 ms at 1M sentences.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from load import TOKEN, bot_env, code_version, latency_summary, machine, proc_status
from scale import BENCH, QUESTIONS, _count_chunks, _questions, _real_articles, grow_corpus

from bot.tgbot.testing import FakeBotAPI

TARGET_P95_MS = 50.0
WORK = Path("/tmp/newsbot-inline-bench")


def prepare(size: int, work: Path, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """The grown corpus and its index for `size` sentences (made once, then reused)."""
    folder = work / str(size)
    folder.mkdir(parents=True, exist_ok=True)
    corpus, cache = folder / "corpus.jsonl", folder / "cache"
    info_path = folder / "corpus.json"
    if not corpus.exists() or not info_path.exists():
        print(f"growing a corpus of ~{size:,} sentences in {corpus}", file=sys.stderr, flush=True)
        raw = _real_articles()
        info = grow_corpus(size, raw, _count_chunks(raw, work), seed, corpus)
        info_path.write_text(json.dumps(info))
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot", "index", "--corpus", str(corpus), "--cache-dir", str(cache)],
                   check=True)
    info = json.loads(info_path.read_text())
    info["index_seconds"] = round(time.monotonic() - started, 1)
    return corpus, cache, info


async def measure(corpus: Path, cache: Path, questions: list[str], warm_up: int) -> dict[str, Any]:
    fake = FakeBotAPI(token=TOKEN)
    await fake.start()
    env = bot_env(fake, cache, 10_000, "WARNING")
    env["NEWSBOT_CORPUS"] = str(corpus)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", env=env, cwd=cache.parent,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await fake.wait_polling(timeout=600)
        server_ms: list[float] = []
        offered: list[int] = []
        for i, question in enumerate(questions[:warm_up] + questions):
            update = fake.push_inline_query(question, user_id=10_000 + i)
            answer = await fake.wait_inline_answer(update, timeout=30)
            query = fake.inline_queries[update["inline_query"]["id"]]
            if i >= warm_up:
                server_ms.append(1000 * (query["answered_at"] - query["at"]))
                offered.append(len(answer["results"]))
        rss = proc_status(proc.pid)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    return {
        "queries": len(server_ms),
        "server_ms": latency_summary(server_ms),
        "queries_offering_results": sum(n > 0 for n in offered),
        "results_per_answered_query": round(sum(offered) / max(1, sum(n > 0 for n in offered)), 2),
        "bot_rss_mb": round(rss.get("VmRSS", 0) / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--work", type=Path, default=WORK, help="where grown corpora and indexes are kept")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not BENCH.exists() or not QUESTIONS.exists():
        print(f"skipped: {BENCH} or {QUESTIONS} is missing", file=sys.stderr)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "code": code_version(), "sizes": {}}
    questions = _questions(args.queries)
    ok = True
    for size in args.sizes:
        corpus, cache, info = prepare(size, args.work, args.seed)
        result = {"corpus": info, **asyncio.run(measure(corpus, cache, questions, args.warm_up))}
        report["sizes"][str(size)] = result
        ms = result["server_ms"]
        print(f"{size:>9,} sentences: inline server time p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f} ms, "
              f"p99 {ms['p99']:.1f} ms, max {ms['max']:.1f} ms over {result['queries']} queries; "
              f"{result['queries_offering_results']} offered results "
              f"({result['results_per_answered_query']} each); bot RSS {result['bot_rss_mb']} MB")
        ok &= ms["p95"] <= TARGET_P95_MS
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
