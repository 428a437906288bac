"""The bot's pure logic: who a message is for, the flood guard, secrets, settings, health check."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.cli import health_check, main
from bot.errors import SettingsError
from bot.logs import RedactingFormatter, configure_logging, redact
from bot.settings import load_settings
from bot.state import StateStore
from bot.tgbot import FloodGuard, Verdict, addressed_question, file_url_for, run_bot, webhook_path
from bot.tgbot.testing import ThreadedFakeBotAPI
from tests.telegram.conftest import CORPUS

BOT = {"bot_username": "newsbot_test_bot", "bot_id": 7000001}


@pytest.mark.parametrize(
    ("text", "chat_type", "reply_to", "expected"),
    [
        ("  Who won?  ", "private", None, "Who won?"),
        ("Who won?", "group", None, None),
        ("Who won?", "supergroup", 99, None),
        ("Who won?", "supergroup", 7000001, "Who won?"),
        ("@newsbot_test_bot who won?", "group", None, "who won?"),
        ("@NewsBot_Test_Bot, who won?", "supergroup", None, "who won?"),
        ("who won, @newsbot_test_bot?", "supergroup", None, "who won?"),
        ("Le Pen @newsbot_test_bot vs Bertrand?", "supergroup", None, "Le Pen vs Bertrand?"),
        ("hey @newsbot_test_bot: who won the north?", "group", None, "hey who won the north?"),
        ("@newsbot_test_bot", "group", None, ""),
        ("@newsbot_test_bot2 who won?", "group", None, None),
        ("mail me at x@newsbot_test_bot", "group", None, None),
        ("@newsbot_test_bot who won?", "channel", None, None),
    ],
)
def test_addressed_question(text: str, chat_type: str, reply_to: int | None, expected: str | None) -> None:
    assert addressed_question(text, chat_type=chat_type, reply_to_user_id=reply_to, **BOT) == expected


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_guard_warns_once_then_drops_until_the_window_has_room() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=60, clock=clock)
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert guard.check(1) is Verdict.WARN
    assert guard.check(1) is Verdict.DROP
    assert guard.check(2) is Verdict.ALLOW, "per user"
    clock.now += 59.9
    assert guard.check(1) is Verdict.DROP
    clock.now += 0.1  # the first question is a minute old
    assert [guard.check(1) for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.WARN]


def test_flood_guard_forgets_idle_users() -> None:
    clock = Clock()
    guard = FloodGuard(limit=1, clock=clock)
    for user in range(999):
        guard.check(user)
    clock.now += 61
    guard.check(5000)  # the 1000th check prunes
    assert len(guard._hits) == 1


def test_secrets_never_reach_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "7000001:AAFakeTokenForTests_abcdefghijklmnopqrstu"
    settings = load_settings(telegram_token=token, _env_file=None)
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    try:
        logging.getLogger("telegram.Bot").debug("Set Bot API URL: %s", f"https://api.telegram.org/bot{token}")
        try:
            raise RuntimeError(f"GET https://api.telegram.org/bot{token}/getMe failed")
        except RuntimeError:
            logging.getLogger("newsbot").exception("boom")
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", token)
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    output = stream.getvalue()
    assert token not in output
    assert "https://api.telegram.org/bot<redacted>" in output
    assert "HTTP Request" not in output, "httpx request lines are below WARNING"
    assert logging.getLogger("httpcore").level == logging.WARNING
    assert redact("a SECRET b", ["SECRET", None]) == "a <redacted> b"
    assert RedactingFormatter("%(message)s", ["x"]).format(
        logging.LogRecord("n", logging.INFO, "", 0, "axb", None, None)) == "a<redacted>b"


def test_urls_and_paths() -> None:
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://proxy.local/tg/") == "http://proxy.local/tg/file/bot"
    settings = load_settings(telegram_mode="webhook", webhook_url="https://bot.example.org/tg/hook/",
                             webhook_secret="abc", _env_file=None)
    assert webhook_path(settings) == "/tg/hook"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"telegram_token": "not a token"}, "NEWSBOT_TELEGRAM_TOKEN: does not look like a bot token"),
        ({"telegram_api_url": "api.telegram.org"}, "NEWSBOT_TELEGRAM_API_URL: must start with http"),
        ({"telegram_mode": "hook"}, "NEWSBOT_TELEGRAM_MODE: "),
        ({"telegram_mode": "webhook"}, "NEWSBOT_WEBHOOK_URL is required"),
        ({"telegram_mode": "webhook", "webhook_url": "http://x.org/h", "webhook_secret": "s"},
         "NEWSBOT_WEBHOOK_URL: must be an https:// URL"),
        ({"telegram_mode": "webhook", "webhook_url": "https://x.org/h", "webhook_secret": "no spaces"},
         "NEWSBOT_WEBHOOK_SECRET: must be 1-256 characters"),
        ({"webhook_port": "99999"}, "NEWSBOT_WEBHOOK_PORT: "),
        ({"allowed_chats": "12, abc"}, "NEWSBOT_ALLOWED_CHATS: "),
        ({"flood_limit": "0"}, "NEWSBOT_FLOOD_LIMIT: "),
        ({"log_level": "chatty"}, "NEWSBOT_LOG_LEVEL: "),
        ({"admins": "me"}, "NEWSBOT_ADMINS: "),
        ({"retention_days": "0"}, "NEWSBOT_RETENTION_DAYS: "),
    ],
)
def test_invalid_settings_fail_with_one_line_naming_the_variable(
    values: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"NEWSBOT_{key.upper()}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert "not a token" not in str(caught.value), "a secret is never echoed"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_TELEGRAM_TOKEN", " 123:abc_DEF-ghi ")
    monkeypatch.setenv("NEWSBOT_ALLOWED_CHATS", "12, -100345 7")
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:abc_DEF-ghi"
    assert "abc_DEF" not in repr(settings) and "abc_DEF" not in str(settings.model_dump())
    assert settings.allowed_chats == [12, -100345, 7]
    assert settings.log_level == "DEBUG"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.admins == [] and settings.retention_days == 30
    assert settings.state_file == settings.index_dir / "state.sqlite3"


def test_admins_and_the_state_file_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSBOT_ADMINS", "12 34")
    monkeypatch.setenv("NEWSBOT_STATE_PATH", str(tmp_path / "s.db"))
    monkeypatch.setenv("NEWSBOT_RETENTION_DAYS", "7")
    settings = load_settings(_env_file=None)
    assert settings.admins == [12, 34] and settings.retention_days == 7
    assert settings.state_file == tmp_path / "s.db"
    monkeypatch.setenv("NEWSBOT_STATE_PATH", " ")
    assert load_settings(_env_file=None).state_path is None


def test_run_bot_without_a_token_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SettingsError, match="NEWSBOT_TELEGRAM_TOKEN is not set"):
        run_bot(load_settings(_env_file=None))
    monkeypatch.chdir(tmp_path)  # no .env
    assert main(["telegram"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("newsbot: error: NEWSBOT_TELEGRAM_TOKEN is not set")


# ------------------------------------------------------------------------------------ check()


@pytest.fixture
def threaded_fake() -> Any:
    with ThreadedFakeBotAPI() as fake:
        yield fake


def _check(online: bool = False, **values: Any) -> tuple[int, str]:
    out = io.StringIO()
    status = health_check(load_settings(_env_file=None, **values), online=online, out=out)
    return status, out.getvalue()


def test_check_offline_passes_on_the_seed_corpus(index_dir: Path) -> None:
    status, output = _check(corpus=CORPUS, cache_dir=index_dir)
    assert status == 0, output
    assert "ok    index: 4 news articles" in output
    assert "warn  NEWSBOT_TELEGRAM_TOKEN is not set" in output
    assert "ok    state: " in output


def test_check_reports_the_state_file(tmp_path: Path, index_dir: Path) -> None:
    path = tmp_path / "state.sqlite3"
    status, output = _check(corpus=CORPUS, cache_dir=index_dir, state_path=path)
    assert status == 0 and f"ok    state: {path} (made when the bot starts)" in output
    assert not path.exists(), "checking creates nothing"
    StateStore(path).close()
    status, output = _check(corpus=CORPUS, cache_dir=index_dir, state_path=path)
    assert f"ok    state: {path}, 0 answer(s) and 0 vote(s) kept for 30 days" in output
    path.write_bytes(b"not a database" * 100)
    status, output = _check(corpus=CORPUS, cache_dir=index_dir, state_path=path)
    assert status == 0 and "warn  state: " in output and "kept in memory" in output


def test_check_fails_on_a_missing_corpus(tmp_path: Path) -> None:
    status, output = _check(corpus=tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    assert status == 1
    assert "FAIL  corpus/index" in output


def test_check_online_calls_get_me(threaded_fake: Any, index_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    values = {"corpus": CORPUS, "cache_dir": index_dir, "telegram_api_url": threaded_fake.base_url}
    status, output = _check(online=True, telegram_token=threaded_fake.token, log_level="DEBUG", **values)
    assert status == 0, output
    assert f"token accepted, bot @{threaded_fake.username}" in output
    assert threaded_fake.token not in output
    assert threaded_fake.token not in caplog.text, "PTB's DEBUG log of its API URL is kept quiet"
    assert [c.method for c in threaded_fake.calls] == ["getMe", "getWebhookInfo"]

    status, output = _check(online=True, telegram_token="7000001:wrong", **values)
    assert status == 1
    assert "FAIL  Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized)" in output

    status, output = _check(online=True, **values)
    assert status == 1 and "FAIL  NEWSBOT_TELEGRAM_TOKEN is not set" in output


def test_check_online_reports_an_unreachable_api(index_dir: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status, output = _check(online=True, telegram_token="1:abc", corpus=CORPUS, cache_dir=index_dir,
                            telegram_api_url=f"http://127.0.0.1:{port}/bot")
    assert status == 1
    assert f"FAIL  Telegram Bot API at http://127.0.0.1:{port}" in output
