"""A poll against a local news site: good and broken feeds and pages, conditional GET, retries, and a
poll cut short that the next one completes."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import (
    Fetcher,
    FetchPolicy,
    LiveCorpus,
    add_sources,
    parse_feed,
    poll_feeds,
    public_address,
    read_corpus,
)
from tests.newsweb import ATOM, RSS, Item, NewsWeb, article_html, atom, navigation_page, rss

PARAS = {
    "vote": ["French voters went to the polls on Sunday for the second round of regional elections, a week after "
             "the National Front came first in six of the thirteen regions.",
             "The Socialists withdrew their candidates in two regions to keep the far right out of power."],
    "oil": ["Oil prices rose sharply on Monday after producers agreed to cut output for the first time in eight "
            "years, traders in London and New York said.",
            "Brent crude gained four dollars a barrel, its biggest one-day rise since the financial crisis."],
    "storm": ["A winter storm brought heavy snow to the northeast of the United States on Tuesday, closing schools "
              "and cancelling more than three thousand flights.",
              "Forecasters said a second storm could follow at the weekend."],
}


def _loopback_only_for_the_site(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public addresses and the test site's 127.0.0.1: so a redirect to any other private address is
    refused, as it is in production."""
    return public_address(address) or str(address) == "127.0.0.1"


@pytest.fixture
def site(web: NewsWeb) -> NewsWeb:
    web.page("/vote.html", article_html("France votes in the run-off", PARAS["vote"], published="2015-12-13"))
    web.page("/oil.html", article_html("Oil jumps on output cut", PARAS["oil"]))
    web.page("/storm.html", article_html("Snowstorm shuts the northeast", PARAS["storm"],
                                         canonical="https://news.example/storm"))
    web.page("/section.html", navigation_page())
    web.gzip_bomb("/bomb.html", megabytes=16)
    web.redirect("/to-private.html", "http://10.0.0.1/internal")
    web.page("/flaky.html", "server error", status=500)
    web.page("/rss.xml", rss([Item(web.url("/vote.html"), "France votes", "Sun, 13 Dec 2015 18:00:00 GMT"),
                              Item(web.url("/section.html"), "World"),
                              Item(web.url("/bomb.html"), "Bomb"),
                              Item(web.url("/flaky.html"), "Flaky"),
                              Item(web.url("/vote.html?utm_source=rss"), "France votes again")]),
             content_type=RSS, etag='"rss-1"')
    web.page("/atom.xml", atom([Item(web.url("/oil.html"), "Oil", "2015-12-14T09:00:00Z"),
                                Item(web.url("/to-private.html"), "Elsewhere")]),
             content_type=ATOM, last_modified="Mon, 14 Dec 2015 09:00:00 GMT")
    truncated = rss([Item(web.url("/storm.html"), "Storm")])
    web.page("/truncated.xml", truncated[: len(truncated) - 40], content_type=RSS)
    web.page("/500.xml", "oops", status=500)
    web.page("/slow.xml", rss([]), content_type=RSS, delay=2)
    web.page("/not-a-feed.xml", "<html><body>hello</body></html>")
    return web


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveCorpus]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with LiveCorpus(corpus) as store:
        yield store


@pytest.fixture
def strict_fetcher() -> Iterator[Fetcher]:
    policy = FetchPolicy(host_delay=0, read_timeout=0.5, total_timeout=5, max_bytes=2_000_000)
    with Fetcher(policy, address_allowed=_loopback_only_for_the_site) as f:
        yield f


FEEDS = ["/rss.xml", "/atom.xml", "/truncated.xml", "/500.xml", "/slow.xml", "/not-a-feed.xml", "/missing.xml"]


