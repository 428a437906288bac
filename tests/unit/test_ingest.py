"""Reading, cleaning and sentence chunking, pinned on the seed articles."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from index import (
    ArticleError,
    BlockKind,
    CorpusError,
    chunk_blocks,
    clean_body,
    parse_text_article,
    read_corpus,
    split_sentences,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "seed_sentences.json"


def _chunks(article):  # type: ignore[no-untyped-def]
    return chunk_blocks(clean_body(article.body))


def test_golden_seed_sentences() -> None:
    """Every seed article's cleaned sentence list, kinds and quotability, exactly."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    articles = read_corpus(REPO / "corpus").articles
    assert [a.article_id for a in articles] == list(golden)
    for article in articles:
        _, chunks = _chunks(article)
        got = [[c.kind.value, c.quotable, c.text] for c in chunks]
        assert article.title == golden[article.article_id]["title"]
        assert got == golden[article.article_id]["chunks"], article.article_id


def test_offsets_point_into_cleaned_text() -> None:
    for article in read_corpus(REPO / "corpus").articles:
        text, chunks = _chunks(article)
        assert [c.position for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text


def test_page_furniture_never_survives() -> None:
    texts = [c.text for a in read_corpus(REPO / "corpus").articles for c in _chunks(a)[1]]
    joined = "\n".join(texts)
    for furniture in ("CNN Map", "goraniintv_00012803", "03:53", "READ MORE", "Skip to footer",
                      "Story highlights", "(CNN)", "Halt immigration into France", "Immigration influx is 'crazy'"):
        assert furniture not in joined, furniture


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Le Pen had garnered just 45.43% of votes. Bertrand won 54.57%.",
         ["Le Pen had garnered just 45.43% of votes.", "Bertrand won 54.57%."]),
        ("The party won more than 6.8 million votes. It was a record.",
         ["The party won more than 6.8 million votes.", "It was a record."]),
        ("He visited the U.S. on Monday. Mr. Smith and J. R. Jones met him there.",
         ["He visited the U.S. on Monday.", "Mr. Smith and J. R. Jones met him there."]),
        ('"We will win. Nothing can stop us," she said. Then she left.',
         ['"We will win. Nothing can stop us," she said.', "Then she left."]),
        ("“This sacrifice will not be made in vain. It will show the way,” he said. Voters listened.",
         ["“This sacrifice will not be made in vain. It will show the way,” he said.", "Voters listened."]),
        ('"in order to basically ... make it impossible for her to win," he said.',
         ['"in order to basically ... make it impossible for her to win," he said.']),
    ],
)
def test_sentence_splitting(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


def test_cleaning_types_and_datelines() -> None:
    body = (
        "Story highlights\n\n  • A highlight that is not a sentence\n\n"
        "PARIS (Reuters) - The story starts here with a full sentence.\n\n"
        "A subheading\n\n( CNN ) -- Another paragraph follows here.\n"
        "Watch: some video 02:11\nREAD MORE: elsewhere\nSkip to footer\n"
    )
    blocks = clean_body(body)
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.HIGHLIGHT, "A highlight that is not a sentence"),
        (BlockKind.STORY, "The story starts here with a full sentence."),
        (BlockKind.SUBHEADING, "A subheading"),
        (BlockKind.STORY, "Another paragraph follows here."),
    ]


def test_hard_wrapped_lines_are_joined() -> None:
    body = "Bow Valley Industries Ltd said\nit agreed to sell its wholly owned Norwegian subsidiary to Elf\nAquitaine Norge.\n    The sale is expected soon.\n REUTER"
    assert [b.text for b in clean_body(body)] == [
        "Bow Valley Industries Ltd said it agreed to sell its wholly owned Norwegian subsidiary to Elf Aquitaine Norge.",
        "The sale is expected soon.",
    ]


def test_title_from_body_when_first_line_is_story_text() -> None:
    articles = {a.article_id: a for a in read_corpus(REPO / "corpus").articles}
    seed = articles["003_855c1b4da3f0078c"]
    assert seed.title_from_body
    assert seed.title.startswith("France's far-right Front National (FN) party")
    assert len(seed.title) < 100
    first = _chunks(seed)[1][0]
    assert first.quotable and first.text.startswith("France's far-right Front National (FN) party was unable")


def test_front_matter_metadata() -> None:
    raw = b"---\ntitle: A headline\nsource: CNN\nurl: https://example.com/a\npublished: 2015-12-13\n---\nBody sentence one here.\n"
    article = parse_text_article("a", raw)
    assert (article.title, article.outlet, article.url, article.published) == (
        "A headline", "CNN", "https://example.com/a", "2015-12-13")
    assert article.body.strip() == "Body sentence one here."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not utf8", "not valid UTF-8"),
        (b"   \n\n", "empty file"),
        (b"---\ntitle: x\nno closing fence\n", "front matter"),
        (b"Just a headline\n", "no body"),
    ],
)
def test_bad_articles_raise_specific_errors(raw: bytes, reason: str) -> None:
    with pytest.raises(ArticleError, match=reason):
        parse_text_article("x", raw)


def test_bad_files_are_skipped_with_reasons(corpus_copy: Path) -> None:
    (corpus_copy / "broken.txt").write_bytes(b"Headline\n\xff\xfe\xfa body")
    (corpus_copy / "empty.md").write_bytes(b"")
    report = read_corpus(corpus_copy)
    assert len(report.articles) == 4
    assert dict(report.skipped) == {"broken.txt": "not valid UTF-8 (byte 9)", "empty.md": "empty file"}


def test_jsonl_and_gzip(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "r1", "title": "Oil Prices Rise", "text": "Oil rose on Monday. Traders were calm.",
                    "source": "Reuters", "date": "7-APR-1987"}),
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "r2", "text": "  "}),
        json.dumps({"id": "r3", "text": "No title here but a body sentence. And another."}),
    ]
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    report = read_corpus(path)
    assert [a.article_id for a in report.articles] == ["r1", "r3"]
    assert report.articles[0].outlet == "Reuters" and report.articles[0].published == "7-APR-1987"
    assert report.articles[1].title_from_body
    assert [name for name, _ in report.skipped] == ["news.jsonl.gz:2", "news.jsonl.gz:3", "news.jsonl.gz:4"]
    assert "not a JSON object" in report.skipped[1][1]


def test_missing_and_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="empty"):
        read_corpus(tmp_path / "empty")


def test_windows_1252_files_are_read_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "Café owners protest\n\nThe owners of the café in Orléans said the new “tax” was unfair, on Monday.\n"
    (corpus / "legacy.txt").write_bytes(text.encode("cp1252"))
    lines = [json.dumps({"id": "u1", "title": "Plain", "text": "A plain UTF-8 line about the harbour."}),
             json.dumps({"id": "w1", "title": "Naïve", "text": "Señor Núñez’s café reopened."}, ensure_ascii=False)]
    (corpus / "mixed.jsonl").write_bytes(lines[0].encode() + b"\n" + lines[1].encode("cp1252") + b"\n")
    report = read_corpus(corpus)
    by_id = {a.article_id: a for a in report.articles}
    assert by_id["legacy"].title == "Café owners protest" and "“tax”" in by_id["legacy"].body
    assert by_id["w1"].body == "Señor Núñez’s café reopened."
    assert report.skipped == []
    assert report.warnings == [("legacy.txt", "not valid UTF-8 (byte 3); read as Windows-1252"),
                               ("mixed.jsonl:2", "not valid UTF-8 (byte 25); read as Windows-1252")]
