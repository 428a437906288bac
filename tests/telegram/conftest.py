"""Fixtures for the Telegram tests: the fake Bot API, settings pointing at it, a running bot."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, load_settings
from bot.tgbot.testing import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's NEWSBOT_* settings must not leak into these tests."""
    for field in Settings.model_fields:
        monkeypatch.delenv(f"NEWSBOT_{field.upper()}", raising=False)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("newsbot-index")


@pytest.fixture(scope="session")
def news_service(index_dir: Path) -> Any:
    """The real NewsService over the seed corpus, opened once for the session."""
    from bot import NewsService

    service = NewsService.open(CORPUS, index_dir)
    service.answer("Who beat Le Pen in the north?")  # warm up once, not in the first test
    return service


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
def settings_for(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a bot talking to the fake server (keyword arguments override); each test has
    its own state file."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_token": fake.token,
            "telegram_api_url": fake.base_url,
            "corpus": CORPUS,
            "cache_dir": index_dir,
            "state_path": tmp_path / "state.sqlite3",
            "_env_file": None,
        }
        values.update(overrides)
        return load_settings(**values)

    return make


StartBot = Callable[..., Awaitable[Any]]


@pytest.fixture
async def start_bot(settings_for: Callable[..., Settings], news_service: Any) -> AsyncIterator[StartBot]:
    """``app = await start_bot(service=..., **settings)``: a real PTB Application, Updater and
    HTTP client running against the fake server until the test ends."""
    from bot.tgbot import build_application, serve

    async with contextlib.AsyncExitStack() as stack:

        async def start(service: Any = news_service, **overrides: Any) -> Any:
            app = build_application(settings_for(**overrides), service=service)
            await stack.enter_async_context(serve(app))
            return app

        yield start
