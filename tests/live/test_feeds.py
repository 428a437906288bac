"""Feeds (RSS 2.0, Atom) parsed from bytes, broken ones refused whole; OPML in and out."""

from __future__ import annotations

import pytest

from index import FeedError, parse_feed, read_opml, write_opml
from tests.newsweb import Item, atom, rss

BASE = "http://news.example/feeds/world.xml"


def test_rss_items_with_dates_and_absolute_links() -> None:
    feed = parse_feed(rss([Item("http://news.example/a", "First", "Sun, 13 Dec 2015 21:04:00 GMT", guid="id-a"),
                           Item("/b", "Second")], title="World").encode(), BASE).items
    assert [(i.key, i.link, i.title, i.published) for i in feed] == [
        ("http://news.example/feeds/id-a", "http://news.example/a", "First", "2015-12-13T21:04:00+00:00"),
        ("http://news.example/b", "http://news.example/b", "Second", None),
    ]


def test_atom_items() -> None:
    parsed = parse_feed(atom([Item("http://news.example/x", "Atom story", "2015-12-14T08:30:00+01:00")],
                             title="Atom feed").encode(), BASE)
    assert parsed.title == "Atom feed"
    [item] = parsed.items
    assert (item.key, item.link, item.published) == ("http://news.example/x", "http://news.example/x",
                                                     "2015-12-14T07:30:00+00:00")


def test_items_without_a_web_link_are_left_out() -> None:
    xml = rss([Item("javascript:alert(1)", "Bad"), Item("mailto:x@example.com", "Mail"), Item("http://n.example/ok", "Ok")])
    assert [i.link for i in parse_feed(xml.encode(), BASE).items] == ["http://n.example/ok"]


def test_truncated_xml_is_a_feed_error_and_nothing_is_taken() -> None:
    xml = rss([Item(f"http://news.example/{i}", f"Story {i}") for i in range(5)])
    with pytest.raises(FeedError, match="malformed feed"):
        parse_feed(xml[: len(xml) // 2].encode(), BASE)


@pytest.mark.parametrize("body", [b"<html><body><p>Not a feed</p></body></html>", b"", b"just text",
                                  b'{"json": "feed?"}'])
def test_a_document_that_is_no_feed_is_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body, BASE)


def test_an_empty_feed_has_no_items() -> None:
    assert parse_feed(rss([]).encode(), BASE).items == []


def test_entities_are_not_expanded_into_a_billion_laughs() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' +
            "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) +
            ']><rss version="2.0"><channel><title>&i;</title></channel></rss>')
    try:
        parsed = parse_feed(bomb.encode(), BASE)
    except FeedError:
        return
    assert len(parsed.title or "") < 1_000_000


def test_opml_round_trip() -> None:
    feeds = [("http://a.example/rss", "A & B news"), ("https://b.example/atom.xml", None)]
    text = write_opml(feeds)
    assert read_opml(text.encode()) == [("http://a.example/rss", "A & B news"),
                                        ("https://b.example/atom.xml", "https://b.example/atom.xml")]


def test_opml_nested_outlines_and_other_tools_spelling() -> None:
    opml = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="News"><outline text="One" type="rss" xmlUrl="http://one.example/feed"/>
      <outline text="Folder only"/></outline><outline text="Two" xmlUrl=" http://two.example/rss "/></body></opml>"""
    assert read_opml(opml) == [("http://one.example/feed", "One"), ("http://two.example/rss", "Two")]


@pytest.mark.parametrize("data", [b"not xml at all", b"<html><body/></html>", b""])
def test_bad_opml_is_a_feed_error(data: bytes) -> None:
    with pytest.raises(FeedError, match="not an OPML file"):
        read_opml(data)


def test_an_external_dtd_is_not_fetched() -> None:
    """no_network and load_dtd=False: the DTD's URL is never asked for (the test has no network: a
    fetch attempt would hang or fail, not return)."""
    data = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><opml><body/></opml>'
    assert read_opml(data) == []


def test_opml_external_entities_are_not_loaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY s SYSTEM "file://{secret}">]>'
            '<opml version="2.0"><body><outline text="&s;" xmlUrl="http://x.example/&s;"/></body></opml>').encode()
    try:
        feeds = read_opml(data)
    except FeedError:
        return
    assert all("TOP SECRET" not in url + (title or "") for url, title in feeds)
