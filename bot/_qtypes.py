"""Question types and answer-type spotting: who wants a person, when a date, how many a number."""

from __future__ import annotations

import re
from enum import Enum

from index import analyze, fold


class QType(str, Enum):
    PERSON = "person"
    DATE = "date"
    PLACE = "place"
    NUMBER = "number"
    PERCENT = "percent"
    GENERAL = "general"


_RULES: list[tuple[re.Pattern[str], QType]] = [
    (re.compile(r"\b(what|which) (percentage|percent|share|proportion)\b|\bhow much of\b|\bby how much\b|\bpercent"), QType.PERCENT),
    (re.compile(r"\bhow (many|much|long|old|far|big|large)\b|\bwhat (number|amount|age|size|sum)\b"), QType.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b|\bhow long ago\b"), QType.DATE),
    (re.compile(r"\bwhere\b|\bwhat (country|city|region|town|state|place|area)\b|\bwhich (country|city|region|town|state|place|area|regions|cities|countries)\b"), QType.PLACE),
    (re.compile(r"\b(who|whom|whose)\b|\bwhat (is|was) (his|her|the) name\b|\bwhich (candidate|person|leader|politician|man|woman|president|minister|official|player|company)\b"), QType.PERSON),
]


def question_type(question: str) -> QType:
    """The answer type a question asks for, from its wording (first rule that matches)."""
    q = fold(question)
    for pattern, qtype in _RULES:
        if pattern.search(q):
            return qtype
    return QType.GENERAL


_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"million|billion|trillion|dozen|dozens|hundreds|thousands|millions"
)
_NUMBER = re.compile(
    rf"(?:[$€£¥]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|thousand|hundred|bn|mln|m|k))?\b"
    rf"(?:\s?(?:%|percent|per cent|pct))?|\b(?:{_NUMBER_WORDS})(?:[\s-](?:{_NUMBER_WORDS}))*\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:%|percent\b|per cent\b|pct\b)", re.IGNORECASE)
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|(?:{_MONTHS})(?:\s+\d{{4}})?|"
    r"(?:1[89]|20)\d{2}s?|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|yesterday|today|tonight|"
    r"tomorrow|(?:last|next|this) (?:week|month|year|weekend|spring|summer|fall|autumn|winter)|"
    r"\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am|pm)|(?:\d+|a|one|two|three|four|five|six|several) (?:days?|weeks?|months?|years?|decades?) (?:ago|later|earlier))\b"
)
_CAPWORD = r"(?:[A-Z][\w'’.-]*|d'|de|du|la|le|van|von|der|al|bin)"
_NAME = re.compile(rf"\b[A-Z][\w'’-]+(?:\s+{_CAPWORD})*\s+[A-Z][\w'’-]+\b|\b(?:Mr|Mrs|Ms|Dr|President|Minister|Mayor)\.?\s+[A-Z][\w'’-]+")
_PLACE = re.compile(
    rf"\b(?:in|at|from|of|to|near|across|into|outside)\s+(?:the\s+)?"
    rf"(?:(?:northern|southern|eastern|western|central|north|south|east|west|city of|region of|town of)\s+)?"
    rf"((?:[A-Z][\w'’-]+)(?:\s+{_CAPWORD})*)"
)
_NOT_NAMES = frozenset(
    fold(w)
    for w in "The A An In On At Of And But For This That These Those It He She They We I His Her Their Its "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December According However After Before During While When Where".split()
)


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
_PHRASE_ENDS = frozenset("in on at after before when while because since and but to that which who where".split())
_PREP_WINDOW = 6  # words between the question's verb and its preposition in the sentence


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


