"""The analyzer: one function from text to index terms, for sentences and questions alike."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import Stemmer

from ._sentences import SENTENCE_RULES

ANALYZER_NAME = "newsbot-en"
ANALYZER_VERSION = 2

# English function words. Question words (who, when, ...) are here too: the answer composer reads
# the question type from the raw question, and as index terms they only add noise.
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before being
    below between both but by can cannot could couldn did didn do does doesn doing don down during each
    few for from further had hadn has hasn have haven having he her here hers herself him himself his
    how i if in into is isn it its itself just ll me more most mustn my myself no nor not now of off on
    once only or other ought our ours ourselves out over own re same shan she should shouldn so some such
    than that the their theirs them themselves then there these they this those through to too under
    until up very was wasn we were weren what when where which while who whom why will with would
    wouldn you your yours yourself yourselves ve d s t m o y also did does done get got many much
    whose tell told say says said one ever yet may might must shall
    """.split()
)
# Irregular forms the stemmer cannot join to their base ("wrote" and "write", "lost" and "lose").
IRREGULAR = {
    w: base
    for base, forms in {
        "write": "wrote written", "win": "won", "lose": "lost", "beat": "beaten", "lead": "led",
        "hold": "held", "take": "took taken", "give": "gave given", "go": "went gone", "come": "came",
        "run": "ran", "fight": "fought", "buy": "bought", "sell": "sold", "pay": "paid", "find": "found",
        "flee": "fled", "meet": "met", "leave": "left", "seek": "sought", "bring": "brought", "think": "thought",
        "speak": "spoke spoken", "choose": "chose chosen", "rise": "rose risen", "fall": "fell fallen",
        "steal": "stole stolen", "shoot": "shot", "strike": "struck", "break": "broke broken", "begin": "began begun",
        "drive": "drove driven", "eat": "ate eaten", "grow": "grew grown", "know": "knew known", "see": "saw seen",
        "catch": "caught", "teach": "taught", "build": "built", "send": "sent", "spend": "spent", "hit": "hit",
        "child": "children", "man": "men", "woman": "women", "person": "people", "die": "dead death",
        "kill": "killed", "arrest": "arrested",
        "north": "northern", "south": "southern", "east": "eastern", "west": "western",
    }.items()
    for w in forms.split()
}
# Words a question leans on without being content: "how many regions" is about regions.
QUESTION_FILLER = frozenset("according reportedly".split())

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"'})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_NUMBER = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_TOKEN = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z0-9]+(?:'[a-z]+)*(?:-[a-z0-9]+(?:'[a-z]+)*)*")
_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lowercase, accents off, typographic quotes and dashes made plain (Maréchal → marechal)."""
    text = text.translate(_QUOTES).casefold()
    if text.isascii():  # NFKD, combining marks and the dashes only concern non-ASCII text
        return text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _DASHES.sub("-", text)


def _words(folded: str) -> list[str]:
    if "." in folded:
        folded = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), folded)  # U.S. → us
    return _TOKEN.findall(folded)


@lru_cache(maxsize=200_000)
def _terms_of_word(word: str) -> tuple[str, ...]:
    """Index terms for one folded word: numbers as written, words stemmed, hyphenated names whole and by part."""
    if _NUMBER.fullmatch(word):
        return (word.replace(",", ""),)
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        out = [t for p in parts for t in _terms_of_word(p)]
        whole = "".join(_strip_apostrophes(p) for p in parts)
        return (*out, _stemmer.stemWord(whole))
    base = _strip_apostrophes(word)
    if base in STOPWORDS or (len(base) < 2 and not base.isdigit()):
        return ()
    return (_stemmer.stemWord(IRREGULAR.get(base, base)),)


def _strip_apostrophes(word: str) -> str:
    """Pen's → pen; d'azur → azur; o'neill → oneill (a name, kept whole)."""
    if word.endswith("'s"):
        word = word[:-2]
    head, sep, tail = word.partition("'")
    if sep and len(head) == 1 and head in "dl":  # French elision: d'Azur, l'Est
        return tail.replace("'", "")
    return word.replace("'", "")


def analyze(text: str) -> list[str]:
    """Terms of a text, in order; the same function for documents and queries (rank-bm25's rule)."""
    terms: list[str] = []
    for word in _words(fold(text)):
        terms.extend(_terms_of_word(word))
    return terms


@lru_cache(maxsize=200_000)
def token_terms(token: str) -> tuple[str, ...]:
    """analyze() of one whitespace-free token, remembered: the composer reads the same words again and
    again, one token at a time."""
    return tuple(analyze(token))


def content_words(text: str) -> list[str]:
    """The question's words that carry meaning, unstemmed and folded, for coverage and highlighting."""
    out: list[str] = []
    for word in _words(fold(text)):
        for part in [word, *word.split("-")] if "-" in word else [word]:
            base = _strip_apostrophes(part)
            if base and base not in STOPWORDS and base not in QUESTION_FILLER and (len(base) > 1 or base.isdigit()):
                out.append(base)
    return list(dict.fromkeys(out))


def analyzer_signature() -> dict[str, object]:
    """What the index manifest pins: rebuild when any of it changes."""
    stop_hash = hashlib.sha256(" ".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]
    return {
        "name": ANALYZER_NAME,
        "version": ANALYZER_VERSION,
        "stemmer": "snowball-english",
        "stopwords": stop_hash,
        "irregular": hashlib.sha256(repr(sorted(IRREGULAR.items())).encode()).hexdigest()[:12],
        "sentences": SENTENCE_RULES,  # how text is cut into the chunks the terms come from
    }
