"""`newsbot eval QUESTIONS.jsonl`: answer quality on a question set with gold answers.

The metric functions (top half) are pure: they take questions, answers and ranked sentences and
return numbers, so tests exercise them without an index. The command (bottom half) does the I/O:
reads the questions, asks the service, times it, and prints a table or JSON.

Questions are JSON Lines: ``id``, ``question``, ``answers`` (gold strings), ``sources`` (article ids;
a path's file stem is its id) and optionally ``no_answer: true`` for questions the corpus cannot
answer. Metrics, over answerable questions unless said otherwise:

* answer@1: the first quoted sentence contains a gold answer (case and accents ignored);
* answer in reply: the answer body (all quotes) contains a gold answer;
* hit@5: one of the top 5 ranked sentences contains a gold answer;
* source@1: the first citation's article is one of the gold sources;
* abstained: newsbot said its articles don't cover an answerable question;
* false answers: no_answer questions that got an answer anyway;
* passed: answerable → answer in reply and source@1; no_answer → abstained;
* latency: wall time of ``NewsService.answer`` per question (p50, p95), after one untimed warm-up.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import fold

if TYPE_CHECKING:
    from .answer import Answer
    from .service import NewsService
    from .settings import Settings

HIT_K = 5
_SPACE = re.compile(r"\s+")
_ARTICLE_SUFFIXES = (".txt", ".md")


# ------------------------------------------------------------------------------------ data + parsing


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    no_answer: bool = False


class EvalFileError(ValueError):
    """A questions file that cannot be evaluated; the message names the line."""


def source_id(source: str) -> str:
    """An article id from a gold source: 'corpus/000_x.txt' and '000_x' are both '000_x'."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in _ARTICLE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def parse_questions(lines: Iterable[str], origin: str = "questions") -> list[EvalQuestion]:
    """Questions from JSON Lines; blank lines skipped, anything malformed is an EvalFileError."""
    out: list[EvalQuestion] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{origin}:{lineno}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            raise EvalFileError(f"{origin}:{lineno}: want an object with a 'question' string")
        no_answer = bool(obj.get("no_answer", False))
        answers = obj.get("answers") or []
        sources = obj.get("sources") or []
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise EvalFileError(f"{origin}:{lineno}: 'answers' must be a list of strings")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise EvalFileError(f"{origin}:{lineno}: 'sources' must be a list of strings")
        if not no_answer and not answers:
            raise EvalFileError(f"{origin}:{lineno}: an answerable question needs 'answers'")
        out.append(
            EvalQuestion(
                id=str(obj.get("id", lineno)),
                question=obj["question"],
                answers=tuple(a for a in answers if a.strip()),
                sources=tuple(source_id(s) for s in sources),
                no_answer=no_answer,
            )
        )
    return out


# ------------------------------------------------------------------------------------ pure metrics


def normalize(text: str) -> str:
    """Case, accents, typographic quotes and runs of whitespace folded away."""
    return _SPACE.sub(" ", fold(text)).strip()


def contains_answer(text: str | None, answers: Sequence[str]) -> bool:
    """Does text contain one of the gold answers (case- and accent-insensitive)?"""
    if not text:
        return False
    hay = normalize(text)
    return any(normalize(a) and normalize(a) in hay for a in answers)


@dataclass
class QuestionResult:
    """What one question got, and which metrics it passed."""

    id: str
    question: str
    answers: list[str]
    sources: list[str]
    no_answer: bool
    found: bool  # newsbot answered (rather than abstaining or refusing)
    quoted: str | None  # the first quoted sentence
    quoted_source: str | None  # the first citation's article
    reply: str  # the answer body
    top: list[str]  # the top ranked sentences
    latency_ms: float
    answer_at_1: bool = False
    answer_in_reply: bool = False
    hit_at_k: bool = False
    source_at_1: bool = False

    @property
    def abstained(self) -> bool:
        return not self.found

    @property
    def passed(self) -> bool:
        if self.no_answer:
            return not self.found
        return self.answer_in_reply and self.source_at_1

    @property
    def severity(self) -> int:
        """How badly it missed: the failed metrics, a false answer counting as all of them."""
        if self.no_answer:
            return 0 if not self.found else 4
        return sum(not ok for ok in (self.answer_at_1, self.answer_in_reply, self.hit_at_k, self.source_at_1))


