"""Regression transcripts: record a conversation with newsbot, replay it as a test.

A transcript is a plain-text file (``*.transcript``, one conversation per file, kept under
``tests/transcripts/``) holding each question and the exact answer a user sees, so that the
people who maintain the corpus and the answer templates can read what the bot says and see,
as a diff, when a change alters an answer.

Format
======

::

    # newsbot transcript: ">>>" lines are questions, the lines under each the exact answer.
    corpus: corpus
    channel: repl

    >>> Who leads the National Front?
    "There has been a smear campaign …" Front National leader Marine Le Pen told … [1]

    Sources:
    [1] France's Far-Right Just Suffered A Big Defeat

    >>> /sources 9
    There is no source 9; the last answer has source 1.

*Header*: the lines before the first ``>>>`` line. ``# …`` lines are comments, kept as they
are when the file is re-recorded. Two keys are required:

- ``corpus:`` the corpus the answers come from. A relative path is relative to the project
  root (the nearest directory above the transcript holding ``pyproject.toml``), or to the
  current directory when the transcript is outside any project.
- ``channel:`` ``repl`` (the plain text the terminal REPL prints, from ``Repl.handle``) or
  ``telegram`` (the HTML the Telegram bot sends, through the fake Bot API).

*Exchanges*: a blank line, then ``>>> QUESTION``, then the answer's lines verbatim. A bare
``>>>`` is the empty question. An answer runs until the next ``>>>`` line; the blank lines
just before it (or at the end of the file) only separate exchanges and are not part of it.
An exchange with no answer lines means nothing was shown (the REPL prints nothing for an empty
line; the bot sent no message). Answers are stored unwrapped, as a terminal of unlimited width
would show them. A Telegram answer of several messages has the line ``<!-- next message -->``
between them (Telegram's HTML has no comments, so no message can contain that line).

*Escaped lines*: an answer line that editors or the format itself would not keep as it is —
one that ends with whitespace, starts with ``>>>`` or ``\\``, holds a control or line-break
character, or is a blank last line of an answer — is written as ``\\`` followed by a JSON
string, e.g. ``\\"Sources:  "``. Every answer round-trips exactly, including blank lines and
trailing spaces, and survives editors that strip trailing whitespace. Windows line endings
(``\\r\\n``) read as ``\\n``.

*Compact questions*: after ``>>> ``, a JSON object instead of the question text:
``{"text": "  padded  "}`` (any string: leading/trailing spaces, control characters, a text
starting with ``{``), or ``{"repeat": "word ", "times": 2000}`` for a long repetitive
question (``"sep": " "`` joins the repetitions with a separator). Questions written by hand
as plain text after ``>>> `` are used as they are.

Commands
========

``newsbot transcripts check [PATH …]`` replays every transcript (default: all under
``tests/transcripts``) through its channel's real code path and prints a unified diff, naming
the file and the question, for each answer that changed; exit status 1 when any did.
``newsbot transcripts record FILE --questions QFILE [--channel repl|telegram] [--corpus DIR]``
writes a new transcript from a list of questions (one a line; a line may also be a compact
question); ``newsbot transcripts record --update [FILE …]`` re-records the answers of the
questions already in the files (default: every transcript under ``tests/transcripts``), and
with ``--questions`` adds the new questions to the file. ``newsbot repl --record FILE`` saves
the session through :func:`save_session`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import importlib
import io
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIX = ".transcript"
CHANNELS = ("repl", "telegram")
QUESTION_MARK = ">>>"
MESSAGE_BREAK = "<!-- next message -->"
DEFAULT_DIR = Path("tests") / "transcripts"
PLAIN_QUESTION_MAX = 500  # longer questions are written in the compact JSON form
TELEGRAM_MAX = 4096  # what Telegram delivers in one message (UTF-16 code units)
HEADER_KEYS = ("corpus", "channel")
_KEY_RE = re.compile(r"^([A-Za-z_-]+)\s*:\s*(.*?)\s*$")

DEFAULT_HEADER_COMMENT = (
    '# newsbot transcript: ">>>" lines are questions, the lines under each the exact answer.',
    "# Format: tests/transcripts/README.md. Re-record: newsbot transcripts record --update FILE",
)


class TranscriptError(ValueError):
    """A transcript that cannot be read or written; the message names the file and line."""


class TelegramUnavailable(RuntimeError):
    """The Telegram channel cannot be replayed here; the message says what is missing."""


# =============================================================================================
# The data


@dataclass
class Exchange:
    """One question and the exact answer shown for it."""

    question: str
    answer: str
    raw: str | None = None  # the question line as written in the file (kept on re-recording)
    line: int = 0  # 1-based line number of the question line in its file (0: not from a file)


@dataclass
class Transcript:
    corpus: str
    channel: str
    exchanges: list[Exchange] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # comment and key lines, verbatim
    path: Path | None = None

    @property
    def questions(self) -> list[str]:
        return [e.question for e in self.exchanges]


def new_transcript(corpus: str, channel: str, exchanges: Iterable[Exchange] = (),
                   comments: Sequence[str] = DEFAULT_HEADER_COMMENT) -> Transcript:
    if channel not in CHANNELS:
        raise TranscriptError(f"unknown channel {channel!r} (expected one of: {', '.join(CHANNELS)})")
    header = [*comments, f"corpus: {corpus}", f"channel: {channel}"]
    return Transcript(corpus=corpus, channel=channel, exchanges=list(exchanges), header=header)


# =============================================================================================
# Writing and reading the format


def _needs_escape_char(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _json_string(text: str) -> str:
    """A JSON string literal that holds no raw control or line-break character."""
    encoded = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if _needs_escape_char(c) else c for c in encoded)


def encode_answer(answer: str) -> list[str]:
    """The file lines of an answer (no lines for the empty answer)."""
    if answer == "":
        return []
    lines = answer.split("\n")
    out = []
    for i, line in enumerate(lines):
        escape = (
            line != line.rstrip()
            or line.startswith((QUESTION_MARK, "\\"))
            or any(_needs_escape_char(c) for c in line)
            or (line == "" and i == len(lines) - 1)
        )
        out.append("\\" + _json_string(line) if escape else line)
    return out


def decode_answer(lines: Sequence[str], *, where: str = "", first_line: int = 0) -> str:
    decoded = []
    for i, line in enumerate(lines):
        if line.startswith("\\"):
            try:
                value = json.loads(line[1:])
            except json.JSONDecodeError as exc:
                raise TranscriptError(f"{where}:{first_line + i}: an escaped line must be \\ and a "
                                      f"JSON string, like \\\"text  \": {exc.msg}") from None
            if not isinstance(value, str):
                raise TranscriptError(f"{where}:{first_line + i}: an escaped line must be \\ and a JSON string")
            decoded.append(value)
        else:
            decoded.append(line)
    return "\n".join(decoded)


def _plain_question(question: str) -> bool:
    return (
        0 < len(question) <= PLAIN_QUESTION_MAX
        and question == question.strip()
        and not question.startswith("{")
        and not any(_needs_escape_char(c) for c in question)
    )


def _repetition(question: str) -> dict[str, Any] | None:
    """{"repeat", "times"[, "sep"]} when the question is one unit repeated, else None."""
    for sep in ("", " ", "\n"):
        joined = question + sep  # sep.join([unit] * n) + sep == (unit + sep) * n
        period = (joined + joined).find(joined, 1)
        if 0 < period < len(joined) and len(joined) % period == 0 and joined[:period].endswith(sep):
            unit = joined[: period - len(sep)]
            if unit:
                spec: dict[str, Any] = {"repeat": unit, "times": len(joined) // period}
                if sep:
                    spec["sep"] = sep
                return spec
    return None


def encode_question(question: str) -> str:
    """The question line for a question: ``>>> text``, a bare ``>>>``, or ``>>> {json}``."""
    if question == "":
        return QUESTION_MARK
    if _plain_question(question):
        return f"{QUESTION_MARK} {question}"
    spec: dict[str, Any] | None = _repetition(question) if len(question) > PLAIN_QUESTION_MAX else None
    if spec is None or len(spec["repeat"]) > 200:
        spec = {"text": question}
    body = ", ".join(f"{json.dumps(k)}: {_json_string(v) if isinstance(v, str) else json.dumps(v)}"
                     for k, v in spec.items())
    return f"{QUESTION_MARK} {{{body}}}"


def decode_question(line: str, *, where: str = "") -> str:
    """The question of a ``>>>`` line."""
    rest = line[len(QUESTION_MARK):]
    if rest.startswith(" "):
        rest = rest[1:]
    if not rest.startswith("{"):
        return rest
    try:
        spec = json.loads(rest)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{where}: a question starting with {{ must be a JSON object "
                              f"({exc.msg}); write {{\"text\": \"...\"}} for a question that starts with {{") from None
    if not isinstance(spec, dict):
        raise TranscriptError(f"{where}: a question starting with {{ must be a JSON object")
    if set(spec) == {"text"} and isinstance(spec["text"], str):
        return spec["text"]
    if {"repeat", "times"} <= set(spec) <= {"repeat", "times", "sep"}:
        unit, times, sep = spec["repeat"], spec["times"], spec.get("sep", "")
        if isinstance(unit, str) and isinstance(sep, str) and isinstance(times, int) and times >= 0:
            return sep.join([unit] * times)
    raise TranscriptError(f"{where}: a compact question is {{\"text\": STRING}} or "
                          f"{{\"repeat\": STRING, \"times\": N}} with an optional \"sep\": STRING")


def dumps(transcript: Transcript) -> str:
    """The file text of a transcript."""
    if transcript.channel not in CHANNELS:
        raise TranscriptError(f"unknown channel {transcript.channel!r} (expected one of: {', '.join(CHANNELS)})")
    values = {"corpus": transcript.corpus, "channel": transcript.channel}
    lines: list[str] = []
    seen = set()
    for line in transcript.header:
        match = _KEY_RE.match(line) if not line.startswith("#") else None
        if match and match.group(1).lower() in values:
            key = match.group(1).lower()
            seen.add(key)
            lines.append(f"{key}: {values[key]}")
        else:
            lines.append(line)
    lines += [f"{key}: {values[key]}" for key in HEADER_KEYS if key not in seen]
    for exchange in transcript.exchanges:
        question_line = exchange.raw
        if question_line is None or not _decodes_to(question_line, exchange.question):
            question_line = encode_question(exchange.question)
        lines.append("")
        lines.append(question_line)
        lines.extend(encode_answer(exchange.answer))
    return "\n".join(lines) + "\n"


def _decodes_to(line: str, question: str) -> bool:
    try:
        return decode_question(line) == question
    except TranscriptError:
        return False


def loads(text: str, path: Path | str | None = None) -> Transcript:
    """Parse a transcript; errors name the file and line."""
    where = str(path) if path is not None else "<transcript>"
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    starts = [i for i, line in enumerate(lines) if line.startswith(QUESTION_MARK)]
    header_end = starts[0] if starts else len(lines)
    header = lines[:header_end]
    while header and not header[-1].strip():
        header.pop()
    values: dict[str, str] = {}
    for i, line in enumerate(header, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _KEY_RE.match(line)
        if not match or match.group(1).lower() not in HEADER_KEYS:
            raise TranscriptError(
                f"{where}:{i}: the header holds '# comments' and the keys "
                f"{', '.join(k + ':' for k in HEADER_KEYS)} (got {line[:60]!r})")
        values[match.group(1).lower()] = match.group(2)
    for key in HEADER_KEYS:
        if not values.get(key):
            raise TranscriptError(f"{where}: the header needs a '{key}:' line before the first '>>>' question")
    if values["channel"] not in CHANNELS:
        raise TranscriptError(f"{where}: channel must be one of {', '.join(CHANNELS)}, not {values['channel']!r}")
    exchanges = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[start + 1 : end]
        while body and body[-1] == "":
            body.pop()
        question = decode_question(lines[start], where=f"{where}:{start + 1}")
        answer = decode_answer(body, where=where, first_line=start + 2)
        exchanges.append(Exchange(question, answer, raw=lines[start], line=start + 1))
    return Transcript(values["corpus"], values["channel"], exchanges, header, Path(path) if path else None)


def load(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: cannot read: {exc}") from None
    return loads(text, path)


def save(transcript: Transcript, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(transcript)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)
    transcript.path = path


def read_questions(text: str) -> list[str]:
    """Questions from a list, one a line; blank lines are skipped, ``{json}`` lines are compact."""
    questions = []
    for i, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        questions.append(decode_question(f"{QUESTION_MARK} {line}", where=f"line {i}") if line.startswith("{") else line)
    return questions


# =============================================================================================
# Where things are


def project_root(start: Path) -> Path | None:
    """The nearest directory at or above start that holds pyproject.toml."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return None


