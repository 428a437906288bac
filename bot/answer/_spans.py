"""The short answer: the phrase of a quoted sentence that answers the question.

Candidates are phrases of the kind asked for (names, places, dates, numbers, ages, titles before a
name) or, for other questions, the runs of words the question does not contain that sit right next to
the words it does ("What is Dunmore accused of?" → the words after "accused of"). A candidate scores by
how closely the question's own words surround it: a phrase right after "nominated" answers "Who was
nominated …?", one three clauses away does not. Nothing here guesses: no candidate, no short answer."""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from index import analyze, fold, token_terms

from ._phrases import (
    TITLES,
    age_spans,
    date_spans,
    frame_spans,
    measures,
    name_spans,
    number_spans,
    place_spans,
)
from ._qtypes import AUX, Form, QType, Question

Match = Callable[[str], bool]  # is this analyzed term one of the question's (or an alternative)?


@dataclass(frozen=True)
class AnswerSpan:
    """A phrase of a sentence that answers the question, with how sure the choice is."""

    start: int
    end: int
    score: float  # the question's words around it; higher is closer
    typed: bool  # a phrase of the asked kind (a name, a date, a number), not just the words next to them
    counted: bool = False  # a number followed by what the question counts ("six million votes")
    sole: bool = False  # the only phrase of the asked kind (a date, an amount, an age) in the sentence


class _Tok(NamedTuple):
    """A whitespace-separated word of the sentence: where it is, its text without surrounding
    punctuation, its analyzed terms and which of them the question holds. A tuple, made with
    ``tuple.__new__`` in `_read`: a question makes a few hundred of these, and a class's __init__ cost
    twice as much."""

    start: int
    end: int
    text: str
    raw: str
    terms: tuple[str, ...]
    found: frozenset[str]
    low: str
    matched: bool  # found is not empty (a field, not a property: read a few thousand times a question)


_new_tok = tuple.__new__


_EDGE = "\"'“”‘’()[]{},.;:!?`«»"
_STOPS = (".", ";", ":")  # a word ending in one (the words hold no whitespace: "[.;:]$")
_START = operator.attrgetter("start")
_END = operator.attrgetter("end")
_POSSESSIVE_BEFORE = re.compile(r"['’]s\s+$")
_LISTED = re.compile(r",|\sand\s|\sor\s")
_NOTHING: frozenset[str] = frozenset()


@lru_cache(maxsize=200_000)
def _word(raw: str) -> tuple[int, int, str, tuple[str, ...], str]:
    """What a whitespace-separated word is wherever it stands: where its text starts and ends within it
    (surrounding punctuation off), that text, its analyzed terms and its lower case. Remembered by the
    word as written: sentences reuse the same words, and this was most of a token's cost."""
    core = raw.strip(_EDGE)
    offset = 0 if raw[0] not in _EDGE else len(raw) - len(raw.lstrip(_EDGE))
    return offset, offset + len(core), core, token_terms(core) if core else (), core.lower()


def _tokens(text: str, match: Match) -> list[_Tok]:
    """The sentence's words (`_read`)."""
    return _read(text, match)[0]


def _read(text: str, match: Match) -> tuple[list[_Tok], list[int]]:
    """The sentence's words, and where the question's are (ascending); most words have one analyzed
    term or none (a stopword), which is checked without building a list (a question tokenizes a
    hundred-odd words per sentence it reads)."""
    out: list[_Tok] = []
    matched: list[int] = []
    append = out.append
    word = _word
    find = text.index
    at = 0
    for raw in text.split():  # (each word found from the last one's end)
        at = find(raw, at)
        offset, end, core, terms, low = word(raw)
        is_matched = False
        if not terms:
            found = _NOTHING
        elif len(terms) == 1:
            if match(terms[0]):
                found = frozenset(terms)
                matched.append(len(out))
                is_matched = True
            else:
                found = _NOTHING
        else:
            hit = [t for t in terms if match(t)]
            if hit:
                found = frozenset(hit)
                matched.append(len(out))
                is_matched = True
            else:
                found = _NOTHING
        append(_new_tok(_Tok, (at + offset, at + end, core, raw, terms, found, low, is_matched)))
        at += len(raw)
    return out, matched


