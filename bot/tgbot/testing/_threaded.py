"""The fake Bot API for synchronous code: the server on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from ._server import Call, FakeBotAPI, SentMessage


class ThreadedFakeBotAPI:
    """The fake server on its own event loop in a background thread, for synchronous code.

    ``with ThreadedFakeBotAPI() as fake:`` then ``fake.push_message(...)``,
    ``fake.wait_for_messages(n)``; ``fake.server`` is the :class:`FakeBotAPI` (read its lists).
    """

    def __init__(self, **kwargs: Any) -> None:
        self.server = FakeBotAPI(**kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-botapi", daemon=True)

    def _run(self, coro: Any, timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> ThreadedFakeBotAPI:
        self._thread.start()
        self._run(self.server.start(), 10)
        return self

    def stop(self) -> None:
        self._run(self.server.stop(), 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> ThreadedFakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        async def push() -> dict[str, Any]:
            return self.server.push_update(update)
        return self._run(push(), 5)

    def push_message(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        async def push() -> dict[str, Any]:
            return self.server.push_message(text, **kwargs)
        return self._run(push(), 5)

    def push_inline_query(self, query: str, **kwargs: Any) -> dict[str, Any]:
        async def push() -> dict[str, Any]:
            return self.server.push_inline_query(query, **kwargs)
        return self._run(push(), 5)

    def press(self, message: SentMessage, label: str, **kwargs: Any) -> dict[str, Any]:
        async def push() -> dict[str, Any]:
            return self.server.press(message, label, **kwargs)
        return self._run(push(), 5)

    def outage(self, mode: str = "refuse") -> None:
        self._run(self.server.outage(mode), 10)

    def restore(self) -> None:
        self._run(self.server.restore(), 10)

    def inject_429(self, count: int = 1, retry_after: int = 1, method: str | None = "sendMessage") -> None:
        self._loop.call_soon_threadsafe(self.server.inject_429, count, retry_after, method)

    def wait_for_messages(self, n: int = 1, timeout: float = 5.0, *, chat_id: int | None = None) -> list[SentMessage]:
        return self._run(self.server.wait_for_messages(n, timeout, chat_id=chat_id), timeout + 5)

    def wait_for_call(self, method: str, timeout: float = 5.0, count: int = 1) -> list[Call]:
        return self._run(self.server.wait_for_call(method, timeout, count), timeout + 5)

    def wait_confirmed(self, update: dict[str, Any] | int, timeout: float = 5.0) -> None:
        self._run(self.server.wait_confirmed(update, timeout), timeout + 5)

    def wait_polling(self, timeout: float = 5.0) -> None:
        self._run(self.server.wait_polling(timeout), timeout + 5)
