"""Articles stored in the corpus: front matter that reads back, dates, one copy per story."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index import (
    CorpusError,
    LiveCorpus,
    WebArticle,
    normalize_url,
    parse_text_article,
    read_corpus,
    simhash,
)

STORY = ("The far-right National Front failed to win a single region in Sunday's elections, despite leading in six "
         "regions after the first round.\n\nMarine Le Pen lost to Xavier Bertrand in the north, and her niece lost "
         "in the south-east, where the Republicans won with the Socialists' support.\n\nTurnout rose to 58 percent.")
OTHER = ("Oil prices rose on Monday after the cartel agreed to cut production for the first time in eight years, "
         "traders said.\n\nBrent crude gained four dollars a barrel in London, its biggest rise since 2009.")


def web_article(text: str = STORY, url: str | None = "https://news.example/le-pen", **kw: object) -> WebArticle:
    fields: dict[str, object] = {"title": '"Defeat": Le Pen\'s party fails', "text": text,
                                 "published": "2015-12-13T21:04:00+00:00", "date_source": "feed", "url": url,
                                 "link": "https://feeds.example/item?id=7", "outlet": "Example News",
                                 "author": "Jane Doe", "feed": "https://feeds.example/rss",
                                 "fetched": "2015-12-14T06:00:00+00:00"}
    fields.update(kw)
    return WebArticle(**fields)  # type: ignore[arg-type]


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with LiveCorpus(corpus) as store:
        yield store


def test_the_stored_file_reads_back_with_every_field(live: LiveCorpus) -> None:
    stored = live.store(web_article())
    assert stored.added and stored.file.startswith("2015-12-13-defeat-le-pen-s-party-fails-") and stored.file.endswith(".md")
    article = parse_text_article("x", (live.dir / stored.file).read_bytes())
    assert article.title == '"Defeat": Le Pen\'s party fails'
    assert (article.outlet, article.url, article.published, article.date_source) == (
        "Example News", "https://news.example/le-pen", "2015-12-13T21:04:00+00:00", "feed")
    assert article.body.strip() == STORY
    [read] = read_corpus(live.dir).articles
    assert read.date_source == "feed"


def test_the_same_url_is_stored_once(live: LiveCorpus) -> None:
    first = live.store(web_article())
    again = live.store(web_article(text=OTHER, url="HTTPS://News.Example/le-pen?utm_source=rss#top", link=None))
    assert not again.added and again.file == first.file and "the same URL" in again.reason
    by_link = live.store(web_article(text=OTHER, url="https://elsewhere.example/x"))
    assert not by_link.added and "the same URL" in by_link.reason  # its link is the first one's link


def test_near_identical_text_is_stored_once(live: LiveCorpus) -> None:
    first = live.store(web_article())
    reworded = STORY.replace("Turnout rose to 58 percent.", "Turnout rose to 58 percent, officials said.")
    copy = live.store(web_article(text=reworded, url="https://mirror.example/story", link=None))
    assert not copy.added and copy.file == first.file and "near-identical" in copy.reason
    other = live.store(web_article(text=OTHER, title="Oil rises", url="https://news.example/oil", link=None))
    assert other.added
    assert len(live.article_files()) == 2


def test_an_article_put_in_by_hand_counts_too(live: LiveCorpus) -> None:
    (live.dir / "by-hand.txt").write_text("Le Pen fails\n\n" + STORY, encoding="utf-8")
    live.sync()
    stored = live.store(web_article())
    assert not stored.added and stored.file == "by-hand.txt"


def test_sync_finds_files_written_without_their_row_and_forgets_removed_ones(live: LiveCorpus, tmp_path: Path) -> None:
    """A process killed between writing the file and its database row: the next sync reads the file."""
    other_process = LiveCorpus(live.dir)
    stored = other_process.store(web_article())
    other_process._db.execute("DELETE FROM articles")  # as if killed before the row
    other_process.close()
    assert live.known_url("https://news.example/le-pen") is None
    assert live.sync() == 1
    assert live.known_url("https://news.example/le-pen") == stored.file
    (live.dir / stored.file).unlink()
    live.sync()
    assert live.known_url("https://news.example/le-pen") is None
    assert live.store(web_article()).added


def test_two_threads_store_the_same_story_once(live: LiveCorpus) -> None:
    results = []
    barrier = threading.Barrier(8)

    def store(i: int) -> None:
        barrier.wait()
        results.append(live.store(web_article(url=f"https://mirror{i}.example/s", link=None)))

    threads = [threading.Thread(target=store, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.added for r in results) == 1
    assert len(live.article_files()) == 1


def test_two_processes_store_the_same_story_once(live: LiveCorpus) -> None:
    """Two LiveCorpus objects on one folder stand for two processes: the lock file and the database
    keep them from both storing."""
    with LiveCorpus(live.dir) as other:
        assert live.store(web_article()).added
        assert not other.store(web_article(url="https://copy.example/x", link=None)).added


def test_articles_need_a_corpus_directory(tmp_path: Path) -> None:
    (tmp_path / "news.jsonl").write_text("{}\n")
    with pytest.raises(CorpusError, match="a file"):
        LiveCorpus(tmp_path / "news.jsonl")
    with pytest.raises(CorpusError, match="not found"):
        LiveCorpus(tmp_path / "missing")


def test_the_state_file_is_not_an_article(live: LiveCorpus) -> None:
    live.store(web_article())
    live.follow("https://feeds.example/rss")
    names = sorted(p.name for p in live.dir.iterdir())
    assert any(n.startswith(".newsbot-live.sqlite") for n in names)
    assert [a.origin for a in read_corpus(live.dir).articles] == [n for n in names if n.endswith(".md")]


def test_normalize_url() -> None:
    assert normalize_url("HTTPS://News.Example:443/a/b?utm_source=x&id=3&fbclid=y#frag") == "https://news.example/a/b?id=3"
    assert normalize_url("http://news.example") == "http://news.example/"
    assert normalize_url("http://news.example:8080/x") == "http://news.example:8080/x"


def test_simhash_is_stable_and_discriminates() -> None:
    assert simhash(STORY) == simhash(STORY.upper().replace("\n\n", " "))
    assert bin((simhash(STORY) ^ simhash(OTHER)) & (2**64 - 1)).count("1") > 12


def test_hand_files_are_dated_by_their_file_time_marked_so(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nBody sentence one. Body sentence two.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\npublished: 2015-12-13\n---\nHeadline\n\nBody.\n", encoding="utf-8")
    a, b = read_corpus(tmp_path).articles
    assert a.date_source == "file" and a.published is not None and a.published[:4].isdigit()
    assert (b.date_source, b.published) == ("front matter", "2015-12-13")


def test_follow_and_unfollow(live: LiveCorpus) -> None:
    assert live.follow("https://feeds.example/rss", "Example")
    assert not live.follow("HTTPS://feeds.example/rss")
    assert [f.url for f in live.feeds()] == ["https://feeds.example/rss"]
    assert live.unfollow("https://FEEDS.example/rss") == "https://feeds.example/rss"
    assert live.feeds() == []
    from index import FeedError

    with pytest.raises(FeedError, match="not following"):
        live.unfollow("https://feeds.example/rss")