def _near(matched: list[int], lo: int, hi: int) -> int:
    """How many of the question's words (ascending positions) stand in [lo, hi)."""
    return bisect.bisect_left(matched, hi) - bisect.bisect_left(matched, lo)


def _distance(matched: list[int], lo: int, last: int) -> int:
    """The least distance from a question word to either end of a phrase (0 when there is none)."""
    best: int | None = None
    for x in (lo, last):
        k = bisect.bisect_left(matched, x)
        if k < len(matched) and (best is None or matched[k] - x < best):
            best = matched[k] - x
        if k and (best is None or x - matched[k - 1] < best):
            best = x - matched[k - 1]
    return 0 if best is None else best


def definition_spans(toks: list[_Tok], subject: str) -> list[tuple[int, int]]:
    """'Ruritanian Prime Minister Anna Vell' and 'Tom Quarrie, a 19-year-old student in Eastbrook,': the words
    that say what the subject is, before it or after it."""
    terms = set(analyze(subject))
    at = [i for i, t in enumerate(toks) if t.terms and set(t.terms) & terms]
    if not at:
        return []
    first, last = at[0], at[-1]
    out = []
    j = first
    stops = ("the", "a", "an", "and", "by", "with", "said", "says", "told", "to", "of", "for", "that")
    while j > max(0, first - 6) and not re.search(r"[,;:()\"“”]$", toks[j - 1].raw) and toks[j - 1].low not in stops:
        j -= 1
    if j < first:
        out.append((toks[j].start, toks[first - 1].end))
    if last + 1 < len(toks) and toks[last].raw.endswith(","):
        end = last + 1
        while end < min(len(toks), last + 15):
            end += 1
            if re.search(r"[,;:).]$", toks[end - 1].raw):
                break
        out.append((toks[last + 1].start, toks[end - 1].end))
    return out


# ------------------------------------------------------------------------------------------ gaps
_LEAD_WORDS = frozenset("with of for to as by in on at into from that about over than the a an and or but".split())
_CLAUSE_WORDS = frozenset("said says say told tells according who which where while when because although though "
                          "after before since if whose".split())
_BREAK = re.compile(r"[;:()\[\]\"“”]|--|—")
_FUNCTION = _LEAD_WORDS | AUX | frozenset("his her their its".split())
_ADVERBS = frozenset("first also later then now still never already just once again recently reportedly".split())


def _gaps(toks: list[_Tok]) -> list[tuple[int, int, bool, bool]]:
    """Runs of words the question does not contain, cut at punctuation and clause words: (first token,
    end token, a question word right before, a question word right after)."""
    out = []
    n = len(toks)
    i = 0
    while i < n:
        if toks[i].matched or not toks[i].text:
            i += 1
            continue
        j = i
        while j < n and not toks[j].matched and toks[j].text:
            raw = toks[j].raw
            if j > i and _BREAK.search(raw[: len(raw) - len(raw.lstrip(_EDGE))]):
                break
            j += 1
            tail = raw[len(raw.rstrip(_EDGE)):]
            if _BREAK.search(tail) or tail.startswith("."):
                break
            if tail.startswith(",") and not (j < n and _list_goes_on(toks, j)):
                break
        after = i > 0 and (toks[i - 1].matched or (i > 1 and toks[i - 2].matched and toks[i - 1].low in _LEAD_WORDS))
        before = j < n and toks[j].matched
        a, b = i, j
        while a < b and (toks[a].low in _LEAD_WORDS or toks[a].low in AUX):
            a += 1
        while b > a and (toks[b - 1].low in _LEAD_WORDS or toks[b - 1].low in AUX):
            b -= 1
        for k in range(a + 1, b):
            if toks[k].low in _CLAUSE_WORDS:
                b = k
                break
        if b > a and any(t.terms for t in toks[a:b]) and toks[a].low not in _CLAUSE_WORDS:
            out.append((a, min(b, a + 14), after, before))
        i = max(j, i + 1)
    return out


