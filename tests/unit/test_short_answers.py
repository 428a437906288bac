"""The short answer first, ordinary phrasing, spelling, and example questions that really work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import AnswerKind, answer_json, render_text
from bot.answer import (
    AnswerSpan,
    ComposerSettings,
    Form,
    QType,
    SmallTalk,
    find_answer,
    lead_sentence,
    parse_question,
    small_talk,
    strip_lead_in,
)
from index import analyze, correct_spelling


def span_of(text: str, question: str) -> AnswerSpan | None:
    return find_answer(parse_question(question), text, set(analyze(question)).__contains__)


def phrase(text: str, question: str) -> str | None:
    span = span_of(text, question)
    return text[span.start:span.end] if span else None


@pytest.mark.parametrize(
    ("question", "qtype", "form"),
    [
        ("Who beat Le Pen in the north?", QType.PERSON, Form.SUBJECT),
        ("Who did Le Pen beat?", QType.PERSON, Form.OBJECT),
        ("Who was nominated to lead the coast guard?", QType.PERSON, Form.SUBJECT),
        ("Who is Anna Vell?", QType.DEFINITION, Form.OBJECT),
        ("What is the FN?", QType.DEFINITION, Form.OBJECT),
        ("How old is Marine Le Pen?", QType.AGE, Form.OBJECT),
        ("Which movie is Nora Quell starring in?", QType.GENERAL, Form.OBJECT),  # the phrase after "in"
        ("Which countries does Dunmore expect to visit?", QType.PLACE, Form.OBJECT),
        ("What was the yearly turnover of the company?", QType.NUMBER, Form.SUBJECT),
        ("What job did Dunmore formerly have?", QType.DEFINITION, Form.OBJECT),
        # the word after "what" is the question's verb or the name it asks about, no kind of thing
        ("What caused the blackout?", QType.GENERAL, Form.SUBJECT),
        ("What causes the disease to spread?", QType.GENERAL, Form.SUBJECT),
        ("What is Smith thought to have hidden?", QType.GENERAL, Form.OBJECT),
        ("What shows won awards?", QType.ENTITY, Form.SUBJECT),  # a plural noun, then its verb
        ("Which Beatle left the band?", QType.PERSON, Form.SUBJECT),
        ("What made the crowd cheer?", QType.GENERAL, Form.SUBJECT),  # an irregular past
        ("What motto do governors recite at the swearing-in?", QType.ENTITY, Form.OBJECT),  # not a governor: a motto
        ("What is the name of the hotel?", QType.ENTITY, Form.SUBJECT),  # a thing's name, not a person's
        ("What is the name of the singer's daughter?", QType.PERSON, Form.SUBJECT),
        ("What is the number of pupils who passed?", QType.NUMBER, Form.SUBJECT),  # "who" of a relative clause
    ],
)
def test_what_a_question_asks_for(question: str, qtype: QType, form: Form) -> None:
    parsed = parse_question(question)
    assert (parsed.qtype, parsed.form) == (qtype, form)


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # an abbreviated rank is written as part of the name; a role word ("Mayor") describes it
        ("Who was nominated to lead the engineering corps?",
         "The governor nominated Lt. Gen. Jane Q. Public to lead the engineering corps.",
         "Lt. Gen. Jane Q. Public"),
        ("Who is the mayor of Eastbrook?", "Eastbrook Mayor Anna B. Vell said the town would recover.", "Anna B. Vell"),
        ("Where is Kellmoor?", "A cargo jet lands at Kellmoor Naval Station in northern Westmark in 2011.",
         "northern Westmark"),
        ("How long was the ban?", "The rider's teammate received a 4-year racing ban for his part.", "4-year"),
        ("Which countries does Dunmore expect to visit?",
         "Dunmore is expected to visit Ruritania, Freedonia and Westmark on his first tour abroad.",
         "Ruritania, Freedonia and Westmark"),
        ("Who is Anna Vell?", "Ruritanian Prime Minister Anna Vell said the vote was close.", "Ruritanian Prime Minister"),
        ("How old is Marine Le Pen?", "Marine Le Pen, 47, told supporters the fight had just begun.", "47"),
        ("How old is Marion Marechal-Le Pen?", "Her niece Marion Marechal-Le Pen, a 26-year-old rising star, lost.", "26"),
        ("What did Dunmore deserve?", "Veteran keeper Dunmore surely deserves the 2011 Goalkeeper of the Season trophy.",
         "2011 Goalkeeper of the Season trophy"),
        ("Who won in the south?", "Marion Marechal-Le Pen lost to Christian Estrosi in the south.", "Christian Estrosi"),
        # the kind of amount asked for: money for "how much did it earn", a duration for "how long"
        ("How much did the film earn?", "The film earned the top spot for three weeks, taking in $45 million.",
         "$45 million"),
        ("How long was the flight?", "The flight carried 180 passengers and lasted nine hours.", "nine hours"),
        ("What was the yearly turnover of Zed Holdings?",  # a pound sign written apart is the amount's
         "Zed Holdings saw its yearly turnover slide from # 12.5 million to # 9 million over the twelve months.",
         "# 12.5 million to # 9 million"),
        # an aside right after the question's preposition is skipped
        ("What is Jones being questioned about?",
         "Jones is being questioned about, among other things, neglecting to insure company vans on time.",
         "neglecting to insure company vans"),
        # an appositive between commas says who the question's subject is, not what is asked about it
        ("What is Jane Doe's mother facing?", "Jane's mother, Mary Ann Doe, has been charged with fraud and other "
         "offenses.", "charged with fraud and other offenses"),
        # names as the news writes them: a lowercase Arabic article joined by a hyphen, "and the" in a list
        ("Who is the Ruritanian president?", "Ruritanian President Omar el-Zedani spoke on Tuesday.", "Omar el-Zedani"),
        ("Which two countries signed the pact?", "Freedonia and the United States signed the pact on Monday.",
         "Freedonia and the United States"),
        # a name after "in", "at", "near" is a place, not a person
        ("Who opened the new library?", "The new library was opened in Green Valley by the town's oldest resident, "
         "Ann Smith.", "Ann Smith"),
        # "where": a place said with in/at/near/from, not the name of whoever said it
        ("Where did the kite come down?", "The kite came down in the neighbour's garden, said Henderson.",
         "the neighbour's garden"),
        ("Where were the pilgrims heading?", "The pilgrims were heading for the city of Springfield when the storm hit.",
         "Springfield"),  # "of" after a word for a place
    ],
)
def test_the_answer_phrase(question: str, sentence: str, expected: str) -> None:
    assert phrase(sentence, question) == expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Who is Anna Vell's daughter?", "Anna Vell and Nora Quell have never been shy of the cameras.", "Nora Quell"),
        ("Who was Tristan's lover?", "The legend of Tristan and Isolde is told at the old abbey.", "Isolde"),
        ("Who is Anna Vell's daughter?", "Nora Quell and Anna Vell arrived together.", "Nora Quell"),
        ("Who are Tom Baker's rivals?", "Her closest rival, Sen. Tom Baker of Westmark, polled 25 percent.", None),
        ("Who is Le Pen's niece?", "Her niece Marion Marechal-Le Pen lost in the south.", "Marion Marechal-Le Pen"),
    ],
)
def test_the_question_owner_is_not_the_answer(question: str, sentence: str, expected: str | None) -> None:
    """"Who is Anna Vell's daughter?": the possessive owner is whom the answer belongs to, so a list naming
    the owner answers with its other member (one word listed with a name is a name too), and the owner alone
    (with a title, or an affiliation after "of") answers nothing."""
    span = span_of(sentence, question)
    assert (sentence[span.start:span.end] if span and span.typed else None) == expected


def test_the_only_date_of_a_sentence_is_its_answer() -> None:
    """A sentence that gives one date (amount, age) leaves no choice: it is the answer however far from the
    question's words it stands; with two dates, nearness decides as before."""
    question = "When was Tom Baker last seen?"
    one = "Tom Baker left his house in Leeds on March 3, and his neighbours have heard nothing from him."
    two = "Tom Baker left his house in Leeds on March 3, and his neighbours called the police on March 9."
    span = find_answer(parse_question(question), one, set(analyze(question)).__contains__)
    assert span is not None and one[span.start:span.end] == "March 3" and span.sole
    assert span.score < ComposerSettings().short_min_score  # not near enough on its own
    span = find_answer(parse_question(question), two, set(analyze(question)).__contains__)
    assert span is not None and not span.sole


