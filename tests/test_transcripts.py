"""Regression transcripts (tests/transcripts/*.transcript): one test per file, plus the format,
the `newsbot transcripts` commands and `newsbot repl --record`.

Every transcript is replayed through its channel (REPL text, or Telegram HTML through the fake Bot
API) and compared with what is committed; a failure shows the diff naming the file and question.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import transcripts as tx
from bot.answer import Answer, AnswerKind, Quote, Source
from bot.cli import main
from bot.errors import TranscriptError

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPT_DIR = REPO / "tests" / "transcripts"
CORPUS = REPO / "corpus"
TRANSCRIPTS = sorted(TRANSCRIPT_DIR.rglob(f"*{tx.SUFFIX}"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's NEWSBOT_* variables (or .env) must not change what is replayed."""
    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index for the whole session, in a temporary directory."""
    return tmp_path_factory.mktemp("transcripts-index")


@pytest.fixture(scope="session")
def replayer(index_cache: Path) -> tx.Replayer:
    return tx.Replayer(cache_dir=index_cache)


# ------------------------------------------------------------------------- the transcripts


def test_transcripts_exist() -> None:
    assert len(TRANSCRIPTS) >= 4, f"expected the committed transcripts in {TRANSCRIPT_DIR}"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.relative_to(TRANSCRIPT_DIR).as_posix() for p in TRANSCRIPTS])
def test_transcript(path: Path, replayer: tx.Replayer) -> None:
    transcript = tx.load(path)
    result = replayer.check(transcript)
    if not result.ok:
        pytest.fail(
            f"{len(result.changed)} of {len(transcript.exchanges)} answers changed in {path.name}. "
            f"If the new answers are right: newsbot transcripts record --update {path.relative_to(REPO)}\n\n"
            + result.report(),
            pytrace=False,
        )


def test_committed_transcripts_cover_the_required_cases() -> None:
    """The cases the transcripts exist for stay in them (a re-recording must not drop one)."""
    questions = {path.name: tx.load(path).questions for path in TRANSCRIPTS}
    repl = questions["repl_commands.transcript"]
    for command in ("/help", "/articles", "/sources 1", "/sources 9", "/sources x", "/frobnicate"):
        assert command in repl
    edge = questions["edge_cases.transcript"]
    assert "" in edge and "   " in edge
    assert any(len(q) == 10_000 for q in edge)
    for needle in ("Maréchal", "FN", "WHO LEADS", "<b>", "🇫🇷"):
        assert any(needle in q for q in edge), needle
    assert len(questions["seed_questions.transcript"]) == 17
    assert questions["telegram_seed_questions.transcript"] == questions["seed_questions.transcript"]
    answers = {a for e in tx.load(TRANSCRIPT_DIR / "edge_cases.transcript").exchanges for a in [e.answer]}
    assert any("don't cover" in a for a in answers), "a no-answer case"


def test_the_conversations_hold_at_least_ten_conversations_of_two_or_three_turns() -> None:
    """A conversation: a self-contained question, then one or two follow-ups of it (the notes say so)."""
    lengths: list[int] = []
    for name in ("conversations.transcript", "telegram_conversations.transcript"):
        for exchange in tx.load(TRANSCRIPT_DIR / name).exchanges:
            follow_up = "Follow-up, understood as:" in exchange.answer
            if not follow_up:
                lengths.append(1)
            elif lengths:
                lengths[-1] += 1
    conversations = [n for n in lengths if n > 1]
    assert len(conversations) >= 10 and set(conversations) <= {2, 3, 4}, lengths
    steps = tx.load(TRANSCRIPT_DIR / "telegram_conversations.transcript").steps
    assert any(s.press for s in steps) and any(s.reply_to for s in steps), "buttons pressed, older answers replied to"


# ------------------------------------------------------------------------------ the format

TRICKY_ANSWERS = [
    "",
    "one line",
    "\n",
    "\n\n",
    "para one\n\npara two",
    "ends with a blank line\n",
    "\n\nstarts with blank lines",
    "trailing spaces   \nand a tab\t",
    "   ",
    ">>> looks like a question\n>>>",
    "\\ starts with a backslash",
    '\\"looks escaped"',
    "carriage\rreturn\x0bvertical tab\x85nel\u2028line sep",
    tx.MESSAGE_BREAK,
    "# looks like a comment\ncorpus: not a header",
    "Maréchal 🇫🇷 <b>&amp;</b>",
]


def test_every_tricky_answer_round_trips() -> None:
    exchanges = [tx.Exchange(f"question {i}", answer) for i, answer in enumerate(TRICKY_ANSWERS)]
    exchanges.append(tx.Exchange("last", "ends with blank lines\n\n"))
    transcript = tx.new_transcript("corpus", "repl", exchanges)
    text = tx.dumps(transcript)
    back = tx.loads(text)
    assert [(e.question, e.answer) for e in back.exchanges] == [(e.question, e.answer) for e in exchanges]
    assert tx.dumps(back) == text
    for line in text.split("\n"):
        assert line == line.rstrip(), f"bare trailing whitespace in {line!r}"


def test_survives_editors_and_windows_line_endings() -> None:
    """Stripping trailing whitespace, trimming or adding final blank lines and CRLF change nothing."""
    exchanges = [tx.Exchange(f"q{i}", a) for i, a in enumerate(TRICKY_ANSWERS)]
    text = tx.dumps(tx.new_transcript("corpus", "telegram", exchanges))
    edited = "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n") + "\n\n\n"
    for variant in (edited, edited.replace("\n", "\r\n"), text.rstrip("\n")):
        back = tx.loads(variant)
        assert [e.answer for e in back.exchanges] == TRICKY_ANSWERS


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=80), st.text(max_size=200)), max_size=5))
def test_any_conversation_round_trips(pairs: list[tuple[str, str]]) -> None:
    transcript = tx.new_transcript("corpus", "repl", [tx.Exchange(q, a) for q, a in pairs])
    back = tx.loads(tx.dumps(transcript))
    assert [(e.question, e.answer) for e in back.exchanges] == pairs


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("Who leads the National Front?", ">>> Who leads the National Front?"),
        ("", ">>>"),
        ("   ", '>>> {"text": "   "}'),
        ("{not json", '>>> {"text": "{not json"}'),
        ("word " * 2000, '>>> {"repeat": "word ", "times": 2000}'),
        (" ".join(["Who won?"] * 300), '>>> {"repeat": "Who won?", "times": 300, "sep": " "}'),
        ("tab\there", '>>> {"text": "tab\\there"}'),
    ],
)
def test_question_lines(question: str, line: str) -> None:
    assert tx.encode_question(question) == line
    assert tx.decode_question(line) == question


def test_conversation_steps_round_trip() -> None:
    steps = [tx.Step("Who beat Le Pen in the north?"), tx.Step("Who is Manuel Valls?", press=True),
             tx.Step("and in the south?", reply_to="Who beat Le Pen in the north?"), tx.Step('{"press": "x"}')]
    lines = [tx.encode_step(step) for step in steps]
    assert lines[1:3] == ['>>> {"press": "Who is Manuel Valls?"}',
                          '>>> {"text": "and in the south?", "reply_to": "Who beat Le Pen in the north?"}']
    assert [tx.decode_step(line) for line in lines] == steps
    answer = "<b>Sources</b>\n[1] A story\n" + tx.BUTTON_LINE.format(label="Who is Manuel Valls?")
    transcript = tx.new_transcript("corpus", "telegram", [tx.Exchange.of(step, answer) for step in steps])
    assert tx.loads(tx.dumps(transcript)).steps == steps
    assert tx.read_steps("Who won?\n\n" + lines[1][4:] + "\n") == [tx.Step("Who won?"), steps[1]]
    with pytest.raises(TranscriptError, match="press"):
        tx.decode_step('>>> {"press": ""}')


def test_a_reply_is_no_repl_step(replayer: tx.Replayer) -> None:
    with pytest.raises(TranscriptError, match="Telegram step"):
        tx.replay_repl(replayer.service(CORPUS), [tx.Step("and in the south?", reply_to="Who won?")])


def test_format_errors_name_the_file_and_line() -> None:
    with pytest.raises(TranscriptError, match=r"x\.transcript:2: .*'chanel: repl'"):
        tx.loads("corpus: corpus\nchanel: repl\n\n>>> hi\nanswer\n", "x.transcript")
    with pytest.raises(TranscriptError, match="needs a 'channel:' line"):
        tx.loads("corpus: corpus\n\n>>> hi\n", "x.transcript")
    with pytest.raises(TranscriptError, match=r"x\.transcript:4: a question starting with \{"):
        tx.loads("corpus: corpus\nchannel: repl\n\n>>> {oops\n", "x.transcript")
    with pytest.raises(TranscriptError, match=r"x\.transcript:5: an escaped line"):
        tx.loads('corpus: corpus\nchannel: repl\n\n>>> hi\n\\"unterminated\n', "x.transcript")


# --------------------------------------------------------------------------- the commands


def copy_of(name: str, tmp_path: Path) -> Path:
    """A transcript copied out of the project (its relative corpus then resolves from the cwd: REPO)."""
    target = tmp_path / name
    shutil.copy(TRANSCRIPT_DIR / name, target)
    return target


def test_check_passes_on_the_committed_transcripts(index_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["transcripts", "check", "--cache-dir", str(index_cache)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "all unchanged" in out


def test_a_changed_line_fails_with_a_diff_naming_file_and_question(
    tmp_path: Path, index_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of("seed_questions.transcript", tmp_path)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(">>> Who leads the National Front?")
    original = lines[at + 1]
    lines[at + 1] = original.replace("Marine Le Pen", "Jean-Marie Le Pen")
    path.write_text("\n".join(lines), encoding="utf-8")

    status = main(["transcripts", "check", str(path), "--cache-dir", str(index_cache)])
    out = capsys.readouterr().out

    assert status == 1
    assert f"{path}:{at + 1}: the answer to >>> Who leads the National Front? changed" in out
    assert f"--- expected ({path}, lines {at + 2}-" in out
    assert "+++ actual" in out
    assert "\n-" + lines[at + 1] + "\n" in out
    assert "\n+" + original + "\n" in out
    assert "1 of 17 answers changed" in out
    assert f"newsbot transcripts record --update {path}" in out


def test_record_update_restores_the_answers(tmp_path: Path, index_cache: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_of("repl_commands.transcript", tmp_path)
    committed = path.read_text(encoding="utf-8")
    path.write_text(committed.replace("4 articles:", "5 articles:"), encoding="utf-8")

    assert main(["transcripts", "record", "--update", str(path), "--cache-dir", str(index_cache)]) == 0
    assert "1 changed" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == committed  # header comments and question lines kept


def test_record_from_a_question_list(tmp_path: Path, index_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text('Who leads the National Front?\n\n/sources 1\n{"repeat": "word ", "times": 2000}\n',
                         encoding="utf-8")
    path = tmp_path / "new.transcript"
    args = ["transcripts", "record", str(path), "--questions", str(questions), "--corpus", str(CORPUS),
            "--cache-dir", str(index_cache)]
    assert main(args) == 0
    transcript = tx.load(path)
    assert transcript.channel == "repl" and Path(transcript.corpus) == CORPUS
    assert transcript.questions == ["Who leads the National Front?", "/sources 1", "word " * 2000]
    assert '>>> {"repeat": "word ", "times": 2000}' in path.read_text(encoding="utf-8")
    assert "Marine Le Pen" in transcript.exchanges[0].answer
    assert transcript.exchanges[1].answer.startswith("[1] ")
    assert main(args) == 2, "an existing transcript is not overwritten"
    assert "--update" in capsys.readouterr().err

    more = tmp_path / "more.txt"
    more.write_text("/sources 1\n/articles\n", encoding="utf-8")
    assert main(["transcripts", "record", "--update", str(path), "--questions", str(more),
                 "--cache-dir", str(index_cache)]) == 0
    assert tx.load(path).questions[-2:] == ["word " * 2000, "/articles"]
    assert main(["transcripts", "check", str(path), "--cache-dir", str(index_cache)]) == 0


def test_repl_record_then_check_round_trips(tmp_path: Path, index_cache: Path) -> None:
    """`newsbot repl --record FILE` fed on stdin, then `newsbot transcripts check FILE`."""
    path = tmp_path / "session.transcript"
    stdin = "Who beat Le Pen in the north?\n\n/sources 1\n/sources x\nWhat is the capital of Australia?\n/help\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    run = subprocess.run(
        [sys.executable, "-m", "bot", "repl", "--record", str(path), "--corpus", str(CORPUS),
         "--cache-dir", str(index_cache)],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "newsbot> /sources 1" in run.stdout
    transcript = tx.load(path)
    assert transcript.questions == ["Who beat Le Pen in the north?", "/sources 1", "/sources x",
                                    "What is the capital of Australia?", "/help"]
    assert "Le Pen herself lost out" in transcript.exchanges[0].answer
    assert main(["transcripts", "check", str(path), "--cache-dir", str(index_cache)]) == 0


# ------------------------------------------------------------------------------- telegram


class LongAnswers:
    """A stand-in service whose answers need several Telegram messages."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def answer(self, question: str) -> Answer:
        quotes = [Quote(text=f"Sentence {i} & <more> " + "x" * 300 + ".", citations=[1]) for i in range(20)]
        return Answer(question=question, kind=AnswerKind.ANSWER, quotes=quotes,
                      sources=[Source(n=1, article_id="a1", title="A <long> story")])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_telegram_answer_in_several_messages_round_trips(replayer: tx.Replayer) -> None:
    service = LongAnswers(replayer.service(CORPUS))
    [answer] = tx.replay_telegram(service, ["long please"])
    messages = answer.split(f"\n{tx.MESSAGE_BREAK}\n")
    assert len(messages) >= 2
    assert "&amp; &lt;more&gt;" in messages[0]
    transcript = tx.new_transcript("corpus", "telegram", [tx.Exchange("long please", answer)])
    assert tx.loads(tx.dumps(transcript)).exchanges[0].answer == answer


def test_telegram_refuses_questions_telegram_cannot_deliver(replayer: tx.Replayer) -> None:
    service = replayer.service(CORPUS)
    with pytest.raises(TranscriptError, match="empty or blank"):
        tx.replay_telegram(service, ["  "])
    with pytest.raises(TranscriptError, match="at most 4096"):
        tx.replay_telegram(service, ["word " * 1000])
