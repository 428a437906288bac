"""Answer spans: the parts of a sentence that could answer a question of a given type (a name, a
date, a place, a number, the phrase after a question's preposition), not merely repeating it.
The composer prefers sentences that hold one, and renderers show it bold."""

from __future__ import annotations

import re

from index import analyze, fold

from ._qtypes import QType, preposition_frame

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
_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December"
           r"|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.")
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})(?:\s+\d{{4}})?|"
    r"(?:1[89]|20)\d{2}s?|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|yesterday|today|tonight|"
    r"tomorrow|(?:last|next|this) (?:week|month|year|weekend|spring|summer|fall|autumn|winter)|"
    r"\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am|pm)|(?:\d+|a|one|two|three|four|five|six|several) "
    r"(?:days?|weeks?|months?|years?|decades?) (?:ago|later|earlier))\b"
)
_CAPWORD = r"(?:[A-Z][\w'’.-]*|d'|de|du|la|le|van|von|der|al|bin)"
_NAME = re.compile(rf"\b[A-Z][\w'’-]+(?:\s+{_CAPWORD})*\s+[A-Z][\w'’-]+\b"
                   rf"|\b(?:Mr|Mrs|Ms|Dr|President|Minister|Mayor)\.?\s+[A-Z][\w'’-]+")
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
_PHRASE_ENDS = frozenset("in on at after before when while because since and but to that which who where".split())
_PREP_WINDOW = 6  # words between the question's verb and its preposition in the sentence


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
