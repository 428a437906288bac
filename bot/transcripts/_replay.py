"""Replaying transcripts: each question through its channel's real code path.

``repl``: the REPL's own `Repl.handle` in one session. ``telegram``: the real python-telegram-bot
Application (polling, handlers, rate limiter, HTTP client) against the fake Bot API of
`bot.tgbot.testing`, in one private chat. Never skipped: what cannot be replayed is an error."""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from bot.errors import TranscriptError
from bot.logs import quiet_loggers
from bot.render import TELEGRAM_LIMIT, tg_len
from bot.repl import Repl
from bot.service import NewsService, Service
from bot.settings import Settings, load_settings
from bot.state import StateStore

from ._format import BUTTON_LINE, MESSAGE_BREAK, Exchange, Step, Transcript, encode_answer, encode_step
from ._paths import corpus_path, shown

if TYPE_CHECKING:  # python-telegram-bot loads only when a Telegram transcript is replayed
    from bot.tgbot.testing import FakeBotAPI, SentMessage

USER_ID = 42  # the private chat every Telegram transcript is a conversation in
HANDLED_GROUP = 1_000_000  # a handler group after every group the bot uses


def replay_repl(service: NewsService, questions: Sequence[str | Step]) -> list[str]:
    """What the REPL prints for each input line, in one session (``/sources`` sees the last answer; a
    question may follow up the one before). A pressed button is its question typed; the REPL has no
    replies to an answer."""
    repl = Repl(service, Console(file=io.StringIO(), highlight=False))
    answers = []
    for step in map(_step, questions):
        if step.reply_to is not None:
            raise TranscriptError(f"a reply to an answer is a Telegram step, not a REPL one: {_short(step)}")
        out = repl.handle(step.text)
        if out is None:  # /quit: the REPL says goodbye
            answers.append("Bye.")
        else:
            answers.append(out.plain if isinstance(out, Text) else out)
    return answers


def telegram_question_problem(question: str) -> str | None:
    """Why Telegram could never deliver this question to the bot, or None."""
    if not question.strip():
        return "Telegram does not deliver empty or blank messages"
    if tg_len(question) > TELEGRAM_LIMIT:
        return (f"Telegram delivers at most {TELEGRAM_LIMIT} characters in a message; "
                f"this question has {tg_len(question)}")
    return None


def replay_telegram(service: Service, questions: Sequence[str | Step], *, timeout: float = 15.0) -> list[str]:
    """The HTML the real bot sends for each question, asked in one private chat (one conversation).

    Runs the real PTB Application (``bot.tgbot.build_application`` and ``serve``: polling,
    handlers, rate limiter, HTTP client) against the fake Bot API. Each answer is the HTML of
    the messages the bot sent in reply, joined by a ``<!-- next message -->`` line, each followed
    by its suggested follow-up buttons (``<!-- button: … -->``). Steps come one at a time: a
    question typed, a button pressed, or a reply to an earlier answer; the flood guard sees a
    minute pass between them, as with a person.
    """
    steps = [_step(q) for q in questions]
    for step in steps:
        problem = telegram_question_problem(step.text)
        if problem:
            raise TranscriptError(f"{problem}: {_short(step)}")
    with quiet_loggers("newsbot.telegram", "telegram", "httpx", "httpcore", "aiohttp"):
        return asyncio.run(_replay_telegram(service, steps, timeout))


def _step(question: str | Step) -> Step:
    return Step(question) if isinstance(question, str) else question


async def _replay_telegram(service: Service, steps: Sequence[Step], timeout: float) -> list[str]:
    # imported here, not at the top: python-telegram-bot and aiohttp load only when a Telegram
    # transcript is replayed (start-up time of every other command)
    from telegram import Update
    from telegram.ext import TypeHandler

    from bot.tgbot import FloodGuard, build_application, serve
    from bot.tgbot.testing import FakeBotAPI

    async with FakeBotAPI() as fake:
        settings = load_settings(
            _env_file=None,
            telegram_token=fake.token,
            telegram_api_url=fake.base_url,
            telegram_mode="polling",
            allowed_chats=[],
            flood_limit=Settings.model_fields["flood_limit"].default,
            log_level="WARNING",
        )
        app = build_application(settings, service=service, state=StateStore.in_memory())
        now = [0.0]
        app.bot_data["flood"] = FloodGuard(settings.flood_limit, clock=lambda: now[0])
        handled: dict[int, asyncio.Event] = {}

        # Runs after the bot's own handlers for the same update (PTB handles an update's groups in
        # order and awaits blocking handlers), so when it fires every reply has been sent.
        async def done(update: Update, context: Any) -> None:
            event = handled.get(update.update_id)
            if event is not None:
                event.set()

        app.add_handler(TypeHandler(Update, done), group=HANDLED_GROUP)
        answers = []
        replies: list[tuple[str, list[SentMessage]]] = []  # each question with the messages answering it
        async with serve(app):
            for step in steps:
                now[0] += 61.0
                before = len(fake.messages_to(USER_ID))
                if step.press:
                    update = fake.press(_with_button(fake, replies, step), step.text, user_id=USER_ID)
                elif step.reply_to is not None:
                    update = fake.push_message(step.text, user_id=USER_ID, reply_to=_answer_to(replies, step))
                else:
                    update = fake.push_message(step.text, user_id=USER_ID)
                event = handled[update["update_id"]] = asyncio.Event()
                try:
                    await asyncio.wait_for(event.wait(), timeout)
                except TimeoutError:
                    raise TranscriptError(f"the bot did not finish handling {_short(step)} "
                                          f"within {timeout:.0f} s") from None
                sent = fake.messages_to(USER_ID)[before:]
                replies.append((step.text, sent))
                answers.append(f"\n{MESSAGE_BREAK}\n".join(_shown(fake, message) for message in sent))
        return answers


