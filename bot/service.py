"""NewsService: the one object every channel (CLI, REPL, Telegram, transcripts, eval) asks questions of.

It opens the persisted index (building it when needed) and answers with the composer; the channels
only draw what it returns."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from index import BuildReport, Hit, Progress, Retriever, default_cache_dir, warm_up

from .answer import Answer, Composer, ComposerSettings, QType, clean_question, example_questions, question_type


class Service(Protocol):
    """What the Telegram bot and transcript replay need of a NewsService (tests stand in for it)."""

    def answer(self, question: str) -> Answer: ...

    def articles(self) -> list[Any]: ...

    def example_questions(self, n: int = 3) -> list[str]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class ArticleInfo:
    """An article as the channels list it (/articles, /sources)."""

    n: int
    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: str | None
    sentences: int


class NewsService:
    """A loaded index and the composer; safe to call from several threads at once."""

    def __init__(self, retriever: Retriever, build: BuildReport | None = None,
                 composer_settings: ComposerSettings | None = None) -> None:
        self.retriever = retriever
        self.composer = Composer(retriever, composer_settings)
        self.build_report = build

    @classmethod
    def open(
        cls,
        corpus: Path,
        cache_dir: Path | None = None,
        *,
        force: bool = False,
        progress: Progress | None = None,
        warn: Callable[[str], None] | None = None,
        lock_timeout: float | None = None,
    ) -> NewsService:
        """Load the persisted index for corpus, updating it first when the corpus changed (building it
        when there is none, or it is corrupt); lock_timeout: seconds to wait for another writer."""
        cache = cache_dir if cache_dir is not None else default_cache_dir(corpus)
        retriever, report = Retriever.open(corpus, cache, force=force, progress=progress, warn=warn,
                                           lock_timeout=lock_timeout)
        # numba's import and kernel load (~1 s) in the background, not on the first question
        threading.Thread(target=warm_up, name="bm25-warm-up", daemon=True).start()
        return cls(retriever, report)

    def answer(self, question: str) -> Answer:
        return self.composer.answer(question)

    def ranked(self, question: str, k: int = 5) -> list[Hit]:
        """The top ranked sentences after the composer's re-ranking (for evaluation: hit@k)."""
        q = clean_question(question)
        qtype = question_type(q)
        result = self.retriever.search(q, k=self.composer.settings.rerank_depth, agent_nouns=qtype is QType.PERSON)
        reranked = self.composer.rerank(result.hits, qtype, q)
        return [hit for hit, _score, _spans in reranked[:k]]

    def articles(self) -> list[ArticleInfo]:
        return [
            ArticleInfo(i, a.article_id, a.title, a.outlet, a.url, a.published, a.n_chunks)
            for i, a in enumerate(self.retriever.articles, start=1)
        ]

    def article_count(self) -> int:
        return len(self.retriever.articles)

    def sentence_count(self) -> int:
        return int(self.retriever.data.quotable.sum())

    def describe(self) -> str:
        return (
            f"{self.article_count():,} news articles ({self.sentence_count():,} sentences), "
            f"for example: {self.retriever.articles[0].title}"
        )

    def example_questions(self, n: int = 3) -> list[str]:
        """Questions this corpus can answer, made from its own sentences (never canned)."""
        return example_questions(self.retriever, n)

    def context(self, article_id: str, position: int, before: int = 1, after: int = 1) -> list[tuple[int, str]]:
        """A cited sentence with its neighbours: [(position, text)]."""
        for record in self.retriever.articles:
            if record.article_id == article_id:
                chunk = record.first_chunk + position
                return [(i - record.first_chunk, text) for i, text in self.retriever.context(chunk, before, after)]
        raise KeyError(article_id)

