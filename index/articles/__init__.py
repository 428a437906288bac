"""Articles: the Article model and reading a corpus (.txt/.md with front matter, .jsonl(.gz))."""

from ._corpus import corpus_files, read_corpus, read_file
from ._jsonl import JSONL_SUFFIXES, article_from_json, is_jsonl
from ._model import Article, ReadReport
from ._text_files import ARTICLE_SUFFIXES, parse_text_article

__all__ = [
    "ARTICLE_SUFFIXES",
    "JSONL_SUFFIXES",
    "Article",
    "ReadReport",
    "article_from_json",
    "corpus_files",
    "is_jsonl",
    "parse_text_article",
    "read_corpus",
    "read_file",
]
