"""Regression transcripts: record a conversation with newsbot, replay it as a test.

A transcript is a plain-text file (``*.transcript``, one conversation per file, kept under
``tests/transcripts/``) holding each question and the exact answer a user sees, so that the
people who maintain the corpus and the answer templates can read what the bot says and see,
as a diff, when a change alters an answer.

The file format is described in `bot.transcripts._format` (and, for people writing transcripts,
in ``tests/transcripts/README.md``); `_paths` finds transcripts and their corpora, `_replay` runs
the questions through the real REPL or the real Telegram bot (against the fake Bot API of
`bot.tgbot.testing`), `_record` writes answers back.

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

from ._format import (
    BUTTON_LINE,
    CHANNELS,
    DEFAULT_HEADER_COMMENT,
    MESSAGE_BREAK,
    QUESTION_MARK,
    SUFFIX,
    Exchange,
    Step,
    Transcript,
    decode_answer,
    decode_question,
    decode_step,
    dumps,
    encode_answer,
    encode_question,
    encode_step,
    load,
    loads,
    new_transcript,
    read_questions,
    read_steps,
    save,
)
from ._paths import corpus_label, corpus_path, default_dir, find_transcripts, project_root, shown
from ._record import record_new, record_update, save_session
from ._replay import CheckResult, Replayer, replay_repl, replay_telegram, telegram_question_problem

__all__ = [
    "BUTTON_LINE", "CHANNELS", "DEFAULT_HEADER_COMMENT", "MESSAGE_BREAK", "QUESTION_MARK", "SUFFIX", "CheckResult",
    "Exchange", "Replayer", "Step", "Transcript", "corpus_label", "corpus_path", "decode_answer", "decode_question",
    "decode_step", "default_dir", "dumps", "encode_answer", "encode_question", "encode_step", "find_transcripts",
    "load", "loads", "new_transcript", "project_root", "read_questions", "read_steps", "record_new",
    "record_update", "replay_repl", "replay_telegram", "save", "save_session", "shown",
    "telegram_question_problem",
]
