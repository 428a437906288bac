"""Spelling correction from the corpus's own vocabulary: "Who beet Le Pne in the nort?" is asked as
"Who beat Le Pen in the north?". Only a word the corpus does not hold is corrected, and only to the
most frequent corpus word one edit away (a letter deleted, inserted, replaced, or two swapped), so a
real word is never changed and a name nobody mentions stays unknown."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ._analyzer import STOPWORDS, fold, token_terms

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’](?=[^\W\d_]))*")
MIN_LENGTH = 3  # shorter words have too many neighbours to correct safely


@dataclass(frozen=True)
class Correction:
    """The question with its misspellings corrected, and what was changed."""

    text: str
    changes: tuple[tuple[str, str], ...] = ()  # (as typed, as corrected)


def edits1(word: str) -> set[str]:
    """Every string one edit away from word (Norvig's four kinds of edit)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


Frequencies = Callable[[list[str]], list[int]]  # the corpus frequency of each term, in one call


def correct_spelling(question: str, frequency: Callable[[str], int], frequencies: Frequencies | None = None
                     ) -> Correction:
    """Each word whose terms the corpus lacks (frequency 0) replaced by its most frequent neighbour;
    frequencies, when given, weighs all of a word's neighbours in one call, and the question's own words
    in one more (most questions have every word in the corpus: that one call is all they cost)."""
    weigh = frequencies or (lambda terms: [frequency(t) for t in terms])
    words: list[tuple[re.Match[str], str, tuple[str, ...]]] = []
    for m in _WORD.finditer(question):
        folded = fold(m.group())
        if len(folded) < MIN_LENGTH or folded in STOPWORDS or "'" in folded:
            continue
        terms = token_terms(m.group())  # (analyze's terms, remembered: the same words are asked again)
        if terms:
            words.append((m, folded, terms))
    counts = iter(weigh([t for _m, _f, terms in words for t in terms]))
    changes: list[tuple[str, str]] = []
    out: list[str] = []
    pos = 0
    for m, folded, terms in words:
        if any([next(counts) for _t in terms]):  # (a list: every count is taken, in order)
            continue
        fixed = _best_neighbour(folded, weigh)
        if fixed is None:
            continue
        word = m.group()
        if word[:1].isupper():
            fixed = fixed[:1].upper() + fixed[1:]
        out += [question[pos:m.start()], fixed]
        pos = m.end()
        changes.append((word, fixed))
    if not changes:
        return Correction(question)
    out.append(question[pos:])
    return Correction("".join(out), tuple(changes))


def _best_neighbour(word: str, frequencies: Frequencies) -> str | None:
    """The most frequent corpus word one edit away; among equally frequent ones the first in sorted order
    (found without sorting the few hundred edits, and each distinct term weighed once)."""
    candidates: list[tuple[str, str]] = []  # (word, its one term)
    for candidate in edits1(word):
        if len(candidate) < 2 or candidate in STOPWORDS:
            continue
        terms = token_terms(candidate)
        if len(terms) == 1:
            candidates.append((candidate, terms[0]))
    distinct = list(dict.fromkeys(t for _c, t in candidates))
    count_of = dict(zip(distinct, frequencies(distinct), strict=True))
    best, best_count = None, 0
    for candidate, term in candidates:
        count = count_of[term]
        if count > best_count or (count == best_count and count and best is not None and candidate < best):
            best, best_count = candidate, count
    return best