def test_a_long_object_ends_where_a_time_or_place_begins() -> None:
    question = "What did Tom Smith become?"
    text = ("Striker Tom Smith became the club's all-time leading scorer on Saturday as his team beat the visitors "
            "3-0 at home before a sell-out crowd.")
    found = phrase(text, question)
    assert found is not None and found.endswith("the club's all-time leading scorer")


def test_the_question_name_runs_on_to_its_last_capitalised_word() -> None:
    """"Zedville Air Base in southern Ruritania": the place comes right after the question's name, all of it."""
    question = "Where is Zedville?"
    text = "A supply plane lands at Zedville Air Base in southern Ruritania in 2003."
    span = span_of(text, question)
    assert span is not None and text[span.start:span.end] == "southern Ruritania"
    assert span.score >= ComposerSettings().short_min_score


def test_an_adverb_between_a_name_and_the_question_verb() -> None:
    """"Jane Doe first spotted …" answers "Who spotted …?" as surely as "Jane Doe spotted …" does."""
    question = "Who spotted the comet in 1997?"
    text = "Amateur stargazer Jane Doe first spotted the faint object that now carries her name in 1997."
    span = span_of(text, question)
    assert span is not None and text[span.start:span.end] == "Jane Doe"
    assert span.score >= ComposerSettings().short_min_score


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("What did Le Pen say?", 'Le Pen said: "Nothing will be able to stop us."', "Nothing will be able to stop us"),
        ("What did the mayor say about the bridge?", "The mayor said on Monday that the bridge would reopen in May.",
         "the bridge would reopen in May"),
        ("What did the mayor say about the bridge?", '"The bridge will reopen in May," the mayor said.',
         "The bridge will reopen in May"),
        ("What did Jane Doe tell reporters?", "Jane Doe told reporters the talks had failed.", "the talks had failed"),
    ],
)
def test_what_someone_said_is_the_statement_reported(question: str, sentence: str, expected: str) -> None:
    """"What did X say?" asks for a statement: the clause the sentence reports X saying, as the short answer.
    Not typed: the sentences rank as before."""
    span = span_of(sentence, question)
    assert span is not None and sentence[span.start:span.end] == expected and not span.typed


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("What did the coach say?", "The coach said little."),  # no statement: not "little"
        ("What did the coach say?", "The striker said the team would win the cup."),  # someone else's words
        ("How is Marion related to Marine?", "Marion is the niece of Marine, the party's leader."),  # a manner
        ("Maréchal", "Marion Maréchal-Le Pen lost to Christian Estrosi."),  # keywords ask for no phrase
        ("Who won in the south?", "The Front National winning its first region failed to materialize."),
        ("How many regions did the party win?", "It failed to win any of France's 13 regions."),  # all, not won
        ("What is Dunmore accused of?", "He spoke of his friends when he was accused."),
        ("How old is Marine Le Pen?", "Her niece Marion Marechal-Le Pen, a 26-year-old rising star, lost."),  # another
        ("Where were the 12 miners trapped?", "A rockfall trapped 12 miners, Ruritanian officials said."),  # no place
        ("Where were the supporters killed?", "Two supporters of Mayor John Smith were killed, police said."),  # "of" a person
    ],
)
def test_no_phrase_rather_than_a_guess(question: str, sentence: str) -> None:
    assert phrase(sentence, question) is None


