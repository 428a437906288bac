"""`newsbot telegram` (run the bot) and `newsbot check [--online]` (the health check).

python-telegram-bot is imported inside the command functions, not at the top: every other command
starts without loading it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

from bot.answer import AnswerKind
from bot.errors import StateError
from bot.logs import redact, secrets_of
from bot.settings import Settings
from bot.state import StateStore

from ._common import add_common_args, add_now_arg


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    telegram = sub.add_parser("telegram", help="run the Telegram bot (needs NEWSBOT_TELEGRAM_TOKEN)")
    add_common_args(telegram)
    add_now_arg(telegram)
    telegram.set_defaults(func=cmd_telegram)

    check = sub.add_parser("check", help="validate settings, corpus and index (exit status for health checks)")
    add_common_args(check)
    check.add_argument("--online", action="store_true", help="also call Telegram's getMe")
    check.set_defaults(func=cmd_check)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tgbot import run_bot  # here, not at the top: start-up time of the other commands

    run_bot(settings)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    return health_check(settings, online=args.online)


def health_check(settings: Settings, *, online: bool = False, out: IO[str] | None = None) -> int:
    """Validate settings, corpus and index (and with online=True, the token via getMe).

    Prints one line per item ("ok", "warn" or "FAIL"); returns 0 when nothing failed, else 1.
    """
    from bot.tgbot import api_host, load_service, online_report, webhook_path  # here: start-up time

    out = out or sys.stdout
    secrets = secrets_of(settings)
    failures = 0

    def say(status: str, text: str) -> None:
        nonlocal failures
        failures += status == "FAIL"
        print(f"{status:<5} {redact(text, secrets)}", file=out, flush=True)

    token = "set" if settings.telegram_token else "not set"
    say("ok", f"settings: {settings.telegram_mode} mode, token {token}, API {api_host(settings)}, "
              f"log level {settings.log_level}")
    if settings.telegram_mode == "webhook":
        say("ok", f"webhook: {settings.webhook_url} -> {settings.webhook_listen}:{settings.webhook_port}"
                  f"{webhook_path(settings)}, secret token set")
    if settings.allowed_chats:
        say("ok", f"allow-list: {len(settings.allowed_chats)} chat(s)")
    if settings.telegram_token is None:
        say("FAIL" if online else "warn", "NEWSBOT_TELEGRAM_TOKEN is not set: the Telegram bot cannot start")

    try:
        service = load_service(settings)
    except Exception as exc:  # NewsbotError and anything else: the check reports, never raises
        say("FAIL", f"corpus/index ({settings.corpus}): {exc}")
    else:
        say("ok", f"index: {service.describe()}")
        data = service.retriever.data
        if data.skipped:
            shown = "; ".join(f"{name}: {reason}" for name, reason in data.skipped[:3])
            more = f"; … and {len(data.skipped) - 3} more" if len(data.skipped) > 3 else ""
            say("warn", f"corpus: {len(data.skipped)} skipped (not indexed): {shown}{more}")
        for name, what in data.warnings[:3]:
            say("warn", f"corpus: {name}: {what}")
        try:
            examples = service.example_questions(1)
            if examples:
                answer = service.answer(examples[0])
                status = "ok" if answer.kind is AnswerKind.ANSWER else "warn"
                say(status, f"answer: {examples[0]!r} -> {answer.kind.value}, {len(answer.sources)} source(s)")
        except Exception as exc:
            say("FAIL", f"answering: {type(exc).__name__}: {exc}")

    say(*state_report(settings))
    if online and settings.telegram_token is not None:
        for status, text in online_report(settings):
            say(status, text)
    return 1 if failures else 0


def state_report(settings: Settings) -> tuple[str, str]:
    """("ok" | "warn", text) about the state file: readable with N answers, or where it will be made.
    Never FAIL: without it the bot still runs, keeping conversations and feedback in memory."""
    path = settings.state_file
    if not path.exists():
        folder = next((p for p in path.parents if p.exists()), path.anchor)
        if os.access(folder, os.W_OK):
            return "ok", f"state: {path} (made when the bot starts)"
        return "warn", f"state: {path} cannot be created; conversations and feedback would be kept in memory"
    try:
        store = StateStore(path)
    except StateError as exc:
        return "warn", f"state: {exc}; conversations and feedback would be kept in memory"
    try:
        summary = store.summary()
    finally:
        store.close()
    return "ok", (f"state: {path}, {summary.answers} answer(s) and {summary.votes.total} vote(s) kept "
                  f"for {settings.retention_days} days")
