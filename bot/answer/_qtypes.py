"""Question types: what kind of answer a question asks for (who → a person, when → a date, how many →
a number), and the parts of its wording the composer uses to spot that answer in a sentence."""

from __future__ import annotations

import re
from enum import StrEnum

from index import analyze, fold


class QType(StrEnum):
    PERSON = "person"
    DATE = "date"
    PLACE = "place"
    NUMBER = "number"
    PERCENT = "percent"
    GENERAL = "general"


_RULES: list[tuple[re.Pattern[str], QType]] = [
    (re.compile(r"\b(what|which) (percentage|percent|share|proportion)\b|\bhow much of\b|\bby how much\b"
                r"|\bpercent"), QType.PERCENT),
    (re.compile(r"\bhow (many|much|long|old|far|big|large)\b|\bwhat (number|amount|age|size|sum)\b"), QType.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b"
                r"|\bhow long ago\b"), QType.DATE),
    (re.compile(r"\bwhere\b|\bwhat (country|city|region|town|state|place|area)\b"
                r"|\bwhich (country|city|region|town|state|place|area|regions|cities|countries)\b"), QType.PLACE),
    (re.compile(r"\b(who|whom|whose)\b|\bwhat (is|was) (his|her|the) name\b"
                r"|\bwhich (candidate|person|leader|politician|man|woman|president|minister|official|player"
                r"|company)\b"), QType.PERSON),
]


def question_type(question: str) -> QType:
    """The answer type a question asks for, from its wording (first rule that matches)."""
    q = fold(question)
    for pattern, qtype in _RULES:
        if pattern.search(q):
            return qtype
    return QType.GENERAL


_COUNTED = re.compile(r"\bhow (?:many|much)\s+(?:of\s+(?:the\s+)?)?([a-z][\w-]*)")


def counted_terms(question: str) -> frozenset[str]:
    """'How many votes …' counts votes: a number right before that word is the answer."""
    match = _COUNTED.search(fold(question))
    return frozenset(analyze(match.group(1))) if match else frozenset()


def anchored(text: str, span: tuple[int, int], counted: frozenset[str]) -> bool:
    """Is the number followed, within two words, by the thing the question counts?"""
    following = analyze(" ".join(text[span[1]:].split()[:2]))
    return bool(counted) and any(t in counted for t in following)


_PREPOSITIONS = r"under|in|on|at|for|from|with|by|to|against|into|after|before|during|since|of|about|as"
_TRAILING_PREP = re.compile(rf"([\w'-]+)\s+({_PREPOSITIONS})\s*[?.!]*\s*$", re.IGNORECASE)
_FRONTED_PREP = re.compile(rf"^\s*({_PREPOSITIONS})\s+(?:what|which|whom)\b.*?([\w'-]+)\s*[?.!]*\s*$", re.IGNORECASE)


def preposition_frame(question: str) -> tuple[str, str] | None:
    """'What is Liu charged with?' and 'Under what regime were the elections held?' ask for what follows
    a preposition after a verb: ('with', 'charg'), ('under', 'hold')."""
    match = _TRAILING_PREP.search(question) or _FRONTED_PREP.search(question)
    if not match:
        return None
    if match.re is _TRAILING_PREP:
        verb, prep = match.group(1), match.group(2)
    else:
        prep, verb = match.group(1), match.group(2)
    terms = analyze(verb)
    return (prep.lower(), terms[-1]) if terms else None