def test_lead_sentences_read_as_english() -> None:
    assert lead_sentence(parse_question("Who beat Le Pen in the north?"), "Xavier Bertrand") == (
        "Xavier Bertrand beat Le Pen in the north.", 0)
    assert lead_sentence(parse_question("Which party won the most votes?"), "The Republicans") == (
        "The Republicans won the most votes.", 0)
    assert lead_sentence(parse_question("Who did Le Pen beat?"), "Estrosi") is None  # a verb would change
    assert lead_sentence(parse_question("How many votes did she get?"), "six million votes") is None
    assert lead_sentence(parse_question("WHO LEADS THE NATIONAL FRONT?"), "Marine Le Pen") is None


@pytest.mark.parametrize(
    ("typed", "asked"),
    [
        ("Quick question: who beat Le Pen in the north?", "who beat Le Pen in the north?"),
        ("Question 3: who beat Le Pen?", "who beat Le Pen?"),
        ("Hey, can you tell me who won in the south?", "who won in the south?"),
        ("I wonder who leads the National Front", "who leads the National Front"),
        ("please tell me who won, thanks", "who won"),
        ("Who leads the National Front?", "Who leads the National Front?"),
        ("Hello", "Hello"),  # never stripped to nothing
        ("Who leads the Socialist Party?", "Who leads the Socialist Party?"),  # "ty" ends "Party", no "thank you"
    ],
)
def test_lead_ins_are_dropped(typed: str, asked: str) -> None:
    assert strip_lead_in(typed) == asked


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Hello!", SmallTalk.GREETING), ("hi there", SmallTalk.GREETING), ("Thanks!", SmallTalk.THANKS),
     ("who are you?", SmallTalk.IDENTITY), ("What can you do?", SmallTalk.IDENTITY), ("bye", SmallTalk.BYE),
     ("Who won?", None), ("Hello Kitty sales rose", None)],
)
def test_small_talk(text: str, kind: SmallTalk | None) -> None:
    assert small_talk(text) is kind


