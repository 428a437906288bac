"""The CLI and the REPL, driven in-process the way a user drives them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """/help
What did Cambadélis say the withdrawal would put up?
/sources 1
/sources 2
/sources x
What is the capital of Australia?

what is it?
/bogus
/quit
Who never gets asked?
"""

EXPECTED = """newsbot — answers from 4 news articles (76 sentences), for example: National Front trails in French regional elections.
Type a question, or /help. /quit to leave.
newsbot> /help
Ask a question about the news articles in plain words, e.g. "Who leads the National Front?".
Follow up on an answer with "and in the south?" or "how old is she?": I read it in that context.
Commands:
  /sources N   the sentence source N was quoted from, with its neighbours and headline
  /articles    what the corpus holds
  /help        this help
  /quit        leave (Ctrl-D and Ctrl-C work too)

newsbot> What did Cambadélis say the withdrawal would put up?
this move would put up a “barricade” to the far right [1]

The party chief Jean-Christophe Cambadélis said this move would put up a “barricade” to the far right. [1]

Sources:
[1] Le Pen’s party hopes for more gains as France votes in regional run-off elections

You could also ask:
  • Who founded the National Front?
  • When was the National Front founded?

newsbot> /sources 1
[1] Le Pen’s party hopes for more gains as France votes in regional run-off elections
  The Socialist Party announced it would withdraw candidates in three regions – the north, east and southeast, where FN made major success – and urge their supporters to vote for the Republicans in an attempt to prevent the far-right party from gaining power.
> The party chief Jean-Christophe Cambadélis said this move would put up a “barricade” to the far right.
  “This sacrifice will not be made in vain. It will show to the French nation that the Socialists rise to the Republic’s occasion,” he said.

newsbot> /sources 2
There is no source 2; the last answer has source 1.

newsbot> /sources x
/sources takes a source number (1), not 'x'.

newsbot> What is the capital of Australia?
My articles don't cover that, so I can't answer it.
My articles are about:
  • National Front trails in French regional elections
  • France's Far-Right Just Suffered A Big Defeat
  • Le Pen’s party hopes for more gains as France votes in regional run-off elections
  • France's far-right Front National (FN) party was unable to replicate its remarkable…
Try asking:
  • Who leads the National Front?
  • Who beat Marion-Maréchal Le Pen?
  • What percentage of the votes did Xavier Bertrand win?

newsbot> 
newsbot> what is it?
Could you be more specific? That question has no word I can look up (try names, places or events).

newsbot> /bogus
Unknown command /bogus. Type /help for the list.

