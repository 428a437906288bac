"""The Telegram handlers: thin functions that gate, rate-limit, ask the service and send HTML replies.

Deciding whether a message is for the bot (`_addressing`), the flood guard (`_flood`), the texts
(`_texts`), feedback buttons (`_feedback`), inline mode (`_inline`) and the rendering (`bot.render`)
live elsewhere; a handler only wires them to an update. Every reply goes through `_common.reply`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.answer import Answer
from bot.conversation import converse
from bot.errors import StateError
from bot.render import esc, render_answer, render_articles
from bot.sources import sources_reply

from ._addressing import addressed_question
from ._common import chat_lock, pressed, reply, service_of, settings_of, state_of, within_flood_limit
from ._feedback import feedback_keyboard
from ._follow import SUGGESTION_PATTERN, thread_for_message, turn_of
from ._network import is_transport_error
from ._texts import (
    GONE_SUGGESTION,
    NON_TEXT_HINT,
    SORRY,
    UNKNOWN_COMMAND,
    about_text,
    help_text,
    sources_html,
    start_text,
)

log = logging.getLogger("newsbot.telegram")

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about 5 s per chat action


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first (group -1): drops updates from chats outside the allow-list, silently. An inline
    query has no chat: it passes when its sender's private chat (the user id) is on the list."""
    allowed: list[int] = context.bot_data["settings"].allowed_chats
    if not allowed:
        return
    chat = update.effective_chat
    if chat is None and update.inline_query is not None:
        if update.inline_query.from_user.id in allowed:
            return
        log.info("update %s: inline query from user %s ignored: not in NEWSBOT_ALLOWED_CHATS",
                 update.update_id, update.inline_query.from_user.id)
        raise ApplicationHandlerStop
    if chat is None or chat.id not in allowed:
        log.info(
            "update %s from chat %s ignored: not in NEWSBOT_ALLOWED_CHATS",
            update.update_id, chat.id if chat else None,
        )
        raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(start_text, service_of(context), context.bot.username)
    await reply(update.effective_message, text)  # type: ignore[arg-type]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    examples = await asyncio.to_thread(service_of(context).example_questions, 1)
    settings = settings_of(context)
    text = help_text(context.bot.username, settings.flood_limit, examples[0] if examples else None,
                     settings.thread_minutes)
    await reply(update.effective_message, text)  # type: ignore[arg-type]