def test_spelling_is_corrected_from_the_corpus_only() -> None:
    vocabulary = {"beat": 3, "pen": 9, "north": 4, "le": 9, "nation": 2}
    fixed = correct_spelling("Who beet Le Pne in the nort?", lambda term: vocabulary.get(term, 0))
    assert fixed.text == "Who beat Le Pen in the north?"
    assert fixed.changes == (("beet", "beat"), ("Pne", "Pen"), ("nort", "north"))
    # a known word stays, and a word with no neighbour in the corpus stays as typed
    assert correct_spelling("Who won the Super Bowl?", lambda term: vocabulary.get(term, 0)).changes == ()


def test_the_reply_opens_with_the_short_answer(seed_service) -> None:  # type: ignore[no-untyped-def]
    answer = seed_service.answer("Who beat Le Pen in the north?")
    assert answer.short is not None and answer.short.text == "Xavier Bertrand"
    assert answer.short.lead == "Xavier Bertrand beat Le Pen in the north."
    assert render_text(answer).startswith(f"Xavier Bertrand beat Le Pen in the north. [{answer.short.citation}]\n\n")
    quote = next(q for q in answer.quotes if answer.short.citation in q.citations)
    assert [quote.text[h.start:h.end] for h in quote.highlights] == ["Xavier Bertrand"]  # only the phrase is bold
    data = answer_json(answer)
    assert (data["short_answer"], data["short_answer_citation"]) == ("Xavier Bertrand", answer.short.citation)


def test_conversational_phrasing_gets_the_same_answer(seed_service) -> None:  # type: ignore[no-untyped-def]
    clean = seed_service.answer("Who beat Le Pen in the north?")
    for variant in ("Quick question: who beat Le Pen in the north?", "who beat le pen in the north?",
                    "Who beet Le Pne in the nort?"):
        answer = seed_service.answer(variant)
        assert answer.short is not None and answer.short.text == clean.short.text, variant  # type: ignore[union-attr]
    corrected = seed_service.answer("Who beet Le Pne in the nort?")
    assert corrected.understood == "Who beat Le Pen in the north?"
    assert render_text(corrected).startswith("Showing results for: Who beat Le Pen in the north?\n")


def test_greetings_get_an_introduction_with_examples(seed_service) -> None:  # type: ignore[no-untyped-def]
    for text in ("Hello", "who are you?"):
        answer = seed_service.answer(text)
        assert answer.kind is AnswerKind.SMALL_TALK and "4 news articles" in answer.notice
        assert answer.examples and answer.citations == []


def test_every_example_question_is_answered_from_its_own_sentence(seed_service) -> None:  # type: ignore[no-untyped-def]
    examples = seed_service.example_questions(6)
    assert len(examples) >= 3
    assert all("?" in q and not q.startswith("Who is National") for q in examples)
    for question in examples:
        answer = seed_service.answer(question)
        assert answer.found and answer.short is not None, question