def _list_goes_on(toks: list[_Tok], j: int) -> bool:
    ahead = [t.low for t in toks[j:j + 5]]
    if not ahead or ahead[0] in _CLAUSE_WORDS or ahead[0] in ("the", "a", "an", "he", "she", "it", "they", "we", "i"):
        return False
    return "and" in ahead or "or" in ahead


# ------------------------------------------------------------------------------------------ choosing
def _neighbours(toks: list[_Tok], lo: int, hi: int) -> tuple[bool, bool]:
    """A question word right before the span, right after it (a few function words between allowed)."""
    left = right = False
    k, steps = lo - 1, 0
    while k >= 0 and steps < 3:
        if toks[k].matched:
            left = True
            break
        if toks[k].low not in _FUNCTION or toks[k].raw.endswith(_STOPS):
            if toks[k].text[:1].isupper() and _in_matched_name(toks, k):
                left = True  # "Zedville Air Base in southern Ruritania": after the question's name, all of it
            break
        k, steps = k - 1, steps + 1
    k, steps = hi, 0
    while k < len(toks) and steps < 3 and not toks[k - 1].raw.endswith(_STOPS):
        if toks[k].matched:
            right = True
            break
        if toks[k].low not in _FUNCTION and toks[k].low not in _ADVERBS:  # "Jane Doe first spotted"
            break
        k, steps = k + 1, steps + 1
    if not right and toks[hi - 1].raw.endswith(","):
        right = any(t.matched for t in toks[hi:hi + 4])  # an appositive: "Peter Holm, a former harbour master …"
    return left, right


def _in_matched_name(toks: list[_Tok], k: int) -> bool:
    """Is toks[k] the end of a run of capitalised words that holds a question word ("Zedville Air Base")?"""
    j = k
    while j >= 0 and toks[j].text[:1].isupper() and k - j < 5:
        if toks[j].matched:
            return True
        if j and toks[j - 1].raw.endswith((*_STOPS, ",")):
            break
        j -= 1
    return False


def _is_title(tok: _Tok) -> bool:
    return fold(tok.text.rstrip(".")) in TITLES


def _token_range(toks: list[_Tok], start: int, end: int) -> tuple[int, int] | None:
    # the words' starts and ends both rise along the sentence: those within [start, end] are one run
    inside = [i for i in range(bisect.bisect_left(toks, start, key=_START), bisect.bisect_right(toks, end, key=_END))
              if toks[i].text]
    if not inside:  # inside one token: "47" of "47-year-old"
        inside = [i for i, t in enumerate(toks) if t.start <= start and t.end >= end]
    return (inside[0], inside[-1] + 1) if inside else None


def _typed_candidates(question: Question, text: str, toks: list[_Tok]) -> list[tuple[int, int]]:
    qtype = question.qtype
    if qtype is QType.NUMBER:
        return number_spans(text)
    if qtype is QType.PERCENT:
        return [s for s in number_spans(text) if re.search(r"%|percent|per cent", text[s[0]:s[1]])]
    if qtype is QType.AGE:
        return age_spans(text)
    if qtype is QType.DATE:
        return date_spans(text)
    if qtype is QType.PLACE:
        if question.noun is None:  # "Where …?": a place is said with in/at/near/from, a bare name is anyone's
            return place_spans(text)
        return list(dict.fromkeys(place_spans(text) + name_spans(text)))  # "Which countries …?" names them
    if qtype in (QType.PERSON, QType.ENTITY):
        return name_spans(text)
    if qtype is QType.DEFINITION:
        return definition_spans(toks, question.subject or "")
    return frame_spans(text, question.frame) if question.frame else []