def test_a_poll_takes_the_good_and_counts_the_broken(site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    for path in FEEDS:
        live.follow(site.url(path))
    with caplog.at_level(logging.WARNING, logger="newsbot.live"):
        report = poll_feeds(live, strict_fetcher, workers=1)  # one thread: which copy is kept is known
    assert (report.feeds, report.fetched, report.not_modified, report.failed_feeds) == (7, 2, 0, 5)
    assert report.new_items == 7
    assert len(report.added) == 2 and report.duplicates == 1 and report.failed_items == 4
    assert not report.all_feeds_failed

    articles = {a.title: a for a in read_corpus(live.dir).articles}
    assert set(articles) == {"France votes in the run-off", "Oil jumps on output cut"}
    vote = articles["France votes in the run-off"]
    assert (vote.published, vote.date_source) == ("2015-12-13T18:00:00+00:00", "feed")
    assert vote.outlet == "Example News" and vote.url == site.url("/vote.html")

    states = {f.url.rsplit("/", 1)[1]: f for f in live.feeds()}
    assert (states["rss.xml"].articles, states["rss.xml"].item_errors, states["rss.xml"].pending) == (1, 1, 2)
    assert (states["atom.xml"].articles, states["atom.xml"].item_errors) == (1, 1)
    for name, reason in [("truncated.xml", "malformed feed"), ("500.xml", "HTTP 500"), ("slow.xml", ""),
                         ("not-a-feed.xml", "not an RSS or Atom feed"), ("missing.xml", "HTTP 404")]:
        assert states[name].errors == 1 and reason in (states[name].last_error or "")
    # one log line for each broken feed and each page that could not be taken
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 5 + 4
    assert all("\n" not in w for w in warnings)


def test_the_next_poll_asks_conditionally_and_stores_nothing_twice(site: NewsWeb, live: LiveCorpus,
                                                                   strict_fetcher: Fetcher) -> None:
    live.follow(site.url("/rss.xml"))
    live.follow(site.url("/atom.xml"))
    first = poll_feeds(live, strict_fetcher)
    files = sorted(p.name for p in live.article_files())
    second = poll_feeds(live, strict_fetcher)
    assert (second.fetched, second.not_modified, second.new_items, second.added) == (0, 2, 0, [])
    rss_headers = [h for p, h in site.requests if p == "/rss.xml"][-1]
    assert rss_headers["If-None-Match"] == '"rss-1"'
    atom_headers = [h for p, h in site.requests if p == "/atom.xml"][-1]
    assert atom_headers["If-Modified-Since"] == "Mon, 14 Dec 2015 09:00:00 GMT"
    assert sorted(p.name for p in live.article_files()) == files
    assert len(first.added) == 2
    # the pages that failed for a passing reason are retried (the bomb, the 500); the navigation page
    # and the redirect to a private address are not
    assert site.hits("/section.html") == 1 and site.hits("/to-private.html") == 1
    assert site.hits("/flaky.html") == 2 and site.hits("/bomb.html") == 2


def test_a_failing_page_is_given_up_after_three_tries(site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher) -> None:
    live.follow(site.url("/rss.xml"))
    for _ in range(5):
        poll_feeds(live, strict_fetcher)
    assert site.hits("/flaky.html") == 3
    [state] = live.feeds()
    assert (state.articles, state.item_errors, state.pending) == (1, 3, 0)


def test_items_recorded_by_a_poll_killed_before_taking_them_are_taken_next_time(
        site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher) -> None:
    """The feed's items and its ETag are saved together; if the poll dies before the pages, the next
    poll gets 304 for the feed and still takes every item."""
    url = site.url("/rss.xml")
    live.follow(url)
    result = strict_fetcher.get(url)
    parsed = parse_feed(result.content, url)
    live.feed_fetched(url, title=parsed.title, items=parsed.items, etag=result.etag, last_modified=None)
    report = poll_feeds(live, strict_fetcher)
    assert report.not_modified == 1 and report.added and site.hits("/vote.html") == 1


def test_an_article_written_by_a_killed_poll_is_not_fetched_again(site: NewsWeb, live: LiveCorpus,
                                                                  strict_fetcher: Fetcher) -> None:
    url = site.url("/rss.xml")
    live.follow(url)
    poll_feeds(live, strict_fetcher)
    # as if the poll had died after writing the article, before recording the item
    live._db.execute("UPDATE items SET state = 'pending', attempts = 0 WHERE link LIKE '%vote%'")
    live._db.execute("DELETE FROM articles")
    before = site.hits("/vote.html")
    report = poll_feeds(live, strict_fetcher)
    assert site.hits("/vote.html") == before and report.added == []
    assert live.feeds()[0].articles == 1
    assert len(live.article_files()) == 1


def test_every_feed_failing_is_reported(site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher) -> None:
    live.follow(site.url("/500.xml"))
    live.follow(site.url("/truncated.xml"))
    report = poll_feeds(live, strict_fetcher)
    assert report.all_feeds_failed and report.line().startswith("polled 2 feeds: 0 fetched")


def test_one_poll_at_a_time(site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher) -> None:
    live.follow(site.url("/rss.xml"))
    with LiveCorpus(live.dir) as other, other.poll_lock() as mine:
        assert mine
        report = poll_feeds(live, strict_fetcher)
    assert report.busy and site.requests == []


def test_add_urls_and_files(site: NewsWeb, live: LiveCorpus, strict_fetcher: Fetcher, tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(article_html("Snowstorm shuts the northeast", PARAS["storm"]), encoding="utf-8")
    text = tmp_path / "note.txt"
    text.write_text("Oil jumps\n\n" + " ".join(PARAS["oil"]), encoding="utf-8")
    outcomes = add_sources(live, strict_fetcher, [
        site.url("/vote.html"), site.url("/vote.html?utm_medium=email"), str(page), str(text),
        site.url("/section.html"), site.url("/to-private.html"), "ftp://news.example/x", str(tmp_path / "none.txt"),
        str(tmp_path),
    ])
    assert [o.status for o in outcomes] == ["added", "duplicate", "added", "added", "failed", "failed", "failed",
                                            "failed", "failed"]
    assert "no article text" in outcomes[4].message and "not a public address" in outcomes[5].message
    assert "only http and https" in outcomes[6].message and "cannot read" in outcomes[7].message
    assert outcomes[0].line().startswith("added 2015-12-13-france-votes-in-the-run-off-")
    assert "duplicate" in outcomes[1].line()
    articles = {a.title: a for a in read_corpus(live.dir).articles}
    assert articles["Oil jumps"].date_source == "file"
    assert articles["Snowstorm shuts the northeast"].date_source == "file"
    assert articles["France votes in the run-off"].date_source == "page"
