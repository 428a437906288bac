"""What a question asks for: who → a person, when → a date, how many → a number, "which movie" → a
name of that kind, "who is X?" → what X is; and how its words sit around the answer (the answer is the
subject of "Who beat Le Pen?" but the object of "Who did Le Pen beat?")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from index import analyze, fold


class QType(StrEnum):
    PERSON = "person"  # who, whom, which leader
    PLACE = "place"  # where, which city
    DATE = "date"  # when, what year
    NUMBER = "number"  # how many, how much, how long
    PERCENT = "percent"  # what percentage
    AGE = "age"  # how old
    ENTITY = "entity"  # what/which + a noun: a name of that kind ("which movie", "what company")
    DEFINITION = "definition"  # who is X? (a name): what X is
    GENERAL = "general"  # anything else: the phrase next to the question's own words


class Form(StrEnum):
    SUBJECT = "subject"  # the answer does what the question says: "Who beat Le Pen?"
    OBJECT = "object"  # the answer is what it is done to, or after a verb: "What did Dunmore plead guilty to?"
    END = "end"  # the question word comes last: "Holm said the council used the grant as what?"


AUX = frozenset("did does do is are was were has have had will would can could should may might must be been "
                "being 's".split())
PLACE_NOUNS = frozenset(
    "country countries city cities region regions town towns state states place places area areas province "
    "provinces island islands nation nations continent county capital village neighborhood location prison "
    "hospital airport port base district street venue stadium border".split())
PERSON_NOUNS = frozenset(
    "person people candidate candidates leader leaders politician man men woman women president minister official "
    "officials player players singer actor actress author coach artist judge officer director senator governor "
    "driver beatle celebrity celebrities star stars king queen prince princess pope soldier suspect victim "
    "spokesman spokeswoman chairman chief boss manager ceo founder owner rapper musician writer doctor lawyer "
    "attorney reporter journalist".split())
NUMBER_NOUNS = frozenset("number amount sum size range price cost rate total figure length height weight distance "
                         "score salary toll pension fine bail budget worth value revenue turnover profit loss debt "
                         "bill fee wage wages population".split())
NAMED_KINDS = frozenset(  # kinds of things that go by a name of their own ("the name of the hotel")
    "company firm corporation business brand label team club band group party organization organisation agency "
    "network channel newspaper magazine station show series program programme film movie song album book "
    "novel play musical opera game product car vehicle model airline ship boat plane hotel restaurant bar cafe "
    "school university college church court embassy award prize trophy tournament event festival law act bill "
    "treaty operation website site app language religion store shop chain bank studio publisher building street "
    "road bridge park city town village country island river mountain lake".split())
ROLE_NOUNS = frozenset("job title position role post profession occupation".split())
DATE_NOUNS = frozenset("year date day month time decade century season".split())
_NOT_NOUNS = frozenset("happened happens happen if about else kind type sort".split())

_PERCENT = re.compile(r"\b(what|which) (percentage|percent|share|proportion)\b|\bhow much of\b|\bby how much\b"
                      r"|\bpercent")
_AGE = re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b")
_HOW = re.compile(r"\bhow (many|much|long|far|big|large|tall|high|deep|fast|often|heavy|wide)\b")
_WHEN = re.compile(r"\bwhen\b|\bhow long ago\b|\bwhat time\b")
_WHERE = re.compile(r"\bwhere\b")
_WHO = re.compile(r"\b(who|whom|whose)\b|\bwhat (is|was) (his|her|their|the) name\b|\bname of\b")
_WH_NOUN = re.compile(r"\b(what|which)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+|a\s+)?"
                      r"(?:kind of |type of |sort of |two |three |other )?"
                      r"([a-z][\w-]*)(?:\s+([a-z][\w-]*))?(?:\s+([a-z][\w-]*))?")
_DEFINITION = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+(.+?)\s*[?.!]*\s*$", re.IGNORECASE)
_CAPITALISED_NAME = re.compile(r"(?:[A-Z][\w'’.-]*\s*){1,4}")
_MONEY_WORDS = frozenset(
    "cost costs costing pay pays paid paying spend spends spent sell sells sold buy buys bought earn earns earned "
    "make makes made take takes took raise raises raised worth price money fine fined bail salary budget revenue "
    "profit loss debt fee fees wage wages pension bid offer offered invest invested owe owes owed gross grossed "
    "donate donated charge charged award awarded compensation damages settlement fund funding loan turnover "
    "income deficit".split())
_COUNTED = re.compile(r"\bhow (?:many|much)\s+(?:of\s+(?:the\s+)?)?([a-z][\w-]*)")

_PREPOSITIONS = r"under|in|on|at|for|from|with|by|to|against|into|after|before|during|since|of|about|as"
_TRAILING_PREP = re.compile(rf"([\w'-]+)\s+({_PREPOSITIONS})\s*[?.!]*\s*$", re.IGNORECASE)
_FRONTED_PREP = re.compile(rf"^\s*({_PREPOSITIONS})\s+(?:what|which|whom)\b.*?([\w'-]+)\s*[?.!]*\s*$",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A question as the composer reads it."""

    text: str
    qtype: QType
    form: Form
    noun: str | None = None  # ENTITY (and typed what/which questions): the noun after what/which
    subject: str | None = None  # DEFINITION: the name to define
    counted: frozenset[str] = frozenset()  # "how many votes": the terms of what is counted
    frame: tuple[str, str] | None = None  # a preposition after the question's verb: ("of", "accus")
    measure: frozenset[str] = frozenset()  # NUMBER: the kinds of amount that answer it ("how far" → distance)

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """The question's analyzed terms, in order (computed once: every candidate sentence reads them)."""
        return tuple(analyze(self.text))

    @cached_property
    def words(self) -> frozenset[str]:
        """Its folded words, stopwords included ("say", "how" …)."""
        return frozenset(re.findall(r"[a-z]+", fold(self.text)))

    @cached_property
    def owned(self) -> frozenset[str]:
        """Terms a phrase may share with the question and still answer it: the asked-for noun ("Which
        stadium" → "Harbour Stadium"), an age's own words, and a possessive owner ("Who is Le Pen's niece?"
        → "Marion Maréchal-Le Pen")."""
        terms = set(analyze(self.noun)) if self.noun else set()
        if self.qtype is QType.AGE:
            terms |= set(analyze("old age aged year"))  # "47-year-old" holds the question's "old"
        return frozenset(terms | self.owners)

    @cached_property
    def owners(self) -> frozenset[str]:
        """The terms of a possessive owner the question names ("Who is Le Pen's niece?" → "le", "pen"): whom
        the asked-for person belongs to, not the answer."""
        return frozenset(t for w in re.findall(r"((?:[A-Z][\w’-]*\s+)*[A-Z][\w’-]*)['’]s\b", self.text)
                         for t in analyze(w))


