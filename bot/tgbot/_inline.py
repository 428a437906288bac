"""Inline mode: ``@bot question`` typed in any chat offers up to three answers to send there — the
whole answer, then its quotes one by one — each as Telegram HTML with its sources. A question the
articles do not answer offers nothing (never a wrong answer), and so does one that takes too long."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.answer import Answer
from bot.render import render_answer

from ._common import service_of
from ._flood import Verdict

log = logging.getLogger("newsbot.telegram")

MAX_RESULTS = 3
CACHE_SECONDS = 300  # Telegram may reuse the results for the same query this long (answers are the same for all)
ANSWER_BUDGET = 4.0  # seconds for retrieval; Telegram gives up on an inline answer after about 10
TITLE_CHARS = 100
DESCRIPTION_CHARS = 120
QUERIES_PER_QUESTION = 6  # typing a question sends a query every few keystrokes: the flood limit times this
HOW_TO = InlineQueryResultsButton(text="How to ask me", start_parameter="inline")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def short_answer(answer: Answer) -> str | None:
    """The answer's short answer, as its lead sentence when it has one ("Xavier Bertrand beat Le Pen …")."""
    if answer.short is None:
        return None
    return answer.short.lead or answer.short.text


def _article(result_id: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=_clip(title, TITLE_CHARS),
        description=_clip(description, DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            html, parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
    )


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """Up to three results for an answer: the whole answer (when it fits one message), then each
    quote alone with its own sources. None for anything but a real answer."""
    if not answer.found or not answer.quotes:
        return []
    results = []
    whole = render_answer(answer)
    if len(whole) == 1:
        title = short_answer(answer) or answer.quotes[0].text
        described = "; ".join(s.title for s in answer.sources)
        results.append(_article("answer", title, described, whole[0]))
    if len(answer.quotes) == 1 and results:
        return results  # its only quote alone would be the same message
    for i, quote in enumerate(answer.quotes, start=1):
        if len(results) >= MAX_RESULTS:
            break
        sources = [s for s in answer.sources if s.n in quote.citations]
        alone = render_answer(answer.model_copy(update={"quotes": [quote], "sources": sources}))
        if len(alone) == 1:
            described = "; ".join(f"[{s.n}] {s.title}" for s in sources)
            results.append(_article(f"quote-{i}", quote.text, described, alone[0]))
    return results


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with up to three results, or none."""
    query = update.inline_query
    assert query is not None, "InlineQueryHandler"
    text = query.query.strip()
    results: list[InlineQueryResultArticle] = []
    cache_time = CACHE_SECONDS
    if text and context.bot_data["inline_flood"].check(query.from_user.id) is not Verdict.ALLOW:
        text, cache_time = "", 0  # over the limit: nothing, and nothing cached for others
    if text:
        try:
            answer = await asyncio.wait_for(asyncio.to_thread(service_of(context).answer, text), ANSWER_BUDGET)
        except TimeoutError:
            log.warning("update %s: inline query not answered within %.0f s", update.update_id, ANSWER_BUDGET)
            cache_time = 0
        else:
            results = inline_results(answer)
            log.info("update %s: inline %s with %d result(s)", update.update_id, answer.kind.value, len(results))
    try:
        await query.answer(results, cache_time=cache_time, is_personal=False, button=None if text else HOW_TO)
    except BadRequest as exc:  # "query is too old": the user typed on, Telegram moved on
        log.info("update %s: inline answer refused: %s", update.update_id, exc)