def corpus_path(transcript: Transcript) -> Path:
    """The corpus a transcript names, resolved (see the module docstring)."""
    corpus = Path(transcript.corpus).expanduser()
    if corpus.is_absolute():
        return corpus
    base = project_root(transcript.path.parent) if transcript.path is not None else None
    return ((base or Path.cwd()) / corpus).resolve()


def corpus_label(corpus: Path, transcript_path: Path) -> str:
    """How a transcript at transcript_path names corpus: relative to its project root if inside it."""
    absolute = corpus.expanduser().resolve()
    root = project_root(transcript_path.parent)
    if root is not None:
        with contextlib.suppress(ValueError):
            return absolute.relative_to(root).as_posix()
    return str(absolute)


def default_dir() -> Path:
    """tests/transcripts of the current directory, else of the project this package lives in."""
    here = DEFAULT_DIR
    if here.is_dir():
        return here
    root = Path(__file__).resolve().parents[1]
    return root / DEFAULT_DIR if (root / DEFAULT_DIR).is_dir() else here


def find_transcripts(paths: Sequence[Path]) -> list[Path]:
    """Transcript files: each file as given, each directory searched for *.transcript."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob(f"*{SUFFIX}"))
        elif path.exists():
            found.append(path)
        else:
            raise TranscriptError(f"{path}: no such file or directory")
    return found


def shown(path: Path | None) -> str:
    if path is None:
        return "<transcript>"
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


# =============================================================================================
# Replaying


def replay_repl(service: Any, questions: Sequence[str]) -> list[str]:
    """What the REPL prints for each input line, in one session (``/sources`` sees the last answer)."""
    from rich.console import Console
    from rich.text import Text

    from .repl import Repl

    repl = Repl(service, Console(file=io.StringIO(), highlight=False))
    answers = []
    for question in questions:
        out = repl.handle(question)
        if out is None:  # /quit: the REPL says goodbye
            answers.append("Bye.")
        else:
            answers.append(out.plain if isinstance(out, Text) else out)
    return answers


def telegram_modules() -> tuple[Any, Any]:
    """(bot.tg_app, the fake Bot API of bot.tgbot.testing), or TelegramUnavailable saying what is missing."""
    try:
        tg_app = importlib.import_module("bot.tg_app")
        fake = importlib.import_module("bot.tgbot.testing")
    except ModuleNotFoundError as exc:
        raise TelegramUnavailable(f"the Telegram bot cannot be imported: {exc}") from None
    return tg_app, fake


def telegram_unavailable() -> str | None:
    """Why Telegram transcripts cannot be replayed here, or None when they can."""
    try:
        telegram_modules()
    except TelegramUnavailable as exc:
        return str(exc)
    return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_question_problem(question: str) -> str | None:
    """Why Telegram could never deliver this question to the bot, or None."""
    if not question.strip():
        return "Telegram does not deliver empty or blank messages"
    if _utf16_len(question) > TELEGRAM_MAX:
        return f"Telegram delivers at most {TELEGRAM_MAX} characters in a message; this question has {_utf16_len(question)}"
    return None


USER_ID = 42  # the private chat every Telegram transcript is a conversation in
HANDLED_GROUP = 1_000_000  # a handler group after every group the bot uses


@contextlib.contextmanager
def _quiet_loggers(names: Iterable[str], level: int = logging.WARNING) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, old in zip(loggers, before):
            logger.setLevel(old)


def replay_telegram(service: Any, questions: Sequence[str], *, timeout: float = 15.0) -> list[str]:
    """The HTML the real bot sends for each question, asked in one private chat.

    Runs the real PTB Application (``bot.tg_app.build_application`` and ``serve``: polling,
    handlers, rate limiter, HTTP client) against the fake Bot API. Each answer is the HTML of
    the messages the bot sent in reply, joined by a ``<!-- next message -->`` line. Questions
    come one at a time; the flood guard sees a minute pass between them, as with a person.
    """
    for question in questions:
        problem = telegram_question_problem(question)
        if problem:
            raise TranscriptError(f"{problem}: {_short(question)}")
    tg_app, fake_module = telegram_modules()
    with _quiet_loggers(("newsbot.telegram", "telegram", "httpx", "httpcore", "aiohttp")):
        return asyncio.run(_replay_telegram(service, questions, tg_app, fake_module, timeout))


async def _replay_telegram(service: Any, questions: Sequence[str], tg_app: Any, fake_module: Any,
                           timeout: float) -> list[str]:
    from telegram import Update
    from telegram.ext import TypeHandler

    from .settings import Settings

    async with fake_module.FakeBotAPI() as fake:
        defaults = Settings.model_fields
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_token=fake.token,
            telegram_api_url=fake.base_url,
            telegram_mode="polling",
            allowed_chats=[],
            flood_limit=defaults["flood_limit"].default,
            log_level="WARNING",
        )
        app = tg_app.build_application(settings, service=service)
        now = [0.0]
        guard = getattr(tg_app, "FloodGuard", None)
        if guard is not None and "flood" in app.bot_data:
            app.bot_data["flood"] = guard(settings.flood_limit, clock=lambda: now[0])
        handled: dict[int, asyncio.Event] = {}

        # Runs after the bot's own handlers for the same update (PTB handles an update's groups in
        # order and awaits blocking handlers), so when it fires every reply has been sent.
        async def done(update: Update, context: Any) -> None:
            event = handled.get(update.update_id)
            if event is not None:
                event.set()

        app.add_handler(TypeHandler(Update, done), group=HANDLED_GROUP)
        answers = []
        async with tg_app.serve(app):
            for question in questions:
                now[0] += 61.0
                before = len(fake.messages_to(USER_ID))
                update = fake.push_message(question, user_id=USER_ID)
                event = handled[update["update_id"]] = asyncio.Event()
                try:
                    await asyncio.wait_for(event.wait(), timeout)
                except TimeoutError:
                    raise TranscriptError(f"the bot did not finish handling {_short(question)} "
                                          f"within {timeout:.0f} s") from None
                sent = fake.messages_to(USER_ID)[before:]
                answers.append(f"\n{MESSAGE_BREAK}\n".join(message.html for message in sent))
        return answers


class Replayer:
    """Replays transcripts; opens each corpus's index once (cached for every transcript)."""

    def __init__(self, cache_dir: Path | None = None, corpus: Path | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        self.cache_dir = cache_dir
        self.corpus = corpus  # when given, every transcript is replayed against this corpus
        self.say = say
        self._services: dict[Path, Any] = {}

    def corpus_for(self, transcript: Transcript) -> Path:
        return self.corpus.resolve() if self.corpus is not None else corpus_path(transcript)

    def service(self, corpus: Path) -> Any:
        corpus = corpus.resolve()
        if corpus not in self._services:
            from .service import NewsService

            if not corpus.exists():
                raise TranscriptError(f"corpus {corpus} does not exist")
            service = NewsService.open(corpus, self.cache_dir, warn=self.say)
            if service.build_report is not None and self.say is not None:
                from ._cli import report_build

                report_build(service.build_report, self.say)
            self._services[corpus] = service
        return self._services[corpus]

    def answers(self, transcript: Transcript, questions: Sequence[str] | None = None) -> list[str]:
        questions = transcript.questions if questions is None else list(questions)
        service = self.service(self.corpus_for(transcript))
        if transcript.channel == "telegram":
            return replay_telegram(service, questions)
        return replay_repl(service, questions)

    def check(self, transcript: Transcript) -> "CheckResult":
        actual = self.answers(transcript)
        changed = [
            (exchange, answer)
            for exchange, answer in zip(transcript.exchanges, actual)
            if exchange.answer != answer
        ]
        return CheckResult(transcript, changed)


def _short(question: str, limit: int = 100) -> str:
    text = encode_question(question)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(question):,} characters)"