def score_question(
    q: EvalQuestion,
    *,
    found: bool,
    quoted: str | None,
    quoted_source: str | None,
    reply: str,
    top: Sequence[str],
    latency_ms: float,
) -> QuestionResult:
    """The metrics of one question from what the bot returned."""
    result = QuestionResult(
        id=q.id, question=q.question, answers=list(q.answers), sources=list(q.sources), no_answer=q.no_answer,
        found=found, quoted=quoted, quoted_source=quoted_source, reply=reply, top=list(top),
        latency_ms=latency_ms,
    )
    if not q.no_answer:
        result.answer_at_1 = found and contains_answer(quoted, q.answers)
        result.answer_in_reply = found and contains_answer(reply, q.answers)
        result.hit_at_k = any(contains_answer(t, q.answers) for t in top)
        result.source_at_1 = found and quoted_source is not None and quoted_source in q.sources
    return result


def result_from_answer(q: EvalQuestion, answer: "Answer", top: Sequence[str], latency_ms: float) -> QuestionResult:
    """score_question from an Answer object."""
    quoted = answer.quotes[0].text if answer.found and answer.quotes else None
    source = answer.citations[0].article_id if answer.found and answer.citations else None
    return score_question(q, found=answer.found, quoted=quoted, quoted_source=source,
                          reply=answer.text if answer.found else "", top=top, latency_ms=latency_ms)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), linear between closest ranks; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


@dataclass
class Summary:
    questions: int = 0
    answerable: int = 0
    unanswerable: int = 0
    answer_at_1: int = 0
    answer_in_reply: int = 0
    hit_at_5: int = 0
    source_at_1: int = 0
    abstained: int = 0  # of answerable
    false_answers: int = 0  # of no_answer
    passed: int = 0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    latency_max_ms: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)  # share of answerable (false answers: of no_answer)


def summarize(results: Sequence[QuestionResult]) -> Summary:
    answerable = [r for r in results if not r.no_answer]
    unanswerable = [r for r in results if r.no_answer]
    latencies = [r.latency_ms for r in results]
    s = Summary(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        answer_at_1=sum(r.answer_at_1 for r in answerable),
        answer_in_reply=sum(r.answer_in_reply for r in answerable),
        hit_at_5=sum(r.hit_at_k for r in answerable),
        source_at_1=sum(r.source_at_1 for r in answerable),
        abstained=sum(r.abstained for r in answerable),
        false_answers=sum(r.found for r in unanswerable),
        passed=sum(r.passed for r in results),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        latency_max_ms=max(latencies, default=0.0),
    )
    n = s.answerable or 1
    s.rates = {
        "answer_at_1": s.answer_at_1 / n,
        "answer_in_reply": s.answer_in_reply / n,
        "hit_at_5": s.hit_at_5 / n,
        "source_at_1": s.source_at_1 / n,
        "abstained": s.abstained / n,
        "false_answers": s.false_answers / (s.unanswerable or 1),
        "passed": s.passed / (s.questions or 1),
    }
    return s


def worst(results: Sequence[QuestionResult], n: int) -> list[QuestionResult]:
    """The n worst misses: most metrics failed first, file order among equals."""
    misses = [r for r in results if r.severity > 0 or not r.passed]
    return sorted(misses, key=lambda r: -r.severity)[:n]


# ------------------------------------------------------------------------------------ running


def evaluate(
    service: "NewsService",
    questions: Sequence[EvalQuestion],
    *,
    on_done: Callable[[int], None] | None = None,
) -> list[QuestionResult]:
    """Ask every question (timed), and rank its top sentences for hit@5 (not timed)."""
    results: list[QuestionResult] = []
    if questions:  # warm-up, untimed: the first query loads the sentence splitter and compiles kernels
        service.answer(questions[0].question)
    for i, q in enumerate(questions, start=1):
        t0 = time.perf_counter()
        answer = service.answer(q.question)
        latency_ms = (time.perf_counter() - t0) * 1000.0
        try:
            top = [hit.text for hit in service.ranked(q.question, HIT_K)]
        except Exception:  # noqa: BLE001 - a refused question (no words to search) ranks nothing
            top = []
        results.append(result_from_answer(q, answer, top, latency_ms))
        if on_done:
            on_done(i)
    return results


