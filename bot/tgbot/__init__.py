"""The Telegram bot: python-telegram-bot 22 (async) around `NewsService`.

``run_bot(settings)`` runs it (polling or webhook) until SIGINT/SIGTERM; ``build_application`` and
``serve`` run it inside an event loop (tests, embedding, transcript replay). Handlers stay thin:
deciding whether a group message is for the bot, the flood guard, the texts, feedback buttons, inline
mode, calm under network failures and the rendering are small modules of their own. What the bot
remembers (answers per chat, votes) is `bot.state`. Named ``tgbot``, not ``telegram``, so it never
shadows python-telegram-bot.

`bot.tgbot.testing` is a fake Telegram Bot API (aiohttp on 127.0.0.1) for tests; the bot itself
never imports it.
"""

from ._addressing import addressed_question
from ._app import (
    ALLOWED_UPDATES,
    api_host,
    build_application,
    file_url_for,
    load_service,
    polling_kwargs,
    run_bot,
    serve,
    webhook_kwargs,
    webhook_path,
)
from ._feedback import feedback_keyboard
from ._flood import FloodGuard, Verdict
from ._inline import inline_results
from ._network import OutageMonitor, QuietTelegramLogs
from ._online import online_report
from ._texts import COMMANDS, NON_TEXT_HINT, SORRY, about_text, flood_text, help_text, sources_html, start_text

__all__ = [
    "ALLOWED_UPDATES", "COMMANDS", "NON_TEXT_HINT", "SORRY", "FloodGuard", "OutageMonitor", "QuietTelegramLogs",
    "Verdict", "about_text", "addressed_question", "api_host", "build_application", "feedback_keyboard",
    "file_url_for", "flood_text", "help_text", "inline_results", "load_service", "online_report", "polling_kwargs",
    "run_bot", "serve", "sources_html", "start_text", "webhook_kwargs", "webhook_path",
]
