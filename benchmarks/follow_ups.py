"""Follow-up questions and suggested follow-ups, measured.

1. Self-contained questions stay self-contained: every question of a set (the seed questions, the
   NewsQA dev questions), asked right after the question before it in the file, is checked against
   the follow-up rules (how many would be misread as follow-ups) and, through `Thread`, against the
   answer it gets alone (same answer, suggestions aside).
2. The preferred story: the conversations of tests/transcripts/conversations.transcript answered
   with the composer's prefer_bonus at 0 and at other values: which first quotes and short answers
   change.
3. The cost of suggestions: per found answer, the time to answer alone and the time `suggestions`
   adds (it asks at most `MAX_ASKED` questions), with how many it asked and offered.

    python benchmarks/follow_ups.py [--questions FILE.jsonl ...] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import Answer, NewsService  # noqa: E402
from bot.answer import Composer  # noqa: E402
from bot.conversation import Thread, is_follow_up, suggest_follow_ups  # noqa: E402
from bot.evaluation import percentile  # noqa: E402
from bot.transcripts import load  # noqa: E402

SHARED = REPO.parent / "shared"
BONUSES = (0.05, 0.1, 0.15, 0.25, 0.5)


def stays_alone(service: NewsService, questions: list[str], label: str) -> None:
    """Each question after the one before it: misread as a follow-up? the same answer as alone?"""
    misread: list[tuple[str, str]] = []
    different = 0
    for before, question in itertools.pairwise(questions):
        thread = Thread(service)
        thread.ask(before, suggest=False)
        if thread.turn is not None and is_follow_up(question, thread.turn) is not None:
            misread.append((before, question))
        after = thread.ask(question, suggest=False)
        if after.model_copy(update={"suggestions": []}) != service.answer(question):
            different += 1
    pairs = len(questions) - 1
    print(f"{label}: {pairs} questions each asked after the one before it: {len(misread)} read as follow-ups, "
          f"{different} answered differently from alone")
    for before, question in misread[:10]:
        print(f"    after {before!r}: {question!r}")


def conversations(path: Path) -> list[list[str]]:
    """The conversations of a REPL transcript: a question without a follow-up note starts one."""
    found: list[list[str]] = []
    for exchange in load(path).exchanges:
        if "Follow-up, understood as:" in exchange.answer and found:
            found[-1].append(exchange.question)
        else:
            found.append([exchange.question])
    return [c for c in found if len(c) > 1]


def signature(answer: Answer) -> tuple[object, ...]:
    if not answer.found:
        return ("no answer",)
    first = answer.citations[0]
    return (answer.short.text if answer.short else None, first.article_id, first.position)


def preferred_story(service: NewsService) -> None:
    talks = conversations(REPO / "tests" / "transcripts" / "conversations.transcript")
    composer: Composer = service.composer
    original = composer.settings

    def run(bonus: float) -> list[tuple[str, tuple[object, ...]]]:
        composer.settings = replace(original, prefer_bonus=bonus)
        out = []
        for talk in talks:
            thread = Thread(service)
            for question in talk:
                out.append((question, signature(thread.ask(question, suggest=False))))
        return out

    try:
        base = run(0.0)
        turns = sum(len(t) - 1 for t in talks)
        print(f"\npreferred story: {len(talks)} conversations, {turns} follow-ups; changes against prefer_bonus=0 "
              f"(short answer, first quote's story and sentence):")
        for bonus in BONUSES:
            changed = [(q, a, b) for (q, a), (_, b) in zip(base, run(bonus), strict=True) if a != b]
            shorts = sum(a[0] != b[0] for _, a, b in changed)
            print(f"  {bonus:<5} {len(changed)} answers changed, {shorts} of them in the short answer")
            for question, a, b in changed:
                print(f"        {question!r}: {a} -> {b}")
    finally:
        composer.settings = original


def suggestion_cost(service: NewsService, questions: list[str], label: str) -> None:
    composer = service.composer
    asked_counts: list[int] = []
    alone_ms: list[float] = []
    added_ms: list[float] = []
    offered: list[int] = []

    class Counting(Composer):
        asked = 0

        def answer(self, raw_question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
            Counting.asked += 1
            return super().answer(raw_question, prefer=prefer)

    counting = Counting(composer.retriever, composer.settings)
    for question in questions:
        started = time.perf_counter()
        answer = service.answer(question)
        alone_ms.append((time.perf_counter() - started) * 1000)
        if not answer.found:
            continue
        Counting.asked = 0
        started = time.perf_counter()
        made = suggest_follow_ups(counting, answer)
        added_ms.append((time.perf_counter() - started) * 1000)
        asked_counts.append(Counting.asked)
        offered.append(len(made))
    found = len(added_ms)
    print(f"\nsuggestions, {label}: {found} found answers of {len(questions)} questions")
    print(f"  an answer alone: p50 {percentile(alone_ms, 50):.1f} ms, p95 {percentile(alone_ms, 95):.1f} ms")
    print(f"  suggestions add: p50 {percentile(added_ms, 50):.1f} ms, p95 {percentile(added_ms, 95):.1f} ms, "
          f"max {max(added_ms, default=0):.1f} ms")
    print(f"  questions asked per answer: mean {statistics.fmean(asked_counts or [0]):.2f}, "
          f"max {max(asked_counts, default=0)}; offered: mean {statistics.fmean(offered or [0]):.2f}, "
          f"answers with at least one: {sum(n > 0 for n in offered)}/{found}")


def read_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed-questions", type=Path, default=SHARED / "eval" / "seed_questions.jsonl")
    parser.add_argument("--newsqa", type=Path, default=SHARED / "eval" / "newsqa")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        seed = NewsService.open(REPO / "corpus", Path(cache) / "seed")
        if args.seed_questions.exists():
            questions = read_questions(args.seed_questions)
            stays_alone(seed, questions + questions[:1], "seed questions")
            suggestion_cost(seed, questions, "seed corpus")
        preferred_story(seed)
        if (args.newsqa / "dev_questions.jsonl").exists():
            newsqa = NewsService.open(args.newsqa / "corpus", Path(cache) / "newsqa")
            questions = read_questions(args.newsqa / "dev_questions.jsonl")
            stays_alone(newsqa, questions, "NewsQA dev questions")
            suggestion_cost(newsqa, questions, f"NewsQA ({newsqa.sentence_count():,} sentences)")
        else:
            print(f"skipped NewsQA: {args.newsqa} not found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
