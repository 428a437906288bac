"""The bot token never shows up in anything newsbot prints, even at DEBUG level.

Every test runs newsbot as a subprocess (``python -m bot``) against the fake Bot API, with
``NEWSBOT_LOG_LEVEL=DEBUG``, and reads back all of its stdout and stderr. A leak is the whole
token, or any 12-character piece of its secret half (the part after ``bot-id:``) — that also
catches a URL-encoded token (``%3A``) and one cut short in a log line. The numeric bot id on its
own is public (``getMe`` returns it) and may appear.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.tgbot.testing import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

TOKEN = "7123456:AAHsecretHalf_for-the-leak-test_q9W8e7R6t5Y4"
BOT_ID, SECRET = TOKEN.split(":", 1)
WRONG_TOKEN = "7123456:AAHnot-the-right-one_z1X2c3V4b5N6m7Q8w9E0r"
PIECE = 12  # characters of a secret that count as a leak

pytestmark = pytest.mark.timeout(60)


def pieces(secret: str) -> set[str]:
    return {secret[i : i + PIECE] for i in range(len(secret) - PIECE + 1)}


def assert_no_secret(output: str, *tokens: str) -> None:
    for token in tokens or (TOKEN,):
        assert token not in output, "the whole token is in the output"
        secret = token.split(":", 1)[1]
        leaked = sorted(p for p in pieces(secret) if p in output)
        assert not leaked, f"part of the token's secret is in the output: {leaked[:3]}"


def test_the_leak_check_catches_whole_encoded_and_cut_tokens() -> None:
    assert_no_secret(f"GET http://127.0.0.1/bot{BOT_ID}/getMe id {BOT_ID}")
    for leak in (TOKEN, TOKEN.replace(":", "%3A"), f"token={SECRET[:PIECE]}...", SECRET[-PIECE:]):
        with pytest.raises(AssertionError):
            assert_no_secret(f"line one\nhttps://api.telegram.org/bot{leak}/getUpdates\n")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built once for the module, so each bot process only loads it."""
    from bot import NewsService

    cache = tmp_path_factory.mktemp("secrets-cache")
    NewsService.open(CORPUS, cache)
    return cache


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN) as server:
        yield server


def newsbot_env(api_url: str, cache_dir: Path, token: str = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not any(k == f"NEWSBOT_{f.upper()}" for f in Settings.model_fields)}
    env.update({
        "NEWSBOT_TELEGRAM_TOKEN": token,
        "NEWSBOT_TELEGRAM_API_URL": api_url,
        "NEWSBOT_CORPUS": str(CORPUS),
        "NEWSBOT_CACHE_DIR": str(cache_dir),
        "NEWSBOT_LOG_LEVEL": "DEBUG",
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONUNBUFFERED": "1",
    })
    return env


async def run_newsbot(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30) -> tuple[int, str, str]:
    """Run ``python -m bot ARGS`` to its end; (exit status, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


async def test_a_full_bot_run_at_debug_never_logs_the_token(fake: FakeBotAPI, cache_dir: Path, tmp_path: Path) -> None:
    """Start, answer, survive a failing sendMessage (traceback logged), stop on SIGTERM."""
    out_path, err_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # cwd is an empty directory: no .env from the developer's tree
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=newsbot_env(fake.base_url, cache_dir),
            stdout=out, stderr=err,
        )
        try:
            await fake.wait_polling(timeout=30)
            first = fake.push_message("Who beat Le Pen in the north?", user_id=42)
            [reply] = await fake.wait_for_messages(1, timeout=10)
            assert reply.reply_to_message_id == first["message"]["message_id"]

            fake.inject_error("sendMessage", 400, "Bad Request: chat not found")  # error handler + traceback
            fake.push_message("Who leads the National Front?", user_id=44)
            [sorry] = await fake.wait_for_messages(1, timeout=10, chat_id=44)
            assert sorry.text.startswith("Sorry")

            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 15)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    both = stdout + stderr
    assert code == 0, both[-3000:]
    assert " DEBUG " in both, "the run really logged at DEBUG"
    assert "Traceback" in both, "the failing sendMessage was logged with its traceback"
    assert_no_secret(stdout)
    assert_no_secret(stderr)


async def test_a_rejected_token_is_not_echoed(fake: FakeBotAPI, cache_dir: Path, tmp_path: Path) -> None:
    code, out, err = await run_newsbot([], newsbot_env(fake.base_url, cache_dir, token=WRONG_TOKEN), tmp_path)
    assert code != 0
    assert "Unauthorized" in err or "rejected" in err, err[-2000:]
    assert_no_secret(out + err, WRONG_TOKEN, TOKEN)


async def test_newsbot_check_never_shows_the_token(fake: FakeBotAPI, cache_dir: Path, tmp_path: Path) -> None:
    """`check --online` runs every offline check too, then getMe and getWebhookInfo."""
    code, out, err = await run_newsbot(["check", "--online"], newsbot_env(fake.base_url, cache_dir), tmp_path)
    assert code == 0, out + err
    assert "token set" in out and "token accepted" in out
    assert BOT_ID in out, "the public bot id may be shown"
    assert [c.method for c in fake.calls][:1] == ["getMe"]
    assert_no_secret(out + err)
