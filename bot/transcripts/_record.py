"""Recording transcripts: a new one from a list of questions, new answers into an existing one, or a
REPL session as it happened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from ._format import Exchange, Step, Transcript, new_transcript, save
from ._paths import corpus_label
from ._replay import Replayer


def record_new(replayer: Replayer, path: Path, questions: Sequence[str | Step], *, corpus: Path,
               channel: str = "repl") -> Transcript:
    """Ask the questions (or take the steps) over corpus through channel and write them with their
    answers to path."""
    transcript = new_transcript(corpus_label(corpus, path), channel)
    transcript.path = path
    _fix_now(replayer, transcript)
    transcript.exchanges = [Exchange.of(q) for q in questions]
    for exchange, answer in zip(transcript.exchanges, replayer.answers(transcript), strict=True):
        exchange.answer = answer
    save(transcript, path)
    return transcript


def record_update(replayer: Replayer, transcript: Transcript, *, add: Sequence[str | Step] = ()) -> int:
    """Re-record every answer (and append the questions of add not yet asked); returns how many changed."""
    known = set(transcript.steps)
    steps = [Step(q) if isinstance(q, str) else q for q in add]
    transcript.exchanges += [Exchange.of(step) for step in dict.fromkeys(steps) if step not in known]
    before = [e.answer for e in transcript.exchanges]
    _fix_now(replayer, transcript)
    for exchange, answer in zip(transcript.exchanges, replayer.answers(transcript), strict=True):
        exchange.answer = answer
    assert transcript.path is not None
    save(transcript, transcript.path)
    return sum(old != e.answer for old, e in zip(before, transcript.exchanges, strict=True))


def _fix_now(replayer: Replayer, transcript: Transcript) -> None:
    """Recording with --now: the day goes into the header (``now:``), so the replay counts from it too."""
    if replayer.now is None:
        return
    transcript.now = replayer.now.isoformat()
    header = [line for line in transcript.header if not line.lower().startswith("now:")]
    transcript.header = [*header, f"now: {transcript.now}"]


def save_session(path: Path | str, exchanges: Sequence[tuple[str, str]], corpus: Path,
                 now: dt.date | None = None) -> Path:
    """Write a REPL session over corpus ((input line, output text) pairs, as ``Repl.exchanges``) as a
    transcript (with ``now:`` in its header when the session's day was fixed); returns its path."""
    path = Path(path)
    transcript = new_transcript(corpus_label(Path(corpus), path), "repl",
                                [Exchange(question, answer) for question, answer in exchanges])
    if now is not None:
        transcript.header.append(f"now: {now.isoformat()}")
    save(transcript, path)
    return path
