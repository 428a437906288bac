"""The Telegram bot. Named ``tgbot``, not ``telegram``, so it never shadows python-telegram-bot.

`bot.tgbot.testing` is a fake Telegram Bot API (aiohttp on 127.0.0.1) for tests; the bot itself
never imports it.
"""
