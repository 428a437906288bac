"""What the bot says besides answers: /start, /help, /about, the flood notice and the apology.

All are Telegram HTML; anything from the corpus is escaped."""

from __future__ import annotations

from bot.render import esc
from bot.service import Service

COMMANDS: list[tuple[str, str]] = [
    ("start", "What I know, with example questions"),
    ("help", "How to ask me questions"),
    ("sources", "The articles I quote from"),
    ("about", "How I find and cite answers"),
]

SORRY = "Sorry, something went wrong while I was answering. Please try again in a moment."
NON_TEXT_HINT = "I can only read text messages. Send me a question in words, for example: {example}"


def start_text(service: Service, bot_username: str | None) -> str:
    examples = service.example_questions(3)
    lines = [
        "Hi! I answer questions about the news articles I have: " + esc(service.describe()),
        "",
        "I reply with sentences quoted from the articles, each marked with its source [1], "
        "so you can check every word. Try one of these:",
        *(f"• <code>{esc(q)}</code>" for q in examples),
        "",
        "/sources lists the articles, /help explains the rest.",
    ]
    if bot_username:
        lines.append(f"In a group, mention me (@{esc(bot_username)}) or reply to one of my messages.")
    return "\n".join(lines)


def help_text(bot_username: str | None, flood_limit: int, example: str | None = None) -> str:
    mention = f"@{esc(bot_username)}" if bot_username else "me"
    return "\n".join([
        "<b>How to ask</b>",
        "Send a question as a normal message" + (f", e.g. <i>{esc(example)}</i>" if example else "") + ".",
        "I answer only with sentences quoted from my articles; the numbers in brackets point to "
        "the sources listed under the answer. When the articles don't cover a question, I say so.",
        "",
        f"<b>In groups</b> I stay quiet unless a message mentions {mention} or replies to me.",
        "",
        "<b>Commands</b>",
        *(f"/{name} — {esc(description)}" for name, description in COMMANDS),
        "",
        f"Please ask at most {flood_limit} questions a minute.",
    ])


def about_text(service: Service) -> str:
    return "\n".join([
        "<b>newsbot</b> answers questions about a fixed set of news articles: "
        + esc(service.describe()) + ".",
        "",
        "It finds the sentences that best match your question (BM25 ranking over every sentence) "
        "and answers by quoting them, with numbered citations. Nothing is generated or "
        "paraphrased, so every statement can be checked against its source.",
    ])


def flood_text(limit: int) -> str:
    return (
        f"You're asking faster than I can keep up: at most {limit} questions a minute. "
        "Please wait a moment, then ask again."
    )