# "Who beat Le Pen?" is answered after "lost to": the converse verb puts the winner after it.
_WIN = frozenset(analyze("win won beat defeated"))
_LOSE = frozenset(analyze("lost lose losing trailed trailing")) | {"trail"}
_WH_WORDS = frozenset("what which who whom whose when where how why".split())
_NEGATED = frozenset("fail failed fails failing unable not never".split())
_SAYING = frozenset("say says said tell tells told claim claims claimed state states stated describe describes "
                    "described think thinks thought believe believes believed write writes wrote tweet tweeted "
                    "post posted".split())


def wants_phrase(question: Question) -> bool:
    """Whether the question asks for a phrase that can lift its sentence in the ranking (decided before any
    sentence is read). "What did Le Pen say?" is answered by the statement reported (`_reported`), which
    never does: the sentences rank on their words alone."""
    words = question.words
    if question.qtype in (QType.GENERAL, QType.ENTITY) and not words & _WH_WORDS:
        return False  # a few keywords ("Maréchal", "FN") ask for no particular phrase
    # "How is she related to …?", "Why …?" ask for a manner or a reason: the quote is the answer, not a
    # phrase of it
    return not (question.qtype is QType.GENERAL and (_SAYING & words or "how" in words or "why" in words))


def _asks_said(question: Question) -> bool:
    """"What did Le Pen say?", "What does the report claim?": a statement is asked for."""
    words = question.words
    return (question.qtype is QType.GENERAL and bool(words & _WH_WORDS) and bool(_SAYING & words)
            and "how" not in words and "why" not in words)


