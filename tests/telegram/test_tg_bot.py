"""End-to-end: the real PTB Application, Updater and httpx client against the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from typing import Any

import pytest

from bot.answer import Answer, AnswerKind, Highlight, Quote, Source
from bot.errors import SettingsError
from bot.tgbot import COMMANDS, SORRY, build_application, serve
from bot.tgbot.testing import FakeBotAPI
from tests.telegram.conftest import CORPUS

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "Who beat Le Pen in the north?"
GRACE = 0.4  # seconds to be sure an ignored update produced nothing


def is_answer_to_question(text: str, service: Any) -> bool:
    """The text holds the quotes the real service answers QUESTION with."""
    answer = service.answer(QUESTION)
    return answer.kind is AnswerKind.ANSWER and all(q.text in text for q in answer.quotes)


async def assert_silent(fake: FakeBotAPI, update: dict[str, Any], chat_id: int) -> None:
    """The bot fetched the update and, after a grace period, sent nothing to that chat."""
    await fake.wait_delivered(update)
    await asyncio.sleep(GRACE)
    assert fake.messages_to(chat_id) == []
    assert [a for a in fake.chat_actions if a["chat_id"] == chat_id] == []


# ------------------------------------------------------------------------------ stand-in services


class Wrapped:
    """Delegates to the real service, so only the part a test changes is fake."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        return self.real.answer(question, prefer=prefer)

    def suggestions(self, answer: Answer, avoid: Any = ()) -> list[str]:
        return self.real.suggestions(answer, avoid)

    def articles(self) -> list[Any]:
        return self.real.articles()

    def example_questions(self, n: int = 3) -> list[str]:
        return self.real.example_questions(n)

    def describe(self) -> str:
        return self.real.describe()


class Exploding(Wrapped):
    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        raise RuntimeError("the index exploded")


class Slow(Wrapped):
    """Blocks its worker thread for "slow" questions, as a heavy query would."""

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        if "slow" in question:
            time.sleep(1.0)
        return super().answer(question, prefer=prefer)


def corpus_sentences() -> list[tuple[str, str]]:
    """(article title, sentence) for every sentence of the seed corpus."""
    found = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        title, body = lines[0], " ".join(lines[1:])
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", body):
            if len(sentence) > 40:
                found.append((title, sentence))
    return found


class Long(Wrapped):
    """Answers with every sentence of the corpus: real text, far over 4096 characters."""

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        titles: dict[str, int] = {}
        quotes = []
        for title, sentence in corpus_sentences():
            n = titles.setdefault(title, len(titles) + 1)
            word = sentence.split()[0]
            quotes.append(Quote(text=sentence, citations=[n], highlights=[Highlight(start=0, end=len(word))]))
        sources = [
            Source(n=n, article_id=f"a{n}", title=title, outlet="Outlet & Co <test>",
                   url=f"https://news.example/{n}?a=1&b=<2>", published="2015-12-13")
            for title, n in titles.items()
        ]
        return Answer(question=question, kind=AnswerKind.ANSWER, quotes=quotes, sources=sources)


# ------------------------------------------------------------------------------------- private


