"""The command line (`newsbot`, `python -m bot`): every command registered here, statically, one
module per command group. Domain errors become one-line CLI errors in `_common.run_command` only."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot.settings import Settings

from . import _ask, _eval, _feedback, _index, _live, _telegram, _transcripts
from ._common import add_common_args, add_now_arg, run_command
from ._telegram import health_check


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answers questions about news articles, quoting them with numbered citations. "
        "With no command: the Telegram bot when NEWSBOT_TELEGRAM_TOKEN is set, else the REPL.",
    )
    add_common_args(parser)
    add_now_arg(parser)  # the REPL or the bot
    parser.set_defaults(func=cmd_default)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _ask.add_parsers(sub)  # ask, repl
    _index.add_parsers(sub)  # index
    _live.add_parsers(sub)  # add, follow, unfollow, feeds, poll
    _telegram.add_parsers(sub)  # telegram, check
    _eval.add_parsers(sub)  # eval
    _transcripts.add_parsers(sub)  # transcripts check|record
    _feedback.add_parsers(sub)  # feedback
    return parser


def cmd_default(args: argparse.Namespace, settings: Settings) -> int:
    """No command: the Telegram bot when a token is configured, else the REPL with a notice."""
    if settings.telegram_token is not None:
        return _telegram.cmd_telegram(args, settings)
    return _ask.cmd_repl(args, settings,
                         notice="no Telegram token configured, starting the terminal REPL "
                         "(set NEWSBOT_TELEGRAM_TOKEN to run the Telegram bot).")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


__all__ = ["build_parser", "health_check", "main"]
