"""A store that cannot wedge: a builder killed with SIGKILL (or SIGTERM) leaves no worker behind and
no lock held, and an index killed in the middle of adds and merges opens with every committed article,
none twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import load_index, open_index, read_corpus
from index.store import read_current

REPO = Path(__file__).resolve().parents[2]

# A build whose two workers take their time (each batch sleeps), so the parent can be killed mid-build.
_SLOW_BUILD = """
import os, sys, time
from pathlib import Path
from index.store import _workers
real = _workers.process_articles
def slow(articles):
    time.sleep(30)
    return real(articles)
_workers.process_articles = slow
print("pid", os.getpid(), flush=True)
from index import open_index
open_index(Path(sys.argv[1]), Path(sys.argv[2]), workers=2, merge=False)
"""


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead, waiting for its new parent to reap it


def _corpus(root: Path, n: int) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    lines = [json.dumps({"id": f"a{i}", "title": f"Story {i}", "text": f"The council met on day {i} to vote on the "
                         "harbour budget. The mayor said the vote was close."}) for i in range(n)]
    (corpus / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent_and_the_next_build_does_not_hang(tmp_path: Path, sig: int) -> None:
    corpus, cache = _corpus(tmp_path, 600), tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, str(corpus), str(cache)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("pid")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.1)
            workers = _children(proc.pid)
        assert len(workers) >= 2, "the build never started its workers"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "a worker outlived its parent"
    finally:
        proc.kill()
        proc.wait()
        for worker in workers:  # never leave one behind, even on failure
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
    data, report = open_index(corpus, cache, lock_timeout=20, merge=False)  # no lock left behind
    assert report is not None and len(data.articles) == 600


WRITER = REPO / "benchmarks" / "crash_writer.py"  # adds files and merges until killed


def test_kill_9_during_adds_and_merges_leaves_an_index_that_opens(tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    rng = random.Random(13)
    start = 0
    for _round in range(3):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(corpus), str(cache), str(start)], cwd=REPO,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        committed = [int(proc.stdout.readline())]  # at least one add, then a random moment
        time.sleep(rng.uniform(0.05, 1.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        committed += [int(line) for line in proc.stdout.read().split()]
        start = committed[-1] + 2
        commit = read_current(cache)
        assert commit is not None
        data = load_index(cache)  # exactly what the last commit says, every file verified
        ids = [a.article_id for a in data.articles]
        assert len(ids) == len(set(ids)), "an article twice"
        listed = {f.name for f in commit.files}
        for i in committed:
            assert f"crash-{i:06d}.jsonl" in listed, f"committed file {i} is missing"
        assert {f"crash-{i}-0" for i in committed} <= set(ids)
        data, _ = open_index(corpus, cache, merge=False)  # and it catches up with the corpus
        assert sorted(a.article_id for a in data.articles) == sorted(a.article_id for a in
                                                                     read_corpus(corpus).articles)
        assert not [p.name for p in cache.iterdir() if p.name.startswith("tmp-")]
