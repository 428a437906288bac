"""Configuration from environment variables (prefix NEWSBOT_) and an optional .env file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index import DEFAULT_LOCK_TIMEOUT, default_cache_dir

from .errors import SettingsError

DEFAULT_API_URL = "https://api.telegram.org/bot"
STATE_FILE = "state.sqlite3"

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret_token
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h)?")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}
_NOW_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def parse_now(value: str) -> dt.date | None:
    """NEWSBOT_NOW / --now: a day (2015-12-14, or an ISO date and time: its day); blank = the clock."""
    value = value.strip()
    if not value:
        return None
    match = _NOW_RE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"must be a date such as 2015-12-14 (got {value[:40]!r})") from None


class Settings(BaseSettings):
    """Everything newsbot reads from its environment; invalid values fail at start."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    corpus: Path = Field(default=Path("corpus"), description="directory or .jsonl(.gz) of articles")
    cache_dir: Path | None = Field(
        default=None,
        description="where the index is kept; default: one directory per corpus under ~/.cache/newsbot",
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT, gt=0, le=86400,
        description="seconds to wait for another process writing the index",
    )
    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    telegram_mode: Literal["polling", "webhook"] = "polling"
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    allowed_chats: Annotated[list[int], NoDecode] = Field(default_factory=list)
    flood_limit: int = Field(default=10, ge=1, description="questions per user per minute")
    telegram_max_retries: int = Field(
        default=5, ge=0, le=50, description="how often a request that got 429 is retried"
    )
    concurrent_updates: int = Field(
        default=64, ge=1, le=1024, description="updates handled at the same time"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    admins: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids allowed to use /stats"
    )
    state_path: Path | None = Field(
        default=None, description="the SQLite file of conversations and feedback; default: <cache dir>/state.sqlite3"
    )
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="days conversations and feedback are kept"
    )
    thread_minutes: float = Field(
        default=10, ge=0, le=7 * 24 * 60, description="minutes a conversation stays open: a question asked "
        "within them may follow up the last answer ('and in the south?'); 0 = only replies to an answer do"
    )
    feed_interval: float = Field(
        default=900, ge=0, description="seconds between background polls of the feeds (and looks for new "
        "corpus files) in the REPL and the bot; 0 = never; '15m', '1h', '30s' work too"
    )
    fetch_allow_private: bool = Field(
        default=False, description="let the fetcher reach private, loopback and link-local addresses"
    )
    fetch_timeout: float = Field(default=30, gt=0, le=600, description="seconds one fetch may take in all")
    fetch_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="largest page or feed, after decompression"
    )
    fetch_host_delay: float = Field(default=1.0, ge=0, le=60, description="seconds between requests to one host")
    poll_workers: int = Field(default=8, ge=1, le=64, description="feeds and pages fetched at the same time")
    now: dt.date | None = Field(
        default=None, description="the day 'today', 'yesterday' and 'this week' count from (YYYY-MM-DD), for tests "
        "and evaluation; default: the clock's"
    )

    @field_validator("now", mode="before")
    @classmethod
    def _now(cls, value: object) -> object:
        return parse_now(value) if isinstance(value, str) else value

    @field_validator("telegram_token", "state_path", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never contains the value: it is a secret.
        if value is not None and not _TOKEN_RE.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "does not look like a bot token from @BotFather (expected <digits>:<letters>)"
            )
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (e.g. https://api.telegram.org/bot)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Telegram only calls HTTPS webhooks)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("feed_interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, str):
            match = _DURATION_RE.fullmatch(value.strip().lower())
            if match is None:
                raise ValueError("must be seconds or a duration such as 900, 30s, 15m or 1h")
            return float(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"]
        return value

    @field_validator("allowed_chats", "admins", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split()]
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        if self.telegram_mode == "webhook":
            if not self.webhook_url:
                raise ValueError("NEWSBOT_WEBHOOK_URL is required when NEWSBOT_TELEGRAM_MODE=webhook")
            if self.webhook_secret is None or not self.webhook_secret.get_secret_value():
                raise ValueError(
                    "NEWSBOT_WEBHOOK_SECRET is required when NEWSBOT_TELEGRAM_MODE=webhook"
                )
        return self

    @property
    def index_dir(self) -> Path:
        """The cache directory for this corpus's index."""
        if self.cache_dir is not None:
            return self.cache_dir
        return default_cache_dir(self.corpus)

    @property
    def thread_seconds(self) -> float:
        """NEWSBOT_THREAD_MINUTES in seconds: how recent the last answer must be for a follow-up."""
        return self.thread_minutes * 60

    @property
    def state_file(self) -> Path:
        """Where conversations and feedback are kept: NEWSBOT_STATE_PATH, else beside the index."""
        if self.state_path is not None:
            return self.state_path
        return self.index_dir / STATE_FILE


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first.get("loc", ()) if part != "__root__"]
        name = f"NEWSBOT_{loc[0].upper()}" if loc else "settings"
        message = first.get("msg", "invalid value").removeprefix("Value error, ")
        if loc:
            raise SettingsError(f"{name}: {message}") from None
        raise SettingsError(message) from None
