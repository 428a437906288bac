"""Time in questions (issue 12, item 2): "today", "yesterday", "latest", "in March 2015" … found and taken out
of the words searched, answers restricted to (or favouring) the articles of then, the newest stories' leads for a
question that is only a time, an honest "nothing from then", the dates line in every channel, newer before older
on equal evidence, and a fixable "now"."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import pytest

from bot import NewsService, answer_json, render_text
from bot.answer import AnswerKind, _when, find_when, format_dates, format_days
from bot.cli import main
from bot.errors import TranscriptError
from bot.render import render_answer
from bot.transcripts import loads
from index import UNDATED, day_number, parse_day

MONDAY = dt.date(2015, 12, 14)  # the "now" of these tests: a Monday

# ------------------------------------------------------------------------------ the expressions

EXPRESSIONS = [
    # question, expression, rest, first day, last day, recent, strict
    ("What happened today?", "today", "What happened?", "2015-12-14", "2015-12-14", False, True),
    ("What happened yesterday?", "yesterday", "What happened?", "2015-12-13", "2015-12-13", False, True),
    ("Who won this week?", "this week", "Who won?", "2015-12-14", "2015-12-14", False, True),
    ("Who won last week?", "last week", "Who won?", "2015-12-07", "2015-12-13", False, True),
    ("Who resigned this month?", "this month", "Who resigned?", "2015-12-01", "2015-12-14", False, False),
    ("What did Le Pen say in March 2015?", "in March 2015", "What did Le Pen say?", "2015-03-01", "2015-03-31",
     False, False),
    ("Who won in 2015?", "in 2015", "Who won?", "2015-01-01", "2015-12-31", False, False),
    ("What happened on December 13?", "on December 13", "What happened?", "2015-12-13", "2015-12-13", False, False),
    ("What happened on December 20?", "on December 20", "What happened?", "2014-12-20", "2014-12-20", False, False),
    ("What has changed since Monday?", "since Monday", "What has changed?", "2015-12-07", "2015-12-14", False, True),
    ("What happened over the weekend?", "over the weekend", "What happened?", "2015-12-12", "2015-12-13", False,
     True),
    ("What happened in the past 3 days?", "in the past 3 days", "What happened?", "2015-12-12", "2015-12-14", False,
     True),
    ("What happened in the past week?", "in the past week", "What happened?", "2015-12-08", "2015-12-14", False,
     True),
    ("Who resigned over the past month?", "over the past month", "Who resigned?", "2015-11-15", "2015-12-14", False,
     False),
    ("Yesterday, who won?", "Yesterday", "Who won?", "2015-12-13", "2015-12-13", False, True),
    ("latest news", "latest", "news", None, None, True, True),
    ("What's the latest on Le Pen?", "What's the latest on", "Le Pen?", None, None, True, True),
    ("Who is the most recent winner?", "the most recent", "Who is winner?", None, None, True, True),
    ("What are the newest polls?", "the newest", "What are polls?", None, None, True, True),
    ("What has Le Pen said lately?", "lately", "What has Le Pen said?", None, None, True, True),
    ("Who won yesterday, most recently?", "yesterday, most recently", "Who won?", "2015-12-13", "2015-12-13",
     True, True),
]


@pytest.mark.parametrize(("question", "expression", "rest", "start", "end", "recent", "strict"), EXPRESSIONS,
                         ids=[e[0] for e in EXPRESSIONS])
def test_time_expressions(question: str, expression: str, rest: str, start: str | None, end: str | None,
                          recent: bool, strict: bool) -> None:
    when = find_when(question, MONDAY)
    assert when is not None
    assert when.expression == expression
    assert when.rest == rest
    assert (when.start and when.start.isoformat(), when.end and when.end.isoformat()) == (start, end)
    assert when.recent is recent
    assert when.strict is strict


@pytest.mark.parametrize("question", [
    "Who leads the National Front?",
    "Where did the National Front finish in the 2010 regional elections?",  # "the 2010 …": an event's year
    "Who won the 2015 election?",
    "Who won on Sunday?",
    "What happened on February 30?",  # no such day
    "When will they meet again?",
])
def test_no_time_expression(question: str) -> None:
    assert find_when(question, MONDAY) is None


def test_the_clock_is_read_only_for_a_question_that_may_name_a_time() -> None:
    reads: list[dt.date] = []

    def clock() -> dt.date:
        reads.append(MONDAY)
        return MONDAY

    assert find_when("Who leads the National Front?", clock) is None and reads == []
    when = find_when("What happened yesterday?", clock)
    assert when is not None and when.start == MONDAY - dt.timedelta(days=1) and reads == [MONDAY]


def test_the_first_check_never_skips_a_time_the_rules_would_find() -> None:
    # random phrases of the rules' own words, time words and not: with and without the first check alike
    words = ("the day before yesterday since last this past in during over for within from on of at a few couple "
             "two 3 14 2015 2015-12-13 weekend week-end week weeks day days month months year years morning "
             "evening tonight today's yesterday's Monday sunday Dec December march May june sept the month of "
             "latest newest news most recent recently lately what's new anything tell me very any about who won "
             "Le Pen said").split()
    rng = random.Random(11)
    found = skipped = 0
    for _ in range(3000):
        question = " ".join(rng.choice(words) for _ in range(rng.randint(1, 7))) + "?"
        want = _when._find_when(question, MONDAY)
        assert find_when(question, MONDAY) == want, question
        found += want is not None
        skipped += _when._MAYBE_TIME.search(question) is None
    assert found > 1000 and skipped > 100  # both ways taken, often


def test_weekends_and_weeks_count_from_today() -> None:
    saturday = dt.date(2015, 12, 12)
    assert find_when("news this weekend", saturday).start == saturday  # type: ignore[union-attr]
    assert find_when("news this weekend", saturday).end == saturday  # type: ignore[union-attr]
    assert find_when("what happened last weekend", dt.date(2015, 12, 13)).start == dt.date(2015, 12, 5)  # type: ignore[union-attr]
    assert find_when("since Monday", dt.date(2015, 12, 16)).start == MONDAY  # type: ignore[union-attr]
    assert find_when("news this week", dt.date(2015, 12, 16)).start == MONDAY  # type: ignore[union-attr]
    assert find_when("news in March", dt.date(2015, 2, 1)).start == dt.date(2014, 3, 1)  # type: ignore[union-attr]


def test_labels_and_date_phrases() -> None:
    when = find_when("What happened yesterday?", MONDAY)
    assert when is not None and when.label() == "yesterday (13 December 2015)"
    assert find_when("in March 2015", MONDAY).label() == "March 2015"  # type: ignore[union-attr]
    d = dt.date
    assert format_days(d(2015, 12, 13), d(2015, 12, 14)) == "13–14 December 2015"
    assert format_days(d(2015, 11, 30), d(2015, 12, 2)) == "30 November – 2 December 2015"
    assert format_days(d(2015, 12, 28), d(2016, 1, 3)) == "28 December 2015 – 3 January 2016"
    assert format_days(d(2015, 1, 1), d(2015, 12, 31)) == "2015"
    assert format_dates([d(2015, 12, 6), d(2015, 12, 13), d(2015, 11, 13)]) == "13 November, 6 and 13 December 2015"
    assert format_dates([d(2015, 12, 14), d(2015, 12, 13)]) == "13–14 December 2015"


def test_publication_days_are_read_from_common_formats() -> None:
    for text in ("2015-12-13", "2015-12-13T23:30:00-05:00", "Sun, 13 Dec 2015 20:00:00 GMT", "December 13, 2015",
                 "13 December 2015", "13-DEC-2015 15:01:01.79"):
        assert parse_day(text) == dt.date(2015, 12, 13), text
    assert parse_day("yesterday") is None and parse_day("2015-02-30") is None and parse_day(None) is None


# ------------------------------------------------------------------------------ a dated corpus

ARTICLES = {
    # name: (published, date source or None for front matter, title, body)
    "a_bridge.md": ("2015-12-01", "Lyon opens its new river bridge",
                    "Mayor Alice Martin opened the new river bridge in Lyon on November 30 after three years of work.\n\n"
                    "The Lyon river bridge cost 40 million euros and carries trams and bicycles across the river."),
    "b_bridge_repairs.md": ("2015-12-10", "Tram service suspended in Lyon",
                            "Engineers found cracks in a pillar of the new bridge over the river in Lyon on Thursday, "
                            "and trams stopped running across it until repairs are finished.\n\n"
                            "The city said repairs would take two weeks."),
    "c_storm.md": ("2015-12-13", "Storm closes the port of Calais",
                   "Storm Desmond closed the port of Calais on Sunday and ferries to Dover were cancelled.\n\n"
                   "Port officials said winds reached 120 kilometres an hour."),
    "d_reopens.md": ("2015-12-14T08:00:00Z", "Calais port reopens",
                     "The port of Calais reopened on Monday morning after the storm passed over northern France.\n\n"
                     "Ferry operators said the first crossings to Dover left at seven o'clock."),
    "e_march.md": ("2015-03-29", "Departmental elections held in France",
                   "Voters in France chose their departmental councillors on Sunday in the second round.\n\n"
                   "The right won control of most departments, and Lyon's council changed hands."),
    "f_copy_a.md": ("2015-12-10", "Museum of glass opens in Nancy",
                    "A museum of glass with three thousand vases opened in Nancy on Thursday, its director "
                    "Paul Girard said."),
    "f_copy_b.md": ("2015-12-11", "Museum of glass opens in Nancy",
                    "A museum of glass with three thousand vases opened in Nancy on Thursday, its director "
                    "Paul Girard said."),
}
UNDATED_FILE = ("g_undated.txt", "Lighthouse painted in Brest\n\nPainters finished the Brest lighthouse on "
                "Monday, giving the tower a new coat of red paint.\n")


@pytest.fixture(scope="module")
def dated_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("dated") / "corpus"
    corpus.mkdir()
    for name, (published, title, body) in ARTICLES.items():
        (corpus / name).write_text(f"---\ntitle: {title}\npublished: {published}\n---\n{body}\n", encoding="utf-8")
    undated = corpus / UNDATED_FILE[0]
    undated.write_text(UNDATED_FILE[1], encoding="utf-8")
    stamp = time.mktime(MONDAY.timetuple()) + 3600  # a file time of "today": still no publication date
    os.utime(undated, (stamp, stamp))
    return corpus


@pytest.fixture(scope="module")
def service(dated_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    return NewsService.open(dated_corpus, tmp_path_factory.mktemp("dated-cache"), now=MONDAY)


def _cited(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.article_id for s in answer.sources]


def test_article_days_skip_file_times(service: NewsService) -> None:
    retriever = service.retriever
    days = dict(zip((a.article_id for a in retriever.articles), retriever.article_days.tolist(), strict=True))
    assert days["c_storm"] == day_number(dt.date(2015, 12, 13))
    assert days["d_reopens"] == day_number(MONDAY)  # a date and time: its day
    assert days["g_undated"] == UNDATED  # only the file's time: no publication date
    assert retriever.dated


def test_a_range_restricts_retrieval(service: NewsService) -> None:
    retriever = service.retriever
    days = retriever.article_days
    mask = (days >= day_number(dt.date(2015, 12, 13))) & (days <= day_number(dt.date(2015, 12, 13)))
    hits = retriever.search("port of Calais storm ferries", k=10, articles=mask).hits
    assert hits and {h.article.article_id for h in hits} == {"c_storm"}
    everywhere = retriever.search("port of Calais storm ferries", k=10).hits
    assert {h.article.article_id for h in everywhere} >= {"c_storm", "d_reopens"}
    assert retriever.search("port of Calais", k=10, articles=np.zeros(len(days), dtype=bool)).hits == []


def test_yesterday_answers_from_yesterdays_articles(service: NewsService) -> None:
    answer = service.answer("What happened to the port of Calais yesterday?")
    assert answer.found and _cited(answer) == ["c_storm"]
    assert answer.dates is not None
    assert (answer.dates.start, answer.dates.end, answer.dates.drawn) == ("2015-12-13", "2015-12-13", ["2015-12-13"])
    assert answer.dates.note == "From articles of 13 December 2015 (yesterday)."
    today = service.answer("What happened to the port of Calais today?")
    assert _cited(today) == ["d_reopens"]


def test_calendar_month_restricts(service: NewsService) -> None:
    answer = service.answer("What changed in Lyon in March 2015?")
    assert answer.found and _cited(answer) == ["e_march"]
    assert answer.dates is not None and answer.dates.note == "From articles of 29 March 2015."


def test_latest_favours_the_newer_story(service: NewsService) -> None:
    plain = service.answer("What about the Lyon bridge?")
    assert plain.found and _cited(plain)[0] == "a_bridge"  # the better evidence
    latest = service.answer("What's the latest on the Lyon bridge?")
    assert latest.found and _cited(latest)[0] == "b_bridge_repairs"  # the newer story
    assert latest.dates is not None and latest.dates.recent and latest.dates.start is None
    assert latest.dates.note.startswith("Newest first, from articles of ")


def test_equal_evidence_newer_first(service: NewsService) -> None:
    """The same story filed twice (same text, same score): the newer copy is cited first, the other beside it."""
    answer = service.answer("How many vases does the museum of glass in Nancy hold?")
    assert answer.found
    assert _cited(answer) == ["f_copy_b", "f_copy_a"]
    assert answer.quotes[0].citations == [1, 2]
    assert answer.dates is None  # no time asked: no dates line
    hits = service.retriever.search("museum of glass Nancy vases", k=2).hits
    assert [h.article.article_id for h in hits] == ["f_copy_b", "f_copy_a"] and hits[0].score == hits[1].score


def test_a_question_that_is_only_a_time_gets_the_newest_leads(service: NewsService) -> None:
    answer = service.answer("What happened this week?")  # Monday: only today's article
    assert answer.found and _cited(answer) == ["d_reopens"]
    assert answer.quotes[0].text.startswith("The port of Calais reopened")
    since = service.answer("Any news since Monday?")  # 7-14 December, newest first, at most three stories
    assert _cited(since) == ["d_reopens", "c_storm", "f_copy_b"]  # the copy filed twice counts once
    assert since.dates is not None
    assert since.dates.note == "Newest first, from articles of 11, 13 and 14 December 2015 (since Monday)."
    assert _cited(service.answer("latest news"))[:2] == ["d_reopens", "c_storm"]
    assert "g_undated" not in _cited(service.answer("What happened today?"))  # its file's time is not a date


def test_nothing_from_then_is_said_honestly(service: NewsService) -> None:
    empty = service.answer("Any news from last month?")  # November 2015: nothing
    assert empty.kind is AnswerKind.NO_ANSWER
    assert empty.notice == ("I have no articles from last month (November 2015). My articles are from "
                            "29 March – 14 December 2015 (1 more carry no date).")
    assert empty.dates is not None and empty.dates.start == "2015-11-01" and not empty.dates.note
    uncovered = service.answer("What happened to the Lyon bridge yesterday?")
    assert uncovered.kind is AnswerKind.NO_ANSWER
    assert uncovered.notice == "My articles from yesterday (13 December 2015) don't cover that, so I can't answer it."


def test_a_calendar_date_no_article_answers_is_read_as_the_events(service: NewsService) -> None:
    answer = service.answer("Who opened the Lyon bridge on November 30?")  # no article of 30 November
    assert answer.found and _cited(answer)[0] == "a_bridge"
    assert answer.dates is not None
    assert answer.dates.note == ("None of my articles is from 30 November 2015; this is from articles of "
                                 "1 December 2015.")
    unknown = service.answer("Who opened the Lyon bridge on October 3?")  # nor does any article name the day
    assert unknown.kind is AnswerKind.NO_ANSWER
    assert unknown.notice == "None of my articles is from 3 October 2015, and the others don't cover that."


def test_the_dates_line_in_every_channel(service: NewsService) -> None:
    answer = service.answer("What happened to the port of Calais yesterday?")
    text = render_text(answer)
    assert "\n\nFrom articles of 13 December 2015 (yesterday).\n\nSources:\n" in text
    html = "\n".join(render_answer(answer))
    assert "<i>From articles of 13 December 2015 (yesterday).</i>" in html
    data = answer_json(answer)
    assert data["dates"]["drawn"] == ["2015-12-13"] and data["dates"]["asked"] == "yesterday"
    assert answer_json(service.answer("Who opened the Lyon bridge?"))["dates"] is None


def test_sources_never_show_a_file_time(service: NewsService) -> None:
    answer = service.answer("Who painted the Brest lighthouse?")
    assert answer.found and _cited(answer) == ["g_undated"]
    assert answer.sources[0].published is None
    latest = service.answer("What is the latest on the Brest lighthouse?")
    assert latest.dates is not None and latest.dates.drawn == []
    assert latest.dates.note == "Newest first, from 1 undated article."


def test_now_can_be_fixed(dated_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    for name in [n for n in os.environ if n.startswith("NEWSBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    base = ["ask", "--corpus", str(dated_corpus), "--cache-dir", str(tmp_path / "cache"), "--json"]
    assert main([*base, "--now", "2015-12-14", "What happened yesterday?"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["dates"]["start"] == "2015-12-13" and first["citations"][0]["article_id"] == "c_storm"
    monkeypatch.setenv("NEWSBOT_NOW", "2015-12-15T09:30:00+01:00")
    assert main([*base, "What happened yesterday?"]) == 0
    assert json.loads(capsys.readouterr().out)["dates"]["start"] == "2015-12-14"
    assert main([*base, "--now", "2015-12-11", "What happened yesterday?"]) == 0  # --now beats the setting
    assert json.loads(capsys.readouterr().out)["dates"]["start"] == "2015-12-10"
    assert main([*base, "--now", "14/12/2015", "x"]) == 2
    assert "--now: must be a date such as 2015-12-14" in capsys.readouterr().err
    monkeypatch.setenv("NEWSBOT_NOW", "soon")
    assert main([*base, "x"]) == 2
    assert "NEWSBOT_NOW: must be a date" in capsys.readouterr().err


def test_an_undated_corpus_takes_time_words_as_words(seed_service: NewsService) -> None:
    """The seed articles carry no dates: a time changes nothing but a question that is only a time."""
    answer = seed_service.answer("what did le pen call the regional result on december 6")
    assert answer.found and answer.dates is None and "magnificent" in answer.text
    only = seed_service.answer("What happened yesterday?")
    assert only.kind is AnswerKind.NO_ANSWER
    assert only.notice.startswith("My articles carry no publication dates, so I can't tell which are from yesterday")


def test_transcript_header_now() -> None:
    text = "corpus: corpus\nchannel: repl\nnow: 2015-12-14\n\n>>> What happened yesterday?\nx\n"
    assert loads(text).now == "2015-12-14"
    assert loads(text.replace("now: 2015-12-14\n", "")).now is None
    with pytest.raises(TranscriptError, match="now: must be a day"):
        loads(text.replace("2015-12-14", "next week"))


def test_article_days_from_the_segments_columns_match_the_records(dated_corpus: Path, tmp_path: Path) -> None:
    """A snapshot's days come from its segments' columns: the same as its records say, after an article file
    is removed (deletions) and one is added that sorts first (records moved)."""
    import shutil

    from index import article_days, known_day, open_index, refresh_index

    corpus = tmp_path / "corpus"
    shutil.copytree(dated_corpus, corpus)
    data, _ = open_index(corpus, tmp_path / "cache")
    (corpus / "c_storm.md").unlink()
    (corpus / "0_first.md").write_text("---\npublished: 2015-12-12\n---\nFirst\n\nA first story about a fair.\n",
                                       encoding="utf-8")
    data, _ = refresh_index(data)
    expected = [day_number(d) if (d := known_day(a)) else UNDATED for a in list(data.articles)]
    assert article_days(data.articles).tolist() == expected
    assert expected[0] == day_number(dt.date(2015, 12, 12)) and UNDATED in expected
