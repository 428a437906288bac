"""The index as data: article records, the chunk arrays and the two BM25 scorers, and a build's report.

Also the two things every saved index pins in its manifest: the file format and the BM25 parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..bm25 import BM25Scorer
from ..text import BlockKind

FORMAT_VERSION = 3  # 3: ArticleRecord.date_source, and every article dated
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
KIND_CODES = {BlockKind.STORY: 0, BlockKind.HIGHLIGHT: 1, BlockKind.SUBHEADING: 2}

Progress = Callable[[str, int, int], None]  # (stage, done, total)

_SKIPPED_SHOWN = 20  # skipped files a build report names; the rest are counted


@dataclass(frozen=True)
class ArticleRecord:
    """What the index keeps of an article besides its sentences."""

    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: str | None
    origin: str
    first_chunk: int
    n_chunks: int
    title_from_body: bool = False
    date_source: str | None = None  # where published came from (index.articles.DATE_SOURCES)

    @property
    def known_date(self) -> str | None:
        """published, unless it is only the file's modification time: a guess that sources do not show
        as the article's date."""
        return None if self.date_source == "file" else self.published

    def to_json(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass
class BuildReport:
    """What a build did, for the line the CLI prints and for the benchmark."""

    articles: int = 0
    sentences: int = 0
    quotable: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # stage → seconds
    changes: list[str] = field(default_factory=list)  # what changed since the previous index
    workers: int = 1  # processes that cleaned, split and analyzed the articles

    def lines(self) -> list[str]:
        """What the command line says about the build, one line each (it adds its "newsbot: "
        prefix): what changed, what was skipped (the first 20), then the totals."""
        out: list[str] = []
        if self.changes:
            out.append("index rebuilt: " + ", ".join(self.changes[:10]) + (" …" if len(self.changes) > 10 else ""))
        out += [f"skipped {name}: {reason}" for name, reason in self.skipped[:_SKIPPED_SHOWN]]
        if len(self.skipped) > _SKIPPED_SHOWN:
            out.append(f"… and {len(self.skipped) - _SKIPPED_SHOWN} more skipped")
        seconds = sum(self.seconds.values())
        out.append(f"indexed {self.articles:,} articles, {self.sentences:,} sentences "
                   f"({self.quotable:,} quotable); skipped {len(self.skipped):,}; {seconds:.1f} s")
        return out


@dataclass
class IndexData:
    """A loaded (or freshly built) index: articles, chunk arrays, texts and the two BM25 scorers."""

    manifest: dict[str, object]
    articles: list[ArticleRecord]
    chunk_article: np.ndarray  # int32, article index of each chunk
    chunk_start: np.ndarray  # int32, offsets into the article's cleaned text
    chunk_end: np.ndarray
    chunk_kind: np.ndarray  # int8, KIND_CODES
    quotable: np.ndarray  # bool
    text_offsets: np.ndarray  # int64, byte offsets of chunk texts in text_blob (len n+1)
    text_blob: np.ndarray  # uint8, UTF-8 chunk texts back to back
    sentences: BM25Scorer  # over chunks
    headlines: BM25Scorer  # over articles: headline + highlights + text, for article-level evidence
    acronyms: dict[str, list[str]]
    vocabulary: list[str]  # sorted sentence terms, for prefix look-ups of words the corpus lacks

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_article.shape[0])

    def chunk_text(self, i: int) -> str:
        start, end = int(self.text_offsets[i]), int(self.text_offsets[i + 1])
        return bytes(self.text_blob[start:end]).decode("utf-8")

    def position(self, i: int) -> int:
        return i - self.articles[int(self.chunk_article[i])].first_chunk
