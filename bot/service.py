"""NewsService: the one object every channel (CLI, REPL, Telegram, transcripts, eval) asks questions of.

It opens the persisted index (building it when needed) and answers with the composer; the channels
only draw what it returns. `refresh()` reopens the index when the corpus changed and swaps the new
retriever and composer in with one assignment of an immutable state: a question in flight keeps the
state it started with, so it sees the old corpus or the new one, never half of each."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from index import (
    BuildReport,
    Hit,
    Progress,
    Retriever,
    add_files,
    atomic_write_json,
    default_cache_dir,
    refresh_index,
    warm_up,
)

from .answer import Answer, AnswerKind, Composer, ComposerSettings, Example, make_examples, still_examples
from .conversation import suggest_follow_ups

EXAMPLES_FILE = "examples.json"


class Service(Protocol):
    """What the Telegram bot and transcript replay need of a NewsService (tests stand in for it)."""

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer: ...

    def suggestions(self, answer: Answer, avoid: Sequence[str] = ()) -> list[str]: ...

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


@dataclass(frozen=True)
class _State:
    """Everything one question reads, replaced whole by refresh()."""

    retriever: Retriever
    composer: Composer
    build_report: BuildReport | None
    examples: list[Example] | None = None  # example questions of this index, once made or read
    previous: list[Example] | None = None  # the index before's, to check again here before making new ones
    made_at: int = 0  # how many articles the index had when its (or the previous index's) examples were made


class NewsService:
    """A loaded index and the composer; safe to call from several threads at once, and to refresh
    while they ask."""

    def __init__(self, retriever: Retriever, build: BuildReport | None = None,
                 composer_settings: ComposerSettings | None = None, *, corpus: Path | None = None,
                 cache_dir: Path | None = None, now: dt.date | None = None) -> None:
        self._composer_settings = composer_settings
        self.now = now  # the day "today", "yesterday" and "this week" count from; None: the clock's
        self._state = _State(retriever, Composer(retriever, composer_settings, clock=self.today), build)
        self._corpus = corpus
        self._cache_dir = cache_dir if cache_dir is not None or corpus is None else default_cache_dir(corpus)
        self._refreshing = threading.Lock()
        self._examples_lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        return self._state.retriever

    @property
    def composer(self) -> Composer:
        return self._state.composer

    @property
    def build_report(self) -> BuildReport | None:
        """The report of the last build this service did (opening or refreshing), None when loaded."""
        return self._state.build_report

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
        now: dt.date | None = None,
    ) -> NewsService:
        """Load the persisted index for corpus, updating it first when the corpus changed (building it
        when there is none, or it is corrupt); lock_timeout: seconds to wait for another writer; now: the
        day questions about time count from (None: the clock's)."""
        cache = cache_dir if cache_dir is not None else default_cache_dir(corpus)
        retriever, report = Retriever.open(corpus, cache, force=force, progress=progress, warn=warn,
                                           lock_timeout=lock_timeout)
        # numba's import and kernel load (~1 s) in the background, not on the first question
        threading.Thread(target=warm_up, name="bm25-warm-up", daemon=True).start()
        service = cls(retriever, report, corpus=corpus, cache_dir=cache, now=now)
        service.example_questions()  # made (and stored beside the index) now, when the index is new
        return service

    def refresh(self, *, warn: Callable[[str], None] | None = None, added: Sequence[Path] = ()) -> bool:
        """Answer from the corpus as it is now: when its files or the index's commit changed since the
        index was opened, take the newest snapshot (`index.refresh_index` indexes what changed, and picks
        up another process's commit or a finished merge) and swap it in with one assignment. True when
        the service now answers from different articles. Refreshes run one at a time; questions go on
        meanwhile, from the snapshot they started with. ``added``: files this process just wrote into
        the corpus folder; only they are looked at (`index.add_files`: an add whose cost does not
        grow with the corpus), other changes wait for the next refresh without it."""
        if self._corpus is None:
            return False
        with self._refreshing:
            old = self._state
            data = old.retriever.data
            if added and data.corpus is not None and data.cache_dir is not None:
                data, report = add_files(data.corpus, data.cache_dir, added, warn=warn)
            else:
                data, report = refresh_index(data, warn=warn)
            if data is old.retriever.data:
                return False
            retriever = Retriever(data)
            _ = retriever.article_days  # the articles' dates read here, not by the first question after
            same = retriever.identity == old.retriever.identity  # a merge or new file times: same articles
            self._state = _State(retriever, Composer(retriever, self._composer_settings, clock=self.today), report,
                                 old.examples if same else None, None if same else old.examples, old.made_at)
            if not same:
                self.example_questions()  # the new articles' own examples, made now rather than on a question
            return not same

    def answer(self, question: str, *, prefer: frozenset[str] = frozenset()) -> Answer:
        """The composer's answer; ``prefer`` (article ids) only for a follow-up (`bot.conversation`)."""
        composer = self._state.composer
        # a question asked on its own takes the very path it took before follow-ups existed
        answer = composer.answer(question, prefer=prefer) if prefer else composer.answer(question)
        if answer.kind in (AnswerKind.SMALL_TALK, AnswerKind.NO_ANSWER) and answer.notice:
            answer.examples = self.example_questions(3)  # what it can answer instead
        return answer

    def today(self) -> dt.date:
        """The day questions about time count from: ``now`` when fixed (``--now``, NEWSBOT_NOW), else the
        clock's (local time)."""
        return self.now if self.now is not None else dt.date.today()

    def suggestions(self, answer: Answer, avoid: Sequence[str] = ()) -> list[str]:
        """Up to three follow-up questions about the answer's story, each answered well before it is
        offered (`bot.conversation.suggest_follow_ups`); none of avoid."""
        return suggest_follow_ups(self._state.composer, answer, avoid)

    def ranked(self, question: str, k: int = 5) -> list[Hit]:
        """The top ranked sentences after the composer's re-ranking (for evaluation: hit@k)."""
        composer = self._state.composer
        parsed, result, _changes = composer.understand(question)
        reranked = composer.rerank(result.hits, parsed, lambda term: any(term in g for g in result.terms))
        return [r.hit for r in itertools.islice(reranked, k)]

    def articles(self) -> list[ArticleInfo]:
        return [
            ArticleInfo(i, a.article_id, a.title, a.outlet, a.url, a.known_date, a.n_chunks)
            for i, a in enumerate(self._state.retriever.articles, start=1)
        ]

    def article_count(self) -> int:
        return len(self._state.retriever.articles)

    def sentence_count(self) -> int:
        return int(self._state.retriever.data.quotable.sum())

    def describe(self) -> str:
        retriever = self._state.retriever
        return (
            f"{len(retriever.articles):,} news articles ({int(retriever.data.quotable.sum()):,} sentences), "
            f"for example: {retriever.articles[0].title}"
        )

    def example_questions(self, n: int = 3) -> list[str]:
        """Questions this corpus can answer, made from its own sentences and checked by answering them.

        They are made once per index and kept beside it (a read-only cache keeps them in memory)."""
        state = self._state
        if state.examples is None:
            with self._examples_lock:
                state = self._state
                if state.examples is None:
                    examples, stored_for, stored_corpus, made_at = self._stored_examples(state)
                    if stored_for != self._index_identity(state):
                        # another index's examples (the one before an add) are kept when every one still
                        # answers from its own sentence here; otherwise they are made anew
                        same_corpus = stored_corpus is not None and stored_corpus == self._corpus_key()
                        previous: list[Example] | None
                        if state.previous is not None:
                            previous, made_at = state.previous, state.made_at
                        else:
                            previous, made_at = (examples, made_at) if same_corpus else (None, 0)
                        articles = len(state.retriever.articles)
                        if previous and still_examples(state.composer, previous):
                            examples = previous
                        elif previous == [] and made_at and articles < 2 * made_at:
                            # None was found (every candidate answered from another sentence, as in a corpus
                            # of stories filed again by several outlets): tried again once the corpus has
                            # doubled, not on every add, which would ask all the candidates each time (1.7 s
                            # of `newsbot add` at 1M sentences)
                            examples = []
                        else:
                            examples, made_at = make_examples(state.composer), articles
                        self._store_examples(state, examples, made_at)
                    state = replace(state, examples=examples, previous=None, made_at=made_at)
                    if self._state.retriever is state.retriever:
                        self._state = state
        return [e.question for e in state.examples or []][:n]

    @staticmethod
    def _index_identity(state: _State) -> str:
        return state.retriever.identity

    def _corpus_key(self) -> str | None:
        return str(self._corpus.resolve()) if self._corpus is not None else None

    def _stored_examples(self, state: _State) -> tuple[list[Example] | None, str | None, str | None, int]:
        """(the examples kept beside the index, the index they were made for, its corpus, how many articles
        that index had when they were made, 0 when not recorded): Nones and 0 when there are none or they
        cannot be read. Another index's are taken only when it was this corpus's
        (a cache directory given for several corpora holds the last one's); examples written before their
        phrase and sentence were kept have empty ones, and are never taken for another index's."""
        if self._cache_dir is None:
            return None, None, None, 0
        try:
            stored = json.loads((self._cache_dir / EXAMPLES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, None, None, 0
        if not isinstance(stored, dict) or not isinstance(stored.get("questions"), list):
            return None, None, None, 0
        questions = [q for q in stored["questions"] if isinstance(q, str)]
        checks = {c[0]: c for c in stored.get("checks", []) if isinstance(c, list) and len(c) == 3
                  and all(isinstance(x, str) for x in c)}
        examples = [Example(*checks[q]) if q in checks else Example(q, "", "") for q in questions]
        index, corpus, made_at = stored.get("index"), stored.get("corpus"), stored.get("articles")
        return (examples, index if isinstance(index, str) else None, corpus if isinstance(corpus, str) else None,
                made_at if isinstance(made_at, int) and not isinstance(made_at, bool) and made_at > 0 else 0)

    def _store_examples(self, state: _State, questions: list[Example], made_at: int) -> None:
        if self._cache_dir is None:
            return
        try:
            atomic_write_json(self._cache_dir / EXAMPLES_FILE, {
                "index": self._index_identity(state), "corpus": self._corpus_key(), "articles": made_at,
                "questions": [e.question for e in questions],
                "checks": [[e.question, e.expect, e.sentence] for e in questions]})
        except OSError:
            pass  # a read-only cache: they are kept in memory

    def context(self, article_id: str, position: int, before: int = 1, after: int = 1) -> list[tuple[int, str]]:
        """A cited sentence with its neighbours: [(position, text)]; empty when the article is no longer in
        the corpus (removed since the answer, and the service refreshed)."""
        retriever = self._state.retriever
        for record in retriever.articles:
            if record.article_id == article_id:
                chunk = record.first_chunk + position
                return [(i - record.first_chunk, text) for i, text in retriever.context(chunk, before, after)]
        return []

