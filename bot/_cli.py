"""The command line (`newsbot`, `python -m bot`): domain errors become one-line CLI errors here only."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from index import BuildReport, NewsbotError

from .service import NewsService
from .settings import Settings, SettingsError, load_settings

log = logging.getLogger("newsbot")
PROGRESS_MIN_ARTICLES = 200


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=argparse.SUPPRESS,
                        help="directory of .txt/.md articles or a .jsonl(.gz) file (default: corpus/, or NEWSBOT_CORPUS)")
    parser.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS,
                        help="where the index is kept (default: .newsbot-cache next to the corpus, or NEWSBOT_CACHE_DIR)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answers questions about news articles, quoting them with numbered citations. "
        "With no command: the Telegram bot when NEWSBOT_TELEGRAM_TOKEN is set, else the REPL.",
    )
    _common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or one per line of --file)")
    _common(ask)
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --file)")
    ask.add_argument("--file", help="answer each line of FILE ('-' = stdin)")
    ask.set_defaults(func=cmd_ask)

    repl = sub.add_parser("repl", help="interactive questions and answers in the terminal")
    _common(repl)
    repl.add_argument("--record", type=Path, help="save the session as a transcript file")
    repl.set_defaults(func=cmd_repl)

    index = sub.add_parser("index", help="build (or rebuild) the index explicitly")
    _common(index)
    index.add_argument("--force", action="store_true", help="rebuild even when the index is current")
    index.set_defaults(func=cmd_index)

    telegram = sub.add_parser("telegram", help="run the Telegram bot (needs NEWSBOT_TELEGRAM_TOKEN)")
    _common(telegram)
    telegram.set_defaults(func=cmd_telegram)

    check = sub.add_parser("check", help="validate settings, corpus and index (exit status for health checks)")
    _common(check)
    check.add_argument("--online", action="store_true", help="also call Telegram's getMe")
    check.set_defaults(func=cmd_check)

    for register in _extensions():
        register(sub, _common)
    return parser


def _extensions() -> list[Callable[..., None]]:
    """Subcommands that live in their own modules (eval, bench, transcripts), when present."""
    found = []
    for module in ("bot.evaluation", "bot.bench", "bot.transcripts"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        found.append(mod.register)
    return found


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus"] = args.corpus
    if getattr(args, "cache_dir", None) is not None:
        overrides["cache_dir"] = args.cache_dir
    return load_settings(**overrides)


def open_service(settings: Settings, *, force: bool = False, quiet: bool = False) -> NewsService:
    """Open the index with build messages and a progress bar (large corpora) on stderr."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def warn(message: str) -> None:
        err.print(f"newsbot: {message}", markup=False)

    progress_bar = None
    task = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal progress_bar, task
        if total < PROGRESS_MIN_ARTICLES or quiet:
            return
        if progress_bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            progress_bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(),
                                    TimeRemainingColumn(), console=err, transient=True)
            progress_bar.start()
            task = progress_bar.add_task("index", total=total)
        progress_bar.update(task, completed=done)  # type: ignore[arg-type]

    try:
        service = NewsService.open(settings.corpus, settings.index_dir, force=force, progress=progress, warn=warn)
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    if service.build_report is not None and not quiet:
        report_build(service.build_report, warn)
    return service


def report_build(report: BuildReport, say: Callable[[str], None]) -> None:
    if report.changes:
        say("index rebuilt: " + ", ".join(report.changes[:10]) + (" …" if len(report.changes) > 10 else ""))
    for name, reason in report.skipped[:20]:
        say(f"skipped {name}: {reason}")
    if len(report.skipped) > 20:
        say(f"… and {len(report.skipped) - 20} more skipped")
    seconds = sum(report.seconds.values())
    say(f"indexed {report.articles:,} articles, {report.sentences:,} sentences "
        f"({report.quotable:,} quotable); skipped {len(report.skipped):,}; {seconds:.1f} s")


# ------------------------------------------------------------------------------------- commands


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .render import render_json, render_rich

    if args.file is None and args.question is None:
        raise SettingsError("ask needs a QUESTION or --file FILE")
    if args.file is not None and args.question is not None:
        raise SettingsError("give a QUESTION or --file, not both")
    service = open_service(settings)
    out = Console(highlight=False, soft_wrap=True)
    if args.file is not None:
        stream = sys.stdin if args.file == "-" else _open_text(Path(args.file))
        with stream:
            for line in stream:
                question = line.rstrip("\n")
                if not question.strip():
                    continue
                answer = service.answer(question)
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


def _open_text(path: Path):  # type: ignore[no-untyped-def]
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from None


def cmd_repl(args: argparse.Namespace, settings: Settings, *, notice: str | None = None) -> int:
    from .repl import run_repl

    service = open_service(settings)
    if notice:
        Console(stderr=True, highlight=False, soft_wrap=True).print(notice, markup=False)
    repl = run_repl(service, history=settings.index_dir / "repl_history")
    record = getattr(args, "record", None)
    if record is not None:
        from .transcripts import save_session

        save_session(record, repl.exchanges, settings)
    return 0


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    service = open_service(settings, force=args.force)
    if service.build_report is None:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"newsbot: index is current: {service.article_count():,} articles, "
            f"{service.sentence_count():,} sentences (use --force to rebuild)", markup=False)
    return 0


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    from .tg_app import run_bot

    return run_bot(settings)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from .tg_app import check

    return check(settings, online=args.online)


def cmd_default(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_token is not None:
        return cmd_telegram(args, settings)
    return cmd_repl(args, settings,
                    notice="newsbot: no Telegram token configured, starting the terminal REPL "
                    "(set NEWSBOT_TELEGRAM_TOKEN to run the Telegram bot).")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        func = getattr(args, "func", cmd_default)
        return int(func(args, settings) or 0)
    except (SettingsError, NewsbotError) as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
