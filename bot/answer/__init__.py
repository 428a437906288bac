"""Composing an answer: from the retriever's ranked sentences to the short answer first, then quotes with
numbered citations, or an honest "my articles don't cover that". Templates only, no language model.

The answer is data (`Answer`); `bot.render` draws it for the terminal, JSON and Telegram."""

from ._composer import Composer, ComposerSettings, Ranked, clean_question
from ._examples import Example, ExampleCandidate, example_candidates, make_examples, still_examples
from ._lead import lead_sentence
from ._models import Answer, AnswerKind, Citation, Dates, FollowUp, Highlight, Quote, ShortAnswer, Source
from ._phrasing import SmallTalk, small_talk, strip_lead_in
from ._qtypes import Form, QType, Question, counted_terms, parse_question, preposition_frame, question_type
from ._spans import AnswerSpan, find_answer
from ._when import When, find_when, format_dates, format_days

__all__ = [
    "Answer",
    "AnswerKind",
    "AnswerSpan",
    "Citation",
    "Composer",
    "ComposerSettings",
    "Dates",
    "Example",
    "ExampleCandidate",
    "FollowUp",
    "Form",
    "Highlight",
    "QType",
    "Question",
    "Quote",
    "Ranked",
    "ShortAnswer",
    "SmallTalk",
    "Source",
    "When",
    "clean_question",
    "counted_terms",
    "example_candidates",
    "find_answer",
    "find_when",
    "format_dates",
    "format_days",
    "lead_sentence",
    "make_examples",
    "parse_question",
    "preposition_frame",
    "question_type",
    "small_talk",
    "still_examples",
    "strip_lead_in",
]
