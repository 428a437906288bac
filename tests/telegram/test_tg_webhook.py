"""Webhook mode: PTB's own webhook server on 127.0.0.1, Telegram played by the fake."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from bot.tgbot.testing import FakeBotAPI

SECRET = "s3cret-Token_for-tests"
PUBLIC_URL = "https://newsbot.example.org/telegram/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def webhook_bot(fake: FakeBotAPI, start_bot: Any) -> str:
    """A bot in webhook mode; returns the local URL the reverse proxy would forward to."""
    port = free_port()
    await start_bot(
        telegram_mode="webhook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_url=PUBLIC_URL,
        webhook_secret=SECRET,
    )
    return f"http://127.0.0.1:{port}/telegram/hook"


async def test_webhook_registered_with_secret(fake: FakeBotAPI, webhook_bot: str) -> None:
    assert fake.webhook["url"] == PUBLIC_URL
    assert fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == ["message", "inline_query", "callback_query"]
    assert not any(c.method == "getUpdates" for c in fake.calls), "no polling in webhook mode"


async def test_right_secret_is_handled_and_answered(fake: FakeBotAPI, webhook_bot: str) -> None:
    update = fake.update_for("Who beat Le Pen in the north?", user_id=42)
    assert await fake.deliver_webhook(webhook_bot, update) == 200
    [reply] = await fake.wait_for_messages(1)
    assert reply.reply_to_message_id == update["message"]["message_id"]
    assert "Sources" in reply.text


@pytest.mark.parametrize("secret", ["wrong-secret", None], ids=["wrong", "missing"])
async def test_wrong_or_missing_secret_is_refused(fake: FakeBotAPI, webhook_bot: str, secret: str | None) -> None:
    update = fake.update_for("Who beat Le Pen in the north?", user_id=42)
    assert await fake.deliver_webhook(webhook_bot, update, secret_token=secret) == 403
    await asyncio.sleep(0.4)
    assert fake.sent_messages == [] and fake.chat_actions == []
    # the server still works for Telegram itself
    good = fake.update_for("What did Le Pen say?", user_id=42)
    assert await fake.deliver_webhook(webhook_bot, good) == 200
    [reply] = await fake.wait_for_messages(1)
    assert reply.reply_to_message_id == good["message"]["message_id"]


def test_webhook_mode_needs_a_secret(settings_for: Any) -> None:
    from bot.errors import SettingsError

    with pytest.raises(SettingsError, match="^NEWSBOT_WEBHOOK_SECRET is required"):
        settings_for(telegram_mode="webhook", webhook_url=PUBLIC_URL)
