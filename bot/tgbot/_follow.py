"""Conversations in Telegram: which earlier answer a message continues, and the suggested follow-up
buttons under an answer (a press asks that question in the answer's thread).

A reply to one of the bot's answers continues that answer, however old (while the state store keeps
it); any other question continues the chat's last answer if it is at most NEWSBOT_THREAD_MINUTES old.
The turns live in the state store (`bot.state`), so a conversation survives a restart; the reading of
follow-ups is `bot.conversation`'s."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, Message
from telegram.ext import ContextTypes

from bot.conversation import Turn
from bot.errors import StateError
from bot.settings import Settings
from bot.state import AnswerRecord, StateStore

from ._common import settings_of, state_of

log = logging.getLogger("newsbot.telegram")

SUGGESTION_PATTERN = re.compile(r"^ask:(\d{1,18}):([0-2])$")
BUTTON_CHARS = 60  # longer questions are clipped on the button (the answer shows them whole)


def suggestion_rows(answer_id: int, suggestions: Sequence[str]) -> list[list[InlineKeyboardButton]]:
    """One button per suggested question, above the feedback buttons."""
    return [[InlineKeyboardButton(_clip(question), callback_data=f"ask:{answer_id}:{i}")]
            for i, question in enumerate(suggestions[:3])]


def _clip(text: str) -> str:
    return text if len(text) <= BUTTON_CHARS else text[: BUTTON_CHARS - 1].rstrip() + "…"


def previous_turn(state: StateStore, settings: Settings, message: Message, bot_id: int) -> Turn | None:
    """The turn a question continues: the answer it replies to, else the chat's last one while recent."""
    replied = message.reply_to_message
    try:
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
            record = state.answer_for_message(message.chat.id, replied.message_id)
            if record is not None:
                return turn_of(record)
        record = state.last_turn(message.chat.id, max_age=settings.thread_seconds)
    except StateError as exc:
        log.warning("could not read the conversation: %s", exc)
        return None
    return turn_of(record) if record is not None else None


def turn_of(record: AnswerRecord) -> Turn | None:
    return Turn.of(record.answer, record.created)


def thread_for_message(context: ContextTypes.DEFAULT_TYPE, message: Message) -> Turn | None:
    """`previous_turn` with the bot's own state, settings and id (run it in a worker thread)."""
    return previous_turn(state_of(context), settings_of(context), message, context.bot.id)
