"""Retrieval for newsbot: reading articles, cleaning, sentence chunking, analysis, BM25 and search.

It knows nothing of chat; `bot` builds answers on top of it. Import from here: the subpackages
(articles, text, bm25, store) and the private modules are the layout, not the interface.
"""

from ._atomic import atomic_write_bytes, atomic_write_json, atomic_write_text, atomic_writer
from ._errors import (
    ArticleError,
    CorpusError,
    EmptyQueryError,
    IndexFileError,
    NewsbotError,
    NoContentWordsError,
    QueryError,
    QueryTooLongError,
)
from ._search import MAX_QUERY_CHARS, Hit, RankingWeights, Retriever, SearchResult
from .articles import ARTICLE_SUFFIXES, JSONL_SUFFIXES, Article, ReadReport, parse_text_article, read_corpus
from .bm25 import BM25Scorer, warm_up
from .store import (
    ArticleRecord,
    BuildReport,
    IndexData,
    Progress,
    build_index,
    default_cache_dir,
    load_index,
    open_index,
    save_index,
)
from .text import (
    STOPWORDS,
    Block,
    BlockKind,
    Chunk,
    Correction,
    analyze,
    analyzer_signature,
    chunk_blocks,
    clean_body,
    content_words,
    correct_spelling,
    fold,
    normalize_text,
    split_sentences,
)

__all__ = [
    "ARTICLE_SUFFIXES",
    "JSONL_SUFFIXES",
    "MAX_QUERY_CHARS",
    "STOPWORDS",
    "Article",
    "ArticleError",
    "ArticleRecord",
    "BM25Scorer",
    "Block",
    "BlockKind",
    "BuildReport",
    "Chunk",
    "CorpusError",
    "Correction",
    "EmptyQueryError",
    "Hit",
    "IndexData",
    "IndexFileError",
    "NewsbotError",
    "NoContentWordsError",
    "Progress",
    "QueryError",
    "QueryTooLongError",
    "RankingWeights",
    "ReadReport",
    "Retriever",
    "SearchResult",
    "analyze",
    "analyzer_signature",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "atomic_writer",
    "build_index",
    "chunk_blocks",
    "clean_body",
    "content_words",
    "correct_spelling",
    "default_cache_dir",
    "fold",
    "load_index",
    "normalize_text",
    "open_index",
    "parse_text_article",
    "read_corpus",
    "save_index",
    "split_sentences",
    "warm_up",
]