@dataclass
class CheckResult:
    transcript: Transcript
    changed: list[tuple[Exchange, str]]  # (expected exchange, actual answer)

    @property
    def ok(self) -> bool:
        return not self.changed

    def report(self) -> str:
        """A unified diff per changed answer, each headed by file:line and the question."""
        name = shown(self.transcript.path)
        parts = []
        for exchange, actual in self.changed:
            expected_lines = encode_answer(exchange.answer)
            actual_lines = encode_answer(actual)
            first = exchange.line + 1
            span = f"line {first}" if len(expected_lines) <= 1 else f"lines {first}-{first + len(expected_lines) - 1}"
            if parts:
                parts.append("")
            parts.append(f"{name}:{exchange.line}: the answer to {_short(exchange.question)} changed")
            diff = difflib.unified_diff(
                expected_lines, actual_lines,
                fromfile=f"expected ({name}, {span})", tofile="actual", lineterm="",
            )
            parts.append("\n".join(diff) if expected_lines or actual_lines else "")
        return "\n".join(parts)


# =============================================================================================
# Recording


def record_new(replayer: Replayer, path: Path, questions: Sequence[str], *, corpus: Path,
               channel: str = "repl") -> Transcript:
    transcript = new_transcript(corpus_label(corpus, path), channel)
    transcript.path = path
    transcript.exchanges = [Exchange(q, "") for q in questions]
    for exchange, answer in zip(transcript.exchanges, replayer.answers(transcript)):
        exchange.answer = answer
    save(transcript, path)
    return transcript


