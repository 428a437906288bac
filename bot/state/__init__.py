"""The bot's memory across restarts: answers given per chat (the conversation record), the messages
that carried them, and readers' votes, in one SQLite file with a retention limit."""

from ._models import AnswerRecord, FeedbackSummary, QuestionCount, RatedQuestion, Tally, Vote, question_key
from ._report import summary_lines
from ._store import DAY, MEMORY, SCHEMA_VERSION, StateStore

__all__ = [
    "DAY", "MEMORY", "SCHEMA_VERSION", "AnswerRecord", "FeedbackSummary", "QuestionCount", "RatedQuestion",
    "StateStore", "Tally", "Vote", "question_key", "summary_lines",
]
