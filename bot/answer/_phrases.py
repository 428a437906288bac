"""Phrases of a kind in a sentence: names (and lists of them), amounts with what they count, ages,
dates, places, and the phrase after a question's verb and preposition. Each finder returns (start, end)
offsets; `_spans` chooses among them by where the question's words are."""

from __future__ import annotations

import re
from functools import lru_cache

from index import analyze, fold

from ._qtypes import PLACE_NOUNS

# ------------------------------------------------------------------------------------------ names
_CAP = r"(?:[dl]['’]|(?:al|el|ad|as|ash|an|ar|at|az|bin|ibn|abu|abd|ul)-)?[A-Z](?:[\w'’&-]|\.(?=[A-Za-z]))*\.?"
# "d'Azur", "Omar el-Zedani", "Abdul al-Marri" carry on a name
_JOIN = r"(?:d'|de|du|la|le|van|von|der|den|al|bin|of|the|and|&|y)"
_NAME = re.compile(rf"\b{_CAP}(?:\s+(?:{_CAP}|{_JOIN}(?=\s+[A-Z])))*")
_NOT_NAMES = frozenset(fold(w) for w in (
    "The A An In On At Of And But For This That These Those It He She They We I His Her Their Its Our My Your "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December According However After Before During While When Where "
    "Meanwhile Also Earlier Later Last Next Some Many Most If As Although Though Since Because Then Now "
    "There Here What Who Why How Which Both Each Every All Such Other Another No Not Yes So Yet Still "
    "Watch Read Click Today Yesterday Tomorrow".split()))
# Titles and particles a name shares with many others: before a name they are not the answer.
TITLES = frozenset(fold(w) for w in (
    "Mr Mrs Ms Dr President Minister Prime Mayor Governor Gov Senator Sen Rep Judge Gen Lt Col Sgt Capt King Queen "
    "Prince Princess Pope Chancellor Secretary General Sir Lord Lady Rev Justice Chief Former".split()))
_LIST_GAP = re.compile(r"(?:,\s|,?\s(?:and|or)\s)(?:the\s)?")  # "Freedonia and the United States"


_SENTENCE_END = re.compile(r"\b([A-Za-z]+)\.\s")
_HYPHENATED = re.compile(r"-[a-z]+$")


def _trim_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    trimmed = _trimmed(text[start:end])
    return None if trimmed is None else (start + trimmed[0], start + trimmed[1])


@lru_cache(maxsize=65_536)
def _trimmed(piece: str) -> tuple[int, int] | None:
    """A run of capitalised words without what no name starts or ends with, as offsets into the run;
    remembered by the run as written (the same names come back sentence after sentence)."""
    start = 0
    for cut in _SENTENCE_END.finditer(piece):  # no name runs over a sentence end ("Vell. Eastbrook …")
        if len(cut.group(1)) >= 4 and fold(cut.group(1)) not in TITLES:
            piece = piece[: cut.start(1) + len(cut.group(1))]
            break
    words = piece.split()
    while words and (fold(words[0].rstrip("'’s.")) in _NOT_NAMES or words[0].lower() in ("of", "and", "the")):
        start += len(words[0]) + 1
        words = words[1:]
    while words and (words[-1].lower() in ("of", "and", "the", "&", "y") or fold(words[-1].strip(".'’")) in _NOT_NAMES
                     or _HYPHENATED.search(words[-1])):  # "Grand Prix-winning" is no name's end
        words = words[:-1]
    name = " ".join(words).rstrip(".,")
    if name.endswith(("'s", "’s")):
        name = name[:-2]
    return (start, start + len(name)) if name else None


_POSSESSIVE = re.compile(r"['’]s?\s+(?=[A-Z])")


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """"President François Hollande's Socialist party": the person is before the possessive, and
    "France's Front National" names no person; pieces of two or more words are kept."""
    cuts = list(_POSSESSIVE.finditer(text, start, end))
    if not cuts:
        return [(start, end)]
    bounds = [start] + [x for m in cuts for x in (m.start(), m.end())] + [end]
    pieces = list(zip(bounds[::2], bounds[1::2], strict=True))
    return [(a, b) for a, b in pieces if len(text[a:b].split()) >= 2]


