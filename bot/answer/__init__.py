"""Composing an answer: from the retriever's ranked sentences to a short quoted answer with numbered
citations, or an honest "my articles don't cover that". Templates only, no language model.

The answer is data (`Answer`); `bot.render` draws it for the terminal, JSON and Telegram."""

from ._composer import Composer, ComposerSettings, Ranked, clean_question
from ._examples import example_questions
from ._models import Answer, AnswerKind, Citation, Highlight, Quote, Source
from ._qtypes import QType, anchored, counted_terms, preposition_frame, question_type
from ._spans import answer_spans

__all__ = [
    "Answer", "AnswerKind", "Citation", "Composer", "ComposerSettings", "Highlight", "QType", "Quote", "Ranked",
    "Source", "anchored", "answer_spans", "clean_question", "counted_terms", "example_questions",
    "preposition_frame", "question_type",
]
