"""Reading a question in the context of the one before it.

A question is a **follow-up** (elliptical) when one of these rules holds, checked in order:

1. **Connective**: it opens with "and", "but", "also", "what about", "how about", "same for" ("and in
   the south?", "what about Sarkozy?").
2. **Fragment**: it has no question word and does not open with a verb, it holds a name, place, time,
   direction or ordinal the previous question lacks, and every other content word in it is already in
   the previous question ("In the south?", "In 2010?", "The second round?", "Marine Le Pen?"); and the
   previous question was a question (a word like "Maréchal" has no slot to fill).
3. **Back-reference**: it refers back with a pronoun ("how old is she?", "what did they win?") that
   nothing before it in the question can stand for (no name or other content word between the
   question word and the pronoun: not "what did the pilot's wife beg him to do?"), or with
   "there" / "then" ("who won there?").
4. **Bare question**: it has no content word at all beyond the question words ("why?", "when was
   that?", "where did it happen?", "how many?").

Anything else is **self-contained**: it starts a new thread and is asked exactly as typed (no
rewriting, no preferred story), so it gets the answer it would get on its own.

A follow-up is rewritten into a full question from the previous turn (its question as answered,
short answer and cited story):

- a fragment **replaces** the part of the previous question it stands for: a word of the same kind
  (north → south, first → second, 2010 → 2012, December → May), a name (the one sharing a word with
  it, else the first), or the phrase with the same preposition; with none, it is added ("… in 2010?",
  "… about immigration?");
- a pronoun is **replaced** by what it refers to: he/she/him/her by the previous short answer when it
  was a person, else by the first name of the previous question; they/them/their by its first name;
  there by its place; then by its time;
- a bare question about "that" asks the new question of the previous **event**: "When did Marine Le Pen
  write on Twitter?" from "What did Marine Le Pen write on Twitter?", or "When was it that Xavier
  Bertrand beat Le Pen in the north?" from the previous answer's lead sentence.

The story the previous answer cited is preferred (a small bonus when the evidence is otherwise equal).
Pure functions: no index, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.answer import QType
from index import analyze, fold

from ._turn import Turn


class Rule(StrEnum):
    """Why a question was read as a follow-up."""

    CONNECTIVE = "connective"
    FRAGMENT = "fragment"
    BARE = "bare"
    REFERENCE = "reference"


@dataclass(frozen=True)
class Rewritten:
    """A follow-up made whole: the question to ask, the stories to prefer, and what to tell the reader."""

    question: str
    prefer: frozenset[str]
    note: str
    rule: Rule


# ------------------------------------------------------------------------------------ words

_WH = frozenset("who whom whose what which when where why how".split())
_AUX = frozenset("is are was were do does did has have had will would can could should may might must be "
                 "been being".split())
_PERSONAL = {"he": "subject", "she": "subject", "him": "object", "her": "her", "his": "possessive",
             "hers": "object", "they": "subject", "them": "object", "their": "possessive", "theirs": "object"}
_GROUP = frozenset("they them their theirs".split())
_EVENT = frozenset("that it this".split())
_PREPOSITIONS = frozenset("in on at for from with by to against into after before during since of about as "
                          "under over near within across".split())
_DETERMINERS = frozenset("the a an this that these those its his her their our my your".split())
# not content: question frames, fillers, and what only points back
_FRAME = frozenset("happen happened happens happening exactly exact next else also too so really then there "
                   "old many much long far often big large tall again instead now later yet year date day month time "
                   "age reason".split())
_EVENT_HEADS = frozenset("when where why how since until".split())  # what "was that?" can be asked with
_WHAT_TIME = frozenset("year date day month time age reason".split())  # ... and "what year", "for what reason"
_FUNCTION = (_WH | _AUX | _PREPOSITIONS | _DETERMINERS | set(_PERSONAL) | _EVENT | _FRAME |
             frozenset("and but or also i me we us you it's not no yes did does".split()))
_CONNECTIVE = re.compile(
    r"^\s*(?:(?:and|but|so|ok|okay|also)\s*,?\s+)?"
    r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|with|in|about)|(?:and|but|also))\b[\s,:]*",
    re.IGNORECASE)

_DIRECTIONS = {w: w for w in "north south east west centre center northeast northwest southeast southwest".split()}
_DIRECTIONS |= {"northern": "north", "southern": "south", "eastern": "east", "western": "west", "central": "centre",
                "north-east": "northeast", "north-west": "northwest", "south-east": "southeast",
                "south-west": "southwest", "northeastern": "northeast", "northwestern": "northwest",
                "southeastern": "southeast", "southwestern": "southwest"}
_ADJECTIVE = {"north": "northern", "south": "southern", "east": "eastern", "west": "western", "centre": "central",
              "center": "central", "northeast": "northeastern", "northwest": "northwestern",
              "southeast": "southeastern", "southwest": "southwestern"}
_ORDINALS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth last next previous final "
                      "1st 2nd 3rd 4th 5th".split())
_MONTHS = frozenset("january february march april may june july august september october november december".split())
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_PARTICLES = frozenset("de la le du des d' van von al bin da di del der".split())

_TOKEN = re.compile(r"[\w][\w'’.-]*[\w]|[\w]")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return fold(self.text).rstrip(".")

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def word_class(word: str) -> str | None:
    """The kind of a slot word: direction, ordinal, year, month or weekday (None for any other word)."""
    low = fold(word).rstrip(".").removesuffix("'s").removesuffix("’s")
    if low in _DIRECTIONS:
        return "direction"
    if low in _ORDINALS:
        return "ordinal"
    if _YEAR.match(low):
        return "year"
    if low in _MONTHS:
        return "month"
    if low in _WEEKDAYS:
        return "weekday"
    return None


@dataclass(frozen=True)
class _Name:
    """A run of capitalised words (with particles inside): "Marion Marechal-Le Pen", "National Front"."""

    text: str
    start: int
    end: int
    after: str | None  # the preposition right before it, if any

    @property
    def words(self) -> set[str]:
        return {t for t in (fold(w).removesuffix("'s").removesuffix("’s") for w in re.split(r"[\s-]+", self.text))
                if t and t not in _PARTICLES}


def names(text: str, *, sentence_start: bool = True) -> list[_Name]:
    """The names in a text, by capitals: question and function words and slot words (months, weekdays)
    are not names, nor is the first word on its own when the text starts a sentence ("Immigration?"),
    unless it is an acronym ("FN?")."""
    tokens = _tokens(text)
    found: list[_Name] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _name_word(token):
            i += 1
            continue
        if (i == 0 and sentence_start and not (len(token.text) > 1 and token.text.isupper())
                and not (len(tokens) > 1 and tokens[1].start - token.end <= 1 and _name_word(tokens[1]))):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].start - tokens[j].end <= 1:
            nxt = tokens[j + 1]
            if _name_word(nxt) or (nxt.low in _PARTICLES and j + 2 < len(tokens) and _name_word(tokens[j + 2])):
                j += 1
            else:
                break
        end = tokens[j].end
        name_text = text[token.start:end]
        for suffix in ("'s", "’s"):
            if name_text.endswith(suffix):
                name_text, end = name_text[: -len(suffix)], end - len(suffix)
        before = tokens[i - 1].low if i > 0 else None
        found.append(_Name(name_text, token.start, end, before if before in _PREPOSITIONS else None))
        i = j + 1
    return found


def _name_word(token: _Token) -> bool:
    return token.capitalised and token.low not in _FUNCTION and word_class(token.text) is None and token.low != "i"


def _content(text: str) -> list[str]:
    """The content words of a text: no question, function or frame words (analyzed terms)."""
    words = [t.low for t in _tokens(text) if t.low not in _FUNCTION]
    return [term for word in words for term in analyze(word)]


def _strip_end(text: str) -> str:
    return text.strip().rstrip("?!.").strip()


# ------------------------------------------------------------------------------ the decision


def _connective(text: str) -> str | None:
    """The question without its opening connective, or None when it has none."""
    match = _CONNECTIVE.match(text)
    if match is None or not text[match.end():].strip(" ?!.,"):
        return None
    return text[match.end():].strip()


def _is_fragment(text: str, previous: Turn) -> bool:
    before = _tokens(previous.question)
    if not (_wh_question(before) or (before and before[0].low in _AUX)):
        return False  # a fragment fills a slot of the previous question: it needs one that is a question
    tokens = _tokens(text)
    if not tokens or any(t.low in _WH for t in tokens) or tokens[0].low in _AUX or len(tokens) > 8:
        return False
    if all(t.low in _FUNCTION for t in tokens):
        return False
    slots = {t.low for t in tokens if word_class(t.text)} | {w for n in names(text) for w in n.words}
    known = set(_content(previous.question))
    if not slots - {t.low for t in _tokens(previous.question)}:
        return False  # nothing new: no place, name or time the previous question lacks
    for token in tokens:
        if token.low in _FUNCTION or token.low in slots or any(token.low in n.words for n in names(text)):
            continue
        if not set(analyze(token.text)) <= known:
            return False
    return True


def _wh_question(tokens: list[_Token]) -> bool:
    """Does it open with a question word (after a preposition: "in what year")?"""
    return bool(tokens) and (tokens[0].low in _WH | _EVENT_HEADS or (
        len(tokens) > 1 and tokens[0].low in _PREPOSITIONS and tokens[1].low in _WH))


def _is_bare(text: str) -> bool:
    """A question about "that" with no content word of its own: "why?", "when was that?", "in what year?"."""
    tokens = _tokens(text)
    if not _wh_question(tokens) or _content(text):
        return False
    at = next(i for i, t in enumerate(tokens) if t.low in _WH | _EVENT_HEADS)
    if tokens[at].low in _EVENT_HEADS:
        return True
    return at + 1 < len(tokens) and tokens[at + 1].low in _WHAT_TIME  # "what year?", "for what reason?"


def _references(text: str) -> list[_Token]:
    """The pronouns (and there/then) of a question that refer outside it: a pronoun with nothing
    before it that it could stand for (no name or other content word after the question word and its
    noun: "what did she write", "how many votes did they win", but not "what did the pilot's wife
    beg him to do" or "who said that they …"); "there" unless existential; "then"."""
    tokens = _tokens(text)
    opening = _question_phrase(tokens)
    out = []
    for i, token in enumerate(tokens):
        low = token.low
        if low in _PERSONAL:
            if not any(t.low not in _FUNCTION or _name_word(t) for t in tokens[opening:i]):
                out.append(token)
        elif low == "there":
            existential = (i > 0 and tokens[i - 1].low in _AUX) or (i + 1 < len(tokens) and tokens[i + 1].low in _AUX)
            if not existential:
                out.append(token)
        elif low == "then" and i > 0:
            out.append(token)
    return out


def _question_phrase(tokens: list[_Token]) -> int:
    """Where the question's own words start: after "which region did", "how many votes did", "what
    percentage of the votes did" (a question word, up to five words that are no pronoun, an auxiliary);
    0 when it does not open that way."""
    if not _wh_question(tokens):
        return 0
    for i, token in enumerate(tokens[:8]):
        if token.low in _PERSONAL:
            return 0
        if token.low in _AUX:
            return i + 1
    return 0


def is_follow_up(question: str, previous: Turn | None) -> Rule | None:
    """Which rule makes the question a follow-up of previous, or None when it is self-contained."""
    if previous is None:
        return None
    text = question.strip()
    if _connective(text) is not None:
        return Rule.CONNECTIVE
    if _is_fragment(text, previous):
        return Rule.FRAGMENT
    if _references(text):
        return Rule.REFERENCE
    if _is_bare(text):
        return Rule.BARE
    return None


# ----------------------------------------------------------------------------- the rewriting


def follow_up(previous: Turn | None, question: str) -> Rewritten | None:
    """The question made whole from the previous turn when it is a follow-up; None when it is
    self-contained (then it is asked exactly as typed)."""
    rule = is_follow_up(question, previous)
    if rule is None or previous is None:
        return None
    text = question.strip()
    rest = _connective(text) if rule is Rule.CONNECTIVE else text
    assert rest is not None
    tokens = _tokens(rest)
    if not tokens or not (_wh_question(tokens) or tokens[0].low in _AUX):
        whole = _substitute(rest, previous, sentence_start=rule is not Rule.CONNECTIVE)
    elif (resolved := _resolve(rest, previous)) != _strip_end(rest):
        whole = resolved
    elif _is_bare(rest):
        whole = _event(rest, previous)
    else:
        whole = rest
    whole = _tidy(whole)
    prefer = frozenset(previous.articles[:1]) if previous.found else frozenset()
    note = f"Follow-up, understood as: {whole}"
    return Rewritten(whole, prefer, note, rule)


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    return _strip_end(text) + "?"


# a fragment: replace the part of the previous question it stands for


def _substitute(fragment: str, previous: Turn, *, sentence_start: bool) -> str:
    base = _strip_end(previous.question)
    frag = _strip_end(fragment)
    out, changed = base, False
    # 1. each word of a kind (north → south, first → second, 2010 → 2012) replaces one of the same kind
    slot_tokens = [t for t in _tokens(frag) if word_class(t.text)]
    for token in slot_tokens:
        kind = word_class(token.text)
        for old in _tokens(out):
            if word_class(old.text) == kind and old.low != token.low:
                out = out[:old.start] + _slot_word(token, old) + out[old.end:]
                changed = True
                break
    # 2. a name replaces the one sharing a word with it, else one after the same preposition, else the first
    new_names = names(frag, sentence_start=sentence_start)
    if new_names:
        new = new_names[0]
        target = _name_target(new, names(out))
        if target is not None:
            whole_phrase = not slot_tokens and new.after is None and len(new_names) == 1
            replacement = _strip_determiner(frag, out, target) if whole_phrase else new.text
            out = out[:target.start] + replacement + out[target.end:]
            changed = True
    if changed:
        return out
    # 3. a phrase with a preposition replaces the place or time phrase with the same one ("in the north"
    # → "in Bordeaux"), or is added ("… in 2010?"); anything else is what the question is now about
    tokens = _tokens(frag)
    if tokens and tokens[0].low in _PREPOSITIONS:
        slot = _prepositional_slot(base, tokens[0].low)
        if slot is not None:
            return base[:slot[0]] + frag[tokens[1].start:] + base[slot[1]:]
        return f"{base} {frag}"
    return f"{base} about {frag}"


def _slot_word(token: _Token, old: _Token) -> str:
    """The new slot word in the form of the old one (north → south; northern → southern)."""
    kind = word_class(token.text)
    if kind == "direction":
        direction = _DIRECTIONS[token.low]
        return _ADJECTIVE.get(direction, direction) if old.low in _ADJECTIVE.values() else direction
    if kind in ("month", "weekday"):
        return token.text.capitalize()
    return token.low if kind == "ordinal" else token.text


def _name_target(new: _Name, old_names: list[_Name]) -> _Name | None:
    """The name a new one replaces: after the same preposition when it has one ("in Lille"); else the
    one sharing a word with it (Marine Le Pen → Marion Marechal-Le Pen), else the first not after a
    preposition, else the first."""
    if new.after:
        return next((n for n in old_names if n.after == new.after), None)
    shared = [n for n in old_names if n.words & new.words and n.text != new.text]
    plain = [n for n in old_names if n.after is None]
    for candidates in (shared, plain, old_names):
        if candidates:
            return candidates[0]
    return None


def _prepositional_slot(text: str, preposition: str) -> tuple[int, int] | None:
    """Where the object of a place or time phrase with that preposition is: "in [the north]",
    "in [Bordeaux]", "after [the first round]" (a slot word or a name, with "the")."""
    tokens = _tokens(text)
    found = names(text)
    for i, token in enumerate(tokens[:-1]):
        if token.low != preposition:
            continue
        j = i + 2 if tokens[i + 1].low == "the" and i + 2 < len(tokens) else i + 1
        if word_class(tokens[j].text) is not None:
            end = tokens[j + 1].end if j + 1 < len(tokens) and tokens[j + 1].low not in _FUNCTION else tokens[j].end
            return tokens[i + 1].start, end
        name = next((n for n in found if n.start == tokens[j].start), None)
        if name is not None:
            return tokens[i + 1].start, name.end
    return None


def _strip_determiner(replacement: str, base: str, target: _Name) -> str:
    """'the Socialists' replacing 'National Front' in 'the National Front' keeps one 'the'."""
    words = replacement.split()
    before = base[:target.start].rstrip().split()
    if len(words) > 1 and fold(words[0]) in _DETERMINERS and before and fold(before[-1]) in _DETERMINERS:
        return " ".join(words[1:])
    return replacement


# a question with pronouns: each replaced by what it refers to


def _person(previous: Turn) -> str | None:
    if previous.short and previous.qtype is QType.PERSON:
        return previous.short
    found = names(previous.question)
    return found[0].text if found else None


def _group(previous: Turn) -> str | None:
    found = names(previous.question)
    if found:
        name = found[0]
        before = previous.question[:name.start].rstrip().split()
        return f"the {name.text}" if before and fold(before[-1]) == "the" else name.text
    return previous.short if previous.qtype in (QType.PERSON, QType.ENTITY) else None


def _place(previous: Turn) -> str | None:
    if previous.short and previous.qtype is QType.PLACE:
        return f"in {previous.short}"
    tokens = _tokens(previous.question)
    for i, token in enumerate(tokens[:-1]):
        if token.low not in ("in", "at"):
            continue
        j = i + 2 if tokens[i + 1].low == "the" and i + 2 < len(tokens) else i + 1
        if word_class(tokens[j].text) == "direction":
            return previous.question[token.start:tokens[j].end]
    for name in names(previous.question):
        if name.after in ("in", "at", "from"):
            return f"{name.after} {name.text}"
    return None


def _time(previous: Turn) -> str | None:
    if previous.short and previous.qtype is QType.DATE:
        return previous.short if previous.short.split()[0].lower() in _PREPOSITIONS else f"in {previous.short}"
    for token in _tokens(previous.question):
        if word_class(token.text) in ("year", "month"):
            return f"in {token.text}"
    return None


def _resolve(text: str, previous: Turn) -> str:
    out = _strip_end(text)
    for token in sorted(_references(out), key=lambda t: -t.start):
        low = token.low
        if low == "there":
            referent = _place(previous)
        elif low == "then":
            referent = _time(previous)
        elif low in _GROUP:
            referent = _group(previous)
            if referent and _PERSONAL[low] == "possessive":
                referent += "'s"
        else:
            referent = _person(previous)
            role = _PERSONAL[low]
            if referent and (role == "possessive" or (role == "her" and _possessive_her(out, token))):
                referent += "'s"
        if referent is None:
            continue
        out = out[:token.start] + referent + out[token.end:]
    return out


def _possessive_her(text: str, token: _Token) -> bool:
    """'her' before a noun is possessive ("her niece"), at the end or before a preposition an object."""
    after = text[token.end:].split()
    return bool(after) and fold(after[0]).strip("?.!,") not in _PREPOSITIONS | _FRAME | {"and", "or"}


# a bare question ("when?", "why was that?"): the new question about the previous event

_PREVIOUS_HEAD = re.compile(
    r"^\s*(?:(?:in|on|at|under|for|from|with|by|to|after|before|during|since)\s+)?"
    r"(?:who|whom|what|which|when|where|why|how(?:\s+(?:many|much|long|old|far|often))?)(?:\s+[a-z]+){0,4}?\s+"
    r"(?P<aux>did|does|do|has|have|had|will|would|can|could|is|are|was|were)\s+(?P<rest>.+)$",
    re.IGNORECASE)


def _event(text: str, previous: Turn) -> str:
    """'When was that?' after 'What did Marine Le Pen write on Twitter?' → 'When did Marine Le Pen write on
    Twitter?'; after 'Who beat Le Pen in the north?' (answered) → 'When was it that Xavier Bertrand beat …?'."""
    text = _strip_end(text)
    tokens = _tokens(text)
    end = next((t.start for t in tokens if t.low in _AUX | _EVENT | set(_PERSONAL) | {"happen", "happened"}),
               len(text))
    head = text[:end].strip() or text
    base = _strip_end(previous.question)
    copula = False
    match = _PREVIOUS_HEAD.match(base)
    if match is not None:
        aux = match.group("aux")
        copula = aux.lower() in ("is", "are", "was", "were")
        if not copula or previous.lead is None:
            rest = re.sub(rf"\s+(?:{'|'.join(sorted(_PREPOSITIONS))})$", "", match.group("rest"))
            return f"{head} {aux} {rest}"
    if previous.lead:
        return f"{head} was it that {_strip_end(previous.lead)}"
    words = base.split()
    content = " ".join(w for w in words if fold(w) not in _WH) or base
    return f"{head}: {content}"
