"""Feedback: 👍 / 👎 / "Outdated" buttons under each answer (below its suggested follow-ups), the votes
they record (one per user and answer, changeable; the buttons show the counts), and /stats for the
admins."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.render import esc
from bot.state import Tally, Vote, summary_lines

from ._common import pressed, reply, settings_of, state_of, within_flood_limit
from ._flood import Verdict
from ._follow import suggestion_rows
from ._texts import GONE, UNKNOWN_COMMAND

log = logging.getLogger("newsbot.telegram")

CALLBACK_PATTERN = re.compile(r"^fb:(\d{1,18}):(up|down|outdated)$")
LABELS = {Vote.UP: "👍", Vote.DOWN: "👎", Vote.OUTDATED: "Outdated"}
THANKS = "Thanks, noted."
CHANGED = "Changed, thanks."
SAME = "Already noted, thanks."
SLOW_DOWN = "Too many presses at once; please wait a moment."
NOT_MODIFIED = "message is not modified"


def feedback_keyboard(answer_id: int, tally: Tally | None = None, *,
                      suggestions: Sequence[str] = ()) -> InlineKeyboardMarkup:
    """The buttons under an answer: its suggested follow-ups, one a row, then the three feedback
    buttons, each with its count once somebody pressed it."""
    tally = tally or Tally()
    return InlineKeyboardMarkup([*suggestion_rows(answer_id, suggestions), [
        InlineKeyboardButton(LABELS[vote] + (f" {tally.of(vote)}" if tally.of(vote) else ""),
                             callback_data=f"fb:{answer_id}:{vote.value}")
        for vote in Vote
    ]])


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A feedback button was pressed: record the vote, acknowledge it, show the new counts."""
    press = await pressed(update, CALLBACK_PATTERN)
    if press is None:
        return
    query, match, message = press
    if context.bot_data["button_flood"].check(query.from_user.id) is not Verdict.ALLOW:
        await query.answer(SLOW_DOWN)
        return
    answer_id, vote = int(match.group(1)), Vote(match.group(2))
    state = state_of(context)
    # the button must belong to the message it sits under: the answer that message carried
    record = await asyncio.to_thread(state.answer_for_message, message.chat.id, message.message_id)
    result = None
    if record is not None and record.id == answer_id:
        result = await asyncio.to_thread(state.vote, answer_id, query.from_user.id, vote)
    if record is None or result is None:
        await query.answer(GONE)
        return
    previous, tally = result
    await query.answer(THANKS if previous is None else SAME if previous is vote else CHANGED)
    log.info("update %s: feedback %s on answer %s", update.update_id, vote.value, answer_id)
    if previous is vote:
        return
    try:
        await query.edit_message_reply_markup(feedback_keyboard(answer_id, tally,
                                                                suggestions=record.answer.suggestions))
    except BadRequest as exc:  # a press at the same moment already showed these counts
        if NOT_MODIFIED not in str(exc):
            raise


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: the feedback summary, for NEWSBOT_ADMINS in a private chat; for anyone else it is
    an unknown command (a group would see other chats' questions, so never there)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    settings = settings_of(context)
    if user.id not in settings.admins or message.chat.type != ChatType.PRIVATE:
        if message.chat.type == ChatType.PRIVATE and await within_flood_limit(update, context):
            await reply(message, UNKNOWN_COMMAND)
        return
    if not await within_flood_limit(update, context):
        return
    summary = await asyncio.to_thread(state_of(context).summary, days=settings.retention_days)
    await reply(message, "<pre>" + esc("\n".join(summary_lines(summary))) + "</pre>")

