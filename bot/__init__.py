"""newsbot's answering and serving: composer, renderers, REPL, Telegram bot, settings and CLI.

The public names below are what other code (tests, benchmarks, embedding) needs most; each
subpackage (`bot.answer`, `bot.render`, `bot.tgbot`, `bot.transcripts`, `bot.evaluation`,
`bot.cli`) exports the rest of its own."""

from .answer import Answer, AnswerKind, Citation, Composer, ComposerSettings, Highlight, Quote, Source
from .render import answer_json, render_json, render_rich, render_text
from .service import ArticleInfo, NewsService

__all__ = [
    "Answer", "AnswerKind", "ArticleInfo", "Citation", "Composer", "ComposerSettings", "Highlight", "NewsService",
    "Quote", "Source", "answer_json", "render_json", "render_rich", "render_text",
]
