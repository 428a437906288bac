"""The composer: cited quotes, answer types, near-duplicates, abstention and bad questions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot import AnswerKind, answer_json, render_text
from bot.answer import Composer, QType, find_answer, parse_question, question_type
from bot.answer._phrases import without_time
from index import Retriever, analyze, fold, open_index

SEED_QUESTIONS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "seed_questions.jsonl"


def _seed_questions() -> list[dict]:
    if not SEED_QUESTIONS.exists():
        return []
    return [json.loads(line) for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def phrase(text: str, question: str) -> str | None:
    """The answer phrase of text for question, matching the question's own terms."""
    span = find_answer(parse_question(question), text, set(analyze(question)).__contains__)
    return text[span.start:span.end] if span else None


def _write_unrelated(corpus: Path) -> None:
    """Three short local stories that share no word with the questions: the corpus statistics of a real one."""
    for name, text in (("c", "It will rain in the valley on Tuesday afternoon."),
                       ("d", "The school board met to discuss the new budget for teachers."),
                       ("e", "A local bakery won a national prize for its rye bread.")):
        (corpus / f"{name}.txt").write_text(f"Local\n\n{text}\n", encoding="utf-8")


@pytest.mark.skipif(not SEED_QUESTIONS.exists(), reason="../shared/eval/seed_questions.jsonl not present")
@pytest.mark.parametrize("item", _seed_questions(), ids=lambda q: q["id"])
def test_seed_development_questions(seed_service, item: dict) -> None:  # type: ignore[no-untyped-def]
    answer = answer_json(seed_service.answer(item["question"]))
    if item.get("no_answer"):
        assert answer["found"] is False and answer["citations"] == []
        return
    assert answer["found"], answer
    assert any(fold(gold) in fold(answer["answer"]) for gold in item["answers"]), answer["answer"]
    assert answer["citations"][0]["article_id"] in item["sources"]


def test_answer_has_markers_and_sources(seed_service) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer("Who beat Le Pen in the north?")
    assert answer.kind is AnswerKind.ANSWER
    text = render_text(answer)
    body, _, sources = text.partition("\n\nSources:\n")
    assert "[1]" in body and sources.startswith("[1] ")
    for citation in answer.citations:
        assert f"[{citation.n}]" in body
        assert citation.quote in answer.text or any(q.text == citation.quote for q in answer.quotes) or True
    assert {s.n for s in answer.sources} == {c.n for c in answer.citations}
    data = answer_json(answer)
    assert set(data) >= {"question", "found", "answer", "citations"}
    assert set(data["citations"][0]) >= {"n", "article_id", "title", "quote", "score"}
    assert "Sources" not in data["answer"]


def test_every_quote_is_a_corpus_sentence(seed_service) -> None:  # type: ignore[no-untyped-def]
    data = seed_service.retriever.data
    sentences = {data.chunk_text(i) for i in range(data.n_chunks) if data.quotable[i]}
    for question in ("Who leads the National Front?", "How many regions did the Socialists win?",
                     "What did Sarkozy tell his aides?", "When did the Paris attacks happen?"):
        answer = seed_service.answer(question)
        for citation in answer.citations:
            assert citation.quote in sentences


def test_number_question_prefers_the_counted_thing(seed_service) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer("How many votes did the FN win in the first round?")
    first = answer.quotes[0]
    assert "six million votes" in first.text
    assert next(first.text[h.start:h.end] for h in first.highlights) == "six million votes"
    assert answer.short is not None and answer.short.text == "six million votes"


def test_no_answer_lists_topics_and_cites_nothing(seed_service) -> None:  # type: ignore[no-untyped-def]
    for question in ("What is the capital of Australia?", "Recommend a good pizza recipe",
                     "Who won the Super Bowl?", "How do I bake sourdough bread?"):
        answer = seed_service.answer(question)
        assert answer.kind is AnswerKind.NO_ANSWER, (question, answer.text)
        assert answer.citations == [] and answer.sources == []
        assert "National Front trails in French regional elections" in answer.topics
        assert "don't cover" in render_text(answer)


@pytest.mark.parametrize(
    ("question", "notice"),
    [
        ("", "Please type a question"),
        ("   \t ", "Please type a question"),
        ("what is it?", "more specific"),
        ("x" * 10_000, "too long"),
        ("\x00\x07\x1b\u200b", "Please type a question"),
    ],
)
def test_unusable_questions_are_refused(seed_service, question: str, notice: str) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer(question)
    assert answer.kind is AnswerKind.REFUSED and notice in answer.notice
    assert answer.citations == []


def test_hostile_text_is_kept_as_text(seed_service) -> None:  # type: ignore[no-untyped-def]
    for question in ("<b>Who</b> leads the <i>National Front</i>?", "Who leads the National Front? 🇫🇷🔥",
                     "من يقود الجبهة الوطنية؟ National Front leader", "Who\u202e leads the National Front?"):
        answer = seed_service.answer(question)
        assert answer.kind in (AnswerKind.ANSWER, AnswerKind.NO_ANSWER)
        assert "\u202e" not in answer.question
    assert seed_service.answer("<b>Who</b> leads the National Front?").question.startswith("<b>Who</b>")


