"""NewsService: the one object every channel (CLI, REPL, Telegram, transcripts, eval) asks questions of.

It opens the persisted index (building it when needed) and answers with the composer; the channels
only draw what it returns."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from index import BuildReport, Hit, Progress, Retriever, atomic_write_json, default_cache_dir, warm_up

from .answer import Answer, AnswerKind, Composer, ComposerSettings, make_examples

EXAMPLES_FILE = "examples.json"


class Service(Protocol):
    """What the Telegram bot and transcript replay need of a NewsService (tests stand in for it)."""

    def answer(self, question: str) -> Answer: ...

    def articles(self) -> list[Any]: ...

    def example_questions(self, n: int = 3) -> list[str]: ...

    def describe(self) -> str: ...

    def context(self, article_id: str, position: int, before: int = 1, after: int = 1) -> list[tuple[int, str]]: ...


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
                 composer_settings: ComposerSettings | None = None, *, cache_dir: Path | None = None) -> None:
        self.retriever = retriever
        self.composer = Composer(retriever, composer_settings)
        self.build_report = build
        self._cache_dir = cache_dir
        self._examples: list[str] | None = None
        self._examples_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        corpus: Path,
        cache_dir: Path | None = None,
        *,
        force: bool = False,
        progress: Progress | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> NewsService:
        """Load the persisted index for corpus, building it first when missing, stale or corrupt."""
        cache = cache_dir if cache_dir is not None else default_cache_dir(corpus)
        retriever, report = Retriever.open(corpus, cache, force=force, progress=progress, warn=warn)
        # numba's import and kernel load (~1 s) in the background, not on the first question
        threading.Thread(target=warm_up, name="bm25-warm-up", daemon=True).start()
        service = cls(retriever, report, cache_dir=cache)
        service.example_questions()  # made (and stored beside the index) now, when the index is new
        return service

    def answer(self, question: str) -> Answer:
        answer = self.composer.answer(question)
        if answer.kind in (AnswerKind.SMALL_TALK, AnswerKind.NO_ANSWER) and answer.notice:
            answer.examples = self.example_questions(3)  # what it can answer instead
        return answer

    def ranked(self, question: str, k: int = 5) -> list[Hit]:
        """The top ranked sentences after the composer's re-ranking (for evaluation: hit@k)."""
        parsed, result, _changes = self.composer.understand(question)
        reranked = self.composer.rerank(result.hits, parsed, lambda term: any(term in g for g in result.terms))
        return [r.hit for r in reranked[:k]]

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
        """Questions this corpus can answer, made from its own sentences and checked by answering them.

        They are made once per index and kept beside it (a read-only cache keeps them in memory)."""
        with self._examples_lock:
            if self._examples is None:
                self._examples = self._stored_examples()
                if self._examples is None:
                    self._examples = make_examples(self.composer)
                    self._store_examples(self._examples)
        return self._examples[:n]

    def _index_identity(self) -> str:
        manifest = self.retriever.data.manifest
        return str(getattr(self.retriever.data, "identity", None) or
                   f"{manifest.get('fingerprint')}:{manifest.get('built_at')}:{manifest.get('analyzer')}")

    def _stored_examples(self) -> list[str] | None:
        if self._cache_dir is None:
            return None
        try:
            stored = json.loads((self._cache_dir / EXAMPLES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("index") != self._index_identity():
            return None
        questions = stored.get("questions")
        return [q for q in questions if isinstance(q, str)] if isinstance(questions, list) else None

    def _store_examples(self, questions: list[str]) -> None:
        if self._cache_dir is None:
            return
        try:
            stored = {"index": self._index_identity(), "questions": questions}
            atomic_write_json(self._cache_dir / EXAMPLES_FILE, stored)
        except OSError:
            pass  # a read-only cache: they are kept in memory

    def context(self, article_id: str, position: int, before: int = 1, after: int = 1) -> list[tuple[int, str]]:
        """A cited sentence with its neighbours: [(position, text)]."""
        for record in self.retriever.articles:
            if record.article_id == article_id:
                chunk = record.first_chunk + position
                return [(i - record.first_chunk, text) for i, text in self.retriever.context(chunk, before, after)]
        raise KeyError(article_id)

