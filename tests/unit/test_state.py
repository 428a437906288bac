"""The state store (bot.state): answers per chat, their messages, votes, retention and summaries."""

from __future__ import annotations

import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.answer import Answer, AnswerKind, Citation, Quote, Source
from bot.errors import StateError
from bot.state import DAY, StateStore, Tally, Vote, question_key, summary_lines


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def found(question: str, *article_ids: str) -> Answer:
    ids = article_ids or ("a1",)
    return Answer(
        question=question,
        kind=AnswerKind.ANSWER,
        quotes=[Quote(text=f"Quote from {a}.", citations=[n]) for n, a in enumerate(ids, 1)],
        sources=[Source(n=n, article_id=a, title=f"Title {a}") for n, a in enumerate(ids, 1)],
        citations=[Citation(n=n, article_id=a, title=f"Title {a}", quote=f"Quote from {a}.", score=1.0, position=3)
                   for n, a in enumerate(ids, 1)],
    )


def unknown(question: str) -> Answer:
    return Answer(question=question, kind=AnswerKind.NO_ANSWER, notice="My articles don't cover that.")


def test_answers_are_remembered_per_chat_and_per_message(tmp_path: Path) -> None:
    clock = Clock()
    store = StateStore(tmp_path / "state.sqlite3", clock=clock)
    first = store.record_answer(42, "private", found("Who won?", "a1", "a2"))
    store.attach_messages(first, 42, [7, 8])
    clock.now += 5
    second = store.record_answer(42, "private", unknown("What is the capital of Australia?"))
    other = store.record_answer(-100, "supergroup", found("Who lost?", "a3"))

    last = store.last_answer(42)
    assert last is not None and last.id == second and last.kind is AnswerKind.NO_ANSWER
    record = store.last_answer(42, found_only=True)
    assert record is not None and record.id == first
    assert record.question == "Who won?" and record.article_ids == ("a1", "a2")
    assert record.created == clock.now - 5 and record.chat_type == "private"
    assert record.answer == found("Who won?", "a1", "a2"), "the whole answer comes back, citations too"
    by_message = store.answer_for_message(42, 8)
    assert by_message is not None and by_message.id == first
    assert store.answer_for_message(42, 9) is None and store.answer_for_message(-100, 7) is None
    assert store.last_answer(-100) is not None and store.last_answer(-100).id == other  # type: ignore[union-attr]
    assert store.last_answer(42, max_age=4) is not None
    assert store.last_answer(42, found_only=True, max_age=4) is None
    assert store.last_answer(5) is None


def test_state_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.sqlite3"
    store = StateStore(path)
    answer_id = store.record_answer(1, "private", found("Who won?"))
    store.vote(answer_id, 1, Vote.DOWN)
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "people's questions: the owner's eyes only"

    again = StateStore(path)
    assert again.last_answer(1) is not None
    assert again.tally(answer_id) == Tally(down=1)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_one_vote_per_user_per_answer_and_it_can_change() -> None:
    store = StateStore.in_memory()
    answer_id = store.record_answer(1, "group", found("Who won?"))
    assert store.vote(answer_id, 10, Vote.UP) == (None, Tally(up=1))
    assert store.vote(answer_id, 11, Vote.UP) == (None, Tally(up=2))
    assert store.vote(answer_id, 10, Vote.OUTDATED) == (Vote.UP, Tally(up=1, outdated=1))
    assert store.vote(answer_id, 10, Vote.OUTDATED) == (Vote.OUTDATED, Tally(up=1, outdated=1))
    assert store.vote(answer_id + 1, 10, Vote.UP) is None, "no such answer (or no longer kept)"


def test_retention_deletes_old_answers_with_their_messages_and_votes() -> None:
    clock = Clock()
    store = StateStore.in_memory(clock=clock)
    old = store.record_answer(1, "private", found("Old question?"))
    store.attach_messages(old, 1, [5])
    store.vote(old, 1, Vote.UP)
    clock.now += 20 * DAY
    recent = store.record_answer(1, "private", found("New question?"))
    clock.now += 11 * DAY  # old is 31 days old, recent 11

    assert store.prune(30) == 1
    assert store.answer(old) is None and store.answer_for_message(1, 5) is None
    assert store.answer(recent) is not None
    assert store.summary().votes == Tally(), "the votes went with their answer"
    assert store.prune(30) == 0


def test_summary_counts_votes_worst_questions_and_what_the_corpus_lacks() -> None:
    clock = Clock()
    store = StateStore.in_memory(clock=clock)
    good = store.record_answer(1, "private", found("Who won in the north?"))
    bad = store.record_answer(2, "private", found("Who won in the south?"))
    bad_again = store.record_answer(3, "group", found("who won in the SOUTH"))
    stale = store.record_answer(4, "private", found("Who is president?"))
    for user in (1, 2, 3):
        store.vote(good, user, Vote.UP)
    store.vote(bad, 1, Vote.DOWN)
    store.vote(bad_again, 2, Vote.DOWN)
    store.vote(stale, 1, Vote.OUTDATED)
    store.vote(stale, 2, Vote.UP)
    for question in ("What is the capital of Australia?", "what is the capital of australia", "Pizza recipe?"):
        store.record_answer(5, "private", unknown(question))

    summary = store.summary()
    assert (summary.answers, summary.unanswered, summary.rated) == (7, 3, 4)
    assert summary.votes == Tally(up=4, down=2, outdated=1)
    assert [(r.question, r.tally) for r in summary.worst] == [
        ("who won in the SOUTH", Tally(down=2)),  # grouped by the folded question, latest wording shown
        ("Who is president?", Tally(up=1, outdated=1)),
    ]
    assert [(u.question, u.count) for u in summary.unknown] == [
        ("what is the capital of australia", 2), ("Pizza recipe?", 1)]

    text = "\n".join(summary_lines(summary))
    assert "answers given: 7" in text and "👍 4, 👎 2, outdated 1" in text
    assert "  0 / 2 / 0  who won in the SOUTH" in text and "  2×  what is the capital of australia" in text

    clock.now += 3 * DAY
    recent = store.summary(days=1)
    assert recent.answers == 0 and recent.worst == [] and recent.unknown == []
    assert "none" in "\n".join(summary_lines(recent))


def test_question_key_folds_case_spaces_and_the_closing_mark() -> None:
    assert question_key("  Who   WON in the north?! ") == question_key("who won in the north") == "who won in the north"


def test_worker_threads_can_share_the_store(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite3")

    def ask(i: int) -> int:
        answer_id = store.record_answer(i % 7, "private", found(f"Question {i}?"))
        store.attach_messages(answer_id, i % 7, [1000 + i])
        store.vote(answer_id, i, Vote.UP)
        return answer_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(ask, range(200)))
    assert len(set(ids)) == 200
    assert store.summary().votes == Tally(up=200)


def test_a_file_that_cannot_be_used_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StateError, match="cannot open the state file"):
        StateStore(blocker / "state.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="junk.sqlite3"):
        StateStore(junk)
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StateError, match="newer newsbot"):
        StateStore(newer)