def find_answer(question: Question, text: str, match: Match, *, anywhere: bool = False) -> AnswerSpan | None:
    """The phrase of text that best answers question, or None when no phrase fits. With anywhere, a
    sentence without the question's words may still offer a phrase of the asked kind (a neighbour that
    completes the quote: "... the 47-year-old politician wrote")."""
    if _asks_said(question):
        # "What did Le Pen say?": what the sentence reports her saying ("Hussein said the U.S. used it as
        # what?" asks for something else: the phrase after "as"). Not typed: the ranking stays.
        return _reported(_tokens(text, match)) if question.form is not Form.END else None
    if not wants_phrase(question):
        return None
    qtype = question.qtype
    candidates = None if qtype is QType.DEFINITION else _typed_candidates(question, text, [])
    if candidates == [] and (qtype not in (QType.GENERAL, QType.ENTITY) or question.frame):
        return None  # no phrase of the asked kind, and none is looked for between the question's words
    toks, matched = _read(text, match)
    if not matched and not anywhere:
        return None
    question_terms = set(question.terms)
    negated = None  # "the Front National winning its first region failed to materialize": no winner before it
    if question.qtype in (QType.PERSON, QType.ENTITY) and question.form is Form.SUBJECT:
        verb = _anchor(question, toks)
        if verb is not None and any(t.low in _NEGATED for t in toks[max(0, verb - 3):verb + 9]):
            negated = verb
    converse = None  # where "lost to" / "trailing" is: the winner comes right after it
    if question.qtype in (QType.PERSON, QType.ENTITY) and question_terms & _WIN:
        converse = next((i for i, t in enumerate(toks) if set(t.terms) & _LOSE), None)
    noun_terms = question.owned
    best: AnswerSpan | None = None
    kinds = 0  # phrases of the asked kind that fit
    if candidates is None:
        candidates = _typed_candidates(question, text, toks)
    for start, end in candidates:
        rng = _token_range(toks, start, end)
        if rng is None:
            continue
        lo, hi = rng
        listed = False
        if qtype in (QType.PERSON, QType.PLACE, QType.ENTITY) and text[start:start + 1].isupper():
            # "Eastbrook Mayor Anna B. Vell": titles before a name, and the question's words before a title,
            # are not the answer (an abbreviated rank is written as part of the name: "Lt. Gen. Jane Q. Public")
            while lo < hi - 1 and toks[lo + 1].text[:1].isupper() and not toks[lo].raw.endswith(".") and (
                    _is_title(toks[lo]) or (toks[lo].matched and _is_title(toks[lo + 1]))):
                lo += 1
            if any(t.found - noun_terms for t in toks[lo:hi]):
                continue  # "Where is Zedville?" is not answered by "Zedville Air Base"
            if question.owners:  # "Who is Anna Vell's daughter?": "Nora Vell", not "Anna Vell and Nora Vell"
                kept = _without_owner(toks, lo, hi, question.owners)
                if kept is None:
                    continue
                listed = kept != (lo, hi)  # listed with a name: a name too, one word or more ("… and Cleopatra")
                lo, hi = kept
                end = min(end, toks[hi - 1].end)
            start = max(start, toks[lo].start)
        content = [t for t in toks[lo:hi] if t.terms and not (noun_terms and set(t.terms) <= noun_terms)]
        asked = sum(bool(t.found - noun_terms) for t in content)
        if qtype is not QType.DEFINITION and (not content or 2 * asked >= len(content) + (len(content) > 1)):
            continue  # mostly the question's own words ("How many regions … 13 regions")
        if negated is not None and hi <= negated:
            continue
        if qtype is QType.PERSON and _placed(toks, lo):
            continue  # "in Hollywood", "at the University of Eastbrook": a place, not a person
        if qtype is QType.AGE and _someone_else(toks, lo, question):
            continue  # "Marion Maréchal-Le Pen, a 26-year-old" is not how old Marine Le Pen is
        if question.counted and _POSSESSIVE_BEFORE.search(text[max(0, start - 4):start]):
            continue  # "France's 13 regions" is all of them, not how many were won
        distance = _distance(matched, lo, hi - 1)
        near = _near(matched, lo - 8, hi + 8)
        left, right = _neighbours(toks, lo, hi)
        score = near - 0.25 * distance + 1.5 * (left + right)
        typed = True
        if question.noun and question.noun.endswith("s") and _LISTED.search(text[start:end]):
            score += 1.0  # "Which countries …?" asks for a list: "Ruritania, Freedonia and Westmark"
        if qtype is QType.PLACE:
            if lo and toks[lo - 1].low in ("in", "at", "near", "from", "outside", "into"):
                score += 0.5
            typed = any(t.text[:1].isupper() for t in toks[lo:hi])  # "in the brain" is a place of sorts, weakly
        if question.measure and not measures(text[start:end]) & question.measure:
            typed = False  # "How much did it cost?" is no count of weeks, "How long …?" no sum of money
        if qtype is QType.PERSON and hi - lo == 1 and not listed and not (
                lo and fold(toks[lo - 1].text.rstrip(".")) in TITLES):
            # a lone capitalised word ("Republicans", "Sentenced") may be no one: a weak candidate
            score -= 0.5 if lo else 1.5
            typed = False
        if qtype in (QType.GENERAL, QType.ENTITY) and question.frame:
            score += 2.0  # after the question's verb and preposition: where the question says its answer is
        if converse is not None:  # "Le Pen lost to Xavier Bertrand": the winner comes right after, the loser before
            winner = 0 < lo - converse <= 4
            loser = hi <= converse
            if question.form is not Form.SUBJECT:  # "Who did Estrosi beat?" asks for the loser
                winner, loser = loser, winner
            score += 2.0 if winner else (-3.0 if loser else 0.0)
        counted = bool(question.counted) and any(
            t in question.counted for tok in toks[hi - 1:hi + 2] for t in tok.terms)
        if counted:
            score += 2.0  # "six million votes" for "how many votes"
        kinds += typed
        if best is None or (typed, score) > (best.typed, best.score):
            best = AnswerSpan(start, end, score, typed, counted)
    if best is not None and best.typed and kinds == 1 and qtype in _COUNTABLE:
        best = replace(best, sole=True)  # the only date (amount, age) the sentence gives: no choice to get wrong
    if best is not None or qtype not in (QType.GENERAL, QType.ENTITY) or question.frame:
        return best  # (a question ending in a preposition says where its answer is: after it, or nowhere)
    return _best_gap(question, toks, matched)


