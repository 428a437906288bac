"""kill -9 at any moment: a poll loses nothing and stores nothing twice, and no process is left behind.

Where the kill lands varies from run to run; what is asserted holds wherever it lands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from index import read_corpus, split_front_matter
from tests.newsweb import RSS, Item, NewsWeb, article_html, rss, session_processes

REPO = Path(__file__).resolve().parents[2]
WORDS = ("harbour council budget river station festival minister storm museum election bridge airport "
         "school hospital court market rail forest coast energy").split()


def story(n: int) -> list[str]:
    """A story of its own: sentences made from n's digits, so no two are near-identical."""
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(40)]
    return [f"Story {n} reports that the {' '.join(words[i:i + 10])} plans moved ahead on day {n + i}."
            for i in range(0, 40, 10)]


def wait_gone(sid: int, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def newsbot(corpus: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(NEWSBOT_FETCH_ALLOW_PRIVATE="1", NEWSBOT_FETCH_HOST_DELAY="0", NEWSBOT_CORPUS=str(corpus),
               NEWSBOT_POLL_WORKERS="4")
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def test_a_poll_killed_mid_way_is_completed_by_the_next(web: NewsWeb, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = set()
    for f in range(10):
        items = []
        for i in range(5):
            n = f * 5 + i
            url = web.page(f"/s{n}.html", article_html(f"Story number {n}", story(n)), delay=0.05)
            items.append(Item(url, f"Story {n}"))
            expected.add(url)
        web.page(f"/f{f}.xml", rss(items), content_type=RSS, etag=f'"{f}"')
    opml = tmp_path / "feeds.opml"
    opml.write_text("<opml><body>" + "".join(f'<outline xmlUrl="{web.url(f"/f{f}.xml")}"/>' for f in range(10))
                    + "</body></opml>")
    follow = newsbot(corpus, "feeds", "--import", str(opml))
    _, err = follow.communicate(timeout=60)
    assert follow.returncode == 0, err

    for wait in (1.0, 1.5, 2.0):  # the interpreter starts in about a second; then feeds, pages, index
        poll = newsbot(corpus, "poll")
        time.sleep(wait)
        os.kill(poll.pid, signal.SIGKILL)
        poll.communicate(timeout=30)
        assert wait_gone(poll.pid) == []
        stored = [split_front_matter(p.read_text("utf-8"))[0]["url"] for p in corpus.glob("*.md")]
        assert len(stored) == len(set(stored)) and set(stored) <= expected

    final = newsbot(corpus, "poll")
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    articles = read_corpus(corpus).articles
    assert sorted(a.url or "" for a in articles) == sorted(expected)  # every story, each once
    check = newsbot(corpus, "index")
    check.communicate(timeout=120)
    assert check.returncode == 0


def test_build_workers_do_not_outlive_a_killed_build(tmp_path: Path) -> None:
    script = tmp_path / "build.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from index import Article\n"
        "from index.store import _workers\n"
        "def slow(batch):\n"
        "    time.sleep(60)\n"
        "_workers.process_articles = slow\n"
        "_workers._BATCH_ARTICLES = 1\n"
        "batches = _workers._parallel_batches([Article(str(i), 't', 'b') for i in range(4)], 2)\n"
        "print('building', flush=True)\n"
        "next(batches)\n"
    )
    build = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert build.stdout is not None and build.stdout.readline() == "building\n"
    deadline = time.monotonic() + 20
    while len(session_processes(build.pid)) < 3 and time.monotonic() < deadline:  # the build and 2 workers
        time.sleep(0.05)
    assert len(session_processes(build.pid)) == 3
    os.kill(build.pid, signal.SIGKILL)
    build.wait(10)
    assert wait_gone(build.pid) == []