async def test_private_question_answered_with_citations(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    update = fake.push_message(QUESTION, user_id=42)
    [reply] = await fake.wait_for_messages(1)

    assert reply.chat_id == 42
    assert reply.reply_to_message_id == update["message"]["message_id"]
    assert reply.parse_mode == "HTML"
    assert is_answer_to_question(reply.text, news_service), "the service's quotes, all of them"
    assert re.search(r"\[\d\]", reply.text), "quotes carry [n] markers"
    assert "Sources" in reply.text and "[1] " in reply.text
    assert reply.entity_texts("bold"), "highlights and the Sources heading are bold"
    # "typing" went out before the answer
    methods = [c.method for c in fake.calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert fake.chat_actions[0] == {"chat_id": 42, "action": "typing"}


async def test_commands_registered_and_answered(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    assert [c["command"] for c in fake.commands["default::"]] == [name for name, _ in COMMANDS]

    fake.push_message("/start")
    [start] = await fake.wait_for_messages(1)
    assert news_service.describe().split(",")[0] in start.text
    assert len(start.entity_texts("code")) == 3, "three example questions"
    assert start.entity_texts("code") == news_service.example_questions(3)

    fake.push_message("/articles")
    listing = (await fake.wait_for_messages(2))[1]
    for article in news_service.articles():
        assert article.title in listing.text

    fake.push_message("/help")
    fake.push_message("/about")
    texts = [m.text for m in await fake.wait_for_messages(4)]
    assert any("In groups" in t for t in texts)
    assert any("BM25" in t for t in texts)


async def test_non_text_message_gets_a_hint_in_private_only(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot()
    sticker = {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgAD", "type": "regular",
               "width": 512, "height": 512, "is_animated": False, "is_video": False}
    fake.push_message(None, user_id=42, sticker=sticker)
    [hint] = await fake.wait_for_messages(1)
    assert hint.text.startswith("I can only read text messages.")
    assert "\n" not in hint.text

    in_group = fake.push_message(None, user_id=43, chat_type="supergroup", sticker=sticker)
    await assert_silent(fake, in_group, in_group["message"]["chat"]["id"])


# -------------------------------------------------------------------------------------- groups


async def test_group_message_without_mention_is_ignored(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot()
    update = fake.push_message(QUESTION, user_id=7, chat_type="supergroup")
    await assert_silent(fake, update, update["message"]["chat"]["id"])


async def test_group_answers_mention_and_replies_to_the_bot(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    group = -1001234
    mention = fake.push_message(f"@{fake.username} {QUESTION}", user_id=7, chat_type="supergroup", chat_id=group)
    [answer] = await fake.wait_for_messages(1, chat_id=group)
    assert answer.reply_to_message_id == mention["message"]["message_id"]
    assert is_answer_to_question(answer.text, news_service)

    # a reply to the bot's answer is a question too, without a mention
    follow_up = fake.push_message("What did Le Pen say?", user_id=8, chat_type="supergroup",
                                  chat_id=group, reply_to=answer)
    second = (await fake.wait_for_messages(2, chat_id=group))[1]
    assert second.reply_to_message_id == follow_up["message"]["message_id"]

    # a reply to somebody else is not
    other = fake.message("hello", user_id=9, chat_type="supergroup", chat_id=group)
    chatter = fake.push_message("What did Le Pen say?", user_id=8, chat_type="supergroup",
                                chat_id=group, reply_to=other)
    await fake.wait_delivered(chatter)
    await asyncio.sleep(GRACE)
    assert len(fake.messages_to(group)) == 2

    # a mention of another bot is not either
    elsewhere = fake.push_message(f"@{fake.username}2 {QUESTION}", chat_type="supergroup", chat_id=group)
    await fake.wait_delivered(elsewhere)
    await asyncio.sleep(GRACE)
    assert len(fake.messages_to(group)) == 2


# ------------------------------------------------------------------------- splitting, concurrency


async def test_long_answer_is_split_at_quote_boundaries(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot(service=Long(news_service))
    update = fake.push_message("Tell me everything")
    expected = Long(news_service).answer("x")
    first = await fake.wait_for_messages(1)
    await asyncio.sleep(0.5)  # the rest follow in order
    sent = fake.sent_messages
    assert len(sent) >= 3 and first[0] is sent[0]
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert all(m.reply_to_message_id == update["message"]["message_id"] for m in sent)
    for m in sent:  # every message starts with a quote or the sources list
        assert m.text.startswith(("“", "Sources")), m.text[:40]
    whole = "\n\n".join(m.text for m in sent)
    positions = [whole.index(q.text) for q in expected.quotes]
    assert positions == sorted(positions), "quotes stay in order"
    assert whole.rstrip().endswith("2015-12-13")
    assert sent[-1].links[-1] == "https://news.example/4?a=1&b=<2>"
    assert "Outlet & Co <test>" in sent[-1].text


async def test_slow_question_does_not_hold_others(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot(service=Slow(news_service))
    slow = fake.push_message("a slow question about Le Pen", user_id=1)
    fast = fake.push_message(QUESTION, user_id=2)
    first = (await fake.wait_for_messages(1))[0]
    assert first.reply_to_message_id == fast["message"]["message_id"]
    both = await fake.wait_for_messages(2, timeout=5)
    assert both[1].reply_to_message_id == slow["message"]["message_id"]


async def test_one_chat_is_answered_in_the_order_it_asked(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """A slow first question in a chat is still answered before that chat's quick second one."""
    await start_bot(service=Slow(news_service))
    slow = fake.push_message("a slow question about Le Pen", user_id=7)
    fast = fake.push_message(QUESTION, user_id=7)
    both = await fake.wait_for_messages(2, timeout=5, chat_id=7)
    assert [m.reply_to_message_id for m in both] == [slow["message"]["message_id"], fast["message"]["message_id"]]


# ---------------------------------------------------------------------------- failures and limits


async def test_429_is_retried_and_the_answer_delivered_once(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    fake.inject_429(count=2, retry_after=1)
    started = time.monotonic()
    fake.push_message(QUESTION)
    [reply] = await fake.wait_for_messages(1, timeout=10)
    waited = time.monotonic() - started
    await asyncio.sleep(GRACE)
    assert fake.served_429 == 2
    assert len(fake.sent_messages) == 1, "delivered exactly once"
    assert is_answer_to_question(reply.text, news_service)
    assert waited >= 2.0, "the bot waited retry_after before each retry"
    statuses = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert statuses == [429, 429, 200]


async def test_error_while_answering_is_reported_politely(
    fake: FakeBotAPI, start_bot: Any, news_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="newsbot.telegram")
    await start_bot(service=Exploding(news_service))
    update = fake.push_message(QUESTION)
    [reply] = await fake.wait_for_messages(1)
    assert reply.text == SORRY
    assert reply.reply_to_message_id == update["message"]["message_id"]
    [record] = [r for r in caplog.records if r.name == "newsbot.telegram"]
    assert str(update["update_id"]) in record.getMessage()
    assert "the index exploded" in record.getMessage()
    assert fake.token not in caplog.text


async def test_flood_guard_answers_politely_once(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot(flood_limit=2)
    for _ in range(4):
        fake.push_message(QUESTION, user_id=5)
    await fake.wait_for_messages(3)
    await asyncio.sleep(GRACE)
    texts = [m.text for m in fake.sent_messages]
    assert len(texts) == 3
    assert sum("faster than I can keep up" in t for t in texts) == 1
    assert sum(is_answer_to_question(t, news_service) for t in texts) == 2
    # somebody else is not affected
    fake.push_message(QUESTION, user_id=6)
    assert is_answer_to_question((await fake.wait_for_messages(4))[3].text, news_service)


async def test_allow_list_other_chats_get_no_answer(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot(allowed_chats="111, -1009")
    stranger = fake.push_message(QUESTION, user_id=42)
    stranger_start = fake.push_message("/start", user_id=42)
    await assert_silent(fake, stranger, 42)
    await fake.wait_delivered(stranger_start)
    friend = fake.push_message(QUESTION, user_id=111)
    [reply] = await fake.wait_for_messages(1)
    assert reply.chat_id == 111 and reply.reply_to_message_id == friend["message"]["message_id"]
    group = fake.push_message(f"@{fake.username} {QUESTION}", chat_type="supergroup", chat_id=-1009)
    await fake.wait_for_messages(2)
    assert fake.sent_messages[1].reply_to_message_id == group["message"]["message_id"]
    assert fake.messages_to(42) == []


# --------------------------------------------------------------------------- polling and shutdown


async def test_stopping_confirms_the_polling_offset(
    fake: FakeBotAPI, settings_for: Any, news_service: Any
) -> None:
    app = build_application(settings_for(), service=news_service)
    async with serve(app):
        update = fake.push_message(QUESTION)
        await fake.wait_for_messages(1)
    assert fake.confirmed_offset == update["update_id"] + 1
    assert "service" not in app.bot_data, "post_shutdown released the service"


async def test_service_loaded_in_post_init_from_settings(
    fake: FakeBotAPI, settings_for: Any, news_service: Any
) -> None:
    app = build_application(settings_for())
    assert "service" not in app.bot_data
    async with serve(app):
        assert app.bot_data["service"].describe().startswith("4 news articles")
        fake.push_message(QUESTION)
        assert is_answer_to_question((await fake.wait_for_messages(1))[0].text, news_service)


async def test_wrong_token_fails_at_start(
    fake: FakeBotAPI, settings_for: Any, news_service: Any
) -> None:
    from telegram.error import InvalidToken

    app = build_application(settings_for(telegram_token="7000001:wrong"), service=news_service)
    with pytest.raises(InvalidToken):
        async with serve(app):
            pass
    assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401)]


def test_build_needs_a_token(settings_for: Any) -> None:
    with pytest.raises(SettingsError, match="NEWSBOT_TELEGRAM_TOKEN"):
        build_application(settings_for(telegram_token=None))


async def test_handlers_do_not_block_the_event_loop(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    """Retrieval runs in worker threads, never on the loop's thread."""
    loop_thread = threading.get_ident()
    seen: list[int] = []

    class Recording(Wrapped):
        def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
            seen.append(threading.get_ident())
            return super().answer(question, prefer=prefer)

    await start_bot(service=Recording(news_service))
    fake.push_message(QUESTION)
    await fake.wait_for_messages(1)
    assert seen and loop_thread not in seen
