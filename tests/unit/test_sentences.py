"""Sentence splitting on the ways real news text is punctuated (made-up cases with the punctuation of
ones seen in the NewsQA stories and the benchmark corpus, where pysbd went wrong; NewsQA text itself is
read from ../shared only)."""

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
            'The farmers have nothing to gain from it," Marsh said. "We will not sign it." The deal has '
            "sparked protests in Westmark.",
            ['The farmers have nothing to gain from it," Marsh said.', '"We will not sign it."',
             "The deal has sparked protests in Westmark."],
        ),
        # dashes inside a sentence are no boundary, and two of them do not glue sentences together
        (
            "The plan -- which builds on the cuts agreed with the unions in May -- leaves bonuses alone. "
            "It lifts fares in 2027 -- the year she retires.",
            ["The plan -- which builds on the cuts agreed with the unions in May -- leaves bonuses alone.",
             "It lifts fares in 2027 -- the year she retires."],
        ),
        # titles and ranks before a name, initials, months before a day
        (
            "Pvt. Jane Doe spoke to Gen. Peter Holm and Sen. Anna B. Vell on Sept. 11. "
            "Gov. Tom Quarrie was not there.",
            ["Pvt. Jane Doe spoke to Gen. Peter Holm and Sen. Anna B. Vell on Sept. 11.",
             "Gov. Tom Quarrie was not there."],
        ),
        # an abbreviation that can end a sentence ends one only before a word that opens sentences
        (
            "Orders fell in the U.S. The firm said costs in the U.S. And Mexico rose. Acme Inc. "
            "stock slipped.",
            ["Orders fell in the U.S.", "The firm said costs in the U.S. And Mexico rose.",
             "Acme Inc. stock slipped."],
        ),
        # a quotation that never closes (a quote running on into the next paragraph) splits anyway
        (
            '"It was never a secret. "The harbour was the weak spot," she said. The fall in visitors goes on.',
            ['"It was never a secret.', '"The harbour was the weak spot," she said.',
             "The fall in visitors goes on."],
        ),
        # decimals, percentages and ellipses followed by lower case stay inside the sentence
        (
            "Le Pen had 45.43% of the vote... while her niece trailed. Xavier Bertrand won 54.57%!",
            ["Le Pen had 45.43% of the vote... while her niece trailed.", "Xavier Bertrand won 54.57%!"],
        ),
        # a list flattened into one paragraph: each item is its own chunk
        (
            "The plan includes: -- A travel card for young workers. -- No charge for "
            "pre-booked seats.",
            ["The plan includes:", "-- A travel card for young workers.",
             "-- No charge for pre-booked seats."],
        ),
    ],
)
def test_news_punctuation(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_a_short_quotation_stays_whole_and_a_long_one_is_cut_inside() -> None:
    short = '"We are not going to sign a one-sided treaty. It hurts the towns that are least prepared," Vell said.'
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
