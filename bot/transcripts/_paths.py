"""Where transcripts and their corpora are: the project root, the default directory, corpus paths."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from bot.errors import TranscriptError

from ._format import SUFFIX, Transcript

DEFAULT_DIR = Path("tests") / "transcripts"


def project_root(start: Path) -> Path | None:
    """The nearest directory at or above start that holds pyproject.toml."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return None


def corpus_path(transcript: Transcript) -> Path:
    """The corpus a transcript names, resolved (see the header in `bot.transcripts._format`)."""
    corpus = Path(transcript.corpus).expanduser()
    if corpus.is_absolute():
        return corpus
    base = project_root(transcript.path.parent) if transcript.path is not None else None
    return ((base or Path.cwd()) / corpus).resolve()


def corpus_label(corpus: Path, transcript_path: Path) -> str:
    """How a transcript at transcript_path names corpus: relative to its project root if inside it."""
    absolute = corpus.expanduser().resolve()
    root = project_root(transcript_path.parent)
    if root is not None:
        with contextlib.suppress(ValueError):
            return absolute.relative_to(root).as_posix()
    return str(absolute)


def default_dir() -> Path:
    """tests/transcripts of the current directory, else of the project this package lives in."""
    here = DEFAULT_DIR
    if here.is_dir():
        return here
    root = Path(__file__).resolve().parents[2]
    return root / DEFAULT_DIR if (root / DEFAULT_DIR).is_dir() else here


def find_transcripts(paths: Sequence[Path]) -> list[Path]:
    """Transcript files: each file as given, each directory searched for *.transcript."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob(f"*{SUFFIX}"))
        elif path.exists():
            found.append(path)
        else:
            raise TranscriptError(f"{path}: no such file or directory")
    return found


def shown(path: Path | None) -> str:
    if path is None:
        return "<transcript>"
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)