newsbot> /quit
Bye.
"""


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, seed_cache: Path) -> Path:
    monkeypatch.delenv("NEWSBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("NEWSBOT_CORPUS", str(REPO / "corpus"))
    monkeypatch.setenv("NEWSBOT_CACHE_DIR", str(seed_cache))
    monkeypatch.chdir(seed_cache)  # no stray .env from the developer's checkout
    return seed_cache


def test_scripted_repl_session(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["repl"], SCRIPT)
    assert code == 0
    assert out == EXPECTED


def test_repl_ends_cleanly_at_end_of_input(env: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["repl"], "/articles\n")
    assert code == 0 and out.endswith("4. France's far-right Front National (FN) party was unable to replicate its remarkable…\n\nBye.\n")


def test_no_arguments_without_token_opens_repl_with_notice(env: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, [], "/quit\n")
    assert code == 0 and out.endswith("Bye.\n")
    assert "no Telegram token configured" in err and "NEWSBOT_TELEGRAM_TOKEN" in err


def test_ask_json(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["ask", "--json", "Who contributed to the BuzzFeed report?"])
    data = json.loads(out)
    assert code == 0 and data["found"] is True
    assert data["answer"] == "Adrien Sénécat contributed to this report. [1]"
    assert data["citations"] == [{
        "n": 1, "article_id": "001_e0e1fe53f051b84c", "title": "France's Far-Right Just Suffered A Big Defeat",
        "quote": "Adrien Sénécat contributed to this report.", "score": data["citations"][0]["score"],
        "position": 16}]


def test_ask_json_file_from_stdin(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["ask", "--json", "--file", "-"],
                        "Who leads the National Front?\n\nRecommend a good pizza recipe\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["found"] for r in rows] == [True, False]
    assert rows[1]["citations"] == [] and rows[1]["answer"].startswith("My articles don't cover that")


def test_ask_json_file_as_one_conversation(env: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = "Who beat Le Pen in the north?\nand in the south?\nWho leads the National Front?\nhow old is she?\n"
    code, out, _ = _run(monkeypatch, capsys, ["ask", "--json", "--file", "-", "--conversation"], lines)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["short_answer"] for r in rows[:3]] == ["Xavier Bertrand", "Christian Estrosi",
                                                                   "Marine Le Pen"]
    assert [r["question"] for r in rows] == lines.splitlines(), "each answer keeps the question as typed"
    assert rows[0]["follow_up"] is None and rows[2]["follow_up"] is None, "self-contained: a new thread"
    assert rows[1]["follow_up"] == {"previous": "Who beat Le Pen in the north?",
                                    "question": "Who beat Le Pen in the south?",
                                    "note": "Follow-up, understood as: Who beat Le Pen in the south?"}
    assert rows[3]["follow_up"]["question"] == "How old is Marine Le Pen?"
    assert all(len(r["suggestions"]) <= 3 for r in rows) and rows[0]["suggestions"]
    code, out, _ = _run(monkeypatch, capsys, ["ask", "--json", "--file", "-"], lines)
    alone = [json.loads(line) for line in out.splitlines()]
    assert [r["follow_up"] for r in alone] == [None] * 4 and alone[1]["question"] == "and in the south?"
    assert [r["suggestions"] for r in alone] == [[]] * 4, "without --conversation: each line alone, as before"
    assert alone[0]["answer"] == rows[0]["answer"] and alone[2]["answer"] == rows[2]["answer"]


def test_ask_plain(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["ask", "When is the next presidential election?"])
    assert code == 0
    assert out == ("2017 [1]\n\nLe Pen is once again expected to be her party's candidate in the next presidential "
                   "elections, which are scheduled for 2017. [1]\n\nSources:\n"
                   "[1] France's Far-Right Just Suffered A Big Defeat\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "--corpus", "/nonexistent/corpus", "hi"], "newsbot: error: corpus not found: /nonexistent/corpus"),
        (["ask"], "newsbot: error: ask needs a QUESTION or --file FILE"),
        (["ask", "--file", "/nonexistent/questions.txt"], "newsbot: error: cannot read /nonexistent/questions.txt"),
        (["ask", "--conversation", "Who won?"], "newsbot: error: --conversation answers the lines of --file FILE"),
    ],
)
def test_errors_are_one_line(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                             argv: list[str], message: str) -> None:
    code, _, err = _run(monkeypatch, capsys, argv)
    assert code == 2
    assert err.strip().startswith(message) and len(err.strip().splitlines()) == 1


def test_empty_corpus_dir(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = _run(monkeypatch, capsys, ["ask", "--corpus", str(tmp_path / "empty"), "hi"])
    assert code == 2 and f"corpus is empty (no .txt, .md or .jsonl files): {tmp_path / 'empty'}" in err


def test_invalid_setting_names_the_variable(env: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "LOUD")
    code, _, err = _run(monkeypatch, capsys, ["ask", "x"])
    assert code == 2 and err.startswith("newsbot: error: NEWSBOT_LOG_LEVEL:")


def test_index_command_reports_counts(tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (corpus_copy / "junk.txt").write_bytes(b"\xff")
    code, _, err = _run(monkeypatch, capsys, ["index", "--corpus", str(corpus_copy), "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    assert "skipped junk.txt: not valid UTF-8 (byte 0)" in err
    assert "indexed 4 articles, 84 sentences (76 quotable); skipped 1" in err
    code, _, err = _run(monkeypatch, capsys, ["index", "--corpus", str(corpus_copy), "--cache-dir", str(tmp_path / "c")])
    assert "index is current: 4 articles, 76 sentences" in err


def test_console_script_matches_module(tmp_path: Path) -> None:
    """`python -m bot --help` works from a fresh process (what `newsbot` runs)."""
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "ask" in result.stdout and "repl" in result.stdout


def test_check_reports_skipped_files(corpus_copy: Path, tmp_path: Path) -> None:
    from bot.cli import health_check
    from bot.settings import load_settings

    for i, junk in enumerate((b"\xff\xfe", b"", b"   \n", b"Headline only\n")):
        (corpus_copy / f"junk{i}.txt").write_bytes(junk)
    out = io.StringIO()
    health_check(load_settings(_env_file=None, corpus=corpus_copy, cache_dir=tmp_path / "cache"), out=out)
    lines = out.getvalue().splitlines()
    skipped = [line for line in lines if "skipped (not indexed)" in line]
    assert len(skipped) == 1 and skipped[0].startswith("warn  corpus: 4 skipped (not indexed): junk0.txt: not valid")
    assert "… and 1 more" in skipped[0]


def test_repl_history_turns_off_silently_when_it_cannot_be_written(tmp_path: Path) -> None:
    from bot.repl import quiet_history

    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    history = quiet_history(blocker / "history")  # its directory is a file: neither readable nor writable
    assert list(history.load_history_strings()) == []
    history.store_string("Who won in the north?")  # no error, no output
    assert quiet_history(None).get_strings() == []