def record_update(replayer: Replayer, transcript: Transcript, *, add: Sequence[str] = ()) -> int:
    """Re-record every answer (and append the questions of add not yet asked); returns how many changed."""
    known = set(transcript.questions)
    transcript.exchanges += [Exchange(q, "") for q in dict.fromkeys(add) if q not in known]
    before = [e.answer for e in transcript.exchanges]
    for exchange, answer in zip(transcript.exchanges, replayer.answers(transcript)):
        exchange.answer = answer
    assert transcript.path is not None
    save(transcript, transcript.path)
    return sum(old != e.answer for old, e in zip(before, transcript.exchanges))


def save_session(path: Path | str, exchanges: Sequence[tuple[str, str]], settings: Any) -> Path:
    """Write a REPL session ((input line, output text) pairs, as ``Repl.exchanges``) as a transcript."""
    path = Path(path)
    transcript = new_transcript(corpus_label(Path(settings.corpus), path), "repl",
                                [Exchange(question, answer) for question, answer in exchanges])
    save(transcript, path)
    print(f"newsbot: recorded {len(exchanges)} exchange(s) to {path} "
          f"(replay: newsbot transcripts check {path})", file=sys.stderr)
    return path


# =============================================================================================
# Command line


def register(subparsers: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = subparsers.add_parser(
        "transcripts", help="regression transcripts: record conversations, replay them as tests",
        description="Record conversations with newsbot as plain-text transcripts and replay them: "
        "a changed answer shows as a diff. Format: tests/transcripts/README.md.",
    )
    add_common(parser)
    actions = parser.add_subparsers(dest="transcripts_action", metavar="ACTION", required=True)

    check = actions.add_parser(
        "check", help="replay transcripts; print a diff for each changed answer (exit 1 if any)")
    add_common(check)
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="transcript files or directories (default: tests/transcripts)")
    check.set_defaults(func=cmd_check)

    record = actions.add_parser(
        "record", help="write a transcript from a list of questions, or re-record one (--update)")
    add_common(record)
    record.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="the transcript to write; with --update, those to re-record "
                        "(default: every transcript under tests/transcripts)")
    record.add_argument("--questions", metavar="QFILE",
                        help="questions, one a line ('-' = stdin); with --update, questions to add")
    record.add_argument("--channel", choices=CHANNELS, help="repl (plain text, default) or telegram (HTML)")
    record.add_argument("--update", action="store_true",
                        help="re-record the answers of the questions already in FILE")
    record.set_defaults(func=cmd_record)


