"""`newsbot feedback`: what readers thought of the answers — votes, the worst-rated questions and the
questions most often answered "I don't know" — from the bot's state file."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from bot.errors import SettingsError, StateError
from bot.settings import Settings
from bot.state import StateStore, summary_lines

from ._common import add_common_args


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    feedback = sub.add_parser("feedback", help="summarise the feedback the Telegram bot collected")
    add_common_args(feedback)
    feedback.add_argument("--days", type=float, default=None,
                          help="only answers of the last DAYS days (default: everything kept)")
    feedback.add_argument("--top", type=int, default=10, help="how many questions per list (default 10)")
    feedback.add_argument("--json", action="store_true", help="print one JSON object")
    feedback.set_defaults(func=cmd_feedback)


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.state_file
    if not path.exists():
        raise StateError(f"no feedback yet: {path} does not exist (the Telegram bot creates it; "
                         "NEWSBOT_STATE_PATH names another file)")
    if args.top < 1 or (args.days is not None and args.days <= 0):
        raise SettingsError("--top and --days must be positive")
    store = StateStore(path)
    try:
        summary = store.summary(days=args.days, top=args.top)
    finally:
        store.close()
    if args.json:
        sys.stdout.write(json.dumps(dataclasses.asdict(summary), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n".join(summary_lines(summary)) + "\n")
    return 0
