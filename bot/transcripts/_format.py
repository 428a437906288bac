"""The transcript file format: reading and writing it exactly, whatever an answer holds.

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

*Conversation steps* (Telegram): ``{"press": "LABEL"}`` presses the suggested follow-up button
labelled LABEL under the latest answer that has it; ``{"text": "and in the south?", "reply_to":
"QUESTION"}`` sends the text as a reply to the answer of the latest exchange that asked QUESTION.
A Telegram answer lists its suggested follow-up buttons after the message they sit under, one
``<!-- button: LABEL -->`` line each (the feedback buttons, under every answer, are not listed).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import TranscriptError
from index import atomic_write_text

SUFFIX = ".transcript"
CHANNELS = ("repl", "telegram")
QUESTION_MARK = ">>>"
MESSAGE_BREAK = "<!-- next message -->"
BUTTON_LINE = "<!-- button: {label} -->"  # a suggested follow-up button under a Telegram message
PLAIN_QUESTION_MAX = 500  # longer questions are written in the compact JSON form
HEADER_KEYS = ("corpus", "channel")  # required
OPTIONAL_KEYS = ("now",)  # the day questions about time count from (YYYY-MM-DD)
_KEY_RE = re.compile(r"^([A-Za-z_-]+)\s*:\s*(.*?)\s*$")

DEFAULT_HEADER_COMMENT = (
    '# newsbot transcript: ">>>" lines are questions, the lines under each the exact answer.',
    "# Format: tests/transcripts/README.md. Re-record: newsbot transcripts record --update FILE",
)


# =============================================================================================
# The data


@dataclass(frozen=True)
class Step:
    """What the person does in one exchange: types text; or presses the suggested follow-up button
    labelled text (``press``); or sends text as a reply to the answer of the latest exchange that
    asked ``reply_to`` (Telegram)."""

    text: str
    press: bool = False
    reply_to: str | None = None


@dataclass
class Exchange:
    """One question and the exact answer shown for it."""

    question: str
    answer: str
    raw: str | None = None  # the question line as written in the file (kept on re-recording)
    line: int = 0  # 1-based line number of the question line in its file (0: not from a file)
    press: bool = False  # the question is a button's label, pressed (see Step)
    reply_to: str | None = None  # sent as a reply to the answer of this earlier question

    @property
    def step(self) -> Step:
        return Step(self.question, self.press, self.reply_to)

    @classmethod
    def of(cls, step: Step | str, answer: str = "") -> Exchange:
        step = Step(step) if isinstance(step, str) else step
        return cls(step.text, answer, press=step.press, reply_to=step.reply_to)


@dataclass
class Transcript:
    corpus: str
    channel: str
    exchanges: list[Exchange] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # comment and key lines, verbatim
    path: Path | None = None
    now: str | None = None  # the header's "now:" (a day, YYYY-MM-DD): "today" in its questions

    @property
    def questions(self) -> list[str]:
        return [e.question for e in self.exchanges]

    @property
    def steps(self) -> list[Step]:
        return [e.step for e in self.exchanges]


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


def encode_step(step: Step | str) -> str:
    """The ``>>>`` line of a step: the question's own line, or a JSON object for a press or a reply."""
    if isinstance(step, str) or (not step.press and step.reply_to is None):
        return encode_question(step if isinstance(step, str) else step.text)
    spec: dict[str, Any] = {"press": step.text} if step.press else {"text": step.text, "reply_to": step.reply_to}
    body = ", ".join(f"{json.dumps(k)}: {_json_string(v)}" for k, v in spec.items())
    return f"{QUESTION_MARK} {{{body}}}"


def decode_step(line: str, *, where: str = "") -> Step:
    """The step of a ``>>>`` line: a question, a button pressed, or a reply (see the module doc)."""
    rest = line[len(QUESTION_MARK):].removeprefix(" ")
    if rest.startswith("{"):
        try:
            spec = json.loads(rest)
        except json.JSONDecodeError:
            spec = None
        if isinstance(spec, dict) and set(spec) == {"press"}:
            if not isinstance(spec["press"], str) or not spec["press"]:
                raise TranscriptError(f"{where}: \"press\" names the label of a button, a non-empty string")
            return Step(spec["press"], press=True)
        if isinstance(spec, dict) and set(spec) == {"text", "reply_to"}:
            if not all(isinstance(spec[k], str) for k in spec):
                raise TranscriptError(f"{where}: \"text\" and \"reply_to\" are strings")
            return Step(spec["text"], reply_to=spec["reply_to"])
    return Step(decode_question(line, where=where))


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
        if question_line is None or not _decodes_to(question_line, exchange.step):
            question_line = encode_step(exchange.step)
        lines.append("")
        lines.append(question_line)
        lines.extend(encode_answer(exchange.answer))
    return "\n".join(lines) + "\n"


def _decodes_to(line: str, step: Step) -> bool:
    try:
        return decode_step(line) == step
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
        if not match or match.group(1).lower() not in HEADER_KEYS + OPTIONAL_KEYS:
            raise TranscriptError(
                f"{where}:{i}: the header holds '# comments', the keys "
                f"{', '.join(k + ':' for k in HEADER_KEYS)} and optionally "
                f"{', '.join(k + ':' for k in OPTIONAL_KEYS)} (got {line[:60]!r})")
        values[match.group(1).lower()] = match.group(2)
    if values.get("now") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", values["now"]):
        raise TranscriptError(f"{where}: now: must be a day such as 2015-12-14, not {values['now']!r}")
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
        step = decode_step(lines[start], where=f"{where}:{start + 1}")
        answer = decode_answer(body, where=where, first_line=start + 2)
        exchanges.append(Exchange(step.text, answer, raw=lines[start], line=start + 1, press=step.press,
                                  reply_to=step.reply_to))
    return Transcript(values["corpus"], values["channel"], exchanges, header, Path(path) if path else None,
                      values.get("now") or None)


def load(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: cannot read: {exc}") from None
    return loads(text, path)


def save(transcript: Transcript, path: Path) -> None:
    """Write the transcript to path (atomically: a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, dumps(transcript))
    transcript.path = path


def read_questions(text: str) -> list[str]:
    """Questions from a list, one a line; blank lines are skipped, ``{json}`` lines are compact."""
    return [step.text for step in read_steps(text)]


def read_steps(text: str) -> list[Step]:
    """Steps from a list, one a line: questions, and ``{json}`` lines (compact questions, presses, replies)."""
    steps = []
    for i, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        compact = line.startswith("{")
        steps.append(decode_step(f"{QUESTION_MARK} {line}", where=f"line {i}") if compact else Step(line))
    return steps
