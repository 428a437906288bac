"""Follow-up questions and suggested follow-ups in Telegram, through the real python-telegram-bot stack
against the fake Bot API: a plain follow-up, a reply to an older answer continuing its thread, a
suggested follow-up pressed, the thread expiring, and a restart between two turns."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.state import DAY, StateStore
from bot.tgbot import build_application, serve
from bot.tgbot.testing import FakeBotAPI, SentMessage

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NORTH = "Who beat Le Pen in the north?"
NOTE = "Follow-up, understood as: Who beat Le Pen in the south?"


async def ask(fake: FakeBotAPI, text: str, **kwargs: Any) -> list[SentMessage]:
    """Send a message (or a reply) and wait until it is handled: the messages the bot sent for it."""
    chat_id = kwargs.get("chat_id", kwargs.get("user_id", 42))
    before = len(fake.messages_to(chat_id))
    update = fake.push_message(text, **kwargs)
    await fake.wait_delivered(update)
    await fake.wait_for_messages(before + 1, chat_id=chat_id)
    await asyncio.sleep(0.1)  # a long answer's later messages
    return fake.messages_to(chat_id)[before:]


def suggestions(fake: FakeBotAPI, message: SentMessage) -> list[str]:
    return [b["text"] for b in fake.buttons(message) if str(b["callback_data"]).startswith("ask:")]


def feedback(fake: FakeBotAPI, message: SentMessage) -> list[str]:
    return [b["text"] for b in fake.buttons(message) if str(b["callback_data"]).startswith("fb:")]


async def test_a_follow_up_continues_the_chat_and_says_how_it_was_understood(fake: FakeBotAPI,
                                                                            start_bot: Any) -> None:
    app = await start_bot()
    [first] = await ask(fake, NORTH)
    assert first.entity_texts("bold")[0] == "Xavier Bertrand"
    [second] = await ask(fake, "and in the south?")
    assert second.text.startswith(NOTE + "\n") and NOTE in second.entity_texts("italic")
    assert "Christian Estrosi beat Le Pen in the south." in second.text
    record = app.bot_data["state"].last_turn(42)
    assert record.question == "and in the south?", "the question as typed is what is kept"
    assert record.answer.follow_up.question == "Who beat Le Pen in the south?"
    [third] = await ask(fake, "what percentage of the votes did he win?")
    assert "understood as: What percentage of the votes did Christian Estrosi win?" in third.text
    assert third.entity_texts("bold")[0] == "51.15%"


async def test_a_reply_to_an_older_answer_continues_that_answer(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot()
    group = -1009
    mention = f"@{fake.username} "
    [north] = await ask(fake, mention + NORTH, user_id=5, chat_type="supergroup", chat_id=group)
    [leads] = await ask(fake, mention + "Who leads the National Front?", user_id=6, chat_type="supergroup",
                        chat_id=group)
    assert "Marine Le Pen" in leads.text
    [south] = await ask(fake, "and in the south?", user_id=7, chat_type="supergroup", chat_id=group,
                        reply_to=north)
    assert south.text.startswith(NOTE), "the reply continues the answer it replies to, not the chat's last"
    assert "Christian Estrosi beat Le Pen in the south." in south.text


async def test_the_thread_expires_but_a_reply_still_continues_it(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot(thread_minutes=10)
    state: StateStore = app.bot_data["state"]
    [north] = await ask(fake, NORTH)
    real_clock = state.clock
    state.clock = lambda: real_clock() + 11 * 60  # eleven minutes later
    [late] = await ask(fake, "and in the south?")
    assert "understood as" not in late.text, "after NEWSBOT_THREAD_MINUTES a question starts afresh"
    [reply] = await ask(fake, "and in the south?", reply_to=north)
    assert reply.text.startswith(NOTE), "a reply continues its answer whatever its age"


async def test_a_pressed_suggestion_is_asked_in_the_answers_thread(fake: FakeBotAPI, start_bot: Any,
                                                                   news_service: Any) -> None:
    app = await start_bot()
    [answer] = await ask(fake, NORTH)
    offered = suggestions(fake, answer)
    assert 1 <= len(offered) <= 3 and feedback(fake, answer) == ["👍", "👎", "Outdated"]
    for question in offered:  # each was asked before it was offered
        assert news_service.answer(question).short is not None
    before = len(fake.messages_to(42))
    press = fake.press(answer, offered[0])
    assert (await fake.wait_callback_answer(press)).get("text") is None, "the spinner stops, silently"
    await fake.wait_for_messages(before + 1, chat_id=42)
    asked = fake.messages_to(42)[before]
    assert asked.entity_texts("bold")[0] == offered[0], "headed by the question, which shows nowhere else"
    alone = news_service.answer(offered[0])
    assert alone.found and alone.short is not None and alone.short.text in asked.entity_texts("bold")
    state: StateStore = app.bot_data["state"]
    for _ in range(50):  # the messages are recorded right after they are sent
        record = state.answer_for_message(42, asked.message_id)
        if record is not None:
            break
        await asyncio.sleep(0.05)
    assert record is not None and record.question == offered[0]
    # a vote keeps the suggestions under the answer
    await fake.wait_callback_answer(fake.press(answer, "👍"))
    await fake.wait_until(lambda: feedback(fake, answer)[0] == "👍 1", what="the count")
    assert suggestions(fake, answer) == offered


async def test_a_suggestion_under_a_forgotten_answer_is_refused_politely(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot()
    [answer] = await ask(fake, NORTH)
    label = suggestions(fake, answer)[0]
    state: StateStore = app.bot_data["state"]
    state.clock = lambda: 10**12
    state.prune(30)
    press = fake.press(answer, label)
    assert (await fake.wait_callback_answer(press))["text"].startswith("That answer is too old")
    await asyncio.sleep(0.3)
    assert len(fake.messages_to(42)) == 1, "nothing asked"
    forged = fake.push_callback_query(answer, "ask:999:0")
    assert (await fake.wait_callback_answer(forged))["text"].startswith("That answer is too old")


async def test_a_restart_between_two_turns_keeps_the_thread(fake: FakeBotAPI, settings_for: Any,
                                                            news_service: Any) -> None:
    settings = settings_for()
    async with serve(build_application(settings, service=news_service)):
        [north] = await ask(fake, NORTH)
        label = suggestions(fake, north)[0]
    async with serve(build_application(settings, service=news_service)) as app:
        assert app.bot_data["state"].persistent
        [south] = await ask(fake, "and in the south?")
        assert south.text.startswith(NOTE), "the thread was kept across the restart"
        before = len(fake.messages_to(42))
        await fake.wait_callback_answer(fake.press(north, label))
        await fake.wait_for_messages(before + 1, chat_id=42)
        assert fake.messages_to(42)[before].entity_texts("bold")[0] == label, "old buttons still ask"


async def test_retention_also_ends_threads(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot(thread_minutes=0)  # only replies continue a thread
    state: StateStore = app.bot_data["state"]
    [north] = await ask(fake, NORTH)
    [plain] = await ask(fake, "and in the south?")
    assert "understood as" not in plain.text
    state.clock = lambda: __import__("time").time() + 31 * DAY
    state.prune(30)
    [reply] = await ask(fake, "and in the south?", reply_to=north)
    assert "understood as" not in reply.text, "an answer past retention is forgotten, with its thread"
