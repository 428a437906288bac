"""`newsbot eval QUESTIONS.jsonl`: answer quality on a question set with gold answers.

The metric functions (`_metrics`) are pure: they take questions, answers and ranked sentences and
return numbers, so tests exercise them without an index. `_run` does the I/O: asks the service,
times it, and makes the JSON report or the tables; the command itself is in `bot.cli`.

Questions are JSON Lines: ``id``, ``question``, ``answers`` (gold strings), ``sources`` (article ids;
a path's file stem is its id) and optionally ``no_answer: true`` for questions the corpus cannot
answer. Metrics, over answerable questions unless said otherwise:

* answer@1: the first quoted sentence contains a gold answer (case and accents ignored);
* answer in reply: the answer body (all quotes) contains a gold answer;
* hit@5: one of the top 5 ranked sentences contains a gold answer;
* source@1: the first citation's article is one of the gold sources;
* abstained: newsbot said its articles don't cover an answerable question;
* false answers: no_answer questions that got an answer anyway;
* passed: answerable → answer in reply and source@1; no_answer → abstained;
* latency: wall time of ``NewsService.answer`` per question (p50, p95), after one untimed warm-up.
"""

from bot.errors import EvalFileError

from ._metrics import (
    HIT_K,
    STRICT_WORDS,
    EvalQuestion,
    QuestionResult,
    Summary,
    bootstrap_interval,
    contains_answer,
    half_of,
    normalize,
    parse_questions,
    percentile,
    result_from_answer,
    score_question,
    source_id,
    summarize,
    token_f1,
    worst,
)
from ._run import evaluate, render_failures, render_table, report_json

__all__ = [
    "HIT_K",
    "STRICT_WORDS",
    "EvalFileError",
    "EvalQuestion",
    "QuestionResult",
    "Summary",
    "bootstrap_interval",
    "contains_answer",
    "evaluate",
    "half_of",
    "normalize",
    "parse_questions",
    "percentile",
    "render_failures",
    "render_table",
    "report_json",
    "result_from_answer",
    "score_question",
    "source_id",
    "summarize",
    "token_f1",
    "worst",
]