def question_type(question: str) -> QType:
    return parse_question(question).qtype


def parse_question(question: str) -> Question:
    """The type, form and anchors of a question, from its wording (the first rule that matches)."""
    q = fold(question)
    words = re.findall(r"[\w'’-]+", q)
    form = _form(words)
    frame = preposition_frame(question)
    counted = frozenset(analyze(m.group(1))) if (m := _COUNTED.search(q)) else frozenset()
    if _PERCENT.search(q):
        return Question(question, QType.PERCENT, form, counted=counted, frame=frame)
    if _AGE.search(q):
        return Question(question, QType.AGE, form, frame=frame)
    if how := _HOW.search(q):
        return Question(question, QType.NUMBER, form, counted=counted, frame=frame,
                        measure=_measure(how.group(1), re.findall(r"[a-z]+", q)))
    if _WHEN.search(q):
        return Question(question, QType.DATE, form, frame=frame)
    if _WHERE.search(q):
        return Question(question, QType.PLACE, form, frame=frame)
    definition = _DEFINITION.match(question)
    named = definition.group(1) if definition else ""
    subject = re.sub(r"^(?:the|The)\s+", "", named)
    if subject and _CAPITALISED_NAME.fullmatch(subject) and (subject == named or subject.isupper()):
        # "Who is Anna Vell?", "What is the FN?" (an acronym): what the name stands for
        return Question(question, QType.DEFINITION, Form.OBJECT, subject=subject.strip())
    if (who := _WHO.search(q)) and not _named_thing(q, who) and not (
            who.group(1) and re.search(r"\b(?:what|which)\b", q[:who.start()])):  # "What number of people who …"
        return Question(question, QType.PERSON, form, frame=frame)
    noun_match = _WH_NOUN.search(q)
    if noun_match and noun_match.group(2) not in AUX and noun_match.group(2) not in _NOT_NOUNS and not _verb_or_name(
            question, noun_match):
        noun = noun_match.group(2)
        # the first of the next words that names a kind of answer ("what was the yearly turnover")
        for word in _before_verb(noun_match.groups()[1:]):
            single = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
            for nouns, qtype in ((PLACE_NOUNS, QType.PLACE), (PERSON_NOUNS, QType.PERSON),
                                 (NUMBER_NOUNS, QType.NUMBER), (DATE_NOUNS, QType.DATE)):
                if word in nouns or single in nouns:
                    measure = _measure(None, [single]) if qtype is QType.NUMBER else frozenset()
                    return Question(question, qtype, form, noun=word, frame=frame, measure=measure)
            if word in ROLE_NOUNS and (name := _name_in(question)):
                return Question(question, QType.DEFINITION, Form.OBJECT, subject=name)
        if not noun.endswith("ing") and frame is None:  # with a preposition frame, the phrase after it
            return Question(question, QType.ENTITY, form, noun=noun, frame=frame)
    return Question(question, QType.GENERAL, form, frame=frame)