def name_spans(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words (with name particles), and lists of them ("Ruritania, Freedonia and Westmark")."""
    names = [piece for m in _NAME.finditer(text) if (span := _trim_name(text, m.start(), m.end()))
             for piece in _pieces(text, *span)]
    lists = []
    i = 0
    while i < len(names):
        j = i
        while j + 1 < len(names) and _LIST_GAP.fullmatch(text[names[j][1]:names[j + 1][0]]):
            j += 1
        if j > i and re.search(r"\s(?:and|or)\s", text[names[j - 1][1]:names[j][1]]):
            lists.append((names[i][0], names[j][1]))
        i = j + 1
    return names + lists


# ------------------------------------------------------------------------------------------ numbers
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    "million|billion|trillion|dozen|dozens|hundreds|thousands|millions|half"
)
_QUALIFIER = (r"(?:(?:about|around|nearly|almost|more than|less than|fewer than|at least|up to|over|some|"
              r"roughly|just over|just under|approximately|an estimated|as many as|as much as)\s+)?")
_AMOUNT = (rf"(?:[$€£#]\s?)?(?:\d[\d,]*(?:\.\d+)?|(?:{_NUMBER_WORDS}))(?:[\s-](?:{_NUMBER_WORDS}))*"
           r"(?:\s?(?:bn|mln|m|k)\b)?")
_PERCENT_SIGN = r"(?:\s?(?:%|percent|per cent))?"
_NUMBER = re.compile(rf"\b{_QUALIFIER}{_AMOUNT}{_PERCENT_SIGN}(?:\s?(?:to|and|or|-)\s?{_AMOUNT}{_PERCENT_SIGN})?",
                     re.IGNORECASE)
_HAS_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
UNIT_WORDS = frozenset(
    "year years month months week weeks day days hour hours minute minutes second seconds mile miles kilometer "
    "kilometers km meter meters metres feet foot inch inches pound pounds kilogram kilograms kg ton tons tonnes "
    "barrel barrels gallon gallons liter liters litres people person persons men women children dollars euros yuan "
    "yen rupees votes vote seats troops soldiers deaths cases times points members lashes acres degrees mph kmh "
    "knots".split())
_COMPOUND = re.compile(r"-[a-z]+\b")  # "25-year", "12-metre"
_PAREN_AMOUNT = re.compile(r"\s?\(\s?[$€£#]?\s?[\d,.]+\s?(?:million|billion|[a-z]+)?\s?\)")  # "# 21 ( $33 )"
_NEXT_WORD = re.compile(r"\s([a-z][a-z'-]*)\b")
_NOT_UNITS = frozenset("was has is its this his hers as us yes".split())


def number_spans(text: str) -> list[tuple[int, int]]:
    """Amounts with what they count: "6 to 9 weeks", "$420 million", "about 240 kilometers ( 149 miles )"."""
    out = []
    for m in _NUMBER.finditer(text):
        if not _HAS_NUMBER.search(m.group()):
            continue
        end = m.end()
        for pattern in (_COMPOUND, _PAREN_AMOUNT):
            extra = pattern.match(text, end)
            if extra:
                end = extra.end()
        unit = _NEXT_WORD.match(text, end)
        if unit and (unit.group(1) in UNIT_WORDS or (unit.group(1).endswith("s") and len(unit.group(1)) > 3
                                                     and unit.group(1) not in _NOT_UNITS)):
            end = unit.end()
        start = m.start()
        if start and text[start - 1] in "$€£#":
            start -= 1  # "$420 million": the sign is the amount's (no word boundary before it)
        elif start > 1 and text[start - 1] == " " and text[start - 2] in "$€£#":
            start -= 2  # "# 12.5 million" (a pound sign written apart)
        out.append((start, end))
    return out


_MEASURES = {
    "money": re.compile(r"[$€£#¥]|\b(?:dollars?|euros?|yuan|yen|rupees?|cents?|pence|francs?|pesos?)\b", re.IGNORECASE),
    "time": re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|century|"
                       r"nights?)\b", re.IGNORECASE),
    "distance": re.compile(r"\b(?:miles?|kilometers?|kilometres?|km|meters?|metres?|feet|foot|yards?|inches?|"
                           r"nautical)\b", re.IGNORECASE),
    "speed": re.compile(r"\b(?:mph|kmh|km/h|knots?|miles per hour|kilometers per hour)\b", re.IGNORECASE),
}


def measures(phrase: str) -> frozenset[str]:
    """The kinds of amount a number phrase states: "$420 million" money, "6 to 9 weeks" time, "25-year"
    time, "150 miles ( 241 km )" distance."""
    return frozenset(kind for kind, pattern in _MEASURES.items() if pattern.search(phrase))


def age_spans(text: str) -> list[tuple[int, int]]:
    """'47-year-old', 'aged 47', '47 years old', and ', 47,' after a name."""
    out = []
    for m in re.finditer(r"\b(\d{1,3})-year-old\b|\baged? (\d{1,3})\b|\b(\d{1,3}) years? old\b|(?<=, )(\d{1,3})(?=, )",
                         text):
        group = next(i for i in range(1, 5) if m.group(i))
        out.append((m.start(group), m.end(group)))
    return out


_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December|"
           r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.")
_DATE = re.compile(
    rf"\b(?:(?:early |late |mid-)?(?:{_MONTHS})\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|"
    rf"(?:early |late |mid-)?(?:{_MONTHS})(?:\s+\d{{4}})?|(?:1[89]|20)\d{{2}}s?|"
    r"(?:last |next |this )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?: night| morning| afternoon| evening)?|"
    r"yesterday|today|tonight|tomorrow|(?:last|next|this|earlier this|later this) "
    r"(?:week|month|year|weekend|spring|summer|fall|autumn|winter)|"
    r"\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.)|(?:\d+|a|one|two|three|four|five|six|several) "
    r"(?:days?|weeks?|months?|years?|decades?) (?:ago|later|earlier))(?![\w-])"
)


def date_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _DATE.finditer(text)]


_AFTER_LOCATIVE = re.compile(r"\b(?:in|at|near|from|outside|inside|across|into|to)\s+(?:the\s+)?"
                             r"((?:northern|southern|eastern|western|central|north|south|east|west|mid)\s+)?$",
                             re.IGNORECASE)
_LOCATIVE_PHRASE = re.compile(
    r"\b(?:in|at|near|outside|inside|across|into|on)\s+((?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+|its\s+)?"
    r"[\w'’.-]+(?:\s+(?!(?:and|who|which|that|where|when|after|before|while|because|said|according)\b)"
    r"[\w'’.-]+){0,6})")


_PLACE_OF = re.compile(r"([A-Za-z]+)\s+of\s+(?:the\s+)?$")
_PLACE_WORDS = PLACE_NOUNS | frozenset("section outskirts suburb suburbs part heart center centre coast shore shores "
                                       "north south east west northeast northwest southeast southwest".split())



def _place_of(text: str, a: int) -> bool:
    """Is the name at a said after "of" and a word for a place: "the city of Springfield", "north of Eastbrook"
    (not "supporters of Mayor John Smith")?"""
    if text.rfind(" of ", max(0, a - 30), a) < 0:
        return False
    of = _PLACE_OF.search(text, max(0, a - 30), a)
    return of is not None and of.group(1).lower() in _PLACE_WORDS


def place_spans(text: str) -> list[tuple[int, int]]:
    """Names after in/at/near/from ("in southern Ruritania", "Eastbrook, Westmark") or after "the city of",
    "north of", then locative phrases."""
    names = name_spans(text)
    out = []
    starts = {a: b for a, b in names}
    for a, b in names:
        before = _AFTER_LOCATIVE.search(text, max(0, a - 30), a)
        if before is None and not _place_of(text, a):
            continue
        if before is not None and before.group(1):
            a = before.start(1)  # "southern Ruritania"
        out.append((a, b))
        second = starts.get(b + 2) if text[b:b + 2] == ", " else None
        if second is not None and not re.match(r"['’]s?\b", text[second:second + 2]):
            out.append((a, second))  # "Eastbrook, Westmark" (not "d'Azur, Le Pen's niece")
    for m in _LOCATIVE_PHRASE.finditer(text):
        phrase = m.group(1)
        cut = re.search(r"[,;:()\"“”]", phrase)
        out.append((m.start(1), m.start(1) + (cut.start() if cut else len(phrase.rstrip(".")))))
    return out


_TIME_JOINS = re.compile(r"(?:\s+|\b(?:on|in|at|of|and)\b|,)*")
_LOOSE_END = re.compile(r"(?:\s+|\b(?:on|in|at|of|and|the|a|an)\b|[,;])+$")


def without_time(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The place phrase text[start:end] without the time said in it: "on April 15" says when, not where;
    "a courthouse in Westmark Monday night" ends before "Monday", "11 a.m. Monday at Harbour Chapel" starts
    after it. None when nothing but a time is left."""
    while start < end:
        when = _DATE.search(text, start, end)
        if when is None:
            break
        if when.start() > start:
            end = when.start()
            break
        joins = _TIME_JOINS.match(text, when.end(), end)  # (always matches, possibly nothing)
        start = joins.end() if joins else when.end()
    loose = _LOOSE_END.search(text, start, end)  # what is left ends on a word, not on "in" or "on the"
    if loose is not None:
        end = loose.start()
    return (start, end) if start < end else None


_PHRASE_ENDS = frozenset("in on at after before when while because since and but to that which who where".split())
_PREP_WINDOW = 6  # words between the question's verb and its preposition in the sentence


def frame_spans(text: str, frame: tuple[str, str]) -> list[tuple[int, int]]:
    """'... was accused of selling forged permits to builders': the phrase after the question's
    preposition ("What is Dunmore accused of?"), when the question's verb comes shortly before it."""
    prep, verb = frame
    spans = []
    for m in re.finditer(rf"\b{prep}(?:,(?:\s+[\w'-]+){{1,4}},)?\s+"  # "for, among other things, breaking …"
                         rf"((?:[^,;:.!?()\"“”]|,(?=(?:\s+[\w'-]+){{0,6}}?\s*,?\s+(?:and|or)\s))+)", text,
                         re.IGNORECASE):
        before = text[: m.start()].split()[-_PREP_WINDOW:]
        if verb not in analyze(" ".join(before)):
            continue
        words = m.group(1).split()
        words = words[:14] if "," in m.group(1) else words[:_PREP_WINDOW - 1]
        for i, word in enumerate(words[2:], start=2):
            if word.lower() in _PHRASE_ENDS:
                words = words[:i]  # "a state of emergency imposed | in response to ..."
                break
        phrase = " ".join(words).rstrip(",")
        if phrase:
            start = m.start(1)
            spans.append((start, start + len(phrase)))
    return spans
