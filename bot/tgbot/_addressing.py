"""Whether a Telegram message is meant for the bot, and the question it asks.

In a private chat every text is a question; in a group only a mention (``@bot``) or a reply to one
of the bot's messages is, so the bot never talks over a conversation it was not asked into."""

from __future__ import annotations

import re

from telegram.constants import ChatType


def addressed_question(
    text: str,
    *,
    chat_type: str,
    bot_username: str | None,
    bot_id: int | None,
    reply_to_user_id: int | None = None,
) -> str | None:
    """The question a message asks the bot, or None when it is not meant for the bot.

    Private chats: the whole text. Groups: only when the text mentions ``@bot_username`` (the
    mention is removed) or the message replies to one of the bot's messages. Channels: never.
    An empty string means "addressed, but no question" (e.g. a bare mention).
    """
    text = text.strip()
    if chat_type == ChatType.PRIVATE:
        return text
    if chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    if bot_username:
        mention = re.compile(rf"(?<![\w@])@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
        if mention.search(text):
            return _tidy(mention.sub("\x00", text))
    if bot_id is not None and reply_to_user_id == bot_id:
        return text
    return None


def _tidy(text: str) -> str:
    """Text with the mentions (NUL) removed along with the commas/colons around them."""
    text = re.sub(r"[\s,;:]*\x00[\s,;:]*", " ", text)
    text = re.sub(r"\s+([?!.])", r"\1", " ".join(text.split()))
    return text.strip(" ,:;-–—")
