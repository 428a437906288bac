"""Sentence chunking for news text: rules for how news is punctuated, not a general-purpose splitter.

A sentence ends at ``.``, ``!``, ``?`` or an ellipsis (with any closing quotes or brackets after it)
followed by a capital, a digit or an opening quote. Not at a title or rank before a name ("Sen.",
"Pvt.", "Gov."), an initial ("John F. Kennedy"), or a month before a day ("Sept. 11"); abbreviations
that do end sentences now and then ("U.S.", "Inc.", "a.m.") end one only before a word that usually
opens a sentence ("... in the U.S. The company ..."). Quotations are kept whole when they fit in
``MAX_WORDS``; a longer piece is cut at the sentence ends inside its quotation marks too, and a run
with no sentence end at all (a results table, a list flattened into one paragraph) is cut at its
clauses, so no chunk is a wall of text (pysbd glued "…about it." The president …" to the next
sentence and kept whole quotations spanning several paragraphs: 476 NewsQA chunks over 100 words)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ._clean import Block, BlockKind

SENTENCE_RULES = "news-rules-1"  # pinned in the index manifest: new rules rebuild the index
PARAGRAPH_SEPARATOR = "\n\n"
MIN_QUOTABLE_WORDS = 4
MAX_WORDS = 60  # a piece longer than this is cut inside quotations too
HARD_MAX_WORDS = 100  # a piece longer than this is no sentence (a table, a list): cut at clauses

# Titles and ranks: never a sentence end before a capitalised word.
_TITLES = frozenset(
    """mr mrs ms messrs mme mlle dr prof sen sens rep reps gov govs gen gens lt lts col cols maj capt cpt sgt
    sgts pvt pfc cpl adm cmdr cmdt brig spc supt det insp atty rev revs hon pres fr sra srta st ste mt ft no
    nos vol vols pp fig figs dept amb ald assn assoc ave blvd rd""".split()
)
# Month abbreviations: no end before a day or a year ("Jan. 5", "Sept. 11").
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
# Abbreviations that end a sentence now and then: an end only before a typical sentence opener.
_AMBIGUOUS = frozenset("inc corp co ltd llc plc jr sr etc al bros cos a.m p.m u.s u.n u.k e.u d.c".split())
_OPENERS = frozenset(
    """the a an he she it they we i you his her its their our this that these those there here but so yet
    in on at for from after before when while as if although though since because during however
    meanwhile still then now later earlier today yesterday tomorrow last next some many most several one
    two three four five six seven eight nine ten no not what who why how where which authorities
    officials police according other another both each every all such mr mrs ms dr""".split()
)

_END = re.compile(
    r"(?P<end>\.\.\.|…|[.!?]+)(?P<close>(?: ?[\"'”’)\]»](?=[\s\"'”’)\]»]|$))*)(?=\s+[\"'“‘(\[«`]*\s?[A-Z0-9])"
)
# A list flattened into a paragraph: "include: -- A ...", ". • 74 percent ..."
_LIST_ITEM = re.compile(r"(?<=[.:;!?\"”])\s+(?=(?:--|•|·|▪)\s)|\s+(?=[•▪]\s)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.'’-]*)$")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[«`]*\s?([\w'’-]+)")
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")
_QUOTE = re.compile(r"[\"“”]")
_CLAUSE = re.compile(r"(?<=[;:])\s+|\s+(?=--\s)")
_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """A sentence (or a highlight/subheading line) with its place in the cleaned article text."""

    position: int  # index among the article's chunks
    start: int  # offsets into the cleaned text
    end: int
    text: str
    kind: BlockKind

    @property
    def quotable(self) -> bool:
        """Only sentences of the story itself are quoted as answers."""
        return self.kind is BlockKind.STORY and len(self.text.split()) >= MIN_QUOTABLE_WORDS


def _is_end(text: str, m: re.Match[str]) -> bool:
    if m.group("end") != "." or m.group("close"):
        return True  # "!", "?", "…", or a closing quote or bracket after the full stop
    before = _WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())
    if before is None:
        return True
    word = before.group(1)
    if before.start() > 0 and not (text[before.start() - 1].isspace() or text[before.start() - 1] in "(\"“'‘"):
        return True  # the end of "AT&T", "3G" or "N.Y.-based" is no abbreviation
    low = word.lower()
    if len(word) == 1 and word.isupper():
        return False  # an initial: John F. Kennedy
    if low in _TITLES:
        return False
    after = _NEXT_WORD.match(text, m.end())
    following = after.group(1).lower() if after else ""
    if low in _MONTHS:
        return following in _OPENERS
    if low in _AMBIGUOUS or _DOTTED.fullmatch(low):
        return following in _OPENERS and following not in ("and", "or")
    return True


def _quote_role(text: str, i: int) -> int:
    """+1 for a quotation mark that opens, -1 for one that closes, 0 when it cannot tell."""
    mark = text[i]
    if mark == "“":
        return 1
    if mark == "”":
        return -1
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if (before.isspace() or before in "([—–-") and not after.isspace():
        return 1
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]—–-"):
        return -1
    return 0


def _ends(paragraph: str) -> list[tuple[int, bool]]:
    """Where sentences may end: (offset just after the end, inside a quotation).

    Quotations do not nest (news uses single quotes inside double ones), and one that is never closed
    (a quote running on into the next paragraph, or a typo) ends where a new quotation opens."""
    quotes = [m.start() for m in _QUOTE.finditer(paragraph)]
    out: list[tuple[int, bool]] = []
    qi, inside = 0, False
    for m in _END.finditer(paragraph):
        if not _is_end(paragraph, m):
            continue
        pos = m.end()
        while qi < len(quotes) and quotes[qi] < pos:
            role = _quote_role(paragraph, quotes[qi])
            inside = (not inside) if role == 0 else role > 0
            qi += 1
        following = paragraph[pos:].lstrip()[:1]
        if following in ('"', "“") and _quote_role(paragraph, len(paragraph) - len(paragraph[pos:].lstrip())) > 0:
            inside = False  # the next sentence opens a quotation: whatever was open has ended
        out.append((pos, inside))
    out += [(m.start(), False) for m in _LIST_ITEM.finditer(paragraph)]
    out.sort()
    return out


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph, in order, whitespace between them left out."""
    ends = _ends(paragraph)
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [p for p, inside in ends if not inside] + [len(paragraph)]:
        if _words(paragraph, start, end) > MAX_WORDS:
            lo = start
            for p in [p for p, inside in ends if inside and start < p < end] + [end]:
                spans += _pieces(paragraph, lo, p)
                lo = p
        else:
            spans += _pieces(paragraph, start, end)
        start = end
    return spans


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, in order, whose concatenation covers the paragraph."""
    return [paragraph[a:b] for a, b in sentence_spans(paragraph)]


def _words(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The stripped span of text[start:end]; a span over HARD_MAX_WORDS cut at clauses, then words."""
    words = [(m.start(), m.end()) for m in _SPACE.finditer(text, start, end)]
    if not words:
        return []
    if len(words) <= HARD_MAX_WORDS:
        return [(words[0][0], words[-1][1])]
    cuts = {m.start() for m in _CLAUSE.finditer(text, start, end)}
    out: list[tuple[int, int]] = []
    first = 0
    for i in range(1, len(words) + 1):
        at_clause = i < len(words) and any(words[i - 1][1] <= c < words[i][0] for c in cuts)
        if i == len(words) or i - first >= MAX_WORDS or (at_clause and i - first >= MAX_WORDS // 3):
            out.append((words[first][0], words[i - 1][1]))
            first = i
    return out


def chunk_blocks(blocks: list[Block]) -> tuple[str, list[Chunk]]:
    """The cleaned text (paragraphs joined) and its chunks with offsets into it."""
    text_parts: list[str] = []
    chunks: list[Chunk] = []
    offset = 0
    for block in blocks:
        if text_parts:
            offset += len(PARAGRAPH_SEPARATOR)
        paragraph = block.text
        spans = sentence_spans(paragraph) if block.kind is BlockKind.STORY else _whole(paragraph)
        for start, end in spans:
            chunks.append(Chunk(len(chunks), offset + start, offset + end, paragraph[start:end], block.kind))
        text_parts.append(paragraph)
        offset += len(paragraph)
    return PARAGRAPH_SEPARATOR.join(text_parts), chunks


def _whole(paragraph: str) -> Iterator[tuple[int, int]]:
    stripped = paragraph.strip()
    if stripped:
        start = paragraph.find(stripped)
        yield start, start + len(stripped)