async def articles(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/articles: the corpus, one line per article."""
    if not await within_flood_limit(update, context):
        return
    listed = await asyncio.to_thread(service_of(context).articles)
    for chunk in render_articles(listed):
        await reply(update.effective_message, chunk)  # type: ignore[arg-type]


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the sources of this chat's last answer; /sources N: source N's quote in context."""
    message = update.effective_message
    if message is None or not await within_flood_limit(update, context):
        return
    async with chat_lock(context, message.chat.id):  # after the answer asked just before it
        last = await asyncio.to_thread(state_of(context).last_answer, message.chat.id, found_only=True)
        shown = await asyncio.to_thread(sources_reply, last.answer if last else None,
                                        " ".join(context.args or []), service_of(context).context)
        for chunk in sources_html(shown):
            await reply(message, chunk)


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(about_text, service_of(context))
    await reply(update.effective_message, text)  # type: ignore[arg-type]


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
    service = service_of(context)
    if not asked:
        examples = await asyncio.to_thread(service.example_questions, 1)
        example = f" For example: <code>{esc(examples[0])}</code>" if examples else ""
        await reply(message, "Ask me a question after the mention." + example, quote=True)
        return
    if not await within_flood_limit(update, context):
        return
    async with chat_lock(context, message.chat.id):
        # a reply to one of the bot's answers continues it; another question the chat's last, if recent
        previous = await asyncio.to_thread(thread_for_message, context, message)
        async with typing(message):
            answer = await asyncio.to_thread(converse, service, previous, asked)
        log.info("update %s: %s with %d quote(s)%s", update.update_id, answer.kind.value, len(answer.quotes),
                 " (a follow-up)" if answer.follow_up else "")
        await _send_answer(context, message, answer, quote=True)


async def suggested(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A suggested follow-up was pressed: ask it in the thread of the answer it sits under, and send the
    answer (headed by the question, which shows nowhere else) as a reply to that answer."""
    press = await pressed(update, SUGGESTION_PATTERN)
    if press is None:
        return
    query, match, message = press
    if not await within_flood_limit(update, context):
        await query.answer()
        return
    answer_id, index = int(match.group(1)), int(match.group(2))
    state = state_of(context)
    try:  # the button must belong to the message it sits under: the answer that message carried
        record = await asyncio.to_thread(state.answer_for_message, message.chat.id, message.message_id)
    except StateError as exc:
        log.warning("could not read the answer under a suggestion: %s", exc)
        record = None
    if record is None or record.id != answer_id or index >= len(record.answer.suggestions):
        await query.answer(GONE_SUGGESTION)
        return
    await query.answer()
    asked = record.answer.suggestions[index]
    async with chat_lock(context, message.chat.id):
        async with typing(message):
            answer = await asyncio.to_thread(converse, service_of(context), turn_of(record), asked)
        log.info("update %s: suggestion %d of answer %s: %s", update.update_id, index + 1, answer_id,
                 answer.kind.value)
        await _send_answer(context, message, answer, quote=None, heading=asked)


async def _send_answer(context: ContextTypes.DEFAULT_TYPE, message: Message, answer: Answer, *,
                       quote: bool | None, heading: str | None = None) -> None:
    """Record the answer, send it in reply to message (the suggestions and feedback buttons under its
    last part), and record the messages that carried it (a reply to any of them continues it)."""
    answer_id = await _remember(context, message, answer)
    chunks = render_answer(answer, heading=heading)
    sent = []
    for i, chunk in enumerate(chunks):
        buttons = answer.found and answer_id is not None and i == len(chunks) - 1
        markup = feedback_keyboard(answer_id, suggestions=answer.suggestions) if buttons and answer_id else None
        sent.append(await reply(message, chunk, quote=quote, markup=markup))
    if answer_id is not None:
        await _remember_messages(context, answer_id, message.chat.id, [m.message_id for m in sent])


async def _remember(context: ContextTypes.DEFAULT_TYPE, message: Message, answer: Answer) -> int | None:
    """Record the answer in the state store: its id for the feedback buttons, None if the store
    failed (the answer still goes out, without buttons)."""
    try:
        return await asyncio.to_thread(state_of(context).record_answer, message.chat.id, message.chat.type, answer)
    except StateError as exc:
        log.warning("could not record an answer: %s", exc)
        return None


async def _remember_messages(context: ContextTypes.DEFAULT_TYPE, answer_id: int, chat_id: int,
                             message_ids: list[int]) -> None:
    try:
        await asyncio.to_thread(state_of(context).attach_messages, answer_id, chat_id, message_ids)
    except StateError as exc:
        log.warning("could not record the messages of answer %s: %s", answer_id, exc)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command the bot does not have, in a private chat: say which ones it has."""
    if not await within_flood_limit(update, context):
        return
    await reply(update.effective_message, UNKNOWN_COMMAND)  # type: ignore[arg-type]


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice note… in a private chat: one line saying what works."""
    if not await within_flood_limit(update, context):
        return
    examples = await asyncio.to_thread(service_of(context).example_questions, 1)
    example = f"<code>{esc(examples[0])}</code>" if examples else "<i>What happened in the election?</i>"
    await reply(update.effective_message, NON_TEXT_HINT.format(example=example))  # type: ignore[arg-type]


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and the error (the formatter redacts secrets); tell the user, politely.

    Polling errors (no update) go to the outage monitor: one line per outage, no traceback. A
    network error while handling an update is one line without a traceback: the monitor already
    says the API is down, and no apology could reach the user anyway."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if update is None and isinstance(error, TelegramError):
        context.bot_data["outage"].polling_error(error)
        return
    if is_transport_error(error):
        log.warning("update %s failed: %s: %s", update_id, type(error).__name__, error)
        return
    log.error("update %s failed: %s: %s", update_id, type(error).__name__, error, exc_info=error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY[:200])
            return
        message = update.effective_message
        if message is None:
            return
        await reply(message, esc(SORRY), quote=True)
    except TelegramError as exc:
        log.warning("update %s: could not send the error notice either: %s", update_id, exc)