def _err(message: str) -> None:
    print(f"newsbot: {message}", file=sys.stderr, flush=True)


def _replayer(args: argparse.Namespace, settings: Any) -> Replayer:
    corpus = getattr(args, "corpus", None)  # only when given: the header names each transcript's corpus
    return Replayer(cache_dir=settings.cache_dir, corpus=corpus, say=_err)


def cmd_check(args: argparse.Namespace, settings: Any) -> int:
    try:
        paths = find_transcripts(args.paths or [default_dir()])
    except TranscriptError as exc:
        _err(f"error: {exc}")
        return 2
    if not paths:
        _err(f"error: no *{SUFFIX} files in {', '.join(map(str, args.paths or [default_dir()]))}")
        return 2
    replayer = _replayer(args, settings)
    failed: list[Path] = []
    skipped = answers = changed = 0
    for path in paths:
        try:
            transcript = load(path)
            result = replayer.check(transcript)
        except TelegramUnavailable as exc:
            skipped += 1
            print(f"skip  {shown(path)}: telegram channel: {exc}", flush=True)
            continue
        except TranscriptError as exc:
            failed.append(path)
            print(f"FAIL  {shown(path)}: {exc}", flush=True)
            continue
        except Exception as exc:  # one transcript that cannot be replayed must not hide the others
            failed.append(path)
            print(f"FAIL  {shown(path)}: replay failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        answers += len(transcript.exchanges)
        if result.ok:
            print(f"ok    {shown(path)} ({len(transcript.exchanges)} answers)", flush=True)
        else:
            failed.append(path)
            changed += len(result.changed)
            print(f"FAIL  {shown(path)}: {len(result.changed)} of {len(transcript.exchanges)} answers changed",
                  flush=True)
            print(result.report(), flush=True)
    summary = f"{len(paths)} transcript(s), {answers} answers checked"
    if skipped:
        summary += f", {skipped} skipped"
    if failed:
        print(f"\n{summary}: {changed} answer(s) changed in {len(failed)} file(s). If the new answers are "
              f"right, re-record them: newsbot transcripts record --update {' '.join(shown(p) for p in failed)}")
        return 1
    print(f"\n{summary}: all unchanged.")
    return 0


def _read_question_file(name: str) -> list[str]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"cannot read {name}: {exc}") from None
    return read_questions(text)


