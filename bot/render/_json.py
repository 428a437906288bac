"""An Answer as JSON: what `newsbot ask --json` prints (one object, or one line per question)."""

from __future__ import annotations

import json
from typing import Any

from bot.answer import Answer


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `ask --json` object: question, found, answer (body without sources), citations, sources."""
    return {
        "question": answer.question,
        "found": answer.found,
        "kind": answer.kind.value,
        "answer": answer.text,
        "citations": [c.model_dump() for c in answer.citations],
        "sources": [s.model_dump() for s in answer.sources],
        "topics": answer.topics,
    }


def render_json(answer: Answer) -> str:
    return json.dumps(answer_json(answer), ensure_ascii=False)
