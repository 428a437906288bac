"""What the index keeps of an article, and a build's report; the BM25 parameters every commit pins
and the kinds of sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from ..text import BlockKind

BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
KIND_CODES = {BlockKind.STORY: 0, BlockKind.HIGHLIGHT: 1, BlockKind.SUBHEADING: 2}

Progress = Callable[[str, int, int], None]  # (stage, done, total)

_SKIPPED_SHOWN = 20  # skipped files a build report names; the rest are counted


@dataclass(frozen=True)
class ArticleRecord:
    """What the index keeps of an article besides its sentences. ``first_chunk`` is the place of its
    first sentence: in a snapshot, among all live sentences in canonical order; in a segment, local."""

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
    warnings: list[tuple[str, str]] = field(default_factory=list)  # files read with a warning (encoding)
    full: bool = True  # a full build (False: new files indexed into a segment, removed ones deleted)

    def lines(self) -> list[str]:
        """What the command line says about the build, one line each (it adds its "newsbot: "
        prefix): what changed, what was skipped (the first 20), then the totals."""
        out: list[str] = []
        if self.changes:
            verb = "index rebuilt" if self.full else "index updated"
            out.append(f"{verb}: " + ", ".join(self.changes[:10]) + (" …" if len(self.changes) > 10 else ""))
        out += [f"{name}: {what}" for name, what in self.warnings[:_SKIPPED_SHOWN]]
        out += [f"skipped {name}: {reason}" for name, reason in self.skipped[:_SKIPPED_SHOWN]]
        if len(self.skipped) > _SKIPPED_SHOWN:
            out.append(f"… and {len(self.skipped) - _SKIPPED_SHOWN} more skipped")
        seconds = sum(self.seconds.values())
        out.append(f"{'indexed' if self.full else 'now'} {self.articles:,} articles, {self.sentences:,} sentences "
                   f"({self.quotable:,} quotable); skipped {len(self.skipped):,}; {seconds:.1f} s")
        return out


class LazyRecords(Sequence[ArticleRecord]):
    """Article records made when read: subclasses say how many there are and make the i-th one
    (``_one``, given 0 <= i < len); indexing, slicing, iteration and equality come from here."""

    def _one(self, i: int) -> ArticleRecord:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> ArticleRecord: ...

    @overload
    def __getitem__(self, i: slice) -> list[ArticleRecord]: ...

    def __getitem__(self, i: int | slice) -> ArticleRecord | list[ArticleRecord]:
        n = len(self)
        if isinstance(i, slice):
            return [self._one(j) for j in range(*i.indices(n))]
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("article index out of range")
        return self._one(i)

    def __iter__(self) -> Iterator[ArticleRecord]:
        return (self._one(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} articles)"