def _count_made_examples(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an item each time the service makes example questions anew."""
    import bot.service as service_module

    made: list[int] = []
    real_make = service_module.make_examples

    def counting(composer):  # type: ignore[no-untyped-def]
        made.append(1)
        return real_make(composer)

    monkeypatch.setattr(service_module, "make_examples", counting)
    return made


def test_examples_are_checked_again_after_an_add_and_made_anew_only_when_one_fails(
        corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import NewsService
    from bot.answer import Example, still_examples

    made = _count_made_examples(monkeypatch)
    service = NewsService.open(corpus_copy, tmp_path / "cache")
    first = service.example_questions(6)
    assert first and made == [1]
    # an unrelated story arrives: every example still answers from its sentence, none is made anew
    (corpus_copy / "zz-harbour.txt").write_text(
        "Harbour council approves budget\n\nThe harbour council of Port Vell approved its budget on Tuesday.\n",
        encoding="utf-8")
    assert service.refresh()
    assert service.example_questions(6) == first and made == [1]
    # a new process on the new index reads them; another add there checks the stored ones again
    (corpus_copy / "zz-museum.txt").write_text(
        "Museum reopens\n\nThe city museum of Port Vell reopened on Friday after two years of repairs.\n",
        encoding="utf-8")
    again = NewsService.open(corpus_copy, tmp_path / "cache")
    assert again.example_questions(6) == first and made == [1]
    # an example whose sentence the corpus does not hold is no example here
    kept = again.composer
    question = first[0]
    assert not still_examples(kept, [Example(question, "Nobody", "A sentence the corpus never had.")])
    assert not still_examples(kept, [Example(question, "", "")])  # written before checks were kept: made anew
    # stored examples of another index that no longer hold are made anew
    stored = tmp_path / "cache" / "examples.json"
    record = json.loads(stored.read_text(encoding="utf-8"))
    record["index"] = "another index"
    record["checks"][0][2] = "A sentence the corpus never had."
    stored.write_text(json.dumps(record), encoding="utf-8")
    remade = NewsService.open(corpus_copy, tmp_path / "cache").example_questions(6)
    assert remade and made == [1, 1]
    # and another corpus's (one cache directory given for several corpora) are not taken, however good
    record = json.loads(stored.read_text(encoding="utf-8"))
    record["index"], record["corpus"] = "another index", str(tmp_path / "elsewhere")
    stored.write_text(json.dumps(record), encoding="utf-8")
    NewsService.open(corpus_copy, tmp_path / "cache").example_questions(6)
    assert made == [1, 1, 1]


def test_a_corpus_that_gave_no_example_is_tried_again_only_once_it_has_doubled(
        corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stories filed again by several outlets can leave no example (each candidate is answered from another
    copy of its sentence): an add does not ask all the candidates again, a corpus twice as large does."""
    from bot import NewsService

    made = _count_made_examples(monkeypatch)
    service = NewsService.open(corpus_copy, tmp_path / "cache")
    assert service.example_questions(6) and made == [1]
    articles = len(service.retriever.articles)
    stored = tmp_path / "cache" / "examples.json"
    record = json.loads(stored.read_text(encoding="utf-8"))
    assert record["articles"] == articles
    # as if none had been found when the index was 3/4 of its size: no new try, no example
    record.update(index="another index", questions=[], checks=[], articles=articles * 3 // 4 + 1)
    stored.write_text(json.dumps(record), encoding="utf-8")
    assert NewsService.open(corpus_copy, tmp_path / "cache").example_questions(6) == [] and made == [1]
    # the same in a running service: a story arrives, the empty list is kept without asking anything
    service = NewsService.open(corpus_copy, tmp_path / "cache")
    assert service.example_questions(6) == []
    (corpus_copy / "zz-harbour.txt").write_text(
        "Harbour council approves budget\n\nThe harbour council of Port Vell approved its budget on Tuesday.\n",
        encoding="utf-8")
    assert service.refresh() and service.example_questions(6) == [] and made == [1]
    # none found when the index was half its size or less: tried again, and found
    record = json.loads(stored.read_text(encoding="utf-8"))
    record.update(index="another index", questions=[], checks=[], articles=(articles + 1) // 2)
    stored.write_text(json.dumps(record), encoding="utf-8")
    assert NewsService.open(corpus_copy, tmp_path / "cache").example_questions(6) and made == [1, 1]


def test_a_lone_lower_case_word_is_shown_only_when_a_word_is_asked_for() -> None:
    """The words next to the question's can be a lone verb or modifier ("admitted"): no answer to *what was he
    holding*. Asked what something was called, a single word is the answer ("magnificent")."""
    from bot.answer._composer import _shown

    text = "Tom Quarrie admitted the photo was genuine, and Le Pen called the result magnificent."
    admitted = text.index("admitted")
    span = AnswerSpan(admitted, admitted + len("admitted"), 4.0, False)
    assert _shown(text, span, parse_question("What was Tom Quarrie holding in the photo?")) is None
    word = text.index("magnificent")
    span = AnswerSpan(word, word + len("magnificent"), 4.0, False)
    assert _shown(text, span, parse_question("What did Le Pen call the result?")) == (word, word + len("magnificent"))
    two = AnswerSpan(admitted, admitted + len("admitted the photo"), 4.0, False)  # a phrase is still shown
    assert _shown(text, two, parse_question("What was Tom Quarrie holding in the photo?")) == (two.start, two.end)
