"""Inline mode (``@bot question`` in any chat) through the real PTB stack against the fake Bot API,
and the results it builds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.answer import Answer, AnswerKind, Quote, ShortAnswer, Source
from bot.render import render_answer
from bot.tgbot import inline_results
from bot.tgbot.testing import FakeBotAPI, parse_html

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "Who beat Le Pen in the north?"


async def test_an_inline_query_offers_the_answer_and_its_quotes(
    fake: FakeBotAPI, start_bot: Any, news_service: Any
) -> None:
    await start_bot()
    update = fake.push_inline_query(QUESTION, chat_type="supergroup")
    answered = await fake.wait_inline_answer(update)
    expected = news_service.answer(QUESTION)
    results = answered["results"]
    assert 1 < len(results) <= 3
    assert answered["cache_time"] > 0 and not answered.get("is_personal")
    whole = results[0]
    assert whole["input_message_content"]["message_text"] == render_answer(expected)[0]
    assert whole["input_message_content"]["parse_mode"] == "HTML"
    assert expected.short is not None
    assert whole["title"] == expected.short.lead, "the short answer in its lead sentence"
    assert len(whole["title"]) <= 100
    text, _ = parse_html(whole["input_message_content"]["message_text"])
    assert "Sources" in text and all(q.text in text for q in expected.quotes)
    for result, quote in zip(results[1:], expected.quotes, strict=False):
        alone, _ = parse_html(result["input_message_content"]["message_text"])
        assert quote.text in alone and "Sources" in alone
        others = [q for q in expected.quotes if q is not quote]
        assert not any(q.text in alone for q in others), "one quote per result"
    assert len({r["id"] for r in results}) == len(results)
    assert fake.sent_messages == [], "inline answers are offered, not sent by the bot"


@pytest.mark.parametrize("query", ["What is the capital of Australia?", "what is it?", "   "])
async def test_an_unanswerable_or_empty_query_offers_nothing(
    fake: FakeBotAPI, start_bot: Any, query: str
) -> None:
    await start_bot()
    update = fake.push_inline_query(query)
    answered = await fake.wait_inline_answer(update)
    assert answered["results"] == []
    if not query.strip():
        assert answered["button"] == {"text": "How to ask me", "start_parameter": "inline"}


async def test_inline_queries_from_outside_the_allow_list_get_nothing(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot(allowed_chats="111")
    stranger = fake.push_inline_query(QUESTION, user_id=42)
    friend = fake.push_inline_query(QUESTION, user_id=111)
    assert (await fake.wait_inline_answer(friend))["results"]
    await fake.wait_delivered(stranger)
    await asyncio.sleep(0.3)
    assert fake.inline_answer(stranger) is None


async def test_a_user_typing_fast_is_limited_without_starving_others(fake: FakeBotAPI, start_bot: Any) -> None:
    await start_bot(flood_limit=1)  # 6 inline queries a minute for one user
    queries = [fake.push_inline_query(QUESTION[: 10 + i], user_id=5) for i in range(8)]
    answers = [await fake.wait_inline_answer(q) for q in queries]
    limited = [a for a in answers if a["cache_time"] == 0 and a["results"] == []]
    assert len(limited) == 2, "the 7th and 8th query in a minute get nothing (and nothing cached)"
    other = fake.push_inline_query(QUESTION, user_id=6)
    assert (await fake.wait_inline_answer(other))["results"]


async def test_a_slow_answer_offers_nothing_rather_than_a_late_one(
    fake: FakeBotAPI, start_bot: Any, news_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.tgbot._inline.ANSWER_BUDGET", 0.2)

    class Slow:
        def __getattr__(self, name: str) -> Any:
            return getattr(news_service, name)

        def answer(self, question: str) -> Answer:
            import time
            time.sleep(1.0)
            return news_service.answer(question)

    await start_bot(service=Slow())
    update = fake.push_inline_query(QUESTION)
    answered = await fake.wait_inline_answer(update, timeout=5)
    assert answered["results"] == [] and answered["cache_time"] == 0


def answer_with(quotes: list[str], short: str | None = None) -> Answer:
    sources = [Source(n=i, article_id=f"a{i}", title=f"Story {i}") for i in range(1, len(quotes) + 1)]
    return Answer(question="q", kind=AnswerKind.ANSWER, sources=sources,
                  short=ShortAnswer(text=short, citation=1) if short else None,
                  quotes=[Quote(text=q, citations=[i]) for i, q in enumerate(quotes, 1)])


def test_results_title_is_the_short_answer_when_the_answer_has_one() -> None:
    plain = inline_results(answer_with(["Xavier Bertrand won the north. " * 10, "Estrosi won the south."]))
    assert plain[0].title.startswith("Xavier Bertrand won the north.") and plain[0].title.endswith("…")
    assert [r.id for r in plain] == ["answer", "quote-1", "quote-2"]
    short = inline_results(answer_with(["Xavier Bertrand won the north."], short="Xavier Bertrand"))
    assert [r.title for r in short] == ["Xavier Bertrand"], "one quote: the whole answer is the only result"
    many = inline_results(answer_with([f"Quote number {i}." for i in range(5)]))
    assert len(many) == 3
    assert inline_results(Answer(question="q", kind=AnswerKind.NO_ANSWER, notice="not covered")) == []


def test_an_answer_too_long_for_one_message_offers_its_quotes_alone() -> None:
    long_quotes = [f"Long sentence number {i} about the election. " * 40 for i in range(3)]
    results = inline_results(answer_with(long_quotes))
    assert [r.id for r in results] == ["quote-1", "quote-2", "quote-3"]
    for result in results:
        assert len(result.input_message_content.message_text) <= 4096  # type: ignore[union-attr]
