"""Lint and type checks run with the tests, so the README's one test command (and CI) runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.mark.timeout(600)
def test_ruff_is_clean() -> None:
    """pyflakes, pycodestyle, isort, pyupgrade, bugbear and ruff's own rules (pyproject.toml)."""
    result = _run("ruff", "check", "bot", "index", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(600)
def test_mypy_is_clean() -> None:
    """Types of bot/ and index/, untyped function bodies included (pyproject.toml)."""
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
