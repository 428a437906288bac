"""The one way newsbot writes to a SQLite database (the live-news feed state, the bot's state):
BEGIN IMMEDIATE under a lock, ROLLBACK on any error, COMMIT at the end."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def immediate_transaction(db: sqlite3.Connection, lock: threading.Lock | threading.RLock
                          ) -> Iterator[sqlite3.Connection]:
    """A write transaction on db, one thread at a time (a connection shared by threads needs the lock)."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
