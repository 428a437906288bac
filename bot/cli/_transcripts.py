"""`newsbot transcripts check|record`: replay regression transcripts, or record them (see
`bot.transcripts`). A changed answer is output (a FAIL line and a diff, exit status 1), not an error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.errors import TranscriptError
from bot.settings import Settings
from bot.transcripts import (
    CHANNELS,
    SUFFIX,
    Replayer,
    Step,
    corpus_label,
    default_dir,
    find_transcripts,
    load,
    read_steps,
    record_new,
    record_update,
    shown,
)

from ._common import add_common_args, add_now_arg, say


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "transcripts", help="regression transcripts: record conversations, replay them as tests",
        description="Record conversations with newsbot as plain-text transcripts and replay them: "
        "a changed answer shows as a diff. Format: tests/transcripts/README.md.",
    )
    add_common_args(parser)
    actions = parser.add_subparsers(dest="transcripts_action", metavar="ACTION", required=True)

    check = actions.add_parser(
        "check", help="replay transcripts; print a diff for each changed answer (exit 1 if any)")
    add_common_args(check)
    add_now_arg(check)
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="transcript files or directories (default: tests/transcripts)")
    check.set_defaults(func=cmd_transcripts_check)

    record = actions.add_parser(
        "record", help="write a transcript from a list of questions, or re-record one (--update)")
    add_common_args(record)
    add_now_arg(record)
    record.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="the transcript to write; with --update, those to re-record "
                        "(default: every transcript under tests/transcripts)")
    record.add_argument("--questions", metavar="QFILE",
                        help="questions, one a line ('-' = stdin); with --update, questions to add")
    record.add_argument("--channel", choices=CHANNELS, help="repl (plain text, default) or telegram (HTML)")
    record.add_argument("--update", action="store_true",
                        help="re-record the answers of the questions already in FILE")
    record.set_defaults(func=cmd_transcripts_record)


def _replayer(args: argparse.Namespace, settings: Settings) -> Replayer:
    corpus = getattr(args, "corpus", None)  # only when given: the header names each transcript's corpus
    now = settings.now if getattr(args, "now", None) is not None else None  # else each transcript's own
    return Replayer(cache_dir=settings.cache_dir, corpus=corpus, say=say, now=now)


def cmd_transcripts_check(args: argparse.Namespace, settings: Settings) -> int:
    paths = find_transcripts(args.paths or [default_dir()])
    if not paths:
        raise TranscriptError(f"no *{SUFFIX} files in {', '.join(map(str, args.paths or [default_dir()]))}")
    replayer = _replayer(args, settings)
    failed: list[Path] = []
    answers = changed = 0
    for path in paths:
        try:
            transcript = load(path)
            result = replayer.check(transcript)
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
    if failed:
        print(f"\n{summary}: {changed} answer(s) changed in {len(failed)} file(s). If the new answers are "
              f"right, re-record them: newsbot transcripts record --update {' '.join(shown(p) for p in failed)}")
        return 1
    print(f"\n{summary}: all unchanged.")
    return 0


def _read_question_file(name: str) -> list[Step]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"cannot read {name}: {exc}") from None
    return read_steps(text)


def cmd_transcripts_record(args: argparse.Namespace, settings: Settings) -> int:
    replayer = _replayer(args, settings)
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
