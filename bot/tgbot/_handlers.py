"""The Telegram handlers: thin functions that gate, rate-limit, ask the service and send HTML replies.

Deciding whether a message is for the bot (`_addressing`), the flood guard (`_flood`), the texts
(`_texts`) and the rendering (`bot.render`) live elsewhere; a handler only wires them to an update."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.render import esc, render_answer, render_articles
from bot.service import Service
from bot.settings import Settings

from ._addressing import addressed_question
from ._flood import Verdict
from ._texts import NON_TEXT_HINT, SORRY, about_text, flood_text, help_text, start_text

log = logging.getLogger("newsbot.telegram")

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about 5 s per chat action


def _service(context: ContextTypes.DEFAULT_TYPE) -> Service:
    return context.bot_data["service"]


def _reply_params(message: Message) -> ReplyParameters:
    return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first (group -1): drops updates from chats outside the allow-list, silently."""
    allowed: list[int] = context.bot_data["settings"].allowed_chats
    if not allowed:
        return
    chat = update.effective_chat
    if chat is None or chat.id not in allowed:
        log.info(
            "update %s from chat %s ignored: not in NEWSBOT_ALLOWED_CHATS",
            update.update_id, chat.id if chat else None,
        )
        raise ApplicationHandlerStop


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
        settings: Settings = context.bot_data["settings"]
        await message.reply_html(flood_text(settings.flood_limit), reply_parameters=_reply_params(message))
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


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(start_text, _service(context), context.bot.username)
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    examples = await asyncio.to_thread(_service(context).example_questions, 1)
    text = help_text(context.bot.username, context.bot_data["settings"].flood_limit, examples[0] if examples else None)
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    articles = await asyncio.to_thread(_service(context).articles)
    for chunk in render_articles(articles):
        await update.effective_message.reply_html(chunk)  # type: ignore[union-attr]


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(about_text, _service(context))
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" now, and keep showing it while the body runs."""

    async def send() -> None:
        try:
            await message.reply_chat_action(ChatAction.TYPING)
        except TelegramError as exc:  # the answer matters more than the indicator
            log.debug("chat action failed: %s", exc)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            await send()

    await send()
    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: answer it when it is for the bot, as HTML replies to the message."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    replied = message.reply_to_message
    asked = addressed_question(
        message.text,
        chat_type=message.chat.type,
        bot_username=context.bot.username,
        bot_id=context.bot.id,
        reply_to_user_id=replied.from_user.id if replied and replied.from_user else None,
    )
    if asked is None:
        return
    service = _service(context)
    if not asked:
        examples = await asyncio.to_thread(service.example_questions, 1)
        example = f" For example: <code>{esc(examples[0])}</code>" if examples else ""
        await message.reply_html("Ask me a question after the mention." + example,
                                 reply_parameters=_reply_params(message))
        return
    if not await within_flood_limit(update, context):
        return
    async with chat_lock(context, message.chat.id):
        async with typing(message):
            answer = await asyncio.to_thread(service.answer, asked)
        log.info("update %s: %s with %d quote(s)", update.update_id, answer.kind.value, len(answer.quotes))
        for chunk in render_answer(answer):
            await message.reply_html(chunk, reply_parameters=_reply_params(message))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command the bot does not have, in a private chat: say which ones it has."""
    if not await within_flood_limit(update, context):
        return
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        "I don't know that command. Try /help, or just ask a question."
    )


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice note… in a private chat: one line saying what works."""
    if not await within_flood_limit(update, context):
        return
    examples = await asyncio.to_thread(_service(context).example_questions, 1)
    example = f"<code>{esc(examples[0])}</code>" if examples else "<i>What happened in the election?</i>"
    await update.effective_message.reply_html(NON_TEXT_HINT.format(example=example))  # type: ignore[union-attr]


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and the error (the formatter redacts secrets); tell the user, politely."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("update %s failed: %s: %s", update_id, type(error).__name__, error, exc_info=error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    message = update.effective_message
    if message is None:
        return
    try:
        await message.reply_html(esc(SORRY), reply_parameters=_reply_params(message))
    except TelegramError as exc:
        log.warning("update %s: could not send the error notice either: %s", update_id, exc)