def _preposition_spans(text: str, frame: tuple[str, str], asked: set[str]) -> list[tuple[int, int]]:
    """'... was charged with inciting subversion of state power': the phrase after the preposition,
    when the question's verb comes shortly before it."""
    prep, verb = frame
    spans = []
    for m in re.finditer(rf"\b{prep}\s+([^,;:.!?()\"“”]+)", text, re.IGNORECASE):
        before = text[: m.start()].split()[-_PREP_WINDOW:]
        if verb not in analyze(" ".join(before)):
            continue
        words = m.group(1).split()[:_PREP_WINDOW - 1]
        for i, word in enumerate(words[2:], start=2):
            if word.lower() in _PHRASE_ENDS:
                words = words[:i]  # "a state of emergency imposed | in response to ..."
                break
        if not words or all(w in asked for w in re.findall(r"[\w']+", fold(" ".join(words)))):
            continue
        start = m.start(1)
        spans.append((start, start + len(" ".join(words))))
    return spans


def answer_spans(text: str, qtype: QType, question: str) -> list[tuple[int, int]]:
    """Spans of text that could answer a question of this type, not merely repeating the question."""
    if qtype is QType.GENERAL:
        frame = preposition_frame(question)
        return _preposition_spans(text, frame, set(re.findall(r"[\w']+", fold(question)))) if frame else []
    asked = set(re.findall(r"[\w']+", fold(question)))
    asked_names = _asked_names(question) if qtype is QType.PERSON else set()
    pattern = {QType.NUMBER: _NUMBER, QType.PERCENT: _PERCENT, QType.DATE: _DATE, QType.PERSON: _NAME}.get(qtype)
    spans: list[tuple[int, int]] = []
    if qtype is QType.PLACE:
        found = [(m.start(1), m.end(1)) for m in _PLACE.finditer(text)]
    else:
        assert pattern is not None
        found = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if qtype is QType.PERSON:
        found = [piece for start, end in found for piece in _split_possessive(text, *_trim(text, start, end))]
    for start, end in found:
        start, end = _trim(text, start, end)
        if end <= start:
            continue
        words = re.findall(r"[\w']+", fold(text[start:end]))
        if qtype in (QType.PERSON, QType.PLACE):
            words = [w for w in words if w not in _NOT_NAMES]
            if not words:
                continue
        if words and all(w in asked for w in words):
            continue  # "How many regions ... 13 regions" — the question's own words are not the answer
        if qtype is QType.PERSON and any(w in asked_names for w in words if w not in _NAME_PARTICLES):
            continue  # "Who beat Le Pen?" is not answered by "Marine Le Pen" or "Marion Marechal-Le Pen"
        spans.append((start, end))
    return spans


# Titles and particles a name shares with many others: "President", "Le" in "Le Pen".
_NAME_PARTICLES = frozenset(
    "le la de du des van von der den al el bin di da mr mrs ms dr president minister prime mayor "
    "governor senator king queen prince pope chancellor secretary general".split()
)


def _asked_names(question: str) -> set[str]:
    """Folded words of the capitalised names inside a question (not its first word)."""
    words = re.findall(r"[\w'’-]+", question)
    return {w for word in words[1:] if word[:1].isupper() for w in re.findall(r"[\w']+", fold(word))}


_POSSESSIVE = re.compile(r"['’]s?(?=\s+[A-Z])")


def _split_possessive(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """"President François Hollande's Socialist party": the person is before the possessive;
    "France's Front National" names none. Split there and keep the pieces of two or more words."""
    cuts = [m for m in _POSSESSIVE.finditer(text, start, end)]
    if not cuts:
        return [(start, end)]
    pieces, lo = [], start
    for m in cuts:
        pieces.append((lo, m.start()))
        lo = m.end()
    pieces.append((lo, end))
    return [(a, b) for a, b in pieces if len(text[a:b].split()) >= 2]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " ,.;:'’\"“”":
        start += 1
    while end > start and text[end - 1] in " ,.;:'’\"“”":
        end -= 1
    lead = text[start:end].split(" ", 1)
    if len(lead) == 2 and fold(lead[0]) in _NOT_NAMES and not lead[0][:1].isdigit():
        start += len(lead[0]) + 1  # "The Republicans" → "Republicans"
    return start, end
