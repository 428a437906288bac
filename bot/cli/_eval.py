"""`newsbot eval QUESTIONS.jsonl`: answer quality on a question set with gold answers (see
`bot.evaluation` for the metrics)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.errors import EvalFileError, SettingsError
from bot.evaluation import evaluate, parse_questions, render_failures, render_table, report_json, summarize, worst
from bot.settings import Settings

from ._common import add_common_args, add_now_arg, open_service


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("eval", help="answer quality on a question set with gold answers")
    add_common_args(parser)
    add_now_arg(parser)
    parser.add_argument("questions", type=Path, help="JSON Lines: id, question, answers, sources, no_answer")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--failures", type=int, default=0, metavar="N", help="list the N worst misses")
    parser.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with open(args.questions, encoding="utf-8") as handle:
            questions = parse_questions(handle, origin=str(args.questions))
    except OSError as exc:
        raise EvalFileError(f"cannot read {args.questions}: {exc.strerror}") from None
    if not questions:
        raise EvalFileError(f"no questions in {args.questions}")
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
