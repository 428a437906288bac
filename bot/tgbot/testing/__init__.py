"""A fake Telegram Bot API for tests: aiohttp on 127.0.0.1, a free port, no internet.

A test utility that ships with the package because transcript replay (``newsbot transcripts``)
runs the real bot against it, as do the tests and ``benchmarks/load.py``; the bot itself never
imports it. It needs aiohttp (a dependency of newsbot).

It behaves like ``api.telegram.org`` where a bot can tell the difference:

* ``/bot<token>/<method>`` with form, multipart, JSON or query parameters (PTB sends forms
  whose non-string values are JSON); a wrong token gets ``401 Unauthorized``, an unknown
  method ``404 Not Found``, both in Telegram's ``{"ok": false, ...}`` shape.
* ``getUpdates`` long-polls with offsets: updates below ``offset`` are confirmed and dropped,
  a second concurrent poll ends the first with 409, polling while a webhook is set is a 409.
* ``sendMessage`` parses HTML like Telegram: only Telegram's tags, balanced, every ``<`` and
  ``&`` escaped, at most 4096 characters (UTF-16 units) of text after parsing, the chat and
  the replied-to message must exist; errors are ``400 Bad Request: can't parse entities: ...``.
* ``sendChatAction``, ``setMyCommands``/``getMyCommands``/``deleteMyCommands``,
  ``setWebhook``/``deleteWebhook``/``getWebhookInfo``, ``getMe``.
* Inline keyboards (``reply_markup``: callback data of 1-64 bytes), ``editMessageReplyMarkup``
  ("message is not modified" when nothing changes), callback queries a test pushes by pressing a
  button (:meth:`FakeBotAPI.press`) and ``answerCallbackQuery`` (once per query, within 10 s).
* Inline mode: :meth:`FakeBotAPI.push_inline_query` and ``answerInlineQuery`` (at most 50 article
  results with unique ids and a valid message text each, a cache time, once per query, within 10 s).
* ``inject_429(count, retry_after)`` makes the next calls answer
  ``429 Too Many Requests: retry after N`` with ``parameters.retry_after``.
* ``await outage("refuse" | "502")`` takes the API down (connections refused, or every request
  answered 502 Bad Gateway) until ``await restore()``.
* ``forget_message(chat_id, message_id)``: the user deleted a message (replies to it need
  ``allow_sending_without_reply``).

Use it as an async context manager (``async with FakeBotAPI() as fake``) inside a running event
loop, or :class:`ThreadedFakeBotAPI` from synchronous code. Tests push updates
(:meth:`FakeBotAPI.push_message`, :meth:`FakeBotAPI.push_update`) and await what the bot sent
(:meth:`FakeBotAPI.wait_for_messages`).
"""

from ._html import EntityParseError, parse_html, utf16_len
from ._payloads import TELEGRAM_LIMIT, ApiError
from ._server import DEFAULT_TOKEN, QUERY_TTL, Call, FakeBotAPI, SentMessage
from ._threaded import ThreadedFakeBotAPI

__all__ = [
    "DEFAULT_TOKEN", "QUERY_TTL", "TELEGRAM_LIMIT", "ApiError", "Call", "EntityParseError", "FakeBotAPI", "SentMessage",
    "ThreadedFakeBotAPI", "parse_html", "utf16_len",
]
