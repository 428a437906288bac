"""Articles: the Article model, reading a corpus (.txt/.md with front matter, .jsonl(.gz)), and taking
articles from the web (the safe fetcher, feeds, page extraction, storing them in the corpus)."""

from ._corpus import corpus_files, read_corpus
from ._fetch import USER_AGENT, Fetcher, FetchPolicy, FetchResult, check_url, public_address
from ._jsonl import JSONL_SUFFIXES, article_from_json, is_jsonl
from ._model import Article, ReadReport
from ._text_files import ARTICLE_SUFFIXES, parse_text_article

__all__ = [
    "ARTICLE_SUFFIXES",
    "JSONL_SUFFIXES",
    "USER_AGENT",
    "Article",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "ReadReport",
    "article_from_json",
    "check_url",
    "corpus_files",
    "is_jsonl",
    "parse_text_article",
    "public_address",
    "read_corpus",
]