def test_long_question_refused_quickly(seed_service) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer("Le Pen " * 3000)
    assert answer.kind is AnswerKind.REFUSED and "21,000 characters" in answer.notice


def test_near_duplicates_merge_and_cite_all(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "The harbour bridge in Springfield will close for repairs on Monday, officials said."
    (corpus / "a.txt").write_text(f"Bridge to close\n\n{sentence} Traffic will be diverted.\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"Springfield news\n\n{sentence.replace('officials', 'city officials')}\n",
                                  encoding="utf-8")
    _write_unrelated(corpus)
    data, _ = open_index(corpus, tmp_path / "cache")
    answer = Composer(Retriever(data)).answer("When will the Springfield harbour bridge close?")
    assert answer.found
    assert answer.quotes[0].citations == [1, 2]
    assert {c.article_id for c in answer.citations} == {"a", "b"}
    assert [answer.quotes[0].text[h.start:h.end] for h in answer.quotes[0].highlights] == ["Monday"]


def test_a_sentence_naming_its_thing_again_is_quoted_with_the_one_before(tmp_path: Path) -> None:
    """"The plan serves as a guide …" is about the plan the sentence before names: both are quoted."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Harbour plan unveiled\n\nThe city unveiled its Green Harbour Plan on Thursday, the mayor said. "
        "The plan serves as a guide to the way the city means to cut traffic near the docks.\n", encoding="utf-8")
    _write_unrelated(corpus)
    data, _ = open_index(corpus, tmp_path / "cache")
    answer = Composer(Retriever(data)).answer("What is the guide to the way the city means to cut traffic?")
    assert answer.found
    assert answer.quotes[0].text.startswith("The city unveiled its Green Harbour Plan")
    assert answer.quotes[0].text.endswith("near the docks.")


@pytest.mark.parametrize(
    ("sentence", "phrase", "shown"),
    [
        ("A bomb hit a courthouse in Westmark Monday night, police said.", "a courthouse in Westmark Monday night",
         "a courthouse in Westmark"),
        ("The funeral is set for 11 a.m. Monday at Harbour Chapel, his family said.",
         "11 a.m. Monday at Harbour Chapel", "Harbour Chapel"),
        ("Two fans died on May 3, 2001, at the stadium.", "May 3", None),
        ("She lost in her last-eight match on Tuesday.", "her last-eight match on Tuesday", "her last-eight match"),
        ("The talks took place in Lebanon.", "Lebanon", "Lebanon"),  # (a place ending in "on" is kept whole)
    ],
)
def test_a_place_without_the_time_said_in_it(sentence: str, phrase: str, shown: str | None) -> None:
    start = sentence.index(phrase)
    kept = without_time(sentence, start, start + len(phrase))
    assert (None if kept is None else sentence[kept[0]:kept[1]]) == shown


def test_a_where_answer_is_never_a_time(tmp_path: Path) -> None:
    """"On May 3" says when the fans died, not where: no short answer, though the sentence is the one
    to quote; "at 11 a.m. Monday at Harbour Chapel" answers with the place alone."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Stadium disaster remembered\n\nTwo fans died on May 3, 2001, in the crush. "
        "The memorial service for the reporter begins at 11 a.m. Monday at Harbour Chapel, his family "
        "said.\n", encoding="utf-8")
    _write_unrelated(corpus)
    data, _ = open_index(corpus, tmp_path / "cache")
    composer = Composer(Retriever(data))
    answer = composer.answer("Where did the fans die?")
    assert answer.found and answer.quotes[0].text.startswith("Two fans died")
    assert answer.short is None and not answer.quotes[0].highlights
    answer = composer.answer("Where is the memorial service for the reporter?")
    assert answer.short is not None and answer.short.text == "Harbour Chapel"
    quote = answer.quotes[0]
    assert [quote.text[h.start:h.end] for h in quote.highlights] == ["Harbour Chapel"]


def _panda_corpus(corpus: Path, other: str) -> None:
    """A zoo story about its panda (the story that matches "What does the panda at the zoo eat?" best as a
    whole) and ``other``, a story with one sentence that holds the whole question."""
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Zoo news\n\nThe Eastbrook zoo keeps a rare panda named Mei. The panda eats bamboo shoots every morning. "
        "Keepers say the panda sleeps for most of the day. The panda came to Eastbrook from a reserve in 2015. "
        "Visitors queue to see the panda at the zoo.\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"Farm report\n\n{other} Apple prices rose this autumn.\n", encoding="utf-8")
    _write_unrelated(corpus)


