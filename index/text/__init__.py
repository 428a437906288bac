"""Text: from an article body to typed paragraphs, sentences and index terms.

Cleaning (page furniture out, paragraphs typed), sentence splitting (rules for news punctuation), the analyzer
that turns sentences and questions alike into terms, and acronym mining. Nothing here knows about
files or BM25."""

from ._acronyms import collect_acronyms, merge_acronyms, resolve_acronyms
from ._analyzer import STOPWORDS, analyze, analyzer_signature, content_words, fold, token_terms
from ._clean import Block, BlockKind, clean_body, normalize_text
from ._sentences import MIN_QUOTABLE_WORDS, Chunk, chunk_blocks, split_sentences
from ._spelling import Correction, correct_spelling

__all__ = [
    "MIN_QUOTABLE_WORDS",
    "STOPWORDS",
    "Block",
    "BlockKind",
    "Chunk",
    "Correction",
    "analyze",
    "analyzer_signature",
    "chunk_blocks",
    "clean_body",
    "collect_acronyms",
    "content_words",
    "correct_spelling",
    "fold",
    "merge_acronyms",
    "normalize_text",
    "resolve_acronyms",
    "split_sentences",
    "token_terms",
]