_GAP_MAX_WORDS = 12
_PHRASE_BREAKS = frozenset("on in at as during after before since while until".split())
_COUNTABLE = frozenset({QType.DATE, QType.NUMBER, QType.AGE, QType.PERCENT})
_IN_PLACE = frozenset("in at near inside outside across into".split())


def _without_owner(toks: list[_Tok], lo: int, hi: int, owners: frozenset[str]) -> tuple[int, int] | None:
    """The name phrase toks[lo:hi] without the question's possessive owner: the owner is whom the answer belongs
    to ("Who is Anna Vell's daughter?"), so "Anna Vell and Nora Vell" answers with "Nora Vell", and "Anna
    Vell" or "Sen. Anna Vell of Westmark" (an affiliation after "of") not at all (None). A name is the owner
    when all its words, titles aside, are the owner's; an owner first or last in a list is cut off (one in the
    middle of a longer list is left: the phrase is still a list of the others)."""
    members: list[tuple[int, int]] = []  # the names of a list, each up to "and", "or", a comma or "of"
    start = lo
    for k in range(lo, hi):
        low = toks[k].low
        if low in ("and", "or", "of"):
            members.append((start, k))
            start = k + 1
            if low == "of":
                break  # "… of Westmark": where the name before it is from
        elif toks[k].raw.endswith(",") or k == hi - 1:
            members.append((start, k + 1))
            start = k + 1

    def owner(a: int, b: int) -> bool:
        words = [t for t in toks[a:b] if t.text and not _is_title(t)]
        return bool(words) and all(t.terms and set(t.terms) <= owners for t in words)

    if not members or (len(members) == 1 and owner(*members[0])):
        return None
    if owner(*members[0]):
        lo = members[1][0]
    elif owner(*members[-1]):
        hi = members[-2][1]
    return (lo, hi) if hi > lo else None


def _placed(toks: list[_Tok], lo: int) -> bool:
    """Does the name at lo follow "in", "at", "near" … (with "the" between allowed)?"""
    k = lo - 1
    if k >= 0 and toks[k].low == "the":
        k -= 1
    return k >= 0 and toks[k].low in _IN_PLACE and not toks[k].raw.endswith((*_STOPS, ","))


_REPORTING = _SAYING - {"state", "states", "post", "posted", "thought"}  # nouns as often as verbs
_TELLING = frozenset("tell tells told".split())
_REPORT_WORDS = (3, 30)  # a reported statement is a clause: not "said little", not a whole paragraph
_SPEAKER_WINDOW = 6
_SKIPPED = frozenset("that on last monday tuesday wednesday thursday friday saturday sunday today yesterday".split())
_QUOTE_END = re.compile(r"[,.!?][\"”]$")


def _reported(toks: list[_Tok]) -> AnswerSpan | None:
    """What a sentence reports the question's speaker saying: the clause after "Obama says (that) …" (after
    the listener of "told reporters …", after "described him as …"), or the quotation before '…," said the
    spokeswoman' — when the question's words name the speaker right there."""
    best: AnswerSpan | None = None
    n = len(toks)
    for k, tok in enumerate(toks):
        if tok.low not in _REPORTING:
            continue
        quote_end = next((j for j in range(k - 1, max(-1, k - _SPEAKER_WINDOW), -1) if _QUOTE_END.search(toks[j].raw)),
                         None)
        if quote_end is not None:  # '"…," said Jane Doe, spokeswoman' or '"…," his lawyer said'
            speaker = sum(t.matched for t in toks[quote_end + 1:k + _SPEAKER_WINDOW])
            lo = quote_end
            while lo > 0 and not toks[lo].raw.startswith(('"', "“")) and quote_end - lo < _REPORT_WORDS[1]:
                lo -= 1
            hi = quote_end + 1
        else:  # "Smith says (that) the bridge will reopen …"
            speaker = sum(t.matched for t in toks[max(0, k - _SPEAKER_WINDOW):k])
            lo = k + 1
            if tok.low in _TELLING and lo < n:  # "told reporters …", "told the court …": past the listener
                lo += 2 if toks[lo].low in ("the", "a", "his", "her", "their") else 1
            elif lo + 1 < n and toks[lo + 1].low == "as":  # "described him as …"
                lo += 2
            while lo < n and toks[lo].low in _SKIPPED:
                lo += 1
            hi = lo
            while hi < n and hi - lo < _REPORT_WORDS[1]:
                hi += 1
                if re.search(r"[.!?][\"”]?$", toks[hi - 1].raw) and (hi == n or toks[hi].text[:1].isupper()):
                    break
        if not speaker or hi - lo < _REPORT_WORDS[0]:
            continue
        score = 3.0 + speaker
        if best is None or score > best.score:
            best = AnswerSpan(toks[lo].start, toks[hi - 1].end, score, False)
    return best


