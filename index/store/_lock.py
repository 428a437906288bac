"""One writer at a time per cache directory, that says whom it waits for and gives up in time.

The lock is a POSIX record lock (``fcntl.lockf``) on ``.lock``: the kernel drops it when its process
dies, however it dies, and a child process does not inherit it (``flock`` locks are inherited by
forked children, which is how build workers outliving a killed parent used to keep every later
build waiting). The holder writes its pid into the file, so a second writer can say whom it waits
for; it gives up after a timeout with one line naming the process.

POSIX record locks belong to a process, not to a thread (and closing any descriptor of the file
releases them), so threads of one process first take a per-directory threading lock."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from .._errors import IndexLockedError

LOCK = ".lock"
MERGE_LOCK = ".merge.lock"
DEFAULT_LOCK_TIMEOUT = 60.0

_registry_lock = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


class CacheNotWritableError(OSError):
    """The cache directory cannot be created or written (read-only file system, permissions)."""


def _thread_lock(path: Path) -> threading.Lock:
    key = os.path.realpath(path)
    with _registry_lock:
        return _thread_locks.setdefault(key, threading.Lock())


def holder_of(path: Path) -> str:
    """'process 1234 (python -m bot index)' from what the holder wrote into the lock file."""
    try:
        pid = int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return "another process"
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        cmdline = " ".join(raw.replace("\0", " ").split())
    except OSError:
        cmdline = ""
    return f"process {pid}" + (f" ({cmdline[:80]})" if cmdline else "")


class WriterLock:
    """``with WriterLock(cache_dir):`` — exclusive, across threads and processes. ``blocking=False``
    raises IndexLockedError at once when another writer holds it (merges use that)."""

    def __init__(self, cache_dir: Path, *, timeout: float | None = None, say: Callable[[str], None] | None = None,
                 name: str = LOCK, blocking: bool = True) -> None:
        self.cache_dir = cache_dir
        self.path = cache_dir / name
        self.timeout = DEFAULT_LOCK_TIMEOUT if timeout is None else float(timeout)
        self.say = say or (lambda _message: None)
        self.blocking = blocking
        self._fd: int | None = None
        self._thread_lock = _thread_lock(self.path)

    def _gave_up(self, whom: str) -> IndexLockedError:
        return IndexLockedError(
            f"the index in {self.cache_dir} is being written by {whom}; gave up waiting after "
            f"{self.timeout:g} s (NEWSBOT_LOCK_TIMEOUT)")

    def __enter__(self) -> WriterLock:
        deadline = time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=self.timeout if self.blocking else 0):
            raise self._gave_up("another thread of this process")
        try:
            self._acquire(deadline)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def _acquire(self, deadline: float) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CacheNotWritableError(exc.errno, exc.strerror or str(exc), str(self.cache_dir)) from None
        told = False
        delay = 0.02
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EAGAIN):
                    os.close(fd)
                    raise CacheNotWritableError(exc.errno, exc.strerror or str(exc), str(self.path)) from None
            whom = holder_of(self.path)
            if not self.blocking or time.monotonic() >= deadline:
                os.close(fd)
                raise self._gave_up(whom)
            if not told:
                self.say(f"waiting for {whom}, which is writing the index in {self.cache_dir} "
                         f"(at most {self.timeout:g} s)")
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the pid is only for the message of who waits
        self._fd = fd

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                try:
                    os.ftruncate(fd, 0)
                except OSError:
                    pass
                fcntl.lockf(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            self._thread_lock.release()
