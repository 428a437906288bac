"""An Answer as JSON: what `newsbot ask --json` prints (one object, or one line per question)."""

from __future__ import annotations

import json
from typing import Any

from bot.answer import Answer


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `ask --json` object: question, found, the short answer and its citation number, answer (the
    quotes without sources), citations, sources; follow_up (how a follow-up was understood, or null) and
    suggestions (follow-up questions to offer); dates (the time a question named and the publication dates
    the answer drew on, or null)."""
    short = answer.short
    return {
        "question": answer.question,
        "understood": answer.understood,
        "found": answer.found,
        "kind": answer.kind.value,
        "short_answer": short.text if short else None,
        "short_answer_citation": short.citation if short else None,
        "lead": (short.lead or short.text) if short else None,
        "answer": answer.text,
        "citations": [c.model_dump() for c in answer.citations],
        "sources": [s.model_dump() for s in answer.sources],
        "topics": answer.topics,
        "examples": answer.examples,
        "follow_up": answer.follow_up.model_dump() if answer.follow_up else None,
        "suggestions": answer.suggestions,
        "dates": answer.dates.model_dump() if answer.dates else None,
    }


def render_json(answer: Answer) -> str:
    return json.dumps(answer_json(answer), ensure_ascii=False)
