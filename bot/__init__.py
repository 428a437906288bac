"""newsbot's answering and serving: composer, renderers, REPL, Telegram bot, settings and CLI."""

from ._models import Answer, AnswerKind, Citation, Quote, Source
from ._service import ArticleInfo, NewsService
from .compose import Composer, ComposerSettings
from .render import answer_json, render_json, render_rich, render_text

__all__ = [
    "Answer", "AnswerKind", "ArticleInfo", "Citation", "Composer", "ComposerSettings", "NewsService", "Quote",
    "Source", "answer_json", "render_json", "render_rich", "render_text",
]
