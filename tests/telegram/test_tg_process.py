"""The bot as a process: `python -m bot` (and run_bot directly) against the fake Bot API,
answering a question and exiting 0 on SIGTERM with the polling offset confirmed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.tgbot.testing import FakeBotAPI
from tests.telegram.conftest import CORPUS, ROOT

QUESTION = "Who beat Le Pen in the north?"


def bot_env(fake: FakeBotAPI, index_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(k == f"NEWSBOT_{f.upper()}" for f in Settings.model_fields)}
    env.update({
        "NEWSBOT_TELEGRAM_TOKEN": fake.token,
        "NEWSBOT_TELEGRAM_API_URL": fake.base_url,
        "NEWSBOT_CORPUS": str(CORPUS),
        "NEWSBOT_CACHE_DIR": str(index_dir),
        "NEWSBOT_LOG_LEVEL": "DEBUG",  # the most talkative level still never shows the token
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    return env


async def run_until_sigterm(fake: FakeBotAPI, argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    log_path = cwd / "bot.log"
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdout=log, stderr=log)
        try:
            await fake.wait_polling(timeout=30)  # started, index loaded, long polling
            update = fake.push_message(QUESTION)
            [reply] = await fake.wait_for_messages(1, timeout=15)
            assert reply.reply_to_message_id == update["message"]["message_id"]
            assert "Sources" in reply.text
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 15)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert fake.confirmed_offset == update["update_id"] + 1, "the last update was confirmed on the way out"
    return code, log_path.read_text(encoding="utf-8", errors="replace")


async def test_run_bot_process_answers_and_stops_on_sigterm(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> None:
    code, output = await run_until_sigterm(
        fake,
        [sys.executable, "-c", "from bot.settings import load_settings; "
                               "from bot.tgbot import run_bot; run_bot(load_settings())"],
        bot_env(fake, index_dir),
        tmp_path,
    )
    assert code == 0, output
    assert fake.token not in output
    assert "<redacted>" in output, "PTB logs its API URL at DEBUG; the token in it is redacted"
    assert "ready (polling http://127.0.0.1:" in output


async def test_python_m_bot_with_a_token_runs_the_bot(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> None:
    if not (ROOT / "bot" / "__main__.py").exists():
        pytest.skip("python -m bot is not there yet")
    code, output = await run_until_sigterm(fake, [sys.executable, "-m", "bot"], bot_env(fake, index_dir), tmp_path)
    assert code == 0, output
    assert fake.token not in output