def cmd_record(args: argparse.Namespace, settings: Any) -> int:
    replayer = _replayer(args, settings)
    try:
        if args.update:
            return _record_updates(args, replayer)
        if len(args.files) != 1:
            raise TranscriptError("record writes one FILE from --questions QFILE; "
                                  "--update re-records existing transcripts")
        path = args.files[0]
        if args.questions is None:
            raise TranscriptError(f"record {path} needs --questions QFILE (or --update to re-record {path})")
        if path.exists():
            raise TranscriptError(f"{path} exists: --update re-records its answers "
                                  "(with --questions it also adds new questions)")
        questions = _read_question_file(args.questions)
        if not questions:
            raise TranscriptError(f"{args.questions} holds no questions")
        transcript = record_new(replayer, path, questions, corpus=Path(settings.corpus),
                                channel=args.channel or "repl")
        print(f"recorded {shown(path)}: {len(transcript.exchanges)} answers ({transcript.channel}, "
              f"corpus {transcript.corpus})")
        return 0
    except (TranscriptError, TelegramUnavailable) as exc:
        _err(f"error: {exc}")
        return 2


def _record_updates(args: argparse.Namespace, replayer: Replayer) -> int:
    if args.questions and not args.files:
        raise TranscriptError("--update --questions adds questions to the FILE(s) named; name them")
    paths = find_transcripts(args.files or [default_dir()])
    if not paths:
        raise TranscriptError(f"no *{SUFFIX} files to re-record")
    add = _read_question_file(args.questions) if args.questions else []
    for path in paths:
        transcript = load(path)
        if getattr(args, "corpus", None) is not None:
            transcript.corpus = corpus_label(args.corpus, path)
        if args.channel:
            transcript.channel = args.channel
        asked = len(transcript.exchanges)
        changed = record_update(replayer, transcript, add=add)
        added = len(transcript.exchanges) - asked
        print(f"re-recorded {shown(path)}: {len(transcript.exchanges)} answers, {changed} changed"
              + (f", {added} question(s) added" if added else ""), flush=True)
    return 0
