"""StateStore: the bot's memory in one SQLite file — each answer it gave (chat, question, cited
articles, time), the messages that carried it, and the votes people gave it.

Standard library ``sqlite3``: one connection shared by the event loop's worker threads behind a lock,
WAL journal so ``newsbot feedback`` can read while the bot writes. Nothing of anybody's messages is
kept but the question itself; answers older than the retention limit are deleted with their votes.

The answers table is also the conversation record follow-up questions use (`bot.conversation`): the
chat's last answer (`last_turn`) or the answer a message replies to (`answer_for_message`), with the
question as answered, its short answer, cited article ids and time in the stored Answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from bot.answer import Answer, AnswerKind
from bot.errors import StateError
from index import immediate_transaction

from ._models import AnswerRecord, FeedbackSummary, QuestionCount, RatedQuestion, Tally, Vote, question_key

SCHEMA_VERSION = 1
MEMORY = ":memory:"
DAY = 86_400.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    chat_type   TEXT NOT NULL,
    question    TEXT NOT NULL,
    qkey        TEXT NOT NULL,           -- the question folded for counting (case, spaces, end mark)
    kind        TEXT NOT NULL,           -- AnswerKind: answer, no_answer, refused
    article_ids TEXT NOT NULL,           -- JSON list, in source order
    answer      TEXT NOT NULL,           -- the Answer as JSON: /sources N after a restart
    created     REAL NOT NULL            -- Unix time
);
CREATE INDEX IF NOT EXISTS answers_by_chat ON answers (chat_id, id);
CREATE INDEX IF NOT EXISTS answers_by_time ON answers (created);
CREATE TABLE IF NOT EXISTS answer_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    answer_id  INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX IF NOT EXISTS answer_messages_by_answer ON answer_messages (answer_id);
CREATE TABLE IF NOT EXISTS votes (
    answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    vote      TEXT NOT NULL CHECK (vote IN ('up', 'down', 'outdated')),
    at        REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
"""