def _someone_else(toks: list[_Tok], lo: int, question: Question) -> bool:
    """Is the name right before position lo (", a 26-year-old") a person the question does not name
    (a capitalised word the question lacks: "Marion" for "How old is Marine Le Pen?")?"""
    k = lo - 1
    while k >= 0 and toks[k].low in ("a", "an", "the", "aged", "") and k > lo - 3:
        k -= 1
    asked = {w.lower() for w in re.findall(r"\w+", question.text)}
    name: list[_Tok] = []
    while k >= 0 and toks[k].text[:1].isupper() and len(name) < 5:
        name.append(toks[k])
        if re.search(r"[.;:]$", toks[k - 1].raw if k else "."):
            break
        k -= 1
    parts = {p.lower() for tok in name for p in re.findall(r"\w+", tok.text) if p[:1].isupper()}
    return bool(parts) and any(p not in asked for p in parts if fold(p) not in TITLES)


def _anchor(question: Question, toks: list[_Tok]) -> int | None:
    """Where the question's verb is in the sentence: for an object question its last word the sentence
    holds ("What did Dunmore deny?" → "denies"), for a subject question its first after the
    question word ("Who beat Le Pen?" → "beat")."""
    terms = question.terms
    object_like = question.form is not Form.SUBJECT
    for term in (reversed(terms) if object_like else terms):
        at = [i for i, tok in enumerate(toks) if term in tok.terms or term in tok.found]
        if at:
            return at[-1] if object_like else at[0]
    return None


def _best_gap(question: Question, toks: list[_Tok], matched: list[int]) -> AnswerSpan | None:
    anchor = _anchor(question, toks)
    best: AnswerSpan | None = None
    for a, b, after, before in _gaps(toks):
        if not (after or before):
            continue
        if a and toks[a - 1].raw.endswith(",") and toks[a - 1].matched and any(
                toks[j].raw.endswith(",") for j in range(b - 1, min(len(toks), b + 2))):
            continue  # "Ruritania's chief rabbi, the nation's senior faith leader,": who he is, not the answer
        if b - a > _GAP_MAX_WORDS:  # "… all-time leading scorer | on Saturday as …": a long phrase ends
            b = next((k for k in range(a + 2, b) if toks[k].low in _PHRASE_BREAKS), b)  # where a time or place begins
        score = float(_near(matched, a - 8, b + 8)) + after + before
        if anchor is not None:
            if question.form is Form.SUBJECT:
                score += 2.5 * (0 <= anchor - b <= 1)  # right before the verb: its subject
            else:
                gap = a - anchor - 1  # right after the verb (a function word between allowed): its object
                score += 2.5 * (0 <= gap <= 1 and all(t.low in _FUNCTION for t in toks[anchor + 1:a]))
        score -= 0.15 * max(0, (b - a) - 8)
        if b - a > _GAP_MAX_WORDS:
            continue  # no short answer is a dozen words long
        if best is None or score > best.score:
            best = AnswerSpan(toks[a].start, toks[b - 1].end, score, False)
    return best
