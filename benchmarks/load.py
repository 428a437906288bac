"""Load test: the real bot process against the fake Bot API, 1,000 questions from 100 chats.

    python benchmarks/load.py                       # 1,000 questions at 10/s, then the flood phase
    python benchmarks/load.py --questions 200 --rate 20 --json /tmp/load.json

Everything stays on 127.0.0.1: the fake Bot API (bot.tgbot.testing) runs in this
process, the bot runs as ``python -m bot`` with NEWSBOT_TELEGRAM_API_URL pointing at it, a fresh
NEWSBOT_CACHE_DIR (the bot builds its index at start) and the seed corpus.

Phase 1 (steady traffic): ``--questions`` questions from ``--chats`` chats, half private and half
supergroups (four members each, every question @mentions the bot), arriving as a Poisson process
at ``--rate`` questions a second; a chat's questions come in order, spread over the whole run.
``--p429`` of all sendMessage calls (retries included) are answered ``429 Too Many Requests``
with retry_after 1 s. Reported: questions sent, answers delivered (a reply whose
reply_to_message_id is the question's message), lost (no reply), duplicated (a second message
with the same text to the same question), wrong (a reply that is not the answer NewsService gives to
that question alone, computed in this process before the bot starts — cross-talk between
concurrent questions, or the code changing under a run in a tree others are editing: the report
lists modified bot/ and index/ files), inconsistent (one question text answered differently in
different chats — immune to that skew), per-chat order violations (a
later question of a chat answered before an earlier one), latency from the update being queued
to the first reply message being accepted by the fake (p50/p95/p99/max), and the bot process's
peak RSS (VmHWM from /proc/PID/status).

Phase 2 (flood): one user sends ``--flood`` messages in ``--flood-seconds`` seconds while 20 other
chats keep asking (``--background-rate`` questions a second between them, from 2 s before the
burst to 3 s after it); reported: what the flooder got (answers, notices,
silence) and the other chats' latency before, during and after the burst.

The bot's flood limit is ``--flood-limit`` questions per user per minute (20: more than any phase-1
user asks in a minute, far less than the flooder's 100).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.tgbot.testing import FakeBotAPI, SentMessage  # noqa: E402

CORPUS = ROOT / "corpus"
TOKEN = "7000042:AALoadTestTokenNotARealOne_0123456789abcd"
FLOOD_NOTICE = "faster than I can keep up"

# Questions people ask about the seed corpus (French regional elections, December 2015); the
# last few are off-topic and get the "my articles don't cover that" answer.
QUESTIONS = [
    "Who beat Le Pen in the north?",
    "Who won the regional election in Nord-Pas-de-Calais-Picardie?",
    "Did the National Front win any region in the second round?",
    "In how many regions did the National Front lead after the first round?",
    "Who leads the National Front?",
    "What did Marine Le Pen say after the second round?",
    "How is Marion Marechal-Le Pen related to Marine Le Pen?",
    "Which region did Marion Marechal-Le Pen run in?",
    "Who won in Provence-Alpes-Côte d'Azur?",
    "Who is Xavier Bertrand?",
    "How much did Bertrand win with?",
    "What did Christian Estrosi say?",
    "Did Estrosi beat Marion Marechal-Le Pen?",
    "Who is the President of France?",
    "How many regions did Hollande's Socialists win?",
    "What did Sarkozy's Republicans win?",
    "How many regions did the Republicans win?",
    "Why did the Socialists withdraw their candidates?",
    "What did Cambadélis say the withdrawal would put up?",
    "What was the UMP renamed to?",
    "How many votes did the FN win in the first round?",
    "What percentage of the vote did the National Front get in the first round?",
    "When is the next presidential election?",
    "What did Marine Le Pen write on Twitter before the vote?",
    "Under what legal regime were the elections held?",
    "What was the turnout in the second round?",
    "Where did the National Front finish in the 2010 regional elections?",
    "What did Steeve Briois tell Le Monde?",
    "Who contributed to the BuzzFeed report?",
    "What did Manuel Valls say about the far right?",
    "how did the paris attacks affect the vote",
    "How many regions does France have?",
    "what did le pen call the regional result on december 6",
    "Is Le Pen a candidate for president in 2017?",
    "Who won the Ile-de-France region?",
    "le pen defeat north region who won",
    "What is the capital of Australia?",
    "Recommend a good pizza recipe",
    "Who won the 2015 Rugby World Cup?",
]


# ---------------------------------------------------------------------------------------------
# The fake, with 429s on a share of sendMessage calls


class LoadFake(FakeBotAPI):
    """The fake Bot API answering a random ``p429`` share of sendMessage calls with 429."""

    def __init__(self, *, p429: float, retry_after: int, seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.p429, self.retry_after = p429, retry_after
        self.rng = random.Random(seed)
        self.send_calls = 0

    def _fault_for(self, method: str) -> Any:
        if method.lower() == "sendmessage":
            self.send_calls += 1
            if self.rng.random() < self.p429:
                self.inject_429(1, self.retry_after, "sendMessage")
        return super()._fault_for(method)


if not hasattr(FakeBotAPI, "_fault_for"):  # the hook above relies on it
    raise SystemExit("bot.tgbot.testing.FakeBotAPI has no _fault_for any more; update LoadFake")


# ---------------------------------------------------------------------------------------------
# Traffic


@dataclass
class Chat:
    chat_id: int
    kind: str  # "private" or "supergroup"
    members: list[int]


@dataclass
class Asked:
    """One question pushed to the fake."""

    chat_id: int
    message_id: int
    user_id: int
    text: str
    at: float
    seq: int  # position among this chat's questions
    phase: str


def make_chats(n: int, first_id: int) -> list[Chat]:
    chats = []
    for i in range(n):
        if i % 2 == 0:
            user = first_id + i
            chats.append(Chat(user, "private", [user]))
        else:
            members = [first_id + 10_000 + 10 * i + k for k in range(4)]
            chats.append(Chat(-1_001_000_000_000 - first_id - i, "supergroup", members))
    return chats


def group_text(question: str, username: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"@{username} {question}"
    if style == 1:
        return f"{question.rstrip('?')}, @{username}?"
    return f"@{username}: {question[0].lower()}{question[1:]}"


class Traffic:
    """Pushes questions into the fake and keeps what is needed to match the replies."""

    def __init__(self, fake: LoadFake, rng: random.Random) -> None:
        self.fake, self.rng = fake, rng
        self.asked: list[Asked] = []
        self.by_key: dict[tuple[int, int], Asked] = {}
        self.per_chat: dict[int, int] = defaultdict(int)

    def push(self, chat: Chat, question: str, phase: str, user_id: int | None = None) -> Asked:
        user = user_id if user_id is not None else self.rng.choice(chat.members)
        text = question if chat.kind == "private" else group_text(question, self.fake.username, self.rng)
        update = self.fake.push_message(text, chat_id=chat.chat_id, chat_type=chat.kind, user_id=user,
                                        first_name=f"User{user}", username=f"user{user}")
        asked = Asked(chat.chat_id, update["message"]["message_id"], user, text, time.monotonic(),
                      self.per_chat[chat.chat_id], phase)
        self.per_chat[chat.chat_id] += 1
        self.asked.append(asked)
        self.by_key[(asked.chat_id, asked.message_id)] = asked
        return asked

    def replies(self) -> dict[tuple[int, int], list[tuple[int, SentMessage]]]:
        """(chat, question message id) -> [(index in sent_messages, message)]."""
        found: dict[tuple[int, int], list[tuple[int, SentMessage]]] = defaultdict(list)
        for i, m in enumerate(self.fake.sent_messages):
            if m.reply_to_message_id is not None:
                found[(m.chat_id, m.reply_to_message_id)].append((i, m))
        return found

    def answered(self, phase: str) -> int:
        keys = {(m.chat_id, m.reply_to_message_id) for m in self.fake.sent_messages}
        return sum((a.chat_id, a.message_id) in keys for a in self.asked if a.phase == phase)


class _StyleRng:
    """Stands in for random.Random in group_text to pick a given style."""

    value = 0

    def randrange(self, _n: int) -> int:
        return self.value


def code_version() -> dict[str, Any]:
    """The commit, and the files others were editing when the run started (a dirty tree can
    change the bot between the start of the run and the expected answers)."""
    import subprocess

    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10,
                                  check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = [line[3:] for line in git("status", "--short", "--untracked-files=no").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "modified_code": [p for p in dirty if p.endswith(".py") and p.startswith(("bot/", "index/"))]}


async def until(predicate: Any, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(every)
    return predicate()


# ---------------------------------------------------------------------------------------------
# The bot process


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (kB) of a process, from /proc."""
    values = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def bot_env(fake: FakeBotAPI, cache_dir: Path, flood_limit: int, log_level: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({
        "NEWSBOT_TELEGRAM_TOKEN": fake.token,
        "NEWSBOT_TELEGRAM_API_URL": fake.base_url,
        "NEWSBOT_CORPUS": str(CORPUS),
        "NEWSBOT_CACHE_DIR": str(cache_dir),
        "NEWSBOT_FLOOD_LIMIT": str(flood_limit),
        "NEWSBOT_LOG_LEVEL": log_level,
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    return env


# ---------------------------------------------------------------------------------------------
# Figures


def pct(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank (a value that occurred); nan for no values."""
    return float(np.percentile(values, q, method="inverted_cdf")) if values else float("nan")


def latency_summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p95": round(pct(values, 95), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


@dataclass
class PhaseResult:
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    wrong_examples: list[dict[str, str]] = field(default_factory=list)
    inconsistent_texts: int = 0  # a question text answered differently in different chats
    unmatched_replies: int = 0
    order_violations: int = 0
    chats_out_of_order: int = 0
    order_violations_after_429: int = 0  # the earlier question's answer got a 429 and waited
    order_violation_max_gap_s: float | None = None  # seconds between the two questions
    latency: dict[str, float] = field(default_factory=dict)
    latency_own_send_429: dict[str, float] = field(default_factory=dict)  # the answer's own send got a 429
    latency_no_own_429: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    answers_per_second: float = 0.0
    send_message_calls: int = 0
    served_429: int = 0


def evaluate(traffic: Traffic, phase: str, expected: dict[str, list[str]], started: float) -> PhaseResult:
    asked = [a for a in traffic.asked if a.phase == phase]
    chats = {a.chat_id for a in asked}
    replies = traffic.replies()
    result = PhaseResult(sent=len(asked))
    firsts: dict[tuple[int, int], int] = {}
    latencies: list[float] = []
    answered_asked: list[Asked] = []
    last_at = started
    for a in asked:
        got = replies.get((a.chat_id, a.message_id), [])
        if not got:
            result.lost += 1
            continue
        result.delivered += 1
        texts = [m.html for _, m in got]
        result.duplicated += sum(n - 1 for n in Counter(texts).values())
        if expected.get(a.text) is not None and texts != expected[a.text]:
            result.wrong += 1
            if len(result.wrong_examples) < 3:
                result.wrong_examples.append({"question": a.text, "got": texts[0][:300],
                                              "expected": expected[a.text][0][:300]})
        firsts[(a.chat_id, a.message_id)] = got[0][0]
        latencies.append(got[0][1].at - a.at)
        answered_asked.append(a)
        last_at = max(last_at, got[-1][1].at)
    by_text: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for a in asked:
        got = replies.get((a.chat_id, a.message_id))
        if got:
            by_text[a.text].add(tuple(m.html for _, m in got))
    result.inconsistent_texts = sum(len(v) > 1 for v in by_text.values())
    result.unmatched_replies = sum(
        1 for m in traffic.fake.sent_messages
        if m.chat_id in chats and (m.chat_id, m.reply_to_message_id or -1) not in traffic.by_key
    )
    by_chat: dict[int, list[Asked]] = defaultdict(list)
    for a in asked:
        by_chat[a.chat_id].append(a)
    hit_429 = {
        (c.params.get("chat_id"), (c.params.get("reply_parameters") or {}).get("message_id"))
        for c in traffic.fake.calls if c.method == "sendMessage" and c.status == 429
    }
    gaps = []
    for chat_asked in by_chat.values():
        answered = [a for a in sorted(chat_asked, key=lambda a: a.seq) if (a.chat_id, a.message_id) in firsts]
        violations = 0
        for earlier, later in itertools.pairwise(answered):
            if firsts[(later.chat_id, later.message_id)] < firsts[(earlier.chat_id, earlier.message_id)]:
                violations += 1
                gaps.append(later.at - earlier.at)
                result.order_violations_after_429 += (earlier.chat_id, earlier.message_id) in hit_429
        result.order_violations += violations
        result.chats_out_of_order += violations > 0
    result.order_violation_max_gap_s = round(max(gaps), 3) if gaps else None
    result.latency = latency_summary(latencies)
    result.latency_own_send_429 = latency_summary(
        [lat for a, lat in zip(answered_asked, latencies, strict=False) if (a.chat_id, a.message_id) in hit_429])
    result.latency_no_own_429 = latency_summary(
        [lat for a, lat in zip(answered_asked, latencies, strict=False) if (a.chat_id, a.message_id) not in hit_429])
    result.seconds = round(last_at - started, 2)
    result.answers_per_second = round(result.delivered / result.seconds, 2) if result.seconds else 0.0
    return result


def expected_answers(questions: list[str], username: str, bot_id: int) -> dict[str, list[str]]:
    """question text as typed -> the HTML messages the bot sends for it, computed in this process."""
    from bot import NewsService
    from bot.render import render_answer
    from bot.tgbot import addressed_question

    with tempfile.TemporaryDirectory(prefix="newsbot-load-expect-") as cache:
        service = NewsService.open(CORPUS, Path(cache), warn=lambda _m: None)
        out = {}
        for text in questions:
            private = not text.startswith("@") and f"@{username}" not in text
            asked = addressed_question(text, chat_type="private" if private else "supergroup",
                                       bot_username=username, bot_id=bot_id)
            out[text] = render_answer(service.answer(asked or text))
        close = getattr(service, "close", None)
        if callable(close):
            close()
    return out


def machine() -> dict[str, Any]:
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import telegram

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "python_telegram_bot": telegram.__version__,
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------------------------------------
# The run


async def steady_phase(traffic: Traffic, chats: list[Chat], n: int, rate: float, rng: random.Random,
                       drain_timeout: float) -> float:
    # each chat asks n / len(chats) questions; the order of chats is shuffled over the run
    slots = [chat for chat in chats for _ in range(n // len(chats))]
    slots += chats[: n - len(slots)]
    rng.shuffle(slots)
    started = time.monotonic()
    t = 0.0
    for i, chat in enumerate(slots):
        t += rng.expovariate(rate) if rate > 0 else 0.0
        delay = started + t - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        traffic.push(chat, QUESTIONS[rng.randrange(len(QUESTIONS))], "steady")
        if (i + 1) % 200 == 0:
            print(f"  pushed {i + 1}/{n}, answered {traffic.answered('steady')}", file=sys.stderr, flush=True)
    pushed = time.monotonic()
    await until(lambda: traffic.answered("steady") >= n, drain_timeout)
    print(f"  all pushed in {pushed - started:.1f} s; answered {traffic.answered('steady')}/{n} "
          f"{time.monotonic() - started:.1f} s after the first", file=sys.stderr, flush=True)
    await asyncio.sleep(2.0)  # late duplicates (a retried send delivered twice) would land here
    return started


async def flood_phase(traffic: Traffic, fake: LoadFake, count: int, seconds: float, rng: random.Random,
                      flood_limit: int, background_rate: float, drain_timeout: float) -> dict[str, Any]:
    flooder = Chat(9_000_001, "private", [9_000_001])
    others = make_chats(20, 8_000_000)
    before, after = 2.0, 3.0
    started = time.monotonic()
    burst_start, burst_end = started + before, started + before + seconds

    async def background() -> None:
        # each chat asks once every `every` seconds, at a random moment of that slice
        every = len(others) / background_rate
        t = 0.0
        while t < before + seconds + after:
            moments = sorted((started + t + rng.random() * every, i) for i in range(len(others)))
            for at, i in moments:
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                traffic.push(others[i], QUESTIONS[rng.randrange(len(QUESTIONS) - 3)], "background")
            t += every

    async def burst() -> None:
        await asyncio.sleep(max(0.0, burst_start - time.monotonic()))
        for i in range(count):
            await asyncio.sleep(max(0.0, burst_start + i * seconds / count - time.monotonic()))
            traffic.push(flooder, QUESTIONS[i % (len(QUESTIONS) - 3)], "flood")

    await asyncio.gather(background(), burst())
    n_background = sum(a.phase == "background" for a in traffic.asked)
    await until(lambda: traffic.answered("background") >= n_background
                and len(fake.messages_to(flooder.chat_id)) >= flood_limit + 1, drain_timeout)
    await asyncio.sleep(2.0)

    replies = traffic.replies()
    mine = fake.messages_to(flooder.chat_id)
    notices = [m for m in mine if FLOOD_NOTICE in m.text]
    windows: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    lost = 0
    for a in traffic.asked:
        if a.phase != "background":
            continue
        got = replies.get((a.chat_id, a.message_id))
        if not got:
            lost += 1
            continue
        window = "before" if a.at < burst_start else "during" if a.at < burst_end else "after"
        windows[window].append(got[0][1].at - a.at)
    flood_asked = [a for a in traffic.asked if a.phase == "flood"]
    answered_flood = sum(1 for a in flood_asked if (a.chat_id, a.message_id) in replies)
    first_notice = None
    if notices:
        notice_for = traffic.by_key.get((flooder.chat_id, notices[0].reply_to_message_id or -1))
        first_notice = {
            "after_message_no": notice_for.seq + 1 if notice_for else None,
            "latency_s": round(notices[0].at - notice_for.at, 3) if notice_for else None,
        }
    return {
        "flood_messages": count,
        "flood_seconds": seconds,
        "flood_limit_per_minute": flood_limit,
        "flooder_messages_received": len(mine),
        "flooder_answers": len(mine) - len(notices),
        "flooder_notices": len(notices),
        "flooder_questions_unanswered": count - answered_flood,
        "first_notice": first_notice,
        "notice_text": notices[0].text if notices else None,
        "other_chats": len(others),
        "other_questions": n_background,
        "other_lost": lost,
        "other_latency_before": latency_summary(windows["before"]),
        "other_latency_during": latency_summary(windows["during"]),
        "other_latency_after": latency_summary(windows["after"]),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    report: dict[str, Any] = {"machine": machine(), "settings": {
        k: v for k, v in vars(args).items() if k != "json"}}
    fake = LoadFake(token=TOKEN, p429=args.p429, retry_after=args.retry_after, seed=args.seed + 1)
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    log_path = workdir / "bot.log"
    print(f"fake Bot API at {fake.url}; bot log {log_path}", file=sys.stderr, flush=True)

    chats = make_chats(args.chats, 1_000_000)
    traffic = Traffic(fake, rng)
    # The expected answer to every text the run can type (group texts come in three styles),
    # computed before the bot starts so both run the same code even in a tree others are editing.
    typed = set(QUESTIONS)
    for question in QUESTIONS:
        style_rng = _StyleRng()
        for style in range(3):
            style_rng.value = style
            typed.add(group_text(question, fake.username, style_rng))  # type: ignore[arg-type]
    expected = expected_answers(sorted(typed), fake.username, fake.bot_id)
    report["code"] = code_version()
    started_at = time.monotonic()
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=workdir,
            env=bot_env(fake, workdir / "cache", args.flood_limit, args.log_level),
            stdout=log, stderr=log,
        )
        rss_samples: list[int] = []

        async def sample() -> None:
            while proc.returncode is None:
                rss = proc_status(proc.pid).get("VmRSS")
                if rss:
                    rss_samples.append(rss)
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        try:
            await fake.wait_polling(timeout=180)
            ready = time.monotonic() - started_at
            idle = proc_status(proc.pid)
            cpu_idle = cpu_seconds(proc.pid)
            print(f"bot pid {proc.pid} ready in {ready:.1f} s (index built in a fresh cache), "
                  f"RSS {idle.get('VmRSS', 0) / 1024:.0f} MB", file=sys.stderr, flush=True)
            report["bot"] = {"pid": proc.pid, "ready_seconds": round(ready, 2),
                             "rss_ready_mb": round(idle.get("VmRSS", 0) / 1024, 1)}

            print(f"phase 1: {args.questions} questions from {args.chats} chats at {args.rate}/s",
                  file=sys.stderr, flush=True)
            calls_before = len(fake.calls)
            steady_started = await steady_phase(traffic, chats, args.questions, args.rate, rng, args.drain_timeout)
            cpu_steady = cpu_seconds(proc.pid) - cpu_idle
            steady_calls = fake.calls[calls_before:]
            steady = evaluate(traffic, "steady", expected, steady_started)
            steady.send_message_calls = sum(c.method == "sendMessage" for c in steady_calls)
            steady.served_429 = sum(c.method == "sendMessage" and c.status == 429 for c in steady_calls)
            report["steady"] = asdict(steady)
            report["steady"]["chat_actions"] = sum(c.method == "sendChatAction" for c in steady_calls)
            report["steady"]["bot_cpu_seconds"] = round(cpu_steady, 2)
            report["steady"]["rss_after_mb"] = round(proc_status(proc.pid).get("VmRSS", 0) / 1024, 1)
            report["steady"]["peak_rss_mb"] = round(proc_status(proc.pid).get("VmHWM", 0) / 1024, 1)

            if args.flood:
                print(f"phase 2: {args.flood} messages from one user in {args.flood_seconds} s, "
                      f"20 other chats asking {args.background_rate}/s meanwhile", file=sys.stderr, flush=True)
                calls_before = len(fake.calls)
                report["flood"] = await flood_phase(traffic, fake, args.flood, args.flood_seconds, rng,
                                                    args.flood_limit, args.background_rate, args.drain_timeout)
                report["flood"]["served_429"] = sum(c.status == 429 for c in fake.calls[calls_before:])

            status = proc_status(proc.pid)
            report["bot"]["peak_rss_mb"] = round(status.get("VmHWM", 0) / 1024, 1)
            report["bot"]["rss_end_mb"] = round(status.get("VmRSS", 0) / 1024, 1)
            report["bot"]["cpu_seconds_total"] = round(cpu_seconds(proc.pid), 2)
            stop = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 30)
            report["bot"]["exit_status"] = code
            report["bot"]["shutdown_seconds"] = round(time.monotonic() - stop, 2)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            sampler.cancel()
    await fake.stop()
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    report["bot"]["log_errors"] = sum(" ERROR " in line for line in log_text.splitlines())
    report["bot"]["log_tracebacks"] = log_text.count("Traceback")
    report["bot"]["token_in_log"] = TOKEN in log_text or TOKEN.split(":", 1)[1] in log_text
    report["bot"]["rate_limit_retries_logged"] = log_text.count("Rate limit hit")
    report["bot"]["log"] = str(log_path)
    return report


def print_report(r: dict[str, Any]) -> None:
    m, b = r["machine"], r["bot"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
          f"PTB {m['python_telegram_bot']}, load average at start {m['load_average_at_start']}")
    print(f"bot: ready in {b['ready_seconds']} s (RSS {b['rss_ready_mb']} MB), peak RSS (VmHWM) "
          f"{b['peak_rss_mb']} MB, CPU {b['cpu_seconds_total']} s, exit {b.get('exit_status')} after SIGTERM "
          f"in {b.get('shutdown_seconds')} s; log: {b['log_errors']} ERROR lines, "
          f"{b['log_tracebacks']} tracebacks, {b['rate_limit_retries_logged']} 429 retries, token in log: "
          f"{b['token_in_log']}")
    s = r["steady"]
    lat = s["latency"]
    print(f"code: {r['code']}")
    print(f"\nsteady: sent {s['sent']}, delivered {s['delivered']}, lost {s['lost']}, duplicated "
          f"{s['duplicated']}, wrong answer {s['wrong']}, texts answered inconsistently "
          f"{s['inconsistent_texts']}, unmatched replies {s['unmatched_replies']}, "
          f"order violations {s['order_violations']} (in {s['chats_out_of_order']} chats)")
    print(f"        ({s['order_violations_after_429']} where the earlier answer got a 429; the two questions "
          f"at most {s['order_violation_max_gap_s']} s apart)")
    print(f"        latency p50 {lat.get('p50')} s, p95 {lat.get('p95')} s, p99 {lat.get('p99')} s, "
          f"max {lat.get('max')} s; {s['seconds']} s for all, {s['answers_per_second']} answers/s")
    print(f"        latency when the answer's own send got a 429: {s['latency_own_send_429']}; "
          f"otherwise: {s['latency_no_own_429']}")
    print(f"        sendMessage calls {s['send_message_calls']} ({s['served_429']} answered 429), "
          f"chat actions {s['chat_actions']}, bot CPU {s['bot_cpu_seconds']} s, peak RSS {s['peak_rss_mb']} MB")
    f = r.get("flood")
    if f:
        print(f"\nflood: {f['flood_messages']} messages in {f['flood_seconds']} s (limit "
              f"{f['flood_limit_per_minute']}/min): flooder got {f['flooder_answers']} answers, "
              f"{f['flooder_notices']} notice(s), {f['flooder_questions_unanswered']} messages unanswered; "
              f"first notice {f['first_notice']}")
        print(f"       other chats: {f['other_questions']} questions, {f['other_lost']} lost; latency "
              f"before {f['other_latency_before']}, during {f['other_latency_during']}, "
              f"after {f['other_latency_after']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="questions a second (0: all at once)")
    parser.add_argument("--p429", type=float, default=0.05, help="share of sendMessage calls answered 429")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--flood", type=int, default=100, help="messages in the flood burst (0: no flood phase)")
    parser.add_argument("--flood-seconds", type=float, default=5.0)
    parser.add_argument("--background-rate", type=float, default=5.0,
                        help="questions a second from the 20 other chats during the flood phase")
    parser.add_argument("--flood-limit", type=int, default=20, help="NEWSBOT_FLOOD_LIMIT for the bot")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--drain-timeout", type=float, default=300.0,
                        help="seconds to wait for the last answers after the last question")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s = report["steady"]
    ok = (s["lost"] == 0 and s["duplicated"] == 0 and s["wrong"] == 0 and s["inconsistent_texts"] == 0
          and s["delivered"] == s["sent"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