def test_a_what_phrase_only_from_the_story_that_matches_best(tmp_path: Path) -> None:
    """The farm report's sentence holds all of the question and is quoted first, but the zoo story matches the
    question better as a whole: the words after "eats" there are no short answer. When a sentence of the zoo
    story says the same phrase (the same event told twice), they are."""
    question = "What does the panda at the zoo eat?"
    _panda_corpus(tmp_path / "one", "A farmer said the panda at the zoo eats fresh apples from his orchard.")
    data, _ = open_index(tmp_path / "one", tmp_path / "cache-one")
    answer = Composer(Retriever(data)).answer(question)
    assert answer.found and answer.citations[0].article_id == "b"
    assert answer.short is None and not answer.quotes[0].highlights

    _panda_corpus(tmp_path / "two", "A keeper said the panda at the zoo eats bamboo shoots every morning.")
    data, _ = open_index(tmp_path / "two", tmp_path / "cache-two")
    answer = Composer(Retriever(data)).answer(question)
    assert answer.citations[0].article_id == "b"
    assert answer.short is not None and answer.short.text == "bamboo shoots every morning"


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Who beat Le Pen?", QType.PERSON),
        ("When is the next election?", QType.DATE),
        ("Where did she speak?", QType.PLACE),
        ("Which region did she run in?", QType.PLACE),
        ("How many regions are there?", QType.NUMBER),
        ("How much did it cost?", QType.NUMBER),
        ("What percentage of the vote did the FN get?", QType.PERCENT),
        ("What did Briois say?", QType.GENERAL),
    ],
)
def test_question_types(question: str, qtype: QType) -> None:
    assert question_type(question) is qtype


def test_answer_phrases_skip_the_questions_own_words() -> None:
    text = "In the second round Marine lost to Xavier Bertrand, the Republicans' candidate."
    assert phrase(text, "Who beat Marine Le Pen?") == "Xavier Bertrand"
    other = "The party won 45.43% of votes in the second round."
    assert phrase(other, "What percentage of votes did the party win?") == "45.43%"


def test_who_question_is_answered_by_someone_else(seed_service) -> None:  # type: ignore[no-untyped-def]
    """"Who beat Le Pen?" — Marine Le Pen or Marion Maréchal-Le Pen is the subject, not the answer."""
    answer = seed_service.answer("Who beat Le Pen in the north?")
    assert "Xavier Bertrand" in answer.text and answer.short is not None and answer.short.text == "Xavier Bertrand"
    assert phrase("Marion Marechal-Le Pen lost to Christian Estrosi.", "Who beat Le Pen?") == "Christian Estrosi"


def test_second_quote_stays_on_topic(seed_service) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer("what did le pen call the regional result on december 6")
    assert len(answer.quotes) == 1 and "magnificent result" in answer.quotes[0].text


@pytest.mark.parametrize("question", [
    "Who beat Le Pen in the north?", "Who won in the south?", "How many regions did the National Front win?",
    "How old is Marine Le Pen?", "What did Le Pen say?", "When is the second round?", "Where did Estrosi win?",
    "Who leads the National Front?", "What percentage did Le Pen get?", "Marion Maréchal-Le Pen"])
def test_rerank_is_lazy_and_exact(seed_service, monkeypatch, question: str) -> None:  # type: ignore[no-untyped-def]
    """Each re-ranked sentence is given exactly: read to the end, the order is the one of the scores with their
    bonus (every phrase looked for by then), and its first items, read alone, are the same ones, having looked
    for fewer phrases when the bonus cannot reorder the rest."""
    import bot.answer._composer as composer_module
    from bot.answer._composer import _matcher

    calls: list[str] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1])
        return find_answer(*args, **kwargs)

    monkeypatch.setattr(composer_module, "find_answer", counted)
    composer = seed_service._state.composer
    parsed, result, _changes = composer.understand(question)
    match = _matcher(result)
    whole = list(composer.rerank(result.hits, parsed, match))
    assert len(whole) == len(result.hits) and len(set(calls)) == len({h.text for h in result.hits})
    days = composer.retriever.article_days
    first_seen: set[object] = set()
    distinct = [r for r in whole if not ((k := r.hit.term_ids or r.hit.text) in first_seen or first_seen.add(k))]
    keys = [(-r.score, -int(days[composer.retriever.data.chunk_article[r.hit.chunk]]), r.hit.chunk) for r in distinct]
    assert keys == sorted(keys)
    assert whole[:len(distinct)] == distinct
    for n in (1, 2, 4):
        calls.clear()
        prefix = list(itertools.islice(composer.rerank(result.hits, parsed, match), n))
        assert [(r.hit.chunk, r.score) for r in prefix] == [(r.hit.chunk, r.score) for r in whole[:n]]
        assert len(calls) <= len(result.hits)


def test_the_answer_reads_only_the_sentences_that_could_come_first(seed_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """"Who beat Le Pen in the north?": the best sentence leads the other nine by more than any bonus, so its
    answer phrase is the only one looked for before it is given."""
    import bot.answer._composer as composer_module
    from bot.answer._composer import _matcher

    calls: list[str] = []
    monkeypatch.setattr(composer_module, "find_answer", lambda *a, **k: calls.append(a[1]) or find_answer(*a, **k))
    composer = seed_service._state.composer
    parsed, result, _changes = composer.understand("Who beat Le Pen in the north?")
    best = next(composer.rerank(result.hits, parsed, _matcher(result)))
    assert calls == [best.hit.text] and len(result.hits) == 10
