"""Abuse: strangers outside the allow-list, floods, junk commands, hostile text.

Through the real stack (PTB Application, Updater, httpx, AIORateLimiter) against the fake Bot
API, like test_tg_bot.py; the REPL part drives `bot.repl.Repl` directly.
"""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import pytest
from rich.console import Console

from bot.repl import Repl
from bot.tgbot import SORRY
from bot.tgbot.testing import FakeBotAPI

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "Who beat Le Pen in the north?"
GRACE = 0.4  # seconds to be sure an ignored update produced nothing
FLOOD_NOTICE = "faster than I can keep up"
STICKER = {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgAD", "type": "regular",
           "width": 512, "height": 512, "is_animated": False, "is_video": False}


def calls_for(fake: FakeBotAPI, chat_id: int) -> list[str]:
    """Every Bot API call the bot made about one chat (messages, chat actions, anything)."""
    return [c.method for c in fake.calls if c.params.get("chat_id") == chat_id]


def is_answer(text: str, service: Any) -> bool:
    """The text holds the quotes the real service answers QUESTION with."""
    return all(q.text in text for q in service.answer(QUESTION).quotes)


def titles_listed(text: str, service: Any) -> bool:
    """The text is the /sources listing: every article's title (the start of it: long ones are cut)."""
    return all(a.title[:40] in text for a in service.articles())


# ------------------------------------------------------------------------------- allow-list


