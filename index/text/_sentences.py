"""Sentence chunking with pysbd, which keeps quoted speech, decimals and abbreviations whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._clean import Block, BlockKind
from ._pysbd import segmenter

PARAGRAPH_SEPARATOR = "\n\n"
MIN_QUOTABLE_WORDS = 4
# A possible sentence end before the last character; paragraphs without one skip the splitter.
_MAYBE_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+\S")
# pysbd leaves a lone closing quote or a stray fragment as a "sentence": glue it back on.
_FRAGMENT = re.compile(r"^[\W_]*$")


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



def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, in order, whose concatenation covers the paragraph."""
    if not _MAYBE_BOUNDARY.search(paragraph):
        return [paragraph]
    pieces = [s.strip() for s in segmenter().segment(paragraph)]
    sentences: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if sentences and (_FRAGMENT.match(piece) or _continues_quote(sentences[-1], piece)):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _continues_quote(previous: str, piece: str) -> bool:
    """'... the authorities' + 'very clearly ...' after an ellipsis is one sentence, not two."""
    return previous.endswith(("...", "…")) and piece[:1].islower()


def chunk_blocks(blocks: list[Block]) -> tuple[str, list[Chunk]]:
    """The cleaned text (paragraphs joined) and its chunks with offsets into it."""
    text_parts: list[str] = []
    chunks: list[Chunk] = []
    offset = 0
    for block in blocks:
        if text_parts:
            offset += len(PARAGRAPH_SEPARATOR)
        paragraph = block.text
        sentences = split_sentences(paragraph) if block.kind is BlockKind.STORY else [paragraph]
        cursor = 0
        for sentence in sentences:
            found = paragraph.find(sentence, cursor)
            start = found if found >= 0 else cursor
            end = start + len(sentence)
            cursor = end
            chunks.append(
                Chunk(
                    position=len(chunks),
                    start=offset + start,
                    end=offset + end,
                    text=paragraph[start:end] if found >= 0 else sentence,
                    kind=block.kind,
                )
            )
        text_parts.append(paragraph)
        offset += len(paragraph)
    return PARAGRAPH_SEPARATOR.join(text_parts), chunks
