"""Many articles per .jsonl(.gz) file: one JSON object per line, {"id", "title", "text"} plus optional
"source", "url", "published". A bad line is skipped with its reason, never fatal to the file."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from .._errors import ArticleError
from ._model import Article
from ._text_files import decode_legacy, legacy_warning, title_from_sentence

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


def is_jsonl(path: Path) -> bool:
    """A .jsonl or .jsonl.gz file (the suffix alone does not tell: "x.jsonl.gz" ends in ".gz")."""
    return path.name.endswith(JSONL_SUFFIXES)


def read_jsonl(file: Path, warnings: list[tuple[str, str]] | None = None) -> Iterator[Article | tuple[str, str]]:
    """Each line's Article, or (origin, reason) for a line (or a whole file) that cannot be read.
    A line that is not UTF-8 but reads as Windows-1252 is read that way, with a warning appended to
    warnings (the first such line of the file only)."""
    warned = False
    try:
        opener = gzip.open(file, "rb") if file.name.endswith(".gz") else open(file, "rb")
        with opener as handle:
            for lineno, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    legacy = decode_legacy(raw)
                    if legacy is None:
                        yield (f"{file.name}:{lineno}", f"not valid UTF-8 (byte {exc.start})")
                        continue
                    line = legacy
                    if warnings is not None and not warned:
                        warnings.append((f"{file.name}:{lineno}", legacy_warning(exc)))
                        warned = True
                if not line.strip():
                    continue
                origin = f"{file.name}:{lineno}"
                try:
                    yield article_from_json(json.loads(line), origin)
                except json.JSONDecodeError as exc:
                    yield (origin, f"not JSON ({exc.msg})")
                except ArticleError as exc:
                    yield (origin, str(exc))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield (file.name, f"unreadable: {exc}")


def article_from_json(obj: object, origin: str) -> Article:
    """The Article of one decoded JSON line; ArticleError says what is missing."""
    if not isinstance(obj, dict):
        raise ArticleError("line is not a JSON object")
    article_id, title, text = obj.get("id"), obj.get("title"), obj.get("text")
    if isinstance(article_id, int):
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id.strip():
        raise ArticleError("missing 'id'")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(f"article {article_id!r} has no 'text'")
    title_from_body = False
    if not isinstance(title, str) or not title.strip():
        first = text.strip().split("\n", 1)[0]
        title, title_from_body = title_from_sentence(first), True
    meta = {k: obj.get(k) for k in ("source", "url", "published", "date")}
    published = next((v for v in (meta["published"], meta["date"]) if isinstance(v, str) and v.strip()), None)
    return Article(
        article_id=article_id.strip(),
        title=" ".join(title.split()),
        body=text,
        outlet=meta["source"] if isinstance(meta["source"], str) else None,
        url=meta["url"] if isinstance(meta["url"], str) else None,
        published=published,
        origin=origin,
        title_from_body=title_from_body,
        date_source="record" if published else None,
    )
