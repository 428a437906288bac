"""Outage benchmark: the real bot process loses the Bot API for a minute while questions pile up.

    python benchmarks/outage.py                           # 100 questions, 60 s of refused connections
    python benchmarks/outage.py --mode 502 --json out.json

Everything stays on 127.0.0.1: the fake Bot API (bot.tgbot.testing) runs in this process, the bot
runs as ``python -m bot`` against it with the seed corpus, a fresh cache and INFO logging, as in
benchmarks/load.py. Once the bot has answered a warm-up question, the fake goes down (``--mode
refuse``: the listening socket and every open connection closed, so connections are refused; ``502``:
every request answered 502 Bad Gateway) for ``--outage`` seconds. Meanwhile ``--questions``
questions arrive from ``--chats`` chats (half private, half supergroups with an @mention), spread
over the first 80 % of the outage. Then the API comes back.

Reported: questions answered exactly once / more than once / not at all, the time from the API's
return to the first and the last answer, and the bot's log lines from the start of the outage to
the last answer: all of them, and those about the outage (every line but the bot's one INFO line
per answered question). Exit status 0 when every question was answered exactly once and the log
said at most 5 lines about the outage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from load import QUESTIONS, TOKEN, bot_env, code_version, group_text, latency_summary, machine, make_chats, until

from bot.tgbot.testing import FakeBotAPI

MAX_OUTAGE_LINES = 5
ANSWER_LINE = " INFO newsbot.telegram: update "  # "update N: answer with 2 quote(s)", one per question


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    report: dict[str, Any] = {"machine": machine(), "code": code_version(),
                              "settings": {k: v for k, v in vars(args).items() if k != "json"}}
    fake = FakeBotAPI(token=TOKEN)
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-outage-"))
    log_path = workdir / "bot.log"
    print(f"fake Bot API at {fake.url}; bot log {log_path}", file=sys.stderr, flush=True)
    chats = make_chats(args.chats, 2_000_000)
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=workdir, env=bot_env(fake, workdir / "cache", 1000, "INFO"),
            stdout=log, stderr=log)
        try:
            await fake.wait_polling(timeout=180)
            fake.push_message(QUESTIONS[0], user_id=1)
            await fake.wait_for_messages(1, timeout=30)
            await asyncio.sleep(1.0)
            log_mark = log_path.stat().st_size
            sent_before = len(fake.sent_messages)

            print(f"outage ({args.mode}) for {args.outage:.0f} s; {args.questions} questions from "
                  f"{args.chats} chats arrive meanwhile", file=sys.stderr, flush=True)
            await fake.outage(args.mode)
            down_at = time.monotonic()
            asked: list[dict[str, Any]] = []
            spread = 0.8 * args.outage
            for i in range(args.questions):
                await asyncio.sleep(max(0.0, down_at + spread * i / args.questions - time.monotonic()))
                chat = chats[i % len(chats)]
                question = rng.choice(QUESTIONS)
                text = question if chat.kind == "private" else group_text(question, fake.username, rng)
                update = fake.push_message(text, chat_id=chat.chat_id, chat_type=chat.kind,
                                           user_id=rng.choice(chat.members))
                asked.append(update["message"])
            await asyncio.sleep(max(0.0, down_at + args.outage - time.monotonic()))
            await fake.restore()
            back_at = time.monotonic()
            print("the API is back", file=sys.stderr, flush=True)

            def replies() -> Counter[tuple[int, int]]:
                return Counter((m.chat_id, m.reply_to_message_id or 0) for m in fake.sent_messages[sent_before:])

            keys = [(m["chat"]["id"], m["message_id"]) for m in asked]
            await until(lambda: all(replies()[k] for k in keys), args.drain_timeout)
            await asyncio.sleep(2.0)  # anything answered twice would show by now
            done_at = time.monotonic()
            counts = replies()
            after = [m.at - back_at for m in fake.sent_messages[sent_before:]]
            report["result"] = {
                "questions": len(keys),
                "answered_once": sum(counts[k] == 1 for k in keys),
                "answered_more_than_once": sum(counts[k] > 1 for k in keys),
                "not_answered": sum(counts[k] == 0 for k in keys),
                "messages_sent": len(fake.sent_messages) - sent_before,
                "seconds_from_return_to_answers": latency_summary(after),
                "first_answer_after_return_s": round(min(after), 2) if after else None,
                "outage_seconds": round(back_at - down_at, 1),
                "refused_or_502_requests_seen_by_the_fake": fake.outage_refused,
            }
            with open(log_path, "rb") as fh:
                fh.seek(log_mark)
                lines = fh.read().decode("utf-8", errors="replace").splitlines()
            about = [line for line in lines if ANSWER_LINE not in line]
            report["log"] = {
                "lines_from_outage_to_last_answer": len(lines),
                "per_question_answer_lines": len(lines) - len(about),
                "lines_about_the_outage": len(about),
                "tracebacks": sum("Traceback" in line for line in lines),
                "the_lines": about,
                "path": str(log_path),
            }
            report["drain_seconds"] = round(done_at - back_at, 1)
            proc.send_signal(signal.SIGTERM)
            report["exit_status"] = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    await fake.stop()
    return report


def print_report(r: dict[str, Any]) -> None:
    res, log = r["result"], r["log"]
    lat = res["seconds_from_return_to_answers"]
    print(f"outage {res['outage_seconds']} s ({r['settings']['mode']}), {res['questions']} questions waiting")
    print(f"  answered once {res['answered_once']}, more than once {res['answered_more_than_once']}, "
          f"not at all {res['not_answered']} ({res['messages_sent']} messages sent)")
    if lat.get("n"):
        print(f"  after the return: first answer {res['first_answer_after_return_s']:.1f} s, "
              f"p50 {lat['p50']:.1f} s, last {lat['max']:.1f} s")
    print(f"  log from the outage to the last answer: {log['lines_from_outage_to_last_answer']} lines, "
          f"{log['per_question_answer_lines']} of them one per answered question, "
          f"{log['lines_about_the_outage']} about the outage, {log['tracebacks']} tracebacks:")
    for line in log["the_lines"]:
        print(f"    {line}")
    print(f"  exit status on SIGTERM: {r['exit_status']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the Bot API is down")
    parser.add_argument("--mode", choices=["refuse", "502"], default="refuse")
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    res = report["result"]
    ok = (res["answered_once"] == res["questions"] and report["log"]["lines_about_the_outage"] <= MAX_OUTAGE_LINES)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
