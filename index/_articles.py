"""Reading articles: a directory of .txt/.md files (optional front matter) or a .jsonl(.gz) file."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import ArticleError, CorpusError

ARTICLE_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
META_KEYS = ("title", "source", "url", "published")
_FRONT_MATTER_FENCE = "---"
_META_LINE = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Article:
    """One news article as read from disk, before cleaning."""

    article_id: str
    title: str
    body: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""  # file name (and line, for JSONL) the article came from
    title_from_body: bool = False  # the first line was story text, not a headline


@dataclass
class ReadReport:
    """What reading a corpus produced: the articles, and what was skipped and why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def corpus_files(path: Path) -> list[Path]:
    """The files that make up a corpus, sorted, so fingerprints and ids are stable."""
    if not path.exists():
        raise CorpusError(f"corpus not found: {path}")
    if path.is_file():
        if not _is_jsonl(path) and path.suffix not in ARTICLE_SUFFIXES:
            raise CorpusError(f"not a corpus file (want .txt, .md, .jsonl or .jsonl.gz): {path}")
        return [path]
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and not p.name.startswith(".") and (p.suffix in ARTICLE_SUFFIXES or _is_jsonl(p))
    )
    if not files:
        raise CorpusError(f"corpus is empty (no .txt, .md or .jsonl files): {path}")
    return files


def fingerprint_files(files: list[Path]) -> str:
    """A digest of names, sizes and contents: any added, edited or removed article changes it."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        except OSError as exc:
            digest.update(f"unreadable:{exc.errno}".encode())
    return digest.hexdigest()


def file_digests(files: list[Path]) -> dict[str, str]:
    """Per-file content digests, so a rebuild can say which articles were added, edited or removed."""
    out: dict[str, str] = {}
    for file in files:
        try:
            out[file.name] = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
        except OSError:
            out[file.name] = "unreadable"
    return out


def read_corpus(path: Path) -> ReadReport:
    """Read every article under path; unreadable ones are reported, never fatal on their own."""
    report = ReadReport()
    seen: set[str] = set()
    for file in corpus_files(path):
        for item in _read_file(file):
            if isinstance(item, Article):
                if item.article_id in seen:
                    report.skipped.append((item.origin, f"duplicate article id {item.article_id!r}"))
                    continue
                seen.add(item.article_id)
                report.articles.append(item)
            else:
                report.skipped.append(item)
    if not report.articles:
        reasons = "; ".join(f"{name}: {why}" for name, why in report.skipped[:3])
        raise CorpusError(f"no readable article in {path}" + (f" ({reasons})" if reasons else ""))
    return report


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith(JSONL_SUFFIXES)


def _read_file(file: Path) -> Iterator[Article | tuple[str, str]]:
    if _is_jsonl(file):
        yield from _read_jsonl(file)
        return
    try:
        yield parse_text_article(file.stem, file.read_bytes(), origin=file.name)
    except ArticleError as exc:
        yield (file.name, str(exc))
    except OSError as exc:
        yield (file.name, f"unreadable: {exc.strerror or exc}")


def parse_text_article(article_id: str, raw: bytes, *, origin: str = "") -> Article:
    """Parse one .txt/.md article: optional front matter, then headline line, then body."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not valid UTF-8 (byte {exc.start})") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError("empty file")
    meta: dict[str, str] = {}
    lines = text.split("\n")
    if lines[0].strip() == _FRONT_MATTER_FENCE:
        meta, lines = _front_matter(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ArticleError("front matter but no text")
    title = meta.get("title", "").strip()
    if title:
        body = "\n".join(lines)
    else:
        title, body = lines[0].strip(), "\n".join(lines[1:])
    title_from_body = False
    if looks_like_body_text(title):
        body = "\n".join(lines) if not meta.get("title") else body
        title, title_from_body = title_from_sentence(title), True
    if not body.strip() and not title_from_body:
        raise ArticleError("a headline but no body")
    return Article(
        article_id=article_id,
        title=title,
        body=body,
        outlet=meta.get("source") or meta.get("outlet") or None,
        url=meta.get("url") or None,
        published=meta.get("published") or meta.get("date") or None,
        origin=origin,
        title_from_body=title_from_body,
    )


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A '---' fenced block of 'key: value' lines; an unclosed block is an error, not body text."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == _FRONT_MATTER_FENCE:
            return meta, lines[i + 1 :]
        match = _META_LINE.match(line.strip())
        if match:
            meta[match.group(1).lower()] = match.group(2).strip().strip("\"'")
        elif line.strip():
            raise ArticleError(f"front matter line {i + 1} is not 'key: value'")
    raise ArticleError("front matter block never closes (no second '---')")


def looks_like_body_text(first_line: str) -> bool:
    """A headline is short and rarely ends with a full stop; a story's first sentence is long."""
    words = first_line.split()
    ends_like_sentence = first_line.rstrip().endswith((".", '."', ".”"))
    return ends_like_sentence and len(words) >= 14


def title_from_sentence(sentence: str, max_words: int = 12) -> str:
    """A readable title from a story's first sentence: its opening clause, cut at a word."""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence.rstrip(".")
    cut = words[:max_words]
    while cut and cut[-1].lower() in {"the", "a", "an", "of", "to", "in", "as", "its", "and", "for", "was", "is"}:
        cut.pop()
    return " ".join(cut).rstrip(",;:") + "…"


def _read_jsonl(file: Path) -> Iterator[Article | tuple[str, str]]:
    try:
        opener = gzip.open(file, "rt", encoding="utf-8") if file.name.endswith(".gz") else open(
            file, encoding="utf-8"
        )
        with opener as handle:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                origin = f"{file.name}:{lineno}"
                try:
                    yield _article_from_json(json.loads(line), origin)
                except json.JSONDecodeError as exc:
                    yield (origin, f"not JSON ({exc.msg})")
                except ArticleError as exc:
                    yield (origin, str(exc))
    except UnicodeDecodeError as exc:
        yield (file.name, f"not valid UTF-8 (byte {exc.start})")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield (file.name, f"unreadable: {exc}")


def _article_from_json(obj: object, origin: str) -> Article:
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
    return Article(
        article_id=article_id.strip(),
        title=" ".join(title.split()),
        body=text,
        outlet=meta["source"] if isinstance(meta["source"], str) else None,
        url=meta["url"] if isinstance(meta["url"], str) else None,
        published=next((v for v in (meta["published"], meta["date"]) if isinstance(v, str)), None),
        origin=origin,
        title_from_body=title_from_body,
    )
