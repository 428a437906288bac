"""The bot as a conversation that persists: feedback buttons (callback queries), /sources N in a
chat, replies to the bot, /stats, the retention job, replies that survive a deleted original, and
a restart between two turns. Through the real PTB stack against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.state import DAY, StateStore, Tally
from bot.tgbot import build_application, serve
from bot.tgbot.testing import FakeBotAPI, SentMessage

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "Who beat Le Pen in the north?"
UNKNOWN = "What is the capital of Australia?"
GRACE = 0.4


def labels(fake: FakeBotAPI, message: SentMessage) -> list[str]:
    """The feedback buttons under a message (below any suggested follow-ups)."""
    return [b["text"] for b in fake.buttons(message) if str(b.get("callback_data", "")).startswith("fb:")]


def suggestions(fake: FakeBotAPI, message: SentMessage) -> list[str]:
    """The suggested follow-up buttons under a message."""
    return [b["text"] for b in fake.buttons(message) if str(b.get("callback_data", "")).startswith("ask:")]


async def ask(fake: FakeBotAPI, text: str, **kwargs: Any) -> SentMessage:
    """Ask and wait for the last message of the answer (the one with the buttons, if any)."""
    chat_id = kwargs.get("chat_id", kwargs.get("user_id", 42))
    before = len(fake.messages_to(chat_id))
    update = fake.push_message(text, **kwargs)
    await fake.wait_delivered(update)
    sent = await fake.wait_for_messages(before + 1, chat_id=chat_id)
    await asyncio.sleep(0.1)  # a long answer's later messages
    return fake.messages_to(chat_id)[-1] if len(fake.messages_to(chat_id)) > len(sent) else sent[-1]


# ---------------------------------------------------------------------------------------- feedback


async def test_answers_carry_feedback_buttons_and_votes_are_counted_once_per_user(
    fake: FakeBotAPI, start_bot: Any, tmp_path: Path
) -> None:
    app = await start_bot()
    answer = await ask(fake, QUESTION)
    assert labels(fake, answer) == ["👍", "👎", "Outdated"]

    first = fake.press(answer, "👍", user_id=42)
    assert (await fake.wait_callback_answer(first))["text"] == "Thanks, noted."
    await fake.wait_until(lambda: labels(fake, answer)[0] == "👍 1", what="the count on the button")

    again = fake.press(answer, "👍", user_id=42)
    assert (await fake.wait_callback_answer(again))["text"] == "Already noted, thanks."
    changed = fake.press(answer, "👍", user_id=42)  # the label is "👍 1" now: the prefix still matches
    await fake.wait_callback_answer(changed)
    switch = fake.press(answer, "Outdated", user_id=42)
    assert (await fake.wait_callback_answer(switch))["text"] == "Changed, thanks."
    await fake.wait_until(lambda: labels(fake, answer) == ["👍", "👎", "Outdated 1"], what="moved vote")
    edits = len(fake.markup_edits)
    assert edits == 2, "the markup changes only when a count does"

    state: StateStore = app.bot_data["state"]
    record = state.last_answer(42)
    assert record is not None and state.tally(record.id) == Tally(outdated=1)
    assert record.question == QUESTION and record.chat_type == "private" and len(record.article_ids) == 2


async def test_no_buttons_under_i_dont_know_and_it_is_counted_for_stats(
    fake: FakeBotAPI, start_bot: Any
) -> None:
    app = await start_bot(admins="42")
    notice = await ask(fake, UNKNOWN)
    assert "cover" in notice.text and fake.buttons(notice) == []
    await ask(fake, "WHAT IS THE CAPITAL OF AUSTRALIA")
    answer = await ask(fake, QUESTION)
    await fake.wait_callback_answer(fake.press(answer, "👎", user_id=42))

    stats = await ask(fake, "/stats")
    assert stats.entity_texts("pre"), "the summary is preformatted"
    assert "answers given: 3, of which \"I don't know\": 2" in stats.text
    assert "  0 / 1 / 0  Who beat Le Pen in the north?" in stats.text
    assert "    2×  WHAT IS THE CAPITAL OF AUSTRALIA" in stats.text, "one question, counted twice"
    assert app.bot_data["state"].summary().votes == Tally(down=1)


async def test_stats_is_for_admins_in_private_only(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot(admins="7")
    refused = await ask(fake, "/stats", user_id=42)
    assert refused.text.startswith("I don't know that command")
    in_group = fake.push_message(f"/stats@{fake.username}", user_id=7, chat_type="supergroup", chat_id=-1005)
    await fake.wait_delivered(in_group)
    await asyncio.sleep(GRACE)
    assert fake.messages_to(-1005) == [], "a group would see every chat's questions"
    allowed = await ask(fake, "/stats", user_id=7)
    assert "Feedback over the last 30 days" in allowed.text


async def test_a_forged_or_expired_button_is_refused_politely(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot()
    answer = await ask(fake, QUESTION)
    record = app.bot_data["state"].last_answer(42)
    other = await ask(fake, "Who is Xavier Bertrand?")
    forged = fake.push_callback_query(other, f"fb:{record.id}:up")  # another answer's id under this message
    assert (await fake.wait_callback_answer(forged))["text"] == "That answer is too old to rate now."
    junk = fake.push_callback_query(answer, "something else")
    await fake.wait_delivered(junk)
    await asyncio.sleep(GRACE)
    assert fake.callback_answer(junk) is None, "not our button: no handler answers it"
    app.bot_data["state"].clock = lambda: 10**12  # far in the future: everything is past retention
    app.bot_data["state"].prune(30)
    expired = fake.press(answer, "👍")
    assert (await fake.wait_callback_answer(expired))["text"] == "That answer is too old to rate now."
    assert app.bot_data["state"].summary().votes == Tally()


async def test_group_members_vote_separately_on_one_answer(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot()
    group = -1002
    answer = await ask(fake, f"@{fake.username} {QUESTION}", user_id=5, chat_type="supergroup", chat_id=group)
    for user in (5, 6, 7):
        await fake.wait_callback_answer(fake.press(answer, "👍", user_id=user))
    await fake.wait_callback_answer(fake.press(answer, "👎", user_id=8))
    await fake.wait_until(lambda: labels(fake, answer) == ["👍 3", "👎 1", "Outdated"], what="group counts")


# --------------------------------------------------------------------------- /sources and replies


async def test_sources_n_shows_the_quote_in_context_per_chat(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    await ask(fake, QUESTION, user_id=42)
    one = await ask(fake, "/sources 1", user_id=42)
    citation = news_service.answer(QUESTION).citations[0]
    [(_, quoted)] = [(p, t) for p, t in news_service.context(citation.article_id, citation.position)
                     if p == citation.position]
    assert one.text.startswith("[1] ") and quoted in one.entity_texts("bold")
    listing = await ask(fake, "/sources", user_id=42)
    assert listing.text.startswith("Sources of my last answer") and "Type /sources N (N = 1–2)" in listing.text
    elsewhere = await ask(fake, "/sources 1", user_id=43)
    assert elsewhere.text.startswith("Ask a question first"), "another chat has its own last answer"
    await ask(fake, UNKNOWN, user_id=42)
    still = await ask(fake, "/sources 1", user_id=42)
    assert still.text == one.text, "an 'I don't know' does not replace the last answer's sources"


async def test_a_reply_to_an_answer_is_remembered_as_part_of_its_thread(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot()
    group = -1003
    first = await ask(fake, f"@{fake.username} {QUESTION}", user_id=5, chat_type="supergroup", chat_id=group)
    state: StateStore = app.bot_data["state"]
    thread = state.answer_for_message(group, first.message_id)
    assert thread is not None and thread.question == QUESTION and thread.chat_type == "supergroup"
    second = await ask(fake, "Who is Xavier Bertrand?", user_id=6, chat_type="supergroup", chat_id=group,
                       reply_to=first)
    assert "Bertrand" in second.text
    follow = state.answer_for_message(group, second.message_id)
    assert follow is not None and follow.question == "Who is Xavier Bertrand?" and follow.id > thread.id


# ------------------------------------------------------------------------- deleted originals


@pytest.mark.parametrize("command", ["/start", "/help", "/sources", "/articles", "/about", "/sources 1"])
async def test_commands_in_a_group_survive_the_asking_message_being_deleted(
    fake: FakeBotAPI, start_bot: Any, command: str
) -> None:
    await start_bot()
    group = -1004
    name, _, arg = command.partition(" ")
    update = fake.push_message(f"{name}@{fake.username} {arg}".strip(), chat_type="supergroup", chat_id=group)
    fake.forget_message(group, update["message"]["message_id"])  # deleted before the bot replies
    [sent] = await fake.wait_for_messages(1, chat_id=group)
    assert sent.reply_to_message_id is None and "went wrong" not in sent.text
    statuses = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert statuses == [200]


async def test_a_question_in_a_group_survives_its_deletion_too(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot()
    update = fake.push_message(f"@{fake.username} {QUESTION}", chat_type="supergroup", chat_id=-1007)
    fake.forget_message(-1007, update["message"]["message_id"])
    [sent] = await fake.wait_for_messages(1, chat_id=-1007)
    assert "Bertrand" in sent.text and sent.reply_to_message_id is None


# -------------------------------------------------------------------------- restart and retention


async def test_a_restart_between_two_turns_keeps_the_conversation_and_the_votes(
    fake: FakeBotAPI, settings_for: Any, news_service: Any
) -> None:
    settings = settings_for()
    async with serve(build_application(settings, service=news_service)):
        answer = await ask(fake, QUESTION)
        await fake.wait_callback_answer(fake.press(answer, "👍", user_id=42))
    async with serve(build_application(settings, service=news_service)) as app:
        one = await ask(fake, "/sources 1")
        assert one.text.startswith("[1] "), "the answer before the restart is still the chat's last"
        changed = fake.press(answer, "👍", user_id=42)
        assert (await fake.wait_callback_answer(changed))["text"] == "Already noted, thanks."
        await fake.wait_callback_answer(fake.press(answer, "👎", user_id=99))
        await fake.wait_until(lambda: labels(fake, answer) == ["👍 1", "👎 1", "Outdated"], what="counts")
        assert app.bot_data["state"].persistent
    assert settings.state_file.exists()


async def test_an_unusable_state_file_falls_back_to_memory_with_one_warning(
    fake: FakeBotAPI, start_bot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "blocker").write_text("a file where a directory should be")
    app = await start_bot(state_path=tmp_path / "blocker" / "state.sqlite3")
    assert not app.bot_data["state"].persistent
    assert any("kept in memory" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    answer = await ask(fake, QUESTION)
    assert labels(fake, answer) == ["👍", "👎", "Outdated"]


async def test_the_retention_job_deletes_old_conversations(fake: FakeBotAPI, start_bot: Any) -> None:
    app = await start_bot(retention_days=2)
    state: StateStore = app.bot_data["state"]
    await ask(fake, QUESTION)
    [job] = app.job_queue.get_jobs_by_name("retention")
    state.clock = lambda: __import__("time").time() + 3 * DAY
    await job.run(app)
    assert state.last_answer(42) is None
    after = await ask(fake, "/sources")
    assert after.text.startswith("Ask a question first")
