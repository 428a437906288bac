"""Property tests: any question and any article file, and nothing crashes or lies."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import AnswerKind, answer_json, render_text
from index import read_corpus

FIXED = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_pieces = st.one_of(
    st.text(max_size=60),
    st.sampled_from([
        "Who beat Le Pen in the north?", "<b>bold</b>", "<script>alert(1)</script>", "&amp; & < >", "**md** _x_",
        "[link](http://x)", "🇫🇷🔥👍🏽", "من يقود الجبهة الوطنية", "\u202e\u202d\u200f", "\x00\x1b[31m\x7f",
        "Maréchal", "FN", "NATIONAL FRONT", "45.43%", "   ", "\n\t", "what is it?", "\ufeff", "\ud7ff",
    ]),
)
questions = st.one_of(
    st.lists(_pieces, max_size=8).map(" ".join),
    st.builds(lambda s, n: s * n, st.sampled_from(["Le Pen ", "x", "🔥", "<i>"]), st.integers(0, 20_000 // 7)),
)


@FIXED
@given(question=questions)
def test_any_question_gets_a_sound_answer(seed_service, question: str) -> None:  # type: ignore[no-untyped-def]
    from bot.render import render_answer
    from bot.tgbot.testing import parse_html

    answer = seed_service.answer(question)
    data = seed_service.retriever.data
    sentences = {data.chunk_text(i) for i in range(data.n_chunks) if data.quotable[i]}
    # a quote is a sentence of the corpus, or two neighbours of one story (the second completing the first)
    sentences |= {f"{data.chunk_text(i)} {data.chunk_text(i + 1)}" for i in range(data.n_chunks - 1)
                  if data.quotable[i] and data.quotable[i + 1] and data.chunk_article[i] == data.chunk_article[i + 1]}
    text = render_text(answer)
    assert text.strip()
    json.dumps(answer_json(answer))
    if answer.kind is AnswerKind.ANSWER:
        numbers = {s.n for s in answer.sources}
        for n in re.findall(r"\[(\d+)\]", answer.text):
            assert int(n) in numbers
        for citation in answer.citations:
            assert citation.quote in sentences
    else:
        assert answer.citations == [] and answer.sources == []
    for message in render_answer(answer):
        plain, _entities = parse_html(message)  # raises on tags Telegram rejects or unescaped < and &
        assert 0 < len(plain.encode("utf-16-le")) // 2 <= 4096


article_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda s: s.encode("utf-8")),
    st.sampled_from([
        b"   \n \t \n", b"---\ntitle: never closes\nbody\n", b"Headline\n\n" + b"x" * 50_000 + b".\n",
        b"Headline only\n", b"\xef\xbb\xbfBOM headline\n\nA body sentence that is long enough.\n",
        ("Headline\n\n" + "A very long line without a break " * 2000 + ".\n").encode(),
    ]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(article_bytes, min_size=1, max_size=4))
def test_ingestion_skips_what_it_cannot_read(tmp_path_factory: pytest.TempPathFactory, files: list[bytes]) -> None:
    from index import CorpusError, open_index

    corpus = tmp_path_factory.mktemp("corpus")
    good = "Good article\n\nThe mayor of Springfield opened the new harbour bridge on Monday.\n"
    (corpus / "good.txt").write_text(good, encoding="utf-8")
    for i, raw in enumerate(files):
        (corpus / f"random{i}.txt").write_bytes(raw)
    jsonl = [json.dumps([1, 2]), "{", json.dumps({"id": "j1", "title": "J", "text": "Jsonl body sentence here."}),
             json.dumps("string")]
    (corpus / "more.jsonl").write_text("\n".join(jsonl) + "\n", encoding="utf-8")
    report = read_corpus(corpus)
    names = {a.article_id for a in report.articles}
    assert {"good", "j1"} <= names
    skipped = dict(report.skipped)
    assert {"more.jsonl:1", "more.jsonl:2", "more.jsonl:4"} <= set(skipped)
    assert all(reason for reason in skipped.values())
    assert len(names) + len([n for n in skipped if n.startswith("random")]) == len(files) + 2
    try:
        _data, build = open_index(corpus, tmp_path_factory.mktemp("cache"))
    except CorpusError:  # pragma: no cover - good.txt is always readable
        raise
    assert build is not None and build.articles >= 2
