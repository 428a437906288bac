"""Acronym mining: "National Front (FN)" in the text teaches the index that FN means national front,
so a question that says "FN" finds the sentences that spell it out (and the other way round)."""

from __future__ import annotations

import re

from ._analyzer import analyze, fold

_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w'’-]*\s+){1,5}?)\(([A-Z]{2,6})\)")


def collect_acronyms(text: str, found: dict[str, dict[str, int]]) -> None:
    """'National Front (FN)' and 'Front National (FN)': FN stands for those words."""
    for match in _ACRONYM_DEF.finditer(text):
        words = match.group(1).split()
        short = match.group(2)
        for n in range(len(short) - 1, len(words) + 1):
            candidate = words[-n:]
            initials = {w[0].upper() for w in candidate}
            if len(candidate) >= 2 and set(short) <= initials | set("".join(w[:2].upper() for w in candidate)):
                phrase = " ".join(candidate)
                bucket = found.setdefault(fold(short), {})
                bucket[phrase] = bucket.get(phrase, 0) + 1
                break


def merge_acronyms(into: dict[str, dict[str, int]], found: dict[str, dict[str, int]]) -> None:
    """Add the counts collect_acronyms gathered in found (a batch of articles) to into."""
    for short, phrases in found.items():
        bucket = into.setdefault(short, {})
        for phrase, count in phrases.items():
            bucket[phrase] = bucket.get(phrase, 0) + count


def resolve_acronyms(found: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """acronym term → analyzed terms of its most frequent expansion."""
    out: dict[str, list[str]] = {}
    for short, phrases in found.items():
        phrase = max(phrases.items(), key=lambda kv: (kv[1], kv[0]))[0]
        terms = analyze(phrase)
        key = analyze(short)
        if terms and key:
            out[key[0]] = terms
    return out
