"""NewsQA text stays out of the project.

The NewsQA sample in ../shared/eval/newsqa (CNN stories and crowd-written questions) is licensed for
research evaluation: benchmarks and tests may read it from ../shared, but none of it may be copied into
this repository (test sentences, docs, comments: write a made-up example of the same shape instead).
These tests read the sample and compare it with every tracked text file; they skip when ../shared is
absent.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NEWSQA = REPO.parent / "shared" / "eval" / "newsqa"
STORIES = NEWSQA / "corpus"
QUESTIONS = NEWSQA / "dev_questions.jsonl"

RUN = 8  # consecutive words shared with a story or a question: a copy, not a coincidence
WHOLE_QUESTION = 4  # a question this long or longer quoted whole is a copy even when shorter than RUN

pytestmark = pytest.mark.skipif(not (STORIES.is_dir() and QUESTIONS.is_file()),
                                reason="the NewsQA sample is in ../shared, not in this repository")

_APOSTROPHES = re.compile(r"['’‘`]")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lowercased words, punctuation ignored ("Jane's" and "Janes" are one word, "U.S." is "u s")."""
    return _WORD.findall(_APOSTROPHES.sub("", text.lower()))


def runs(ws: list[str]) -> Iterator[tuple[str, ...]]:
    return (tuple(ws[i:i + RUN]) for i in range(len(ws) - RUN + 1))


@cache
def questions() -> tuple[tuple[str, ...], ...]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return tuple(tuple(words(json.loads(line)["question"])) for line in lines if line.strip())


@cache
def newsqa_runs() -> frozenset[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for path in STORIES.iterdir():
        out.update(runs(words(path.read_text(encoding="utf-8", errors="ignore"))))
    for question in questions():
        out.update(runs(list(question)))
    return frozenset(out)


@cache
def tracked_texts() -> tuple[tuple[str, list[str]], ...]:
    """(path, words) of every file git tracks that reads as UTF-8 text (binary files are skipped)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout: no list of tracked files")
    out = []
    for name in listed.stdout.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append((name, words(text)))
    return tuple(out)


def test_no_tracked_file_shares_eight_words_in_a_row_with_newsqa() -> None:
    shared = newsqa_runs()
    found = []
    for name, ws in tracked_texts():
        hits = [i for i, run in enumerate(runs(ws)) if run in shared]
        while hits:  # overlapping runs merged into the longest copied passage
            start = end = hits.pop(0)
            while hits and hits[0] <= end + 1:
                end = hits.pop(0)
            found.append(f"{name}: {' '.join(ws[start:end + RUN])!r}")
    assert not found, "NewsQA text copied into the project (rewrite it as a made-up example):\n" + "\n".join(found)


def test_no_tracked_file_quotes_a_newsqa_question_whole() -> None:
    """Most NewsQA questions are shorter than eight words: quoted whole, they are copies all the same."""
    by_first: dict[str, set[tuple[str, ...]]] = {}
    for q in questions():
        if len(q) >= WHOLE_QUESTION:
            by_first.setdefault(q[0], set()).add(q)
    found = []
    for name, ws in tracked_texts():
        for i, word in enumerate(ws):
            found += [f"{name}: {' '.join(q)!r}" for q in by_first.get(word, ()) if tuple(ws[i:i + len(q)]) == q]
    assert not found, "NewsQA questions copied into the project (write a made-up one):\n" + "\n".join(found)


def test_the_guard_sees_a_copied_passage() -> None:
    """The comparison itself: a story's own words are found whatever their case and punctuation."""
    story = next(p for p in sorted(STORIES.iterdir()) if len(words(p.read_text(encoding="utf-8"))) > 40)
    ws = words(story.read_text(encoding="utf-8"))[20:20 + RUN]
    assert tuple(ws) in newsqa_runs()
    assert tuple(words(" ".join(w.upper() + "," for w in ws))) in newsqa_runs()