def _shown(fake: FakeBotAPI, message: SentMessage) -> str:
    """A message as the transcript shows it: its HTML, then its suggested follow-up buttons."""
    labels = [str(b["text"]) for b in fake.buttons(message) if str(b.get("callback_data", "")).startswith("ask:")]
    return "\n".join([message.html, *(BUTTON_LINE.format(label=label) for label in labels)])


def _with_button(fake: FakeBotAPI, replies: list[tuple[str, list[SentMessage]]], step: Step) -> SentMessage:
    """The latest message with a suggested follow-up button labelled as the step says."""
    for _question, sent in reversed(replies):
        for message in reversed(sent):
            if any(str(b.get("text")) == step.text for b in fake.buttons(message)):
                return message
    raise TranscriptError(f"no answer so far has a button {step.text!r} to press")


def _answer_to(replies: list[tuple[str, list[SentMessage]]], step: Step) -> SentMessage:
    """The last message of the latest answer to the question a reply names."""
    for question, sent in reversed(replies):
        if question == step.reply_to and sent:
            return sent[-1]
    raise TranscriptError(f"no answer to {step.reply_to!r} so far to reply to")


class Replayer:
    """Replays transcripts; opens each corpus's index once (cached for every transcript)."""

    def __init__(self, cache_dir: Path | None = None, corpus: Path | None = None,
                 say: Callable[[str], None] | None = None, now: dt.date | None = None) -> None:
        self.cache_dir = cache_dir
        self.corpus = corpus  # when given, every transcript is replayed against this corpus
        self.now = now  # when given, "today" in every transcript; else each transcript's now:, else the clock's
        self.say = say
        self._services: dict[Path, NewsService] = {}

    def corpus_for(self, transcript: Transcript) -> Path:
        return self.corpus.resolve() if self.corpus is not None else corpus_path(transcript)

    def service(self, corpus: Path) -> NewsService:
        corpus = corpus.resolve()
        if corpus not in self._services:
            if not corpus.exists():
                raise TranscriptError(f"corpus {corpus} does not exist")
            service = NewsService.open(corpus, self.cache_dir, warn=self.say)
            if service.build_report is not None and self.say is not None:
                for line in service.build_report.lines():
                    self.say(line)
            self._services[corpus] = service
        return self._services[corpus]

    def answers(self, transcript: Transcript, questions: Sequence[str | Step] | None = None) -> list[str]:
        questions = transcript.steps if questions is None else list(questions)
        service = self.service(self.corpus_for(transcript))
        service.now = self.now or (dt.date.fromisoformat(transcript.now) if transcript.now else None)
        if transcript.channel == "telegram":
            return replay_telegram(service, questions)
        return replay_repl(service, questions)

    def check(self, transcript: Transcript) -> CheckResult:
        actual = self.answers(transcript)
        changed = [
            (exchange, answer)
            for exchange, answer in zip(transcript.exchanges, actual, strict=True)
            if exchange.answer != answer
        ]
        return CheckResult(transcript, changed)


def _short(question: str | Step, limit: int = 100) -> str:
    text = encode_step(question)
    length = len(question if isinstance(question, str) else question.text)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({length:,} characters)"


@dataclass
class CheckResult:
    """What replaying one transcript found: the exchanges whose answer is not the one recorded."""

    transcript: Transcript
    changed: list[tuple[Exchange, str]]  # (expected exchange, actual answer)

    @property
    def ok(self) -> bool:
        return not self.changed

    def report(self) -> str:
        """A unified diff per changed answer, each headed by file:line and the question."""
        name = shown(self.transcript.path)
        parts: list[str] = []
        for exchange, actual in self.changed:
            expected_lines = encode_answer(exchange.answer)
            actual_lines = encode_answer(actual)
            first = exchange.line + 1
            last = first + len(expected_lines) - 1
            span = f"line {first}" if len(expected_lines) <= 1 else f"lines {first}-{last}"
            if parts:
                parts.append("")
            parts.append(f"{name}:{exchange.line}: the answer to {_short(exchange.step)} changed")
            diff = difflib.unified_diff(
                expected_lines, actual_lines,
                fromfile=f"expected ({name}, {span})", tofile="actual", lineterm="",
            )
            parts.append("\n".join(diff) if expected_lines or actual_lines else "")
        return "\n".join(parts)
