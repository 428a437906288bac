"""A corpus: a directory of .txt/.md articles (and .jsonl(.gz) files), or one such file.

Which files make up a corpus, in a stable order, and reading all of them into one ReadReport."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .._errors import ArticleError, CorpusError
from ._jsonl import is_jsonl, read_jsonl
from ._model import Article, ReadReport
from ._text_files import ARTICLE_SUFFIXES, read_text_article


def corpus_files(path: Path) -> list[Path]:
    """The files that make up a corpus, sorted, so fingerprints and ids are stable."""
    if not path.exists():
        raise CorpusError(f"corpus not found: {path}")
    if path.is_file():
        if not is_jsonl(path) and path.suffix not in ARTICLE_SUFFIXES:
            raise CorpusError(f"not a corpus file (want .txt, .md, .jsonl or .jsonl.gz): {path}")
        return [path]
    files = sorted(
        (p for p in path.iterdir()
         if p.is_file() and not p.name.startswith(".") and (p.suffix in ARTICLE_SUFFIXES or is_jsonl(p))),
        key=lambda p: p.name,  # the same order as sorting the paths (one directory), without pathlib's compare
    )
    if not files:
        raise CorpusError(f"corpus is empty (no .txt, .md or .jsonl files): {path}")
    return files


def corpus_stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap signature of the corpus: each file's name, size and modification time. It changes when an
    article file is added, edited or removed, so a running service can tell, without reading every
    file, that there may be something new to index (empty when the corpus is missing or empty)."""
    try:
        files = corpus_files(path)
    except CorpusError:
        return ()
    stamp = []
    for file in files:
        try:
            stat = file.stat()
            stamp.append((file.name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            stamp.append((file.name, -1, -1))
    return tuple(stamp)


def read_corpus(path: Path) -> ReadReport:
    """Read every article under path; unreadable ones are reported, never fatal on their own. An
    article id met again (in the same file or a later one) is skipped as a duplicate."""
    report = ReadReport()
    seen: set[str] = set()
    for file in corpus_files(path):
        one = read_file(file)
        report.skipped += one.skipped
        report.warnings += one.warnings
        for article in one.articles:
            if article.article_id in seen:
                report.skipped.append((article.origin, f"duplicate article id {article.article_id!r}"))
                continue
            seen.add(article.article_id)
            report.articles.append(article)
    if not report.articles:
        reasons = "; ".join(f"{name}: {why}" for name, why in report.skipped[:3])
        raise CorpusError(f"no readable article in {path}" + (f" ({reasons})" if reasons else ""))
    return report


def read_file(file: Path) -> ReadReport:
    """The articles of one corpus file (an id met again within the file is skipped as a duplicate),
    what was skipped, and warnings (a legacy encoding)."""
    report = ReadReport()
    seen: set[str] = set()
    for item in _read_file(file, report.warnings):
        if isinstance(item, Article):
            if item.article_id in seen:
                report.skipped.append((item.origin, f"duplicate article id {item.article_id!r}"))
                continue
            seen.add(item.article_id)
            report.articles.append(item)
        else:
            report.skipped.append(item)
    return report


def file_time(file: Path) -> str | None:
    """The file's modification time, ISO 8601 in UTC: an article's date of last resort."""
    try:
        return datetime.fromtimestamp(file.stat().st_mtime, tz=UTC).isoformat(timespec="seconds")
    except (OSError, OverflowError, ValueError):
        return None


def _dated(article: Article, fallback: str | None) -> Article:
    """Every article has a published date: its own, else the file's time, marked so."""
    if article.published or fallback is None:
        return article
    return dataclasses.replace(article, published=fallback, date_source="file")


def _read_file(file: Path, warnings: list[tuple[str, str]]) -> Iterator[Article | tuple[str, str]]:
    mtime = file_time(file)
    if is_jsonl(file):
        for item in read_jsonl(file, warnings):
            yield _dated(item, mtime) if isinstance(item, Article) else item
        return
    try:
        article, warning = read_text_article(file.stem, file.read_bytes(), origin=file.name)
        article = _dated(article, mtime)
    except ArticleError as exc:
        yield (file.name, str(exc))
    except OSError as exc:
        yield (file.name, f"unreadable: {exc.strerror or exc}")
    else:
        if warning:
            warnings.append((file.name, warning))
        yield article
