"""Logging for every channel: the format, secrets redacted, and the noisy libraries kept quiet.

The bot token is part of every Bot API URL, and httpx/httpcore/python-telegram-bot log those URLs
(at INFO and DEBUG), so newsbot's log never shows them at those levels and the bot's formatter
replaces any secret that still gets through.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from typing import IO

from .settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY = ("httpx", "httpcore", "apscheduler")
"""Libraries whose INFO lines are one per HTTP request, with the URL (and so the token) in them, and
the job scheduler, which says so each time a job runs."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (bot token, webhook secret) in text by a placeholder."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def secrets_of(settings: Settings) -> list[str]:
    """The secret values among the settings (the bot token, the webhook secret), when set."""
    values = []
    for secret in (settings.telegram_token, settings.webhook_secret):
        if secret is not None and secret.get_secret_value():
            values.append(secret.get_secret_value())
    return values


class RedactingFormatter(logging.Formatter):
    """A formatter that never lets a secret through (messages, arguments and tracebacks)."""

    def __init__(self, fmt: str, secrets: Iterable[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def basic_logging(level: str) -> None:
    """The command line's logging: stderr at level (unless already configured), httpx/httpcore quiet."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    _quiet_noisy()


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Log to stderr at settings.log_level, secrets redacted, httpx/httpcore quiet (URLs hold the token)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, secrets_of(settings)))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    _quiet_noisy()


def _quiet_noisy() -> None:
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def quiet_loggers(*names: str, level: int = logging.WARNING) -> Iterator[None]:
    """These loggers at level (or above, if they already are) for the block, then as they were."""
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, old in zip(loggers, before, strict=True):
            logger.setLevel(old)