async def test_allow_list_refuses_other_chats_without_a_word(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """Nothing at all goes to a chat outside the list: no answer, no help, no typing, no error."""
    friend, friends_group = 111, -1009
    await start_bot(allowed_chats=f"{friend}, {friends_group}")
    strangers: list[dict[str, Any]] = [
        fake.push_message(QUESTION, user_id=42),
        fake.push_message("/start", user_id=42),
        fake.push_message("/help", user_id=42),
        fake.push_message("/sources 1", user_id=42),
        fake.push_message("/articles", user_id=42),
        fake.push_message("/about", user_id=42),
        fake.push_message(None, user_id=42, sticker=STICKER),
        fake.push_message(f"@{fake.username} {QUESTION}", user_id=43, chat_type="supergroup", chat_id=-2001),
        fake.push_message(f"/start@{fake.username}", user_id=43, chat_type="supergroup", chat_id=-2001),
        # an allowed user, but in a group that is not allowed
        fake.push_message(f"@{fake.username} {QUESTION}", user_id=friend, chat_type="group", chat_id=-2002),
    ]
    # a stranger replying to a bot message it got hold of (forwarded from an allowed chat)
    welcome = fake.push_message(QUESTION, user_id=friend)
    [answer] = await fake.wait_for_messages(1, chat_id=friend)
    assert answer.reply_to_message_id == welcome["message"]["message_id"]
    strangers.append(fake.push_message("And then?", user_id=44, chat_type="supergroup", chat_id=-2001,
                                       reply_to=answer))
    group = fake.push_message(f"@{fake.username} {QUESTION}", user_id=45, chat_type="supergroup",
                              chat_id=friends_group)
    await fake.wait_for_messages(1, chat_id=friends_group)
    for update in strangers:
        await fake.wait_delivered(update)
    await asyncio.sleep(GRACE)

    for chat_id in (42, -2001, -2002):
        assert calls_for(fake, chat_id) == [], f"the bot said something to chat {chat_id}"
    assert fake.messages_to(friends_group)[0].reply_to_message_id == group["message"]["message_id"]
    assert len(fake.sent_messages) == 2


# ------------------------------------------------------------------------------------ flood


async def test_a_burst_gets_one_polite_notice_and_others_are_answered_promptly(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    limit, burst = 5, 40
    await start_bot(flood_limit=limit)
    flooder = 66
    for i in range(burst):
        fake.push_message(f"{QUESTION} ({i})", user_id=flooder)
    # somebody else asks in the middle of the burst, behind 40 queued updates
    asked = time.monotonic()
    other = fake.push_message("Who is the President of France?", user_id=77)
    [reply] = await fake.wait_for_messages(1, timeout=5, chat_id=77)
    latency = reply.at - asked
    assert reply.reply_to_message_id == other["message"]["message_id"]
    assert "Hollande" in reply.text
    assert latency < 3.0, f"the other user waited {latency:.2f} s"

    await fake.wait_for_messages(limit + 1, timeout=10, chat_id=flooder)
    await asyncio.sleep(GRACE)
    texts = [m.text for m in fake.messages_to(flooder)]
    notices = [t for t in texts if FLOOD_NOTICE in t]
    assert len(notices) == 1, f"{len(notices)} flood notices"
    assert f"at most {limit} questions a minute" in notices[0] and "Please" in notices[0]
    assert len(texts) == limit + 1, f"{len(texts)} messages for {burst} questions"
    assert SORRY not in texts
    # still flooding: silence, not a notice per message
    for i in range(10):
        fake.push_message(f"{QUESTION} (again {i})", user_id=flooder)
    more = fake.push_message("Who leads the National Front?", user_id=78)
    await fake.wait_for_messages(1, timeout=5, chat_id=78)
    await fake.wait_delivered(more)
    await asyncio.sleep(GRACE)
    assert len(fake.messages_to(flooder)) == limit + 1


async def test_a_flooding_group_member_does_not_silence_the_group(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """The guard counts users, not chats: a neighbour in the same group is still answered."""
    group = -1005
    await start_bot(flood_limit=2)
    for i in range(8):
        fake.push_message(f"@{fake.username} {QUESTION} {i}", user_id=90, chat_type="supergroup", chat_id=group)
    await fake.wait_for_messages(3, chat_id=group)
    neighbour = fake.push_message(f"@{fake.username} Who leads the National Front?", user_id=91,
                                  chat_type="supergroup", chat_id=group)
    await fake.wait_for_messages(4, chat_id=group)
    await asyncio.sleep(GRACE)
    sent = fake.messages_to(group)
    assert len(sent) == 4
    assert sum(FLOOD_NOTICE in m.text for m in sent) == 1
    assert sent[-1].reply_to_message_id == neighbour["message"]["message_id"]
    assert FLOOD_NOTICE not in sent[-1].text


# ---------------------------------------------------------------------------- junk input


JUNK_SOURCES = [
    "/sources 99",
    "/sources x",
    "/sources -1 0",
    "/sources <b>bold</b> & <script>alert(1)</script>",
    "/sources " + "9" * 4000,
    "/sources\u202e\u200b\ufeff",
]


async def test_sources_with_junk_arguments_gets_one_line_saying_which_numbers_work(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """/sources N after an answer: junk for N gets one short, valid line naming the numbers that work
    (before any answer: how /sources works); never SORRY, never the junk echoed whole."""
    await start_bot()
    numbers = [s.n for s in news_service.answer(QUESTION).sources]
    span = f"{numbers[0]}–{numbers[-1]}"
    for i, command in enumerate(JUNK_SOURCES):
        fake.push_message(command, user_id=300 + i)
        fake.push_message(QUESTION, user_id=300 + i)
        fake.push_message(command, user_id=300 + i)
    await fake.wait_for_messages(3 * len(JUNK_SOURCES))
    await asyncio.sleep(0.2)
    for i, command in enumerate(JUNK_SOURCES):
        before, answer, after = fake.messages_to(300 + i)
        assert before.text.startswith("Ask a question first"), command[:40]
        assert is_answer(answer.text, news_service)
        assert after.text != SORRY and len(after.text) < 300, (command[:40], after.text[:300])
        if command == "/sources\u202e\u200b\ufeff":  # no argument after all: the sources
            assert after.text.startswith("Sources of my last answer"), after.text
        else:
            assert after.text.startswith(("There is no source", "/sources takes a source number")), after.text
            assert span in after.text


async def test_sources_addressed_to_the_bot_in_a_group_with_junk_arguments(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    group = -1006
    fake.push_message(f"/articles@{fake.username} 1; DROP TABLE articles", chat_type="supergroup", chat_id=group)
    [listing] = await fake.wait_for_messages(1, chat_id=group)
    assert titles_listed(listing.text, news_service)
    fake.push_message(f"/sources@{fake.username} 1; DROP TABLE articles", chat_type="supergroup", chat_id=group)
    notice = (await fake.wait_for_messages(2, chat_id=group))[1]
    assert notice.text.startswith("Ask a question first")
    # a command for another bot is not ours
    other = fake.push_message("/sources@some_other_bot 2", chat_type="supergroup", chat_id=group)
    await fake.wait_delivered(other)
    await asyncio.sleep(GRACE)
    assert len(fake.messages_to(group)) == 2


HOSTILE = [
    "<b>Who</b> beat <i>Le Pen</i>? &amp; </blockquote> <a href='javascript:alert(1)'>x</a>",
    "Le Pen " * 580,  # 4060 characters: one question as long as Telegram allows
    "\u202eWho beat Le Pen?\u202c \u200b\u200d\ufeff",
    "🇫🇷🗳️🔥" * 20,
    "?" * 300,
]


async def test_hostile_text_gets_one_well_formed_reply_each(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """Markup, a 4 kB message, bidi overrides, emoji only, punctuation only: every reply is valid
    Telegram HTML (the fake rejects anything else, which would show up as SORRY)."""
    await start_bot()
    updates = [fake.push_message(text, user_id=200 + i) for i, text in enumerate(HOSTILE)]
    await fake.wait_for_messages(len(HOSTILE), timeout=10)
    await asyncio.sleep(GRACE)
    assert sorted(m.reply_to_message_id or 0 for m in fake.sent_messages) == sorted(
        u["message"]["message_id"] for u in updates)
    assert all(m.text != SORRY for m in fake.sent_messages)
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [200] * len(HOSTILE)


# ----------------------------------------------------------------------------------- REPL


def repl_for(service: Any) -> Repl:
    return Repl(service, Console(file=io.StringIO(), width=100))


@pytest.mark.parametrize("arg", ["0", "-1", "99", "x", "1 2", "1.5", "9" * 5000, "<b>"])
def test_repl_sources_with_a_bad_number_says_which_numbers_work(arg: str, news_service: Any) -> None:
    repl = repl_for(news_service)
    before = repl.handle(f"/sources {arg}")
    assert isinstance(before, str) and before.startswith("Ask a question first"), before

    answer = news_service.answer(QUESTION)
    assert answer.found and answer.sources
    repl.handle(QUESTION)
    reply = repl.handle(f"/sources {arg}")
    assert isinstance(reply, str)
    numbers = [s.n for s in answer.sources]
    span = f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
    assert span in reply, reply
    assert len(reply) < 200, "one helpful line, not the junk echoed back whole"
    assert reply.startswith(("There is no source", "/sources takes a source number")), reply


def test_repl_sources_bad_number_after_an_abstention_still_refers_to_the_last_answer(news_service: Any) -> None:
    repl = repl_for(news_service)
    repl.handle(QUESTION)
    repl.handle("What is the capital of Australia?")
    assert repl.handle("/sources 99").startswith("There is no source 99")  # type: ignore[union-attr]
    good = repl.handle("/sources 1")
    assert isinstance(good, str) and "> " in good, "source 1 of the last real answer, with its sentence marked"


async def test_a_burst_of_commands_is_flood_guarded_too(fake: FakeBotAPI, start_bot: Any) -> None:
    limit = 3
    await start_bot(flood_limit=limit)
    updates = [fake.push_message(command, user_id=67) for command in ["/sources", "/start", "/help", "/about"] * 5]
    updates += [fake.push_message(None, user_id=67, sticker=STICKER) for _ in range(5)]
    for update in updates:
        await fake.wait_delivered(update)
    await fake.wait_for_messages(limit + 1, chat_id=67)
    await asyncio.sleep(GRACE)
    assert len(fake.messages_to(67)) <= limit + 1, f"{len(fake.messages_to(67))} replies to {len(updates)} messages"
