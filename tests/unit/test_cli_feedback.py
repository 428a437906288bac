"""`newsbot feedback`: the summary of what the bot's state file holds, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import Answer, AnswerKind, Quote, Source
from bot.cli import main
from bot.state import StateStore, Vote


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("NEWSBOT_STATE_PATH", "NEWSBOT_CACHE_DIR", "NEWSBOT_CORPUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


def fill(path: Path) -> None:
    store = StateStore(path)
    found = Answer(question="Who won in the north?", kind=AnswerKind.ANSWER,
                   quotes=[Quote(text="Bertrand won.", citations=[1])],
                   sources=[Source(n=1, article_id="a1", title="North")])
    answer_id = store.record_answer(1, "private", found)
    store.vote(answer_id, 1, Vote.DOWN)
    store.vote(answer_id, 2, Vote.UP)
    store.vote(answer_id, 3, Vote.OUTDATED)
    for _ in range(3):
        store.record_answer(1, "private", Answer(question="Who won the 2015 Rugby World Cup?",
                                                 kind=AnswerKind.NO_ANSWER, notice="not covered"))
    store.close()


def test_feedback_prints_the_summary(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(env / "cache" / "state.sqlite3")
    assert main(["feedback", "--cache-dir", str(env / "cache")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        "Feedback over everything kept",
        "answers given: 4, of which \"I don't know\": 3 (75%)",
        "votes: 3 on 1 answer(s) — 👍 1, 👎 1, outdated 1",
    ]
    assert "  1 / 1 / 1  Who won in the north?" in out
    assert "    3×  Who won the 2015 Rugby World Cup?" in out


def test_feedback_as_json_from_the_state_path_setting(env: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fill(env / "elsewhere.db")
    monkeypatch.setenv("NEWSBOT_STATE_PATH", str(env / "elsewhere.db"))
    assert main(["feedback", "--json", "--days", "7", "--top", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["days"] == 7 and data["answers"] == 4 and data["votes"] == {"up": 1, "down": 1, "outdated": 1}
    assert data["unknown"] == [{"question": "Who won the 2015 Rugby World Cup?", "count": 3}]


def test_no_state_file_is_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "--cache-dir", str(env / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: no feedback yet:") and err.count("\n") == 1
    assert not (env / "none").exists(), "looking does not create anything"
