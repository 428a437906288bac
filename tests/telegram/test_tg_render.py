"""Telegram HTML rendering: escaping, highlights, sources, and splitting, with the fake's
Telegram-HTML parser as the judge of what Telegram would accept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answer, AnswerKind, Highlight, Quote, Source
from bot.render import (
    TELEGRAM_LIMIT,
    Atom,
    highlight,
    pack,
    render_answer,
    render_articles,
    source_html,
    split_marked_text,
    tg_len,
)
from bot.tgbot.testing import parse_html


def plain(html: str) -> str:
    return parse_html(html)[0]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def answer(*quotes: Quote, sources: list[Source] | None = None) -> Answer:
    return Answer(question="q", kind=AnswerKind.ANSWER, quotes=list(quotes),
                  sources=sources if sources is not None else [Source(n=1, article_id="a", title="T")])


def test_article_text_is_escaped_and_highlights_are_bold() -> None:
    quote = Quote(text="Bertrand <won> 54.57% & Le Pen lost", citations=[1, 2],
                  highlights=[Highlight(start=0, end=8), Highlight(start=15, end=21)])
    [message] = render_answer(answer(quote))
    assert message.startswith("“<b>Bertrand</b> &lt;won&gt; <b>54.57%</b> &amp; Le Pen lost” [1][2]")
    text, entities = parse_html(message)
    assert text.startswith("“Bertrand <won> 54.57% & Le Pen lost” [1][2]")
    bold = [text[e["offset"]: e["offset"] + e["length"]] for e in entities if e["type"] == "bold"]
    assert bold == ["Bertrand", "54.57%", "Sources"]


def test_overlapping_and_out_of_range_highlights_are_merged_and_clipped() -> None:
    text = "abcdefghij"
    assert highlight(text, [(2, 7), (9, 10)], 3, 10) == "<b>defg</b>hi<b>j</b>"
    quote = Quote(text=text, citations=[1],
                  highlights=[Highlight(start=2, end=5), Highlight(start=4, end=7), Highlight(start=9, end=40)])
    [message] = render_answer(answer(quote))
    assert message.startswith("“ab<b>cdefg</b>hi<b>j</b>” [1]")


def test_sources_link_headlines_only_for_http_urls() -> None:
    linked = Source(n=1, article_id="a", title="Le Pen <loses>", outlet="CNN & co",
                    url="https://cnn.example/a?x=1&y=\"2\"", published="2015-12-13T20:00:00Z")
    assert source_html(linked) == (
        '[1] <a href="https://cnn.example/a?x=1&amp;y=&quot;2&quot;">Le Pen &lt;loses&gt;</a>'
        " — CNN &amp; co, 2015-12-13"
    )
    unsafe = Source(n=2, article_id="b", title="X", url="javascript:alert(1)")
    assert source_html(unsafe) == "[2] X"
    bare = Source(n=3, article_id="c", title="", outlet=None, published="Dec 13, 2015")
    assert source_html(bare) == "[3] c — Dec 13, 2015"
    _text, entities = parse_html(source_html(linked))
    assert entities == [{"type": "text_link", "offset": 4, "length": 14,
                         "url": 'https://cnn.example/a?x=1&y="2"'}]


def test_notices_and_topics() -> None:
    refused = Answer(question="", kind=AnswerKind.REFUSED, notice="Please type a question <here>.")
    assert render_answer(refused) == ["Please type a question &lt;here&gt;."]
    none = Answer(question="x", kind=AnswerKind.NO_ANSWER, notice="My articles don't cover that.",
                  topics=["French elections", "Le Pen & niece"])
    [message] = render_answer(none)
    assert plain(message) == "My articles don't cover that.\n\nWhat I know about: French elections, Le Pen & niece"


def test_long_answer_splits_between_quotes_and_keeps_sources_together() -> None:
    quotes = [Quote(text=f"Sentence number {i} says something & more <stuff>.", citations=[1]) for i in range(200)]
    sources = [Source(n=n, article_id=str(n), title=f"Headline {n}", url=f"https://x.example/{n}") for n in (1, 2)]
    messages = render_answer(answer(*quotes, sources=sources))
    assert len(messages) > 1
    for message in messages:
        assert tg_len(message) <= TELEGRAM_LIMIT
        assert plain(message).startswith(("“Sentence", "Sources"))
    assert plain(messages[-1]).endswith("Sources\n[1] Headline 1\n[2] Headline 2")


def test_one_huge_quote_splits_at_sentences_never_inside_a_tag() -> None:
    text = " ".join(f"Sentence {i} is <here> & there." for i in range(600))
    quote = Quote(text=text, citations=[3], highlights=[Highlight(start=0, end=len(text))])
    messages = render_answer(answer(quote))
    assert len(messages) >= 5
    for message in messages[:-1]:
        assert tg_len(message) <= TELEGRAM_LIMIT
        assert message.startswith(("“<b>Sentence", "<b>Sentence"))
        assert plain(message).endswith("there.") or plain(message).endswith("[3]")
    assert squash("".join(plain(m) for m in messages)) == squash(f"“{text}” [3] Sources [1] T")


def test_a_sentence_longer_than_a_message_splits_between_words_then_characters() -> None:
    words = " ".join(["word&"] * 2000)
    pieces = split_marked_text(words, [(0, len(words))], budget=500)
    assert all(tg_len(p) <= 500 for p in pieces)
    assert squash("".join(plain(p) for p in pieces)) == squash(words)
    blob = "x" * 3000
    pieces = split_marked_text(blob, budget=1000, prefix="“", suffix="”")
    assert [tg_len(p) for p in pieces] == [1000, 1000, 1000, 2]


def test_pack_puts_blocks_together_until_the_limit() -> None:
    blocks = [[Atom("a" * 40)], [Atom("b" * 40)], [Atom("c" * 40), Atom("d" * 40, joiner="\n")]]
    assert pack(blocks, limit=100) == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40 + "\n" + "d" * 40]


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert tg_len("😀") == 2
    quote = Quote(text="😀 " * 1500, citations=[1])
    for message in render_answer(answer(quote)):
        assert tg_len(message) <= TELEGRAM_LIMIT


@dataclass
class Article:
    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: str | None


def test_articles_list_for_sources_command() -> None:
    articles = [Article("a", "Le Pen <defeated>", "CNN", "https://cnn.example/1", None),
                Article("b", "Bertrand wins", None, None, "2015-12-13")]
    [message] = render_articles(articles)
    assert plain(message) == "2 articles I can quote from\n[1] Le Pen <defeated> — CNN\n[2] Bertrand wins — 2015-12-13"
    many = [Article(str(i), f"Headline number {i} " * 5, "Outlet", f"https://example.org/{i}", None)
            for i in range(300)]
    messages = render_articles(many)
    assert len(messages) > 1 and all(tg_len(m) <= TELEGRAM_LIMIT for m in messages)
    assert plain(messages[-1]).endswith("… and 100 more.")


# ------------------------------------------------------------------------------------ properties

_text = st.text(
    alphabet=st.sampled_from([*list("abc xyz.!?<>&\"'—😀\n"), "é", "ß"]), min_size=1, max_size=700
)


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    text = draw(_text)
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text) + 5)), max_size=4))
    return Quote(text=text, citations=draw(st.lists(st.integers(1, 9), min_size=1, max_size=3)),
                 highlights=[Highlight(start=a, end=b) for a, b in spans])


@settings(max_examples=150, deadline=None)
@given(st.lists(quotes(), min_size=1, max_size=8), st.integers(min_value=120, max_value=900))
def test_any_answer_splits_into_valid_telegram_html(qs: list[Quote], limit: int) -> None:
    sources = [Source(n=1, article_id="a", title="Head <line> & co", outlet="O&O",
                      url="https://example.org/?a=1&b=2", published="2015-12-13")]
    whole = render_answer(answer(*qs, sources=sources), limit=10**6)
    split = render_answer(answer(*qs, sources=sources), limit=limit)
    for message in split:
        assert tg_len(message) <= limit
        parse_html(message)  # raises on anything Telegram would refuse
    assert squash("".join(plain(m) for m in split)) == squash(plain(whole[0]))
