"""`newsbot eval`: the pure metric functions, and the seed questions end to end (17/17)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.errors import EvalFileError
from bot.evaluation import (
    EvalQuestion,
    contains_answer,
    parse_questions,
    percentile,
    score_question,
    source_id,
    summarize,
    worst,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_QUESTIONS = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
SEED_CORPUS = ROOT / "corpus"


def test_contains_answer_ignores_case_accents_and_spacing():
    assert contains_answer("Adrien Senecat contributed to this report.", ["Adrien Sénécat"])
    assert contains_answer("LES RÉPUBLICAINS  won", ["les republicains"])
    assert contains_answer("the  state\nof emergency", ["State of emergency"])
    assert contains_answer("it’s here", ["it's"])
    assert not contains_answer("Marine Le Pen", ["Marion"])
    assert not contains_answer(None, ["x"])
    assert not contains_answer("anything", ["", "  "])


def test_source_id_is_the_file_stem():
    assert source_id("000_abc") == "000_abc"
    assert source_id("corpus/000_abc.txt") == "000_abc"
    assert source_id("a/b/story.md") == "story"
    assert source_id("newsqa_1.2") == "newsqa_1.2"


def test_parse_questions_reads_jsonl_and_rejects_bad_lines():
    lines = [
        '{"id": "a", "question": "Who?", "answers": ["X"], "sources": ["corpus/s1.txt"]}',
        "",
        '{"id": "b", "question": "Capital of Mars?", "no_answer": true}',
    ]
    qs = parse_questions(lines)
    assert qs == [
        EvalQuestion("a", "Who?", ("X",), ("s1",), False),
        EvalQuestion("b", "Capital of Mars?", (), (), True),
    ]
    with pytest.raises(EvalFileError, match=":1:"):
        parse_questions(["not json"])
    with pytest.raises(EvalFileError, match="needs 'answers'"):
        parse_questions(['{"question": "Who?"}'])


def _q(**kw):
    base = dict(id="q", question="Who?", answers=("Hollande",), sources=("s1",), no_answer=False)
    base.update(kw)
    return EvalQuestion(**base)


def test_score_question_metrics():
    r = score_question(_q(), found=True, quoted="President Hollande said.", quoted_source="s1",
                       reply="President Hollande said. [1]", top=["nothing", "President Hollande said."],
                       latency_ms=3.0)
    assert (r.answer_at_1, r.answer_in_reply, r.hit_at_k, r.source_at_1, r.passed) == (True, True, True, True, True)
    assert r.severity == 0

    # The answer only in the second quote, from the wrong article.
    r = score_question(_q(), found=True, quoted="Valls spoke.", quoted_source="s2",
                       reply="Valls spoke. [1] Hollande too. [2]", top=["Valls spoke."], latency_ms=1.0)
    assert (r.answer_at_1, r.answer_in_reply, r.hit_at_k, r.source_at_1, r.passed) == (False, True, False, False, False)
    assert r.severity == 3

    # Abstaining on an answerable question fails everything but hit@k.
    r = score_question(_q(), found=False, quoted=None, quoted_source=None, reply="", top=["Hollande"], latency_ms=1.0)
    assert r.abstained and r.hit_at_k and not r.passed and r.severity == 3


def test_no_answer_questions_pass_only_by_abstaining():
    q = _q(answers=(), sources=(), no_answer=True)
    ok = score_question(q, found=False, quoted=None, quoted_source=None, reply="", top=["x"], latency_ms=1.0)
    bad = score_question(q, found=True, quoted="x", quoted_source="s1", reply="x [1]", top=["x"], latency_ms=1.0)
    assert ok.passed and ok.severity == 0
    assert not bad.passed and bad.severity == 4


def test_summarize_counts_and_rates():
    good = score_question(_q(id="1"), found=True, quoted="Hollande", quoted_source="s1", reply="Hollande [1]",
                          top=["Hollande"], latency_ms=10.0)
    miss = score_question(_q(id="2"), found=False, quoted=None, quoted_source=None, reply="", top=[],
                          latency_ms=20.0)
    false_answer = score_question(_q(id="3", answers=(), sources=(), no_answer=True), found=True, quoted="x",
                                  quoted_source="s1", reply="x", top=[], latency_ms=30.0)
    s = summarize([good, miss, false_answer])
    assert (s.questions, s.answerable, s.unanswerable) == (3, 2, 1)
    assert (s.answer_at_1, s.answer_in_reply, s.hit_at_5, s.source_at_1) == (1, 1, 1, 1)
    assert (s.abstained, s.false_answers, s.passed) == (1, 1, 1)
    assert s.rates["answer_at_1"] == 0.5 and s.rates["false_answers"] == 1.0
    assert s.latency_p50_ms == 20.0
    assert [r.id for r in worst([good, miss, false_answer], 5)] == ["2", "3"]  # both miss everything: file order
    assert summarize([]).questions == 0


def test_percentile():
    assert percentile([], 50) == 0.0
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 100) == 5.0


@pytest.mark.skipif(not SEED_QUESTIONS.is_file(), reason="../shared/eval/seed_questions.jsonl not present")
def test_seed_questions_all_pass(tmp_path, capsys):
    from bot.cli import main

    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    code = main(["eval", str(SEED_QUESTIONS), "--corpus", str(corpus), "--cache-dir", str(tmp_path / "cache"),
                 "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    failed = [q["id"] for q in report["questions"] if not q["passed"]]
    assert failed == []
    assert report["summary"]["passed"] == report["summary"]["questions"] == 17
    assert report["summary"]["false_answers"] == 0


@pytest.mark.skipif(not SEED_CORPUS.is_dir(), reason="seed corpus not present")
def test_out_of_corpus_questions_abstain(tmp_path):
    from bot import NewsService

    service = NewsService.open(SEED_CORPUS, tmp_path / "cache")
    for question in ("Who won the Super Bowl?", "What is the capital of Australia?", "Recommend a good pizza recipe",
                     "Who wrote Hamlet?"):
        assert not service.answer(question).found, question


# ----------------------------------------------------------------- answer-type helpers the eval tuned


def _phrase(text, question):
    from bot.answer import find_answer, parse_question
    from index import analyze

    span = find_answer(parse_question(question), text, set(analyze(question)).__contains__)
    return text[span.start:span.end] if span else None


def test_person_names_split_at_possessives():
    assert _phrase("France's Front National party failed to win", "Who leads the National Front?") is None
    assert _phrase("President François Hollande's Socialist party pulled out", "Who pulled out?") == (
        "François Hollande")
    assert _phrase("Le Pen's niece Marion Marechal-Le Pen lost", "Who is Le Pen's niece?") == "Marion Marechal-Le Pen"


def test_questions_ending_in_a_preposition_want_the_phrase_after_it():
    from bot.answer import preposition_frame

    assert preposition_frame("What is Dunmore accused of?") == ("of", "accus")
    assert preposition_frame("Under what legal regime were the elections held?") == ("under", "hold")
    assert preposition_frame("What did the survey show?") is None
    assert _phrase("Dunmore was accused of taking bribes from property developers, his lawyer said.",
                   "What is Dunmore accused of?") == "taking bribes from property developers"
    assert _phrase("The elections were the first to be held in France under a state of emergency imposed in response.",
                   "Under what legal regime were the elections held?") == "a state of emergency imposed"
    assert _phrase("He spoke of his friends when he was accused.", "What is Dunmore accused of?") is None
