"""benchmarks/twins.py: stories filed twice word for word are found, and a cited copy counts only in its own
figure."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _twins():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("twins", REPO / "benchmarks" / "twins.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _story(corpus: Path, story: str, body: str) -> None:
    (corpus / f"{story}.txt").write_text(f"CNN story {story} (NewsQA)\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    _story(root, "a1", 'The mayor said "we will rebuild." The bridge reopens in May.')
    _story(root, "a2", 'The mayor said "we will rebuild". The bridge reopens in May.')  # the quote mark moved
    _story(root, "b1", "The bridge reopens in June, the mayor said.")
    return root


def test_copies_ignore_punctuation_and_the_title(corpus: Path) -> None:
    assert _twins().copies(corpus) == {"a1": {"a2"}, "a2": {"a1"}}


def test_a_cited_copy_counts_only_with_copies(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    rows = [
        {"no_answer": False, "sources": ["a1"], "quoted_source": "a2", "source_at_1": False},  # the copy
        {"no_answer": False, "sources": ["b1"], "quoted_source": "a1", "source_at_1": False},  # another story
        {"no_answer": False, "sources": ["b1"], "quoted_source": "b1", "source_at_1": True},
    ]
    results = tmp_path / "eval.json"
    results.write_text(json.dumps({"questions": rows}), encoding="utf-8")
    assert _twins().main([str(results), "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "source@1: 1/3 = 33.3% (as `newsbot eval` counts it)" in out
    assert "misses that cite a copy of the gold story: 1" in out
    assert "source@1 with a copy counted as the gold story: 2/3 = 66.7%" in out
