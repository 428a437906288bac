"""The Telegram part of `newsbot check --online`: is the token accepted (getMe), and which webhook
does Telegram have registered? Results are (status, text) lines; nothing here raises."""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.logs import quiet_loggers
from bot.settings import Settings

from ._app import api_host, file_url_for


def online_report(settings: Settings) -> list[tuple[str, str]]:
    """("ok" | "warn" | "FAIL", text) lines about the token and the webhook, from the Bot API itself."""
    assert settings.telegram_token is not None, "checked by the caller"
    try:
        with quiet_loggers("telegram", "httpx", "httpcore"):  # their DEBUG lines hold the token
            return asyncio.run(_ask_telegram(settings))
    except InvalidToken:
        return [("FAIL", "Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized)")]
    except TelegramError as exc:
        return [("FAIL", f"Telegram Bot API at {api_host(settings)}: {exc}")]


async def _ask_telegram(settings: Settings) -> list[tuple[str, str]]:
    assert settings.telegram_token is not None
    request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=file_url_for(settings.telegram_api_url),
        request=request,
        get_updates_request=HTTPXRequest(connect_timeout=5, read_timeout=10),
    )
    async with bot:  # initialize() calls getMe
        info = await bot.get_webhook_info()
    results = [("ok", f"Telegram: token accepted, bot @{bot.username} (id {bot.id})")]
    if settings.telegram_mode == "webhook":
        if info.url == settings.webhook_url:
            results.append(("ok", f"webhook registered: {info.url} ({info.pending_update_count} pending)"))
        else:
            results.append(("warn", f"webhook registered is {info.url or 'none'!s}; "
                                    "the bot sets it to NEWSBOT_WEBHOOK_URL when it starts"))
    elif info.url:
        results.append(("warn", f"a webhook is set ({info.url}); polling deletes it when the bot starts"))
    if info.last_error_message:
        results.append(("warn", f"Telegram's last webhook error: {info.last_error_message}"))
    return results
