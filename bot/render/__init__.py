"""Drawing an `Answer`: for the terminal (rich or plain text), as JSON, and as Telegram HTML messages
split to Telegram's limit. Renderers only draw; what to say is decided in `bot.answer`."""

from ._html import ArticleLike, answer_blocks, article_line, render_answer, render_articles, short_date, source_html
from ._json import answer_json, render_json
from ._split import TELEGRAM_LIMIT, Atom, Block, esc, esc_attr, highlight, pack, split_marked_text, tg_len
from ._terminal import render_rich, render_text, source_text

__all__ = [
    "TELEGRAM_LIMIT", "ArticleLike", "Atom", "Block", "answer_blocks", "answer_json", "article_line", "esc",
    "esc_attr", "highlight", "pack", "render_answer", "render_articles", "render_json", "render_rich",
    "render_text", "short_date", "source_html", "source_text", "split_marked_text", "tg_len",
]
