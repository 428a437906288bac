"""The eval's I/O part: asking the service every question (timed), and the JSON report and tables."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from rich.table import Table

from bot.errors import QueryError
from bot.service import NewsService

from ._metrics import HIT_K, STRICT_WORDS, EvalQuestion, QuestionResult, Summary, result_from_answer, worst


def evaluate(
    service: NewsService,
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
        except QueryError:  # a refused question (no words to search) ranks nothing
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


def render_table(summary: Summary, title: str) -> Table:
    """The summary as a two-column table: metric, value."""
    s = summary
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("questions", f"{s.questions} ({s.answerable} answerable, {s.unanswerable} no-answer)")
    if s.answerable:
        table.add_row(f"strict answer@1 (… in a first quote of ≤ {STRICT_WORDS} words)",
                      _pct(s.strict_at_1, s.answerable) + _extra(s, "strict_at_1"))
        table.add_row("answer@1 (first quote holds a gold answer)",
                      _pct(s.answer_at_1, s.answerable) + _extra(s, "answer_at_1"))
        table.add_row("answer in reply", _pct(s.answer_in_reply, s.answerable))
        table.add_row(f"hit@{HIT_K} (top {HIT_K} ranked sentences)", _pct(s.hit_at_5, s.answerable))
        table.add_row("source@1 (first citation in gold sources)",
                      _pct(s.source_at_1, s.answerable) + _extra(s, "source_at_1"))
        table.add_row("abstained on answerable", _pct(s.abstained, s.answerable))
        table.add_row("short answer: mean token F1 (none counts 0)", f"{100 * s.short_f1:.1f}" + _extra(s, "short_f1"))
        table.add_row("short answer given", _pct(s.short_given, s.answerable))
        table.add_row("short answer shares half its tokens with gold", _pct(s.short_close, s.short_given))
    if s.unanswerable:
        table.add_row("false answers on no-answer", _pct(s.false_answers, s.unanswerable))
    table.add_row("passed (reply + source, or abstained)", _pct(s.passed, s.questions))
    table.add_row("latency p50 / p95 / max", f"{s.latency_p50_ms:.1f} / {s.latency_p95_ms:.1f} / "
                  f"{s.latency_max_ms:.1f} ms")
    return table


def _extra(s: Summary, name: str) -> str:
    """'  [95 % interval] halves a / b' for a rate, when known."""
    out = ""
    if name in s.intervals:
        low, high = s.intervals[name]
        out += f"  [{100 * low:.1f}, {100 * high:.1f}]"
    if len(s.halves) == 2:
        out += f"  halves {100 * s.halves[0][name]:.1f} / {100 * s.halves[1][name]:.1f}"
    return out


def _cut(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_failures(results: Sequence[QuestionResult], n: int) -> Table:
    """The n worst misses: question, gold answers, what was quoted, which metrics missed."""
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
