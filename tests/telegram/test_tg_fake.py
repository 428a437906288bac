"""The fake Bot API itself: it must refuse what Telegram refuses, in Telegram's shapes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter

from bot.tgbot.testing import EntityParseError, FakeBotAPI, parse_html

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def call(fake: FakeBotAPI, method: str, token: str | None = None, **params: Any) -> tuple[int, dict[str, Any]]:
    url = f"{fake.base_url}{token or fake.token}/{method}"
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient() as client:
        response = await client.post(url, data=data, timeout=10)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a <div>b</div>", 'Unsupported start tag "div" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", "Unclosed start tag at byte offset 2"),
        ("1 < 2 > 0", 'Unsupported start tag "" at byte offset 2'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("Q&A", "Unsupported HTML entity at byte offset 1"),
        ("&nbsp;", "Unsupported HTML entity at byte offset 0"),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("<a>x</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_parse_html_refuses_what_telegram_refuses(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)
    assert str(caught.value) == error


def test_parse_html_accepts_telegrams_tags_and_entities() -> None:
    html = ('<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>'
            '<del>d</del><a href="https://x.org/?a=1&amp;b=2">l</a><code>c</code><pre>p</pre>'
            '<tg-spoiler>t</tg-spoiler><span class="tg-spoiler">S</span><blockquote>q</blockquote>'
            '<blockquote expandable>Q</blockquote> 1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;&#39;&#x27; 😀 > ok')
    text, entities = parse_html(html)
    assert text == "bsieunskdlcptSqQ 1 < 2 && 3 > 2 \"'' 😀 > ok"
    assert [e["type"] for e in entities][:4] == ["bold", "bold", "italic", "italic"]
    assert {"type": "text_link", "offset": 9, "length": 1, "url": "https://x.org/?a=1&b=2"} in entities
    assert entities[-1]["type"] == "expandable_blockquote"


async def test_send_message_errors_have_telegrams_shape(fake: FakeBotAPI) -> None:
    fake.push_message("hi", user_id=42)
    status, body = await call(fake, "sendMessage", chat_id=42, text="<b>x", parse_mode="HTML")
    assert (status, body) == (400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    })
    status, body = await call(fake, "sendMessage", chat_id=42, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await call(fake, "sendMessage", chat_id=42, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200, "the limit counts text after entity parsing"
    status, body = await call(fake, "sendMessage", chat_id=42, text="😀" * 2049)
    assert status == 400, "UTF-16 code units"
    status, body = await call(fake, "sendMessage", chat_id=43, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    status, body = await call(fake, "sendMessage", chat_id=42, text="hi", reply_parameters={"message_id": 999})
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    status, body = await call(fake, "sendMessage", chat_id=42, text="  ")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(fake, "getMe", token="7000001:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(fake, "noSuchMethod")
    assert (status, body["description"]) == (404, "Not Found")


async def test_injected_429_and_ptb_sees_retry_after(fake: FakeBotAPI) -> None:
    fake.push_message("hi", user_id=42)
    fake.inject_429(count=1, retry_after=3)
    status, body = await call(fake, "sendMessage", chat_id=42, text="hi")
    assert (status, body) == (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                                    "parameters": {"retry_after": 3}})
    fake.inject_429(count=1, retry_after=2)
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "hi")
        assert caught.value._retry_after.total_seconds() == 2
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(42, "<p>", parse_mode="HTML")
        sent = await bot.send_message(42, "<i>fine</i>", parse_mode="HTML")
        assert sent.text == "fine" and sent.entities[0].type == "italic"
    with pytest.raises(InvalidToken):
        async with Bot("7000001:wrong", base_url=fake.base_url):
            pass
    assert fake.served_429 == 2


async def test_get_updates_offsets_long_polling_and_conflicts(fake: FakeBotAPI) -> None:
    first = fake.push_message("one")
    second = fake.push_message("two")
    status, body = await call(fake, "getUpdates", offset=0, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], second["update_id"]]
    status, body = await call(fake, "getUpdates", offset=second["update_id"], timeout=0)
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]], "unconfirmed updates come again"
    assert fake.confirmed_offset == second["update_id"]

    # a long poll returns as soon as an update arrives
    poll = asyncio.create_task(call(fake, "getUpdates", offset=second["update_id"] + 1, timeout=5))
    await asyncio.sleep(0.2)
    third = fake.push_message("three")
    status, body = await asyncio.wait_for(poll, 2)
    assert [u["update_id"] for u in body["result"]] == [third["update_id"]]

    # a second poller ends the first with 409
    older = asyncio.create_task(call(fake, "getUpdates", offset=third["update_id"] + 1, timeout=5))
    await asyncio.sleep(0.2)
    newer = asyncio.create_task(call(fake, "getUpdates", offset=third["update_id"] + 1, timeout=0))
    status, body = await asyncio.wait_for(older, 2)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates request")
    await newer

    # no polling while a webhook is set
    await call(fake, "setWebhook", url="https://x.example/hook", secret_token="abc")
    status, body = await call(fake, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(Conflict):
            await bot.get_updates()
    status, body = await call(fake, "setWebhook", url="http://x.example/hook")
    assert (status, body["description"]) == (400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")


KEYBOARD = {"inline_keyboard": [[{"text": "👍", "callback_data": "fb:1:up"}, {"text": "👎", "callback_data": "fb:1:down"}]]}


async def test_inline_keyboards_callback_queries_and_markup_edits(fake: FakeBotAPI) -> None:
    fake.push_message("hi", user_id=42)
    status, body = await call(fake, "sendMessage", chat_id=42, text="x",
                              reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]})
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await call(fake, "sendMessage", chat_id=42, text="answer", reply_markup=KEYBOARD)
    assert status == 200 and body["result"]["reply_markup"] == KEYBOARD
    [sent] = fake.sent_messages
    assert [b["text"] for b in fake.buttons(sent)] == ["👍", "👎"]

    update = fake.press(sent, "👎", user_id=7)
    query = update["callback_query"]
    assert query["data"] == "fb:1:down" and query["from"]["id"] == 7
    assert query["message"]["message_id"] == sent.message_id and query["message"]["reply_markup"] == KEYBOARD
    status, body = await call(fake, "answerCallbackQuery", callback_query_id=query["id"], text="t" * 201)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")
    status, _ = await call(fake, "answerCallbackQuery", callback_query_id=query["id"], text="Thanks")
    assert status == 200 and fake.callback_answer(update) == {"callback_query_id": query["id"], "text": "Thanks"}
    status, body = await call(fake, "answerCallbackQuery", callback_query_id=query["id"])
    assert (status, body["description"]) == (400, "Bad Request: query is too old and response timeout expired "
                                                   "or query id is invalid"), "a query is answered once"

    status, body = await call(fake, "editMessageReplyMarkup", chat_id=42, message_id=sent.message_id,
                              reply_markup=KEYBOARD)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    changed = {"inline_keyboard": [[{"text": "👍", "callback_data": "fb:1:up"}, {"text": "👎 1", "callback_data": "fb:1:down"}]]}
    status, body = await call(fake, "editMessageReplyMarkup", chat_id=42, message_id=sent.message_id,
                              reply_markup=changed)
    assert status == 200 and [b["text"] for b in fake.buttons(sent)] == ["👍", "👎 1"]
    status, body = await call(fake, "editMessageReplyMarkup", chat_id=42, message_id=999, reply_markup=changed)
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    with pytest.raises(AssertionError, match="0 buttons"):
        fake.press(sent, "Outdated")


async def test_inline_queries_and_their_answers(fake: FakeBotAPI) -> None:
    update = fake.push_inline_query("who won?", user_id=9, chat_type="supergroup")
    query = update["inline_query"]
    assert (query["query"], query["from"]["id"], query["chat_type"]) == ("who won?", 9, "supergroup")

    def article(result_id: str, text: str = "<b>ok</b>") -> dict[str, Any]:
        return {"type": "article", "id": result_id, "title": "T",
                "input_message_content": {"message_text": text, "parse_mode": "HTML"}}

    for results, error in [
        ([article("1"), article("1")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article("1", "<b>broken")], "can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ([{**article("1"), "title": " "}], "RESULT_TITLE_EMPTY"),
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
    ]:
        status, body = await call(fake, "answerInlineQuery", inline_query_id=query["id"], results=results)
        assert (status, body["description"]) == (400, f"Bad Request: {error}")
    assert fake.inline_answer(update) is None
    status, _ = await call(fake, "answerInlineQuery", inline_query_id=query["id"], results=[article("1")],
                           cache_time=60)
    assert status == 200 and fake.inline_answer(update)["cache_time"] == 60  # type: ignore[index]
    status, body = await call(fake, "answerInlineQuery", inline_query_id=query["id"], results=[])
    assert status == 400 and "query is too old" in body["description"]
    status, body = await call(fake, "answerInlineQuery", inline_query_id="123", results=[])
    assert status == 400 and "query id is invalid" in body["description"]


@pytest.mark.parametrize("mode", ["refuse", "502"])
async def test_an_outage_refuses_or_answers_502_then_ends(fake: FakeBotAPI, mode: str) -> None:
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_polling()
        await fake.outage(mode)
        with pytest.raises(NetworkError) as during_poll:
            await asyncio.wait_for(poll, 3)
        with pytest.raises(NetworkError) as after:
            await bot.get_me()
        if mode == "502":
            assert "Bad Gateway" in str(during_poll.value) and "Bad Gateway" in str(after.value)
        else:
            assert "Bad Gateway" not in str(after.value), "connection refused, not an HTTP answer"
        update = fake.push_message("asked during the outage")
        await fake.restore()
        assert (await bot.get_me()).username == fake.username
        [got] = await bot.get_updates(timeout=0)
        assert got.update_id == update["update_id"], "updates wait for the API to come back"
    assert fake.outage_refused >= 1
