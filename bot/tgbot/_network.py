"""Calm when the network fails.

* `OutageMonitor` watches every Bot API request (`MonitoredRequest`, the HTTP client of both the bot
  and the polling loop): the first failure logs one WARNING, the first success after it one INFO
  with how long it lasted; what happens in between is DEBUG. PTB's polling loop keeps retrying with
  its own backoff (growing to 30 s between tries); its error callback (`OutageMonitor.polling_error`)
  replaces the traceback it would log for every failed ``getUpdates``. So that the bot notices the
  API's return within seconds rather than after that backoff, the polling client itself tries to
  connect again every few seconds for as long as the call's read timeout (the long poll) lasts.
* `PatientRateLimiter`: PTB's `AIORateLimiter` (Telegram's rate limits, resends after 429) that also
  resends a request that never reached Telegram (connection refused or a 5xx from a gateway) until
  `SEND_PATIENCE` runs out, so an answer being sent when the API went away still arrives, once.
* `QuietTelegramLogs`: python-telegram-bot's own log records about network failures lose their
  traceback (one line each), and the ones about giving up at start are dropped: `run_bot` reports
  those as one line (a rejected token, an unreachable API).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

log = logging.getLogger("newsbot.telegram")

SEND_PATIENCE = 90.0  # seconds a reply keeps being resent while the Bot API is unreachable
RESEND_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0)  # then every 15 s
WAIT_OUT_EVERY = 2.0  # seconds between connection attempts inside one long poll while the API is down
_CONNECT_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout)


class ApiUnreachable(NetworkError):
    """The request never reached the Bot API (connection refused, or a 5xx from a gateway in front of
    it), so sending it again cannot make a duplicate."""


def is_transport_error(error: BaseException | None) -> bool:
    """A failure to talk to the Bot API at all, as opposed to the API refusing the request."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def _describe(error: BaseException) -> str:
    return str(error).removeprefix("httpx.") or type(error).__name__


class OutageMonitor:
    """One WARNING when the Bot API stops answering, one INFO when it answers again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.down_since: float | None = None
        self.failures = 0
        self.outages = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.down_since is None:
            self.down_since = self.clock()
            self.outages += 1
            log.warning("the Telegram Bot API is unreachable (%s); retrying quietly until it is back",
                        _describe(error))
        else:
            log.debug("Bot API still unreachable: %s", _describe(error))

    def succeeded(self) -> None:
        if self.down_since is not None:
            log.info("the Telegram Bot API is reachable again after %.0f s (%d failed request(s))",
                     self.clock() - self.down_since, self.failures)
            self.down_since = None
            self.failures = 0

    def polling_error(self, error: TelegramError) -> None:
        """``Updater.start_polling(error_callback=...)``: no traceback, transport errors counted
        once per outage, anything else (e.g. 409 Conflict: another instance polls) one line each."""
        if is_transport_error(error):
            if not self.down:  # the request itself usually reported it already
                self.failed(error)
            return
        log.warning("polling for updates failed: %s: %s", type(error).__name__, error)


class MonitoredRequest(HTTPXRequest):
    """PTB's httpx client, reporting each request's outcome to the outage monitor. A request that
    could not connect, or got a 5xx from a gateway, raises `ApiUnreachable` — with ``wait_out``
    (the polling client) only once it kept failing for the call's read timeout, trying again every
    `WAIT_OUT_EVERY` seconds meanwhile."""

    def __init__(self, monitor: OutageMonitor, *, wait_out: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.monitor = monitor
        self.wait_out = wait_out

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        read_timeout = kwargs.get("read_timeout")
        window = read_timeout if isinstance(read_timeout, int | float) else self.read_timeout or 0.0
        deadline = time.monotonic() + window
        while True:
            try:
                return await self._once(*args, **kwargs)
            except ApiUnreachable:
                if not self.wait_out or time.monotonic() + WAIT_OUT_EVERY > deadline:
                    raise
                await asyncio.sleep(WAIT_OUT_EVERY)

    async def _once(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except NetworkError as exc:
            self.monitor.failed(exc)
            if isinstance(exc.__cause__, _CONNECT_FAILURES):
                raise ApiUnreachable(str(exc)) from exc.__cause__
            raise
        if code >= 500:
            error = ApiUnreachable(f"HTTP {code} from the Bot API")
            self.monitor.failed(error)
            raise error
        self.monitor.succeeded()
        return code, payload


class PatientRateLimiter(AIORateLimiter):
    """`AIORateLimiter` that also resends requests that never reached Telegram, for a while."""

    def __init__(self, *, patience: float = SEND_PATIENCE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.patience = patience

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        deadline = time.monotonic() + self.patience
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except ApiUnreachable:
                delay = RESEND_DELAYS[min(attempt, len(RESEND_DELAYS) - 1)]
                if time.monotonic() + delay > deadline:
                    raise
                attempt += 1
                log.debug("%s did not reach the Bot API; resending in %.0f s", endpoint, delay)
                await asyncio.sleep(delay)


class QuietTelegramLogs(logging.Filter):
    """On the log handler: python-telegram-bot's records about network failures become one line
    without a traceback; "giving up at start" records are dropped (`run_bot` says it in one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or not record.exc_info:
            return True
        error = record.exc_info[1]
        if not (is_transport_error(error) or isinstance(error, InvalidToken)):
            return True
        message = record.getMessage()
        if "Aborting" in message:  # the retry loop gives up: the error goes on to run_bot's one line
            return False
        record.msg, record.args = f"{message} ({type(error).__name__}: {error})", None
        record.exc_info, record.exc_text = None, None
        return True
