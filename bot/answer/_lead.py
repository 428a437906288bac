"""The lead sentence: the question turned into a statement around its answer phrase, when it reads as
English without changing a verb ("Who beat Le Pen in the north?" → "Xavier Bertrand beat Le Pen in
the north."). Questions that would need a verb changed ("Who did she beat?") get none: the phrase is
then shown on its own, before the quote it comes from."""

from __future__ import annotations

import re

from ._qtypes import AUX, Form, QType, Question

_WH_PHRASE = re.compile(r"^\s*(?:who|(?:what|which)(?:\s+(?:kind|type|sort)\s+of)?\s+"
                        r"(?!(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could)\b)[\w-]+)\s+",
                        re.IGNORECASE)
_PRONOUNS = frozenset("i you he she it we they his her its their this that these those there".split())


def lead_sentence(question: Question, phrase: str) -> tuple[str, int] | None:
    """(the statement, where the phrase starts in it), or None when no plain statement fits."""
    if question.form is not Form.SUBJECT or question.qtype not in (QType.PERSON, QType.ENTITY):
        return None
    text = question.text.strip().rstrip("?.! ")
    if text.isupper():
        return None  # "WHO LEADS THE NATIONAL FRONT" is not echoed back shouting
    match = _WH_PHRASE.match(text) if not text.lower().startswith("who ") else re.match(r"^\s*who\s+", text, re.I)
    if match is None:
        return None
    rest = text[match.end():].strip()
    words = rest.lower().split()
    if len(words) < 2 or (words[0] in AUX and words[1] in _PRONOUNS):
        return None  # "Who did she beat" is an object question after all
    return f"{phrase} {rest}.", 0
