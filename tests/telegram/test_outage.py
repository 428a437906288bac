"""Calm under faults: the Bot API goes away (connections refused, or 502 from a gateway) while the
bot polls or while it sends an answer; a rejected token. Through the real PTB stack against the fake
Bot API, in-process and as the real ``newsbot telegram`` process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answer
from bot.tgbot.testing import FakeBotAPI
from tests.telegram.test_tg_process import bot_env

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "Who beat Le Pen in the north?"
OUTAGE = 3.0  # seconds: long enough for several failed polls, short enough for PTB's backoff (1, 1.5, 2.25 s)


@contextlib.asynccontextmanager
async def bot_process(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`newsbot telegram` as a process, logging at INFO to tmp_path/bot.log, polling when the block
    starts; killed if the block leaves it running."""
    env = {**bot_env(fake, index_dir), "NEWSBOT_LOG_LEVEL": "INFO",
           "NEWSBOT_STATE_PATH": str(tmp_path / "state.sqlite3")}
    with open(tmp_path / "bot.log", "wb") as log:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", cwd=tmp_path, env=env,
                                                    stdout=log, stderr=log)
        try:
            await fake.wait_polling(timeout=30)
            yield proc
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@pytest.mark.parametrize("mode", ["refuse", "502"])
async def test_questions_asked_during_an_outage_are_answered_once_after_it(
    fake: FakeBotAPI, start_bot: Any, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    caplog.set_level(logging.INFO)
    app = await start_bot()
    await fake.wait_polling()
    await fake.outage(mode)
    updates = [fake.push_message(QUESTION, user_id=500 + i) for i in range(10)]
    await asyncio.sleep(OUTAGE)
    during = list(caplog.records)
    await fake.restore()
    await fake.wait_for_messages(10, timeout=30)
    await asyncio.sleep(0.3)
    assert len(fake.sent_messages) == 10 and all(
        len(fake.messages_to(u["message"]["chat"]["id"])) == 1 for u in updates), "each answered once"
    if mode == "502":
        assert fake.outage_refused >= 2, "the bot kept trying (refused connections never reach the fake)"

    warnings = [r for r in during if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in warnings] == ["the Telegram Bot API is unreachable"]
    back = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert not any(r.exc_info for r in caplog.records), "no tracebacks"
    assert app.bot_data["outage"].outages == 1


async def test_an_answer_being_sent_when_the_api_goes_away_arrives_once_when_it_is_back(
    fake: FakeBotAPI, start_bot: Any, news_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    started = asyncio.Event()

    class Slow:
        def __getattr__(self, name: str) -> Any:
            return getattr(news_service, name)

        def answer(self, question: str) -> Answer:
            loop.call_soon_threadsafe(started.set)
            time.sleep(0.5)
            return news_service.answer(question)

    loop = asyncio.get_running_loop()
    await start_bot(service=Slow())
    update = fake.push_message(QUESTION)
    await started.wait()
    await fake.outage("refuse")  # the answer is being composed; sending it will fail
    await asyncio.sleep(2.0)
    await fake.restore()
    [reply] = await fake.wait_for_messages(1, timeout=20)
    await asyncio.sleep(0.5)
    assert len(fake.sent_messages) == 1 and reply.reply_to_message_id == update["message"]["message_id"]
    assert "Bertrand" in reply.text
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), "nothing failed, nothing to apologise for"
    assert not any(r.exc_info for r in caplog.records)


async def test_the_bot_process_logs_an_outage_in_two_lines(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> None:
    """The real `newsbot telegram` (run_bot, its log filter): the outage is a WARNING when it starts
    and an INFO when it ends, nothing else above DEBUG, no traceback; every question is answered once."""
    async with bot_process(fake, index_dir, tmp_path) as proc:
        await fake.outage("refuse")
        updates = [fake.push_message(QUESTION, user_id=600 + i) for i in range(20)]
        await asyncio.sleep(OUTAGE)
        await fake.restore()
        await fake.wait_for_messages(20, timeout=30)
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    assert all(len(fake.messages_to(u["message"]["chat"]["id"])) == 1 for u in updates)
    lines = (tmp_path / "bot.log").read_text(encoding="utf-8").splitlines()
    about_outage = [line for line in lines if "Bot API" in line or "WARNING" in line or "ERROR" in line]
    assert len(about_outage) == 2, lines
    assert " WARNING newsbot.telegram: the Telegram Bot API is unreachable" in about_outage[0]
    assert " INFO newsbot.telegram: the Telegram Bot API is reachable again after" in about_outage[1]
    assert not any("Traceback" in line for line in lines)


async def test_a_rejected_token_exits_with_one_line(fake: FakeBotAPI, index_dir: Path, tmp_path: Path) -> None:
    env = {**bot_env(fake, index_dir), "NEWSBOT_TELEGRAM_TOKEN": "7000001:AAwrongTokenForThisTest",
           "NEWSBOT_LOG_LEVEL": "INFO"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert out == b""
    assert err.decode().splitlines() == [
        "newsbot: error: Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized); check the token from @BotFather"]
    assert "AAwrongTokenForThisTest" not in err.decode()
    assert os.path.exists(index_dir)


async def test_stopping_the_bot_during_an_outage_is_quick_and_quiet(
    fake: FakeBotAPI, index_dir: Path, tmp_path: Path
) -> None:
    async with bot_process(fake, index_dir, tmp_path) as proc:
        await fake.outage("refuse")
        await asyncio.sleep(1.0)
        stopping = time.monotonic()
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        assert time.monotonic() - stopping < 15
    lines = (tmp_path / "bot.log").read_text(encoding="utf-8").splitlines()
    assert not any("Traceback" in line for line in lines), lines
    loud = [line for line in lines if " WARNING " in line or " ERROR " in line]
    assert len(loud) <= 2, loud  # the outage, and the offset that could not be confirmed on the way out
