"""Follow-up questions: which questions are elliptical (rules tested on real phrasings), how they are
rewritten from the turn before, the preferred story, threads that expire, and the target: a
self-contained question gets exactly the answer it gets alone, whatever was asked before it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answer, AnswerKind, Citation, Composer, QType, Quote, Source, small_talk
from bot.conversation import (
    MAX_ASKED,
    MAX_SUGGESTIONS,
    Rule,
    Thread,
    Turn,
    answer_citation,
    converse,
    follow_up,
    is_follow_up,
    names,
    suggest_follow_ups,
)
from bot.state import question_key

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED_QUESTIONS = [
    "In how many regions did the National Front lead after the first round?",
    "Who leads the National Front?",
    "How is Marion Marechal-Le Pen related to Marine Le Pen?",
    "Who is the President of France?",
    "What did Marine Le Pen write on Twitter before the vote?",
    "Under what legal regime were the elections held?",
    "Which region did Marion Marechal-Le Pen run in?",
    "What did Steeve Briois tell Le Monde?",
    "Where did the National Front finish in the 2010 regional elections?",
    "What did Cambadélis say the withdrawal would put up?",
    "When is the next presidential election?",
    "Who contributed to the BuzzFeed report?",
    "What was the UMP renamed to?",
    "How many votes did the FN win in the first round?",
    "what did le pen call the regional result on december 6",
    "What is the capital of Australia?",
    "Recommend a good pizza recipe",
]


def turn(question: str, qtype: QType, short: str | None = None, lead: str | None = None,
         articles: tuple[str, ...] = ("a1", "a2")) -> Turn:
    return Turn(asked=question, question=question, qtype=qtype, found=True, short=short, lead=lead,
                articles=articles)


NORTH = turn("Who beat Le Pen in the north?", QType.PERSON, "Xavier Bertrand",
             "Xavier Bertrand beat Le Pen in the north.")
SHARE = turn("What percentage of the votes did Xavier Bertrand win?", QType.PERCENT, "54.57%")
TWITTER = turn("What did Marine Le Pen write on Twitter before the vote?", QType.GENERAL)
LEADS = turn("Who leads the National Front?", QType.PERSON, "Marine Le Pen", "Marine Le Pen leads the National Front.")
REGIONS = turn("How many regions did the National Front lead after the first round?", QType.NUMBER, "six regions")
FOUNDED = turn("Who founded the National Front?", QType.PERSON, "Jean-Marie Le Pen",
               "Jean-Marie Le Pen founded the National Front.")
NIECE = turn("How is Marion Marechal-Le Pen related to Marine Le Pen?", QType.GENERAL)
FINISH = turn("Where did the National Front finish in the 2010 regional elections?", QType.PLACE, "third")
PRESIDENT = turn("Who is the President of France?", QType.PERSON, "François Hollande",
                 "François Hollande is the President of France.")


def test_the_seed_questions_are_in_the_shared_file_too() -> None:
    path = SHARED / "eval" / "seed_questions.jsonl"
    if not path.exists():
        pytest.skip("../shared is absent")
    assert [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()] == SEED_QUESTIONS


# ------------------------------------------------------------------------------- the rules

SELF_CONTAINED = [
    *SEED_QUESTIONS,
    "Who beat Le Pen in the south?",
    "What did Le Pen say about her niece?",  # "her" refers to a name before it
    "Did Marine Le Pen say she would run again?",
    "How many regions are there?",  # existential "there"
    "Is there a second round?",
    "Estrosi?",  # a lone capitalised first word is no sure name: asked alone
    "Immigration?",
    "Who won?",  # has a content word of its own
    "hello",
    "What happened in Paris last month?",
    # crowd-style questions (made up here) whose pronouns have something before them to stand for
    "What did the pilot's wife beg him to do?",
    "Who said that they were closing their branch offices?",
    "Were farmers paid anything in damages for their crops?",
    "what is the allowance she receive?",
]


@pytest.mark.parametrize("question", SELF_CONTAINED)
@pytest.mark.parametrize("previous", [NORTH, TWITTER, REGIONS], ids=["north", "twitter", "regions"])
def test_self_contained_questions_start_fresh(question: str, previous: Turn) -> None:
    assert is_follow_up(question, previous) is None
    assert follow_up(previous, question) is None


@pytest.mark.parametrize("question", ["and in the south?", "why?", "how old is she?", "Estrosi?"])
def test_nothing_is_a_follow_up_without_a_previous_turn(question: str) -> None:
    assert follow_up(None, question) is None


@pytest.mark.parametrize(
    ("previous", "question", "rewritten", "rule"),
    [
        # connective + a place, a name, a time, an ordinal: the part it stands for is replaced
        (NORTH, "and in the south?", "Who beat Le Pen in the south?", Rule.CONNECTIVE),
        (NORTH, "And in the South?", "Who beat Le Pen in the south?", Rule.CONNECTIVE),
        (NORTH, "what about in the south?", "Who beat Le Pen in the south?", Rule.CONNECTIVE),
        (NORTH, "how about the south?", "Who beat Le Pen in the south?", Rule.CONNECTIVE),
        (NORTH, "same for the south?", "Who beat Le Pen in the south?", Rule.CONNECTIVE),
        (NORTH, "and Marion Marechal-Le Pen?", "Who beat Marion Marechal-Le Pen in the north?", Rule.CONNECTIVE),
        (NORTH, "and in Bordeaux?", "Who beat Le Pen in Bordeaux?", Rule.CONNECTIVE),
        (NORTH, "but what about the Socialists?", "Who beat the Socialists in the north?", Rule.CONNECTIVE),
        (NORTH, "also in 2010?", "Who beat Le Pen in 2010?", Rule.CONNECTIVE),
        (NORTH, "what about immigration?", "Who beat Le Pen in the north about immigration?", Rule.CONNECTIVE),
        (SHARE, "and Estrosi?", "What percentage of the votes did Estrosi win?", Rule.CONNECTIVE),
        (SHARE, "what about Marine Le Pen?", "What percentage of the votes did Marine Le Pen win?", Rule.CONNECTIVE),
        (SHARE, "and the Socialists?", "What percentage of the votes did the Socialists win?", Rule.CONNECTIVE),
        (LEADS, "what about the Socialists?", "Who leads the Socialists?", Rule.CONNECTIVE),
        (REGIONS, "and after the second round?",
         "How many regions did the National Front lead after the second round?", Rule.CONNECTIVE),
        (FINISH, "and in 2015?", "Where did the National Front finish in the 2015 regional elections?",
         Rule.CONNECTIVE),
        # a fragment with nothing new but a place, name or time
        (NORTH, "In the south?", "Who beat Le Pen in the south?", Rule.FRAGMENT),
        (REGIONS, "the second round?", "How many regions did the National Front lead after the second round?",
         Rule.FRAGMENT),
        (SHARE, "FN?", "What percentage of the votes did FN win?", Rule.FRAGMENT),
        # a pronoun, there, then: replaced by what they refer to
        (NORTH, "who won there?", "Who won in the north?", Rule.REFERENCE),
        (NORTH, "what percentage of the votes did he win?", "What percentage of the votes did Xavier Bertrand win?",
         Rule.REFERENCE),
        (NIECE, "how old is she?", "How old is Marion Marechal-Le Pen?", Rule.REFERENCE),
        (NIECE, "which region did she run in?", "Which region did Marion Marechal-Le Pen run in?", Rule.REFERENCE),
        (TWITTER, "what did she say about immigration?", "What did Marine Le Pen say about immigration?",
         Rule.REFERENCE),
        (LEADS, "who is her niece?", "Who is Marine Le Pen's niece?", Rule.REFERENCE),
        (LEADS, "how many votes did they win?", "How many votes did the National Front win?", Rule.REFERENCE),
        (PRESIDENT, "how many regions did his party win?", "How many regions did François Hollande's party win?",
         Rule.REFERENCE),
        # "that": the new question about the previous event
        (NORTH, "when was that?", "When was it that Xavier Bertrand beat Le Pen in the north?", Rule.BARE),
        (NORTH, "why?", "Why was it that Xavier Bertrand beat Le Pen in the north?", Rule.BARE),
        (NORTH, "where did it happen?", "Where was it that Xavier Bertrand beat Le Pen in the north?", Rule.BARE),
        (TWITTER, "when was that?", "When did Marine Le Pen write on Twitter before the vote?", Rule.BARE),
        (TWITTER, "and why?", "Why did Marine Le Pen write on Twitter before the vote?", Rule.CONNECTIVE),
        (REGIONS, "why?", "Why did the National Front lead after the first round?", Rule.BARE),
        (FOUNDED, "when?", "When was it that Jean-Marie Le Pen founded the National Front?", Rule.BARE),
        (FOUNDED, "in what year?", "In what year was it that Jean-Marie Le Pen founded the National Front?",
         Rule.BARE),
    ],
)
def test_follow_ups_are_rewritten_whole(previous: Turn, question: str, rewritten: str, rule: Rule) -> None:
    result = follow_up(previous, question)
    assert result is not None
    assert (result.question, result.rule) == (rewritten, rule)
    assert result.prefer == frozenset({"a1"}), "the story the previous answer quoted first"
    assert result.note == f"Follow-up, understood as: {rewritten}"


def test_a_previous_question_without_an_answer_prefers_no_story() -> None:
    unanswered = Turn("Who won in Bordeaux?", "Who won in Bordeaux?", QType.PERSON, found=False)
    result = follow_up(unanswered, "and in Lille?")
    assert result is not None and result.question == "Who won in Lille?" and result.prefer == frozenset()


def test_names_by_capitals() -> None:
    found = names("How is Marion Marechal-Le Pen related to Marine Le Pen in the South?")
    assert [(n.text, n.after) for n in found] == [("Marion Marechal-Le Pen", None), ("Marine Le Pen", "to")]
    assert [n.text for n in names("Estrosi?")] == []
    assert [n.text for n in names("Estrosi?", sentence_start=False)] == ["Estrosi"]
    assert [n.text for n in names("FN?")] == ["FN"]
    assert [n.text for n in names("Sarkozy's party won in December")] == []  # a month is no name
    assert [n.text for n in names("What did Nicolas Sarkozy's party win?")] == ["Nicolas Sarkozy"]


# ------------------------------------------------------------------------------ the thread


def test_a_turn_is_made_from_an_answer() -> None:
    answer = Answer(question="and in the south?", kind=AnswerKind.NO_ANSWER, notice="no")
    made = Turn.of(answer, at=5.0)
    assert made is not None and made.question == "and in the south?" and not made.found and made.at == 5.0
    assert Turn.of(Answer(question="hi", kind=AnswerKind.SMALL_TALK, notice="Hello"), 0.0) is None
    assert Turn.of(Answer(question="", kind=AnswerKind.REFUSED, notice="Please"), 0.0) is None
    assert made.fresh(now=605.0, max_age=600.0) and not made.fresh(now=605.1, max_age=600.0)
    assert made.fresh(now=10**9, max_age=None)


class Recording:
    """A stand-in service that answers every question with its own text and records how it was asked."""

    def __init__(self, found: bool = True) -> None:
        self.calls: list[tuple[str, frozenset[str]]] = []
        self.found = found

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        self.calls.append((question, prefer))
        if small_talk(question):
            return Answer(question=question, kind=AnswerKind.SMALL_TALK, notice="You're welcome!")
        if not self.found:
            return Answer(question=question, kind=AnswerKind.NO_ANSWER, notice="none")
        story = "story-" + question[:5]
        return Answer(question=question, kind=AnswerKind.ANSWER, quotes=[Quote(text=question, citations=[1])],
                      sources=[Source(n=1, article_id=story, title="t")],
                      citations=[Citation(n=1, article_id=story, title="t", quote=question, score=1.0, position=0)])

    def suggestions(self, answer: Answer, avoid: Any = ()) -> list[str]:
        return ["Suggested?"]


def test_a_thread_continues_while_recent_and_small_talk_does_not_break_it() -> None:
    now = [0.0]
    service = Recording()
    thread = Thread(service, max_age=600.0, clock=lambda: now[0])
    thread.ask("Who beat Le Pen in the north?")
    now[0] = 100.0
    thread.ask("thanks")  # small talk is asked alone and leaves the thread as it was
    now[0] = 200.0
    second = thread.ask("and in the south?")
    assert second.follow_up is not None and second.follow_up.question == "Who beat Le Pen in the south?"
    assert second.question == "and in the south?", "the answer keeps the question as typed"
    assert service.calls[-1] == ("Who beat Le Pen in the south?", frozenset({"story-Who b"}))
    assert second.suggestions == ["Suggested?"]
    now[0] = 801.0  # more than ten minutes after the last turn: a new conversation
    third = thread.ask("and in the east?")
    assert third.follow_up is None and service.calls[-1] == ("and in the east?", frozenset())


def test_a_follow_up_that_finds_nothing_falls_back_to_the_question_alone() -> None:
    class AloneOnly(Recording):
        def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
            self.found = not prefer
            return super().answer(question, prefer=prefer)

    service = AloneOnly()
    answer = converse(service, NORTH, "and Sarkozy?")
    assert [q for q, _ in service.calls] == ["Who beat Sarkozy in the north?", "and Sarkozy?"]
    assert answer.found and answer.follow_up is None


def test_no_answer_to_a_follow_up_still_says_how_it_was_understood() -> None:
    answer = converse(Recording(found=False), NORTH, "and in Bordeaux?")
    assert answer.kind is AnswerKind.NO_ANSWER and answer.suggestions == []
    assert answer.follow_up is not None and answer.follow_up.note == (
        "Follow-up, understood as: Who beat Le Pen in Bordeaux?")


# ------------------------------------------------------------- the real composer and corpus


def test_no_preferred_story_changes_nothing(seed_service: Any) -> None:
    composer = seed_service.composer
    for question in SEED_QUESTIONS:
        assert composer.answer(question, prefer=frozenset()) == composer.answer(question)


def test_the_preferred_story_wins_when_the_evidence_is_otherwise_equal(seed_service: Any) -> None:
    question = "Who leads the National Front?"  # three stories say "National Front leader Marine Le Pen"
    alone = seed_service.answer(question)
    buzzfeed = "001_e0e1fe53f051b84c"
    preferred = seed_service.answer(question, prefer=frozenset({buzzfeed}))
    assert alone.sources[0].article_id != buzzfeed and preferred.sources[0].article_id == buzzfeed
    assert alone.short is not None and preferred.short is not None
    assert preferred.short.text == alone.short.text == "Marine Le Pen"
    assert "Marine Le Pen" in preferred.quotes[0].text


UNRELATED = ["Who founded the National Front?", "What is the capital of Australia?", "Who won?"]


@pytest.mark.parametrize("before", UNRELATED)
def test_every_seed_question_after_an_unrelated_one_gets_the_answer_it_gets_alone(
    seed_service: Any, before: str
) -> None:
    for question in SEED_QUESTIONS:
        thread = Thread(seed_service)
        thread.ask(before, suggest=False)
        assert thread.turn is not None, "the unrelated question opened a thread"
        after = thread.ask(question)
        alone = Thread(seed_service).ask(question)
        assert after.follow_up is None, question
        assert after.model_dump(exclude={"suggestions"}) == alone.model_dump(exclude={"suggestions"}), question
        assert after.model_copy(update={"suggestions": []}) == seed_service.answer(question), question


# ------------------------------------------------------------------------ suggested follow-ups


def test_suggestions_are_answered_from_the_story_before_they_are_offered(seed_service: Any) -> None:
    offered = 0
    for question in SEED_QUESTIONS:
        answer = Thread(seed_service).ask(question)
        if not answer.found:
            assert answer.suggestions == [], "nothing to follow up on an 'I don't know'"
            continue
        assert len(answer.suggestions) <= MAX_SUGGESTIONS
        citation = answer_citation(answer)
        assert citation is not None
        story = citation.article_id
        for suggestion in answer.suggestions:
            got = seed_service.answer(suggestion)
            assert got.found and got.short is not None, suggestion
            assert story in {c.article_id for c in got.citations}, f"{suggestion}: from the story of {question}"
            assert question_key(suggestion) != question_key(question)
            assert not any(got.short.text in quote.text for quote in answer.quotes), "not what was just shown"
        offered += len(answer.suggestions)
    assert offered >= 20, "most answers have something to suggest"


def test_suggesting_asks_a_bounded_number_of_questions(seed_service: Any) -> None:
    class Counting(Composer):
        asked = 0

        def answer(self, raw_question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
            Counting.asked += 1
            return super().answer(raw_question, prefer=prefer)

    composer = Counting(seed_service.retriever, seed_service.composer.settings)
    for question in SEED_QUESTIONS:
        Counting.asked = 0
        suggest_follow_ups(composer, composer.answer(question))
        assert Counting.asked - 1 <= MAX_ASKED


def test_the_conversation_just_had_is_not_suggested(seed_service: Any) -> None:
    answer = seed_service.answer("Who is the President of France?")
    first = suggest_follow_ups(seed_service.composer, answer)
    assert first, "something to suggest"
    again = suggest_follow_ups(seed_service.composer, answer, avoid=[first[0].upper().rstrip("?")])
    assert first[0] not in again