def _measure(how: str | None, words: list[str]) -> frozenset[str]:
    """What kind of amount answers a number question: "how long" a time or a length, "how far" a distance,
    "how fast" a speed, "how much did it cost" money; empty when any number may."""
    if how == "long" or "length" in words:
        return frozenset({"time", "distance"})
    if how == "far" or "distance" in words:
        return frozenset({"distance"})
    if how == "fast":
        return frozenset({"speed"})
    if how in ("much", None) and _MONEY_WORDS.intersection(words):
        return frozenset({"money"})
    return frozenset()


_IRREGULAR_PAST = frozenset("made took gave led brought sent sold held built bought became began came drove fell grew "
                            "knew met paid ran rose saw sought spent stood stole struck taught threw told went wore "
                            "wrote".split())
_OBJECT_STARTS = frozenset("the a an to his her their its this that these those".split())


_NAME_OF = re.compile(r"\bname of (?:the |a |an )?((?:[a-z][\w-]*\s*){1,3})")


def _named_thing(q: str, who: re.Match[str]) -> bool:
    """"What is the name of the hotel?" asks for the name of a thing, not of a person."""
    if who.group(1) or (of := _NAME_OF.search(q)) is None:
        return False
    return any(w in NAMED_KINDS or w.removesuffix("s") in NAMED_KINDS for w in of.group(1).split())


def _before_verb(words: tuple[str | None, ...]) -> list[str]:
    """The words after "what" up to an auxiliary: "What motto do governors recite?" asks for a motto (the
    governors are who recites it), "What was the yearly turnover?" for a turnover."""
    out = []
    for word in words:
        if not word or word in AUX:
            break
        out.append(word)
    return out


def _verb_or_name(question: str, match: re.Match[str]) -> bool:
    """Is the word after "what" no kind of thing asked for, but the question's verb ("What caused the
    blackout?", "What is forbidden …?", "What causes the mould to spread?") or the name it asks about after
    "is" ("What is Dunmore believed to have done?", "What was the RTA's response?")?"""
    word, following = match.group(2), match.group(3)
    if (len(word) > 4 and word.endswith("ed") and not word.endswith("eed")) or word in _IRREGULAR_PAST:
        return True
    if word.endswith("s") and not word.endswith("ss") and following in _OBJECT_STARTS:
        return True
    if not re.match(r"\w+\s+(?:is|was|are|were)\s", match.group(0)):
        return False  # "What Anna Vell song …", "Which Beatle …": the name says what kind
    written = re.search(rf"(?<![\w'’-]){re.escape(word)}(?![\w-])", question, re.IGNORECASE)
    return written is not None and written.start() > 0 and written.group()[:1].isupper()


def _name_in(question: str) -> str | None:
    """The first capitalised name inside a question (not its first word): "What job did Dunmore have?"."""
    match = re.search(r"(?<=\s)[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*", question)
    return match.group(0) if match else None


def _form(words: list[str]) -> Form:
    """Subject questions put a verb right after the wh-phrase ("who beat", "which party won", "who was
    nominated"); object questions an auxiliary and then the subject ("who did she beat")."""
    wh = next((i for i, w in enumerate(words) if w in ("what", "which", "who", "whom", "whose")), None)
    if wh is None:
        return Form.OBJECT
    if wh > 0 and wh >= len(words) - 2:
        return Form.END
    rest = words[wh + 1:]
    if len(rest) > 2 and rest[0] in ("kind", "type", "sort") and rest[1] == "of":
        rest = rest[3:]
    elif words[wh] in ("what", "which") and len(rest) > 1 and rest[0] not in AUX:
        rest = rest[1:]  # "which party won": past the noun
    if rest and rest[0] in AUX:
        if words[wh] != "whom" and len(rest) > 1 and rest[1].endswith(("ed", "en")):
            return Form.SUBJECT  # a passive: "Who was nominated ...?"
        if words[wh] != "whom" and len(rest) > 1 and rest[0] in ("is", "was", "are", "were") and rest[1] == "the":
            return Form.SUBJECT  # "Who is the mayor of Eastbrook?": the answer is the subject of "is"
        return Form.OBJECT
    return Form.SUBJECT


def counted_terms(question: str) -> frozenset[str]:
    """'How many votes …' counts votes: a number right before that word is the answer."""
    return parse_question(question).counted


def preposition_frame(question: str) -> tuple[str, str] | None:
    """'What is Dunmore accused of?' and 'Under what rules were the trials held?' ask for what follows
    a preposition after a verb: ('of', 'accus'), ('under', 'hold')."""
    match = _TRAILING_PREP.search(question) or _FRONTED_PREP.search(question)
    if not match:
        return None
    if match.re is _TRAILING_PREP:
        verb, prep = match.group(1), match.group(2)
    else:
        prep, verb = match.group(1), match.group(2)
    terms = analyze(verb)
    return (prep.lower(), terms[-1]) if terms else None
