"""Example questions made from the corpus itself, kept only when the bot really answers them."""

from __future__ import annotations

import re
from collections import Counter

from index import Retriever, fold

from ._composer import Composer

_NAME = re.compile(r"\b([A-Z][a-zà-ÿ'’]+(?:[ -](?:Le|de|La|[A-Z][a-zà-ÿ'’]+)){1,2})\b")
_LEADING = {"the", "a", "an", "in", "on", "at", "but", "and", "after", "during", "when", "president", "prime", "former"}


def _names(retriever: Retriever, limit: int = 2000) -> list[str]:
    counts: Counter[str] = Counter()
    data = retriever.data
    for i in range(min(data.n_chunks, limit)):
        if not data.quotable[i]:
            continue
        for match in _NAME.finditer(data.chunk_text(i)):
            name = match.group(1)
            if fold(name.split()[0]) not in _LEADING:
                counts[name] += 1
    return [name for name, _ in counts.most_common(12)]


def example_questions(retriever: Retriever, n: int = 3) -> list[str]:
    """Up to n questions about the corpus's most mentioned names that get a cited answer."""
    composer = Composer(retriever)
    templates = ("Who is {}?", "What did {} say?", "What happened to {}?")
    out: list[str] = []
    for name in _names(retriever):
        question = templates[len(out) % len(templates)].format(name)
        if composer.answer(question).found:
            out.append(question)
        if len(out) == n:
            break
    return out