class StateStore:
    """Answers given, the messages that carried them, and votes; safe to call from several threads."""

    def __init__(self, path: Path | str = MEMORY, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._db = self._connect(path)

    @classmethod
    def in_memory(cls, *, clock: Callable[[], float] = time.time) -> StateStore:
        """A store that lives as long as the object (tests, transcript replay, a fallback)."""
        return cls(MEMORY, clock=clock)

    @property
    def persistent(self) -> bool:
        return str(self.path) != MEMORY

    def _connect(self, path: Path | str) -> sqlite3.Connection:
        fresh = False
        try:
            if str(path) != MEMORY:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                fresh = not Path(path).exists()
            db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StateError(f"{path} was written by a newer newsbot (schema {version}, "
                                     f"this one reads {SCHEMA_VERSION})")
                if str(path) != MEMORY:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            except BaseException:
                db.close()
                raise
        except sqlite3.Error as exc:
            raise StateError(f"cannot open the state file {path}: {exc}") from None
        except OSError as exc:
            raise StateError(f"cannot open the state file {path}: {exc.strerror or exc}") from None
        if fresh:
            with contextlib.suppress(OSError):  # questions people asked: readable by the owner only
                os.chmod(path, 0o600)
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock; sqlite errors become StateError naming the file."""
        try:
            with immediate_transaction(self._db, self._lock) as db:
                yield db
        except sqlite3.Error as exc:
            raise StateError(f"state file {self.path}: {exc}") from None

    # -- answers and the messages that carried them ---------------------------------------------

    def record_answer(self, chat_id: int, chat_type: str, answer: Answer) -> int:
        """Remember an answer given in a chat; returns its id (for feedback buttons and threads)."""
        article_ids = [source.article_id for source in answer.sources]
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO answers (chat_id, chat_type, question, qkey, kind, article_ids, answer, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chat_id, chat_type, answer.question, question_key(answer.question), answer.kind.value,
                 json.dumps(article_ids), answer.model_dump_json(), self.clock()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def attach_messages(self, answer_id: int, chat_id: int, message_ids: Iterable[int]) -> None:
        """The bot's messages that carried an answer (a reply to any of them continues its thread)."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO answer_messages (chat_id, message_id, answer_id) VALUES (?, ?, ?)",
                [(chat_id, message_id, answer_id) for message_id in message_ids],
            )

    def answer(self, answer_id: int) -> AnswerRecord | None:
        return self._one("SELECT * FROM answers WHERE id = ?", (answer_id,))

    def last_answer(self, chat_id: int, *, found_only: bool = False,
                    max_age: float | None = None) -> AnswerRecord | None:
        """The chat's latest answer (only real answers with ``found_only``; none older than
        ``max_age`` seconds)."""
        sql = "SELECT * FROM answers WHERE chat_id = ?"
        args: list[object] = [chat_id]
        if found_only:
            sql += " AND kind = ?"
            args.append(AnswerKind.ANSWER.value)
        if max_age is not None:
            sql += " AND created >= ?"
            args.append(self.clock() - max_age)
        return self._one(sql + " ORDER BY id DESC LIMIT 1", tuple(args))

    def last_turn(self, chat_id: int, *, max_age: float | None = None) -> AnswerRecord | None:
        """The chat's latest answer a follow-up may continue: an answer or an "I don't know" (not small
        talk or a refused question), none older than ``max_age`` seconds."""
        sql = "SELECT * FROM answers WHERE chat_id = ? AND kind IN (?, ?)"
        args: list[object] = [chat_id, AnswerKind.ANSWER.value, AnswerKind.NO_ANSWER.value]
        if max_age is not None:
            sql += " AND created >= ?"
            args.append(self.clock() - max_age)
        return self._one(sql + " ORDER BY id DESC LIMIT 1", tuple(args))

    def answer_for_message(self, chat_id: int, message_id: int) -> AnswerRecord | None:
        """The answer one of the bot's messages carried (what a reply to that message continues)."""
        return self._one(
            "SELECT a.* FROM answers a JOIN answer_messages m ON m.answer_id = a.id"
            " WHERE m.chat_id = ? AND m.message_id = ?",
            (chat_id, message_id),
        )

    def _one(self, sql: str, args: tuple[object, ...]) -> AnswerRecord | None:
        with self._tx() as db:
            row = db.execute(sql, args).fetchone()
        if row is None:
            return None
        (id_, chat_id, chat_type, question, _qkey, kind, article_ids, answer, created) = row
        return AnswerRecord(id_, chat_id, chat_type, question, AnswerKind(kind), tuple(json.loads(article_ids)),
                            created, Answer.model_validate_json(answer))

    # -- feedback -------------------------------------------------------------------------------

    def vote(self, answer_id: int, user_id: int, vote: Vote) -> tuple[Vote | None, Tally] | None:
        """Record (or change) one user's vote on an answer: (their previous vote, the new tally),
        or None when the answer is no longer kept."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return None
            row = db.execute("SELECT vote FROM votes WHERE answer_id = ? AND user_id = ?",
                             (answer_id, user_id)).fetchone()
            db.execute(
                "INSERT INTO votes (answer_id, user_id, vote, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, at = excluded.at",
                (answer_id, user_id, vote.value, self.clock()),
            )
            return (Vote(row[0]) if row else None), self._tally(db, answer_id)

    def tally(self, answer_id: int) -> Tally:
        with self._tx() as db:
            return self._tally(db, answer_id)

    @staticmethod
    def _tally(db: sqlite3.Connection, answer_id: int) -> Tally:
        counts = dict(db.execute("SELECT vote, COUNT(*) FROM votes WHERE answer_id = ? GROUP BY vote",
                                 (answer_id,)).fetchall())
        return Tally(counts.get("up", 0), counts.get("down", 0), counts.get("outdated", 0))

    # -- retention ------------------------------------------------------------------------------

    def prune(self, retention_days: float) -> int:
        """Delete answers (with their messages and votes) older than the limit; returns how many."""
        with self._tx() as db:
            cursor = db.execute("DELETE FROM answers WHERE created < ?", (self.clock() - retention_days * DAY,))
            return cursor.rowcount

    # -- summaries ------------------------------------------------------------------------------

    def summary(self, *, days: float | None = None, top: int = 10) -> FeedbackSummary:
        """Votes, the worst-rated questions and the questions most often answered "I don't know",
        over the last ``days`` (everything kept when None)."""
        since = self.clock() - days * DAY if days is not None else 0.0
        no_answer = AnswerKind.NO_ANSWER.value
        with self._tx() as db:
            answers, unanswered = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(kind = ?), 0) FROM answers WHERE created >= ?", (no_answer, since)
            ).fetchone()
            votes = dict(db.execute(
                "SELECT v.vote, COUNT(*) FROM votes v JOIN answers a ON a.id = v.answer_id"
                " WHERE a.created >= ? GROUP BY v.vote", (since,)).fetchall())
            rated = db.execute(
                "SELECT COUNT(DISTINCT v.answer_id) FROM votes v JOIN answers a ON a.id = v.answer_id"
                " WHERE a.created >= ?", (since,)).fetchone()[0]
            # SQLite takes a bare column (question) from the row max() picked: the latest wording
            worst = db.execute(
                "SELECT a.question, MAX(a.id),"
                " SUM(v.vote = 'up'), SUM(v.vote = 'down'), SUM(v.vote = 'outdated')"
                " FROM answers a JOIN votes v ON v.answer_id = a.id WHERE a.created >= ?"
                " GROUP BY a.qkey HAVING SUM(v.vote != 'up') > 0"
                " ORDER BY SUM(v.vote != 'up') - SUM(v.vote = 'up') DESC, SUM(v.vote != 'up') DESC, MAX(a.id) DESC"
                " LIMIT ?", (since, top)).fetchall()
            unknown = db.execute(
                "SELECT question, MAX(id), COUNT(*) FROM answers WHERE created >= ? AND kind = ?"
                " GROUP BY qkey ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?", (since, no_answer, top)).fetchall()
        return FeedbackSummary(
            days=days,
            answers=answers,
            unanswered=unanswered,
            rated=rated,
            votes=Tally(votes.get("up", 0), votes.get("down", 0), votes.get("outdated", 0)),
            worst=[RatedQuestion(q, Tally(up, down, old)) for q, _id, up, down, old in worst],
            unknown=[QuestionCount(q, n) for q, _id, n in unknown],
        )
