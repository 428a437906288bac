"""What every command shares: the common arguments, settings from them, opening the index with
messages and a progress bar, and the error edge, the one place a NewsbotError becomes a one-line
``newsbot: error: …`` and an exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from bot.errors import NewsbotError, SettingsError, exit_code
from bot.logs import basic_logging
from bot.service import NewsService
from bot.settings import Settings, load_settings, parse_now

Command = Callable[[argparse.Namespace, Settings], int]
"""A command: parsed arguments and settings in, exit status out (errors raised as NewsbotError)."""

PROGRESS_MIN_ARTICLES = 200


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=argparse.SUPPRESS,
                        help="directory of .txt/.md articles or a .jsonl(.gz) file "
                        "(default: corpus/, or NEWSBOT_CORPUS)")
    parser.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS,
                        help="where the index is kept "
                        "(default: one directory per corpus under ~/.cache/newsbot, or NEWSBOT_CACHE_DIR)")


def add_now_arg(parser: argparse.ArgumentParser) -> None:
    """--now, on the commands that answer questions."""
    parser.add_argument("--now", metavar="DATE", default=argparse.SUPPRESS,
                        help="the day 'today', 'yesterday' and 'this week' count from, e.g. 2015-12-14 "
                        "(default: NEWSBOT_NOW, else the clock's)")


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "now", None) is not None:
        try:
            overrides["now"] = parse_now(args.now)
        except ValueError as exc:
            raise SettingsError(f"--now: {exc}") from None
    if getattr(args, "corpus", None) is not None:
        overrides["corpus"] = args.corpus
    if getattr(args, "cache_dir", None) is not None:
        overrides["cache_dir"] = args.cache_dir
    return load_settings(**overrides)


def stderr_console() -> Console:
    """Where messages and progress bars go (stdout is for answers and reports)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str, console: Console | None = None) -> None:
    """One ``newsbot: …`` line on stderr (above the console's progress bar, if one is showing)."""
    (console or stderr_console()).print(f"newsbot: {message}", markup=False, emoji=False)


def open_service(settings: Settings, *, force: bool = False, quiet: bool = False) -> NewsService:
    """Open the index with build messages and a progress bar (large corpora) on stderr."""
    err = stderr_console()

    def warn(message: str) -> None:
        say(message, err)

    progress_bar: Progress | None = None
    task: TaskID | None = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal progress_bar, task
        if total < PROGRESS_MIN_ARTICLES or quiet:
            return
        if progress_bar is None:
            progress_bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(),
                                    TimeRemainingColumn(), console=err, transient=True)
            progress_bar.start()
            task = progress_bar.add_task("index", total=total)
        assert task is not None
        progress_bar.update(task, completed=done)

    try:
        service = NewsService.open(settings.corpus, settings.index_dir, force=force, progress=progress, warn=warn,
                                   lock_timeout=settings.lock_timeout, now=settings.now)
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    if service.build_report is not None and not quiet:
        for line in service.build_report.lines():
            warn(line)
    return service


def run_command(command: Command, args: argparse.Namespace) -> int:
    """Run a command: the error edge. A NewsbotError is one line on stderr and its exit status;
    Ctrl-C is 130; a closed pipe (``newsbot ask … | head``) is not an error."""
    try:
        settings = settings_from(args)
        basic_logging(settings.log_level)
        return int(command(args, settings) or 0)
    except NewsbotError as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