def report_json(summary: Summary, results: Sequence[QuestionResult], meta: dict[str, Any]) -> str:
    def row(r: QuestionResult) -> dict[str, Any]:
        d = asdict(r)
        d.update(abstained=r.abstained, passed=r.passed, latency_ms=round(r.latency_ms, 3))
        return d

    payload = {"meta": meta, "summary": asdict(summary), "questions": [row(r) for r in results]}
    return json.dumps(payload, ensure_ascii=False, indent=1)


def _pct(k: int, n: int) -> str:
    return f"{k}/{n}  ({100.0 * k / n:.1f} %)" if n else "–"


def render_table(summary: Summary, title: str):  # type: ignore[no-untyped-def]
    from rich.table import Table

    s = summary
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("questions", f"{s.questions} ({s.answerable} answerable, {s.unanswerable} no-answer)")
    if s.answerable:
        table.add_row("answer@1 (first quote holds a gold answer)", _pct(s.answer_at_1, s.answerable))
        table.add_row("answer in reply", _pct(s.answer_in_reply, s.answerable))
        table.add_row(f"hit@{HIT_K} (top {HIT_K} ranked sentences)", _pct(s.hit_at_5, s.answerable))
        table.add_row("source@1 (first citation in gold sources)", _pct(s.source_at_1, s.answerable))
        table.add_row("abstained on answerable", _pct(s.abstained, s.answerable))
    if s.unanswerable:
        table.add_row("false answers on no-answer", _pct(s.false_answers, s.unanswerable))
    table.add_row("passed (reply + source, or abstained)", _pct(s.passed, s.questions))
    table.add_row("latency p50 / p95 / max", f"{s.latency_p50_ms:.1f} / {s.latency_p95_ms:.1f} / "
                  f"{s.latency_max_ms:.1f} ms")
    return table


def _cut(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_failures(results: Sequence[QuestionResult], n: int):  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=f"worst misses (up to {n})", title_justify="left", show_lines=True)
    table.add_column("id", overflow="fold")
    table.add_column("question", ratio=3)
    table.add_column("gold", ratio=2)
    table.add_column("quoted [article]", ratio=5)
    table.add_column("missed", ratio=2)
    for r in worst(results, n):
        if r.no_answer:
            gold, missed = "(no answer)", "false answer"
        else:
            gold = " | ".join(r.answers)
            missed = ", ".join(name for name, ok in (("answer@1", r.answer_at_1), ("reply", r.answer_in_reply),
                                                     (f"hit@{HIT_K}", r.hit_at_k), ("source@1", r.source_at_1))
                               if not ok)
        quoted = f"{_cut(r.quoted or '')} [{r.quoted_source}]" if r.found else "(abstained)"
        table.add_row(r.id, r.question, _cut(gold), quoted, missed)
    return table


# ------------------------------------------------------------------------------------ command


def register(subparsers: argparse._SubParsersAction, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = subparsers.add_parser("eval", help="answer quality on a question set with gold answers")
    add_common(parser)
    parser.add_argument("questions", type=Path, help="JSON Lines: id, question, answers, sources, no_answer")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--failures", type=int, default=0, metavar="N", help="list the N worst misses")
    parser.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: "Settings") -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ._cli import open_service
    from .settings import SettingsError

    try:
        with open(args.questions, encoding="utf-8") as handle:
            questions = parse_questions(handle, origin=str(args.questions))
    except OSError as exc:
        raise SettingsError(f"cannot read {args.questions}: {exc.strerror}") from None
    except EvalFileError as exc:
        raise SettingsError(str(exc)) from None
    if not questions:
        raise SettingsError(f"no questions in {args.questions}")
    if args.failures < 0:
        raise SettingsError("--failures wants a number ≥ 0")
    err = Console(stderr=True, highlight=False)
    service = open_service(settings, quiet=args.json)
    with Progress(TextColumn("asking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("eval", total=len(questions))
        results = evaluate(service, questions, on_done=lambda i: bar.update(task, completed=i))
    summary = summarize(results)
    if args.json:
        meta = {"questions_file": str(args.questions), "corpus": str(settings.corpus),
                "articles": service.article_count(), "sentences": service.sentence_count()}
        sys.stdout.write(report_json(summary, results, meta) + "\n")
        return 0
    out = Console(highlight=False)
    title = f"{args.questions} over {settings.corpus} ({service.article_count():,} articles)"
    out.print(render_table(summary, title))
    if args.failures:
        if worst(results, args.failures):
            out.print(render_failures(results, args.failures))
        else:
            out.print("no misses")
    return 0
