"""Sentence splitting on the ways real news text is punctuated (cases written after ones seen in the
NewsQA stories and the benchmark corpus, where pysbd went wrong)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import BlockKind, chunk_blocks, clean_body, read_corpus, split_sentences
from index.text._sentences import HARD_MAX_WORDS

NEWSQA = Path(__file__).resolve().parents[3] / "shared" / "eval" / "newsqa" / "corpus"


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        # a closing quote after the full stop belongs to the sentence it ends
        (
            'The Iranians have nothing to do with it," Hadi said. "We will not discuss it." The pact has '
            "triggered protests in Iraq.",
            ['The Iranians have nothing to do with it," Hadi said.', '"We will not discuss it."',
             "The pact has triggered protests in Iraq."],
        ),
        # dashes inside a sentence are no boundary, and two of them do not glue sentences together
        (
            "The measure -- which adds to the savings signed into law in August -- leaves pensions alone. "
            "It raises premiums in 2017 -- the year he leaves office.",
            ["The measure -- which adds to the savings signed into law in August -- leaves pensions alone.",
             "It raises premiums in 2017 -- the year he leaves office."],
        ),
        # titles and ranks before a name, initials, months before a day
        (
            "Pvt. Bradley Manning spoke to Gen. David Petraeus and Sen. John F. Kerry on Sept. 11. "
            "Gov. Sarah Palin was not there.",
            ["Pvt. Bradley Manning spoke to Gen. David Petraeus and Sen. John F. Kerry on Sept. 11.",
             "Gov. Sarah Palin was not there."],
        ),
        # an abbreviation that can end a sentence ends one only before a word that opens sentences
        (
            "Sales rose in the U.S. The company said prices in the U.S. And Canada fell. Apple Inc. "
            "shares rose.",
            ["Sales rose in the U.S.", "The company said prices in the U.S. And Canada fell.",
             "Apple Inc. shares rose."],
        ),
        # a quotation that never closes (a quote running on into the next paragraph) splits anyway
        (
            '"It has always been around. "Gaza was a focal point," he said. The rise in attacks continues.',
            ['"It has always been around.', '"Gaza was a focal point," he said.',
             "The rise in attacks continues."],
        ),
        # decimals, percentages and ellipses followed by lower case stay inside the sentence
        (
            "Le Pen had 45.43% of the vote... while her niece trailed. Xavier Bertrand won 54.57%!",
            ["Le Pen had 45.43% of the vote... while her niece trailed.", "Xavier Bertrand won 54.57%!"],
        ),
        # a list flattened into one paragraph: each item is its own chunk
        (
            "The bill includes: -- A health insurance exchange for small businesses. -- No exclusion for "
            "pre-existing conditions.",
            ["The bill includes:", "-- A health insurance exchange for small businesses.",
             "-- No exclusion for pre-existing conditions."],
        ),
    ],
)
def test_news_punctuation(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_a_short_quotation_stays_whole_and_a_long_one_is_cut_inside() -> None:
    short = '"We are not going to have a one-sided deal. It hurts the folks that are most vulnerable," Obama said.'
    assert split_sentences(short) == [short]
    inner = " ".join(f"Sentence number {i} of a very long quotation goes on for a while here." for i in range(8))
    pieces = split_sentences(f'"{inner}" he said. Then he left.')
    assert len(pieces) == 9 and pieces[-1] == "Then he left."
    assert all(len(p.split()) <= 60 for p in pieces)


def test_a_table_without_sentence_ends_is_cut_into_pieces() -> None:
    table = " ".join(f"Player{i} ( Team{i} ) v Rival{i} ( Club{i} )" for i in range(60))
    pieces = split_sentences(table)
    assert len(pieces) > 1 and all(len(p.split()) <= HARD_MAX_WORDS for p in pieces)
    assert " ".join(pieces) == table


def test_offsets_point_at_the_chunk_text() -> None:
    body = 'The first paragraph of the story is here. "Quoted," he said.\n\nSecond one, about the U.S. Army. It ends.'
    text, chunks = chunk_blocks(clean_body(body))
    assert [c.text for c in chunks] == ["The first paragraph of the story is here.", '"Quoted," he said.',
                                        "Second one, about the U.S. Army.", "It ends."]
    assert all(text[c.start:c.end] == c.text for c in chunks)


@pytest.mark.skipif(not NEWSQA.is_dir(), reason="the NewsQA sample is in ../shared, not in this repository")
def test_no_newsqa_chunk_is_a_wall_of_text() -> None:
    report = read_corpus(NEWSQA)
    longest = 0
    for article in report.articles:
        _, chunks = chunk_blocks(clean_body(article.body))
        longest = max([longest] + [len(c.text.split()) for c in chunks if c.kind is BlockKind.STORY])
    assert longest <= HARD_MAX_WORDS
