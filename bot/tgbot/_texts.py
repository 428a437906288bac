"""What the bot says besides answers: /start, /help, /about, the flood notice and the apology.

All are Telegram HTML; anything from the corpus is escaped."""

from __future__ import annotations

from bot.render import Atom, Block, esc, pack, source_html, split_marked_text
from bot.service import Service
from bot.sources import SourceList, SourcesReply

COMMANDS: list[tuple[str, str]] = [
    ("start", "What I know, with example questions"),
    ("help", "How to ask me questions"),
    ("sources", "Where my last answer's quotes come from (/sources N: one in context)"),
    ("articles", "The articles I quote from"),
    ("about", "How I find and cite answers"),
]

SORRY = "Sorry, something went wrong while I was answering. Please try again in a moment."
GONE = "That answer is too old to rate now."
GONE_SUGGESTION = "That answer is too old now; please type the question instead."
UNKNOWN_COMMAND = "I don't know that command. Try /help, or just ask a question."
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
        "/articles lists the articles, /help explains the rest.",
    ]
    if bot_username:
        lines.append(f"In a group, mention me (@{esc(bot_username)}) or reply to one of my messages.")
    return "\n".join(lines)


def help_text(bot_username: str | None, flood_limit: int, example: str | None = None,
              thread_minutes: float = 10) -> str:
    mention = f"@{esc(bot_username)}" if bot_username else "me"
    recent = f"right after an answer (within {thread_minutes:g} minutes) or " if thread_minutes > 0 else ""
    return "\n".join([
        "<b>How to ask</b>",
        "Send a question as a normal message" + (f", e.g. <i>{esc(example)}</i>" if example else "") + ".",
        "I answer only with sentences quoted from my articles; the numbers in brackets point to "
        "the sources listed under the answer. When the articles don't cover a question, I say so.",
        "",
        f"<b>Follow-ups</b>: ask <i>and in the south?</i> or <i>how old is she?</i> {recent}in a reply to "
        "one of my answers, and I read it in that context. The questions under an answer are ones I can "
        "answer from its story: press one to ask it.",
        "",
        f"<b>In groups</b> I stay quiet unless a message mentions {mention} or replies to me.",
        f"<b>Anywhere</b>: type {mention} and a question in any chat to share an answer there.",
        "",
        "The 👍, 👎 and <i>Outdated</i> buttons under an answer tell me whether it helped.",
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


def sources_html(reply: SourcesReply) -> list[str]:
    """/sources as Telegram HTML messages: the last answer's sources, or source N's quoted sentence
    (bold) between its neighbours, or a notice."""
    if isinstance(reply, str):
        return [esc(reply)]
    if isinstance(reply, SourceList):
        lines = [Atom("<b>Sources of my last answer</b>")]
        lines += [Atom(source_html(source), joiner="\n") for source in reply.sources]
        lines.append(Atom(esc(reply.hint), joiner="\n"))
        return pack([lines])
    blocks: list[Block] = [[Atom(source_html(reply.source))]]
    for quoted, text in reply.lines:
        spans = [(0, len(text))] if quoted else []
        blocks.append([Atom(piece, joiner=" ") for piece in split_marked_text(text, spans)])
    return pack(blocks)
