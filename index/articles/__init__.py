"""Articles: the Article model, reading a corpus (.txt/.md with front matter, .jsonl(.gz)), and taking
articles from the web (the safe fetcher, feeds, page extraction, storing them in the corpus)."""

from ._corpus import corpus_files, corpus_stamp, file_time, read_corpus, read_file
from ._dedupe import NEAR_DUPLICATE_BITS, normalize_url, simhash
from ._extract import PageArticle, extract_article
from ._feeds import Feed, FeedItem, parse_feed, read_opml, write_opml
from ._fetch import USER_AGENT, Fetcher, FetchPolicy, FetchResult, check_url, public_address
from ._ingest import AddOutcome, PollReport, add_sources, file_article, page_article, poll_feeds
from ._jsonl import JSONL_SUFFIXES, article_from_json, is_jsonl
from ._model import DATE_SOURCES, Article, ReadReport
from ._store import STATE_FILE, FeedState, LiveCorpus, PendingItem, Stored, WebArticle
from ._text_files import ARTICLE_SUFFIXES, front_matter_text, parse_text_article, split_front_matter

__all__ = [
    "ARTICLE_SUFFIXES",
    "DATE_SOURCES",
    "JSONL_SUFFIXES",
    "NEAR_DUPLICATE_BITS",
    "STATE_FILE",
    "USER_AGENT",
    "AddOutcome",
    "Article",
    "Feed",
    "FeedItem",
    "FeedState",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "LiveCorpus",
    "PageArticle",
    "PendingItem",
    "PollReport",
    "ReadReport",
    "Stored",
    "WebArticle",
    "add_sources",
    "article_from_json",
    "check_url",
    "corpus_files",
    "corpus_stamp",
    "extract_article",
    "file_article",
    "file_time",
    "front_matter_text",
    "is_jsonl",
    "normalize_url",
    "page_article",
    "parse_feed",
    "parse_text_article",
    "poll_feeds",
    "public_address",
    "read_corpus",
    "read_file",
    "read_opml",
    "simhash",
    "split_front_matter",
    "write_opml",
]
