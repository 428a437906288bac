"""The live-news commands, in-process, against the local news site: what they print and their exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from tests.newsweb import RSS, Item, NewsWeb, article_html, rss

ZEBRA = ["Thousands of people watched as two hundred zebras paraded down the Champs-Elysees on Saturday in the "
         "first zebra festival held in the French capital.",
         "The mayor of Paris said the zebra festival would return next year, the organisers told reporters."]


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(f"NEWSBOT_{field.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_PRIVATE", "1")  # the site is on 127.0.0.1
    monkeypatch.setenv("NEWSBOT_FETCH_HOST_DELAY", "0")
    monkeypatch.setenv("NEWSBOT_FETCH_TIMEOUT", "5")


def run(capsys: pytest.CaptureFixture[str], corpus: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args[:1], "--corpus", str(corpus), *args[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def test_follow_poll_ask_feeds_unfollow(web: NewsWeb, corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web.page("/zebra.html", article_html("Zebras parade through Paris", ZEBRA))
    feed = web.page("/feed.xml", rss([Item(web.url("/zebra.html"), "Zebras", "Mon, 14 Dec 2015 10:00:00 GMT")],
                                     title="Zoo News"), content_type=RSS, etag='"1"')
    code, out, _ = run(capsys, corpus_copy, "follow", feed)
    assert code == 0 and out.startswith(f"following {feed} (Zoo News, 1 items now)")
    assert run(capsys, corpus_copy, "follow", feed)[1] == f"already following {feed}\n"

    code, out, err = run(capsys, corpus_copy, "poll")
    assert code == 0
    assert out == ("polled 1 feeds: 1 fetched, 0 not modified, 0 failed; 1 new items; added 1 articles, "
                   "0 duplicates, 0 pages failed\n")
    assert "indexed 5 articles" in err

    code, out, _ = run(capsys, corpus_copy, "ask", "Where did the zebras parade?")
    assert code == 0 and "Champs-Elysees" in out and "Zebras parade through Paris" in out

    code, out, _ = run(capsys, corpus_copy, "feeds")
    lines = out.splitlines()
    assert lines[0] == f"{feed}  Zoo News"
    assert "1 articles; 0 errors in 1 fetches; 0 pages not taken; 0 pending" in lines[1]

    code, out, _ = run(capsys, corpus_copy, "unfollow", feed)
    assert code == 0 and "no longer following" in out
    assert "no feeds followed" in run(capsys, corpus_copy, "feeds")[1]
    assert len(list(corpus_copy.glob("*.md"))) == 1  # the article stays


def test_follow_checks_the_feed(web: NewsWeb, corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = web.page("/page.html", "<html><body>no feed</body></html>")
    code, _, err = run(capsys, corpus_copy, "follow", page)
    assert code == 2 and err.strip() == f"newsbot: error: not an RSS or Atom feed: {page}"
    code, _, err = run(capsys, corpus_copy, "follow", "file:///etc/passwd")
    assert code == 2 and "only http and https" in err
    assert run(capsys, corpus_copy, "follow", page, "--no-check")[0] == 0


def test_poll_fails_only_when_every_feed_fails(web: NewsWeb, corpus_copy: Path, capsys: pytest.CaptureFixture[str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    bad = web.page("/bad.xml", "down", status=500)
    run(capsys, corpus_copy, "follow", bad, "--no-check")
    code, out, _ = run(capsys, corpus_copy, "poll")
    assert code == 1 and "1 failed" in out
    [line] = [r.getMessage() for r in caplog.records if r.name == "newsbot.live"]  # one log line
    assert line == f"feed {bad}: HTTP 500 from {bad}"
    good = web.page("/good.xml", rss([]), content_type=RSS)
    run(capsys, corpus_copy, "follow", good)
    assert run(capsys, corpus_copy, "poll")[0] == 0
    _, out, _ = run(capsys, corpus_copy, "feeds")
    assert "2 errors in 2 fetches" in out and "last error: HTTP 500" in out


def test_add_prints_each_outcome_and_indexes(web: NewsWeb, corpus_copy: Path, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    url = web.page("/zebra.html", article_html("Zebras parade through Paris", ZEBRA, published="2015-12-12"))
    code, out, err = run(capsys, corpus_copy, "add", url, url, str(tmp_path / "missing.html"))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3
    assert lines[0].startswith("added 2015-12-12-zebras-parade-through-paris-") and lines[0].endswith(
        ": Zebras parade through Paris (2015-12-12)")
    assert lines[1].startswith(f"not added {url}: duplicate, the same URL as 2015-12-12-zebras")
    assert lines[2].startswith("not added") and "cannot read" in lines[2]
    assert "indexed 5 articles" in err
    assert "Champs-Elysees" in run(capsys, corpus_copy, "ask", "Where did the zebras parade?")[1]


def test_opml_import_and_export(corpus_copy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="One" xmlUrl="http://one.example/rss"/>'
                    '<outline text="Two" xmlUrl="https://two.example/atom"/>'
                    '<outline text="Bad" xmlUrl="ftp://three.example/feed"/></body></opml>')
    code, out, err = run(capsys, corpus_copy, "feeds", "--import", str(opml))
    assert code == 0 and out == f"imported 2 feeds from {opml} (0 already followed, 1 refused)\n"
    assert "not following ftp://three.example/feed" in err
    assert "imported 0 feeds" in run(capsys, corpus_copy, "feeds", "--import", str(opml))[1]
    code, out, _ = run(capsys, corpus_copy, "feeds", "--export", "-")
    assert code == 0 and 'xmlUrl="http://one.example/rss"' in out and 'xmlUrl="https://two.example/atom"' in out
    out_file = tmp_path / "out.opml"
    run(capsys, corpus_copy, "feeds", "--export", str(out_file))
    assert out_file.read_text() == out
    empty = tmp_path / "empty.opml"
    empty.write_text("<opml><body/></opml>")
    code, _, err = run(capsys, corpus_copy, "feeds", "--import", str(empty))
    assert code == 2 and "no feed in" in err


def test_live_commands_need_a_corpus_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text('{"id": "a", "title": "T", "text": "Body text here."}\n')
    code, _, err = run(capsys, jsonl, "poll")
    assert code == 2 and "corpus directory" in err
