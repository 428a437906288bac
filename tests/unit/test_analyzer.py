"""The analyzer: the same terms for a sentence and a question that mean the same thing."""

from __future__ import annotations

import pytest

from index import analyze, analyzer_signature


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Maréchal", "Marechal"),
        ("Côte", "Cote"),
        ("Républicains", "Republicains"),
        ("Sénécat", "Senecat"),
        ("Pen’s", "Pen's"),
        ("Pen's", "Pen"),
        ("MARINE LE PEN", "marine le pen"),
        ("wrote", "writes"),
        ("won", "wins"),
        ("northern", "north"),
    ],
)
def test_same_terms(a: str, b: str) -> None:
    assert analyze(a) == analyze(b)


def test_hyphenated_names_whole_and_by_part() -> None:
    terms = analyze("Nord-Pas-de-Calais")
    assert {"nord", "pas", "calai"} <= set(terms)
    assert "nordpasdecalai" in terms
    assert set(analyze("Marechal")) <= set(analyze("Marion Marechal-Le Pen"))


def test_numbers_kept() -> None:
    assert analyze("45.43% of 6.8 million in 2017, 1,000 people") == [
        "45.43", "6.8", "million", "2017", "1000", "person"]


def test_stopwords_dropped_and_acronyms_joined() -> None:
    assert analyze("what is it?") == []
    assert analyze("the U.S. and the UK") == ["us", "uk"]


def test_signature_is_stable() -> None:
    assert analyzer_signature() == analyzer_signature()
    assert set(analyzer_signature()) >= {"name", "version", "stemmer", "stopwords"}
