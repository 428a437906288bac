"""What every handler uses: the service, state and settings from ``bot_data``; the one way to reply
(which survives the asking message being deleted); the flood check; per-chat locks."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.service import Service
from bot.settings import Settings
from bot.state import StateStore

from ._flood import Verdict
from ._texts import flood_text

log = logging.getLogger("newsbot.telegram")


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Service:
    return context.bot_data["service"]


def state_of(context: ContextTypes.DEFAULT_TYPE) -> StateStore:
    return context.bot_data["state"]


def settings_of(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    return context.bot_data["settings"]


async def reply(message: Message, html: str, *, quote: bool | None = None,
                markup: InlineKeyboardMarkup | None = None) -> Message:
    """Every message the bot sends in answer to one goes through here. It quotes the asking message
    (``quote``; default: in groups, where several conversations interleave) and is sent even when
    that message was deleted meanwhile (``allow_sending_without_reply``)."""
    if quote is None:
        quote = message.chat.type != ChatType.PRIVATE
    parameters = (ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
                  if quote else None)
    return await message.reply_html(html, reply_parameters=parameters, do_quote=quote, reply_markup=markup)


async def within_flood_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Count this message against its sender's flood limit; over it, say so once, then stay quiet.

    Every kind of message counts (questions, commands, stickers), so no handler can be used to
    make the bot talk without limit."""
    message = update.effective_message
    if message is None:
        return False
    user_id = update.effective_user.id if update.effective_user else message.chat.id
    verdict = context.bot_data["flood"].check(user_id)
    if verdict is Verdict.ALLOW:
        return True
    if verdict is Verdict.WARN:
        await reply(message, flood_text(settings_of(context).flood_limit), quote=True)
    else:
        log.debug("update %s: user over the flood limit, dropped", update.update_id)
    return False


def chat_lock(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> asyncio.Lock:
    """One lock per chat, so a chat's questions are answered in the order they were asked while
    other chats go on concurrently. Locks nobody holds or waits for are dropped (weak values)."""
    locks: weakref.WeakValueDictionary[int, asyncio.Lock] = context.bot_data.setdefault(
        "chat_locks", weakref.WeakValueDictionary()
    )
    lock = locks.get(chat_id)
    if lock is None:
        lock = asyncio.Lock()
        locks[chat_id] = lock
    return lock


async def pressed(update: Update, pattern: re.Pattern[str]) -> tuple[CallbackQuery, re.Match[str], Message] | None:
    """A button press: the callback query, its data matched against pattern, and the message the button
    sits under; None (the query answered, silently) when the data or the message is not one of ours."""
    query = update.callback_query
    assert query is not None and query.data is not None, "CallbackQueryHandler(pattern=...)"
    match = pattern.match(query.data)
    message = query.message
    if match is None or not isinstance(message, Message):
        await query.answer()
        return None
    return query, match, message
