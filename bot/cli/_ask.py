"""`newsbot ask` (one question, or one per line of a file; text or JSON) and `newsbot repl`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from bot.conversation import Thread
from bot.errors import SettingsError
from bot.live import LiveUpdater
from bot.render import render_json, render_rich
from bot.repl import run_repl
from bot.settings import Settings
from bot.transcripts import save_session

from ._common import add_common_args, add_now_arg, open_service, say


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    ask = sub.add_parser("ask", help="answer one question (or one per line of --file)")
    add_common_args(ask)
    add_now_arg(ask)
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --file)")
    ask.add_argument("--file", help="answer each line of FILE ('-' = stdin)")
    ask.add_argument("--conversation", action="store_true",
                     help="with --file: the lines are one conversation (follow-ups read against the answer "
                     "before them, suggested follow-ups under each answer)")
    ask.set_defaults(func=cmd_ask)

    repl = sub.add_parser("repl", help="interactive questions and answers in the terminal")
    add_common_args(repl)
    add_now_arg(repl)
    repl.add_argument("--record", type=Path, help="save the session as a transcript file")
    repl.set_defaults(func=cmd_repl)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.file is None and args.question is None:
        raise SettingsError("ask needs a QUESTION or --file FILE")
    if args.file is not None and args.question is not None:
        raise SettingsError("give a QUESTION or --file, not both")
    if args.conversation and args.file is None:
        raise SettingsError("--conversation answers the lines of --file FILE as one conversation")
    service = open_service(settings)
    out = Console(highlight=False, soft_wrap=True)
    if args.file is not None:
        stream = sys.stdin if args.file == "-" else _open_text(Path(args.file))
        thread = Thread(service) if args.conversation else None  # the lines come at once: no expiry
        with stream:
            for line in stream:
                question = line.rstrip("\n")
                if not question.strip():
                    continue
                answer = thread.ask(question) if thread is not None else service.answer(question)
                if args.json:
                    sys.stdout.write(render_json(answer) + "\n")
                else:
                    out.print(render_rich(answer))
                    out.print()
        return 0
    answer = service.answer(args.question)
    if args.json:
        sys.stdout.write(render_json(answer) + "\n")
    else:
        out.print(render_rich(answer))
    return 0


def _open_text(path: Path) -> TextIO:
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from None


def cmd_repl(args: argparse.Namespace, settings: Settings, *, notice: str | None = None) -> int:
    service = open_service(settings)
    if notice:
        say(notice)
    updater = LiveUpdater(service, settings).start()  # feeds and new corpus files, in the background
    try:
        repl = run_repl(service, history=settings.index_dir / "repl_history", thread_seconds=settings.thread_seconds)
    finally:
        updater.stop()
    record = getattr(args, "record", None)
    if record is not None:
        path = save_session(record, repl.exchanges, settings.corpus, settings.now)
        say(f"recorded {len(repl.exchanges)} exchange(s) to {path} (replay: newsbot transcripts check {path})")
    return 0
