"""Live-news benchmarks (issue 12): articles from web pages, 1,000 feeds in one poll, kill -9 during polls.

    python benchmarks/live.py quality            # pages with furniture vs the same articles as .txt
    python benchmarks/live.py feeds [--feeds 1000 --items 3]
    python benchmarks/live.py kill [--kills 20]
    python benchmarks/live.py all

Everything is served by a local news site on 127.0.0.1 (tests/newsweb.py, aiohttp in a thread of this
process) and done by the real command line (`python -m bot …`) in subprocesses, with
NEWSBOT_FETCH_ALLOW_PRIVATE=1 (the site is on loopback) and NEWSBOT_FETCH_HOST_DELAY=0 (every feed of
the site is on one host, 127.0.0.1; spread over real hosts the per-host delay does not serialise a
poll). Nothing touches the internet. Results: benchmarks/results/live_<part>.json; LIVE.md reports
them.

* quality: the 4 seed articles and the NewsQA sample (781 CNN stories, read in place from
  ../shared/eval/newsqa/, never copied) are served as HTML pages with navigation, a cookie banner, an
  advertisement, related links and a footer around the story; `newsbot add URL…` takes them into an
  empty corpus; `newsbot eval` then asks the same questions of that corpus and of the .txt files
  (question sources mapped to the added files by the add's output).
* feeds: N feeds (RSS and Atom, alternately), each with K stories of its own and one story also
  listed by the next feed (the same URL: stored once); stories are made of 12 sentences drawn from the
  NewsQA sample (seeded), so no two are near-identical. The feeds are imported from OPML, then one
  `newsbot poll` (feeds, pages, storing, index build) is timed, with its peak RSS (wait4), then a
  second poll (every feed answers 304 Not Modified).
* kill: 40 feeds; each round publishes 2 new stories a feed (pages answer after 20 ms), times an
  unkilled `newsbot poll` on a copy of the corpus and its cache (start-up, feeds, pages, index build),
  then starts `newsbot poll` on the real one and kills it with SIGKILL after a random delay (seeded)
  between 0 and that duration. After each kill: no process of its session left (5 s grace), `newsbot
  index` opens the index (exit 0; whether it had to build says if the kill beat the poll's own build),
  every stored URL is unique and was published. After the last kill, one unkilled poll must leave
  every published story stored exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from index import parse_text_article, read_corpus, split_front_matter, split_sentences  # noqa: E402
from tests.newsweb import ATOM, RSS, Item, NewsWeb, article_html, atom, rss, session_processes  # noqa: E402

SHARED = Path(os.environ.get("NEWSBOT_SHARED", REPO.parent / "shared"))
NEWSQA = SHARED / "eval" / "newsqa"
SEED_QUESTIONS = SHARED / "eval" / "seed_questions.jsonl"
RESULTS = HERE / "results"
FURNITURE = ("We use cookies", "Advertisement", "Related stories", "Markets rally", "All rights reserved",
             "Privacy policy", "Save 50%")


def env(corpus: Path, **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    out.update(NEWSBOT_CORPUS=str(corpus), NEWSBOT_FETCH_ALLOW_PRIVATE="1", NEWSBOT_FETCH_HOST_DELAY="0",
               NEWSBOT_LOG_LEVEL="WARNING", **extra)
    return out


def newsbot(args: list[str], corpus: Path, *, timeout: float = 3600, **extra: str) -> tuple[int, str, str, float]:
    """(exit status, stdout, stderr, wall seconds) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env(corpus, **extra), text=True,
                          capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - t0


_RUSAGE = """import json, os, resource, subprocess, sys
with open(os.environ["OUT"], "w") as out, open(os.environ["ERR"], "w") as err:
    code = subprocess.run(sys.argv[1:], stdout=out, stderr=err).returncode
print(json.dumps({"code": code, "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def timed_newsbot(args: list[str], corpus: Path, **extra: str) -> tuple[int, str, str, float, float]:
    """newsbot's (exit status, stdout, stderr, wall seconds, peak RSS MiB): a small wrapper process runs
    it and reports its children's ru_maxrss (the largest of newsbot and any build worker)."""
    with tempfile.TemporaryDirectory(prefix="newsbot-run-") as tmp:
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", _RUSAGE, sys.executable, "-m", "bot", *args], cwd=REPO,
                                env={**env(corpus, **extra), "OUT": str(out_path), "ERR": str(err_path)},
                                capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        info = json.loads(result.stdout)
        return info["code"], out_path.read_text(), err_path.read_text(), wall, info["maxrss_kb"] / 1024


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def save(part: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    result = {"machine": machine(), "commit": os.environ.get("NEWSBOT_BENCH_COMMIT", ""), **result}
    (RESULTS / f"live_{part}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=1, ensure_ascii=False))


def paragraphs(body: str) -> list[str]:
    """The body as a page would show it: each line of the file a paragraph (the seed files hold one
    paragraph a line). A body of one line (the NewsQA sample lost its breaks) is cut into 3-sentence
    paragraphs at newsbot's own sentence boundaries (`index.split_sentences`), so the paragraphs add no sentence break
    of their own."""
    out = [" ".join(line.split()) for line in body.splitlines() if line.strip()]
    if len(out) == 1:
        sentences = split_sentences(out[0])
        out = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return out


# ----------------------------------------------------------------------------------- quality


def _eval(questions: Path, corpus: Path, cache: Path) -> dict[str, Any]:
    code, out, err, wall = newsbot(["eval", str(questions), "--corpus", str(corpus), "--cache-dir", str(cache),
                                    "--json"], corpus)
    if code != 0:
        raise SystemExit(f"eval failed: {err}")
    summary = json.loads(out)["summary"]
    summary["seconds"] = round(wall, 1)
    return summary


def line_added(stem: str, lines: list[str], urls: dict[str, str]) -> bool:
    return lines[list(urls).index(stem)].startswith("added ")


def _quality_set(name: str, txt_corpus: Path, questions: Path, web: NewsWeb, work: Path) -> dict[str, Any]:
    files = sorted(txt_corpus.glob("*.txt"))
    urls = {}
    bodies = {}
    for path in files:
        article = parse_text_article(path.stem, path.read_bytes())
        bodies[path.stem] = "".join(article.body.split())
        text = paragraphs(article.body)
        urls[path.stem] = web.page(f"/{name}/{path.stem}.html", article_html(
            article.title, text, site="Example News", author="A Reporter",
            canonical=f"https://news.example/{name}/{path.stem}"))
    corpus = work / f"{name}-web"
    corpus.mkdir()
    code, out, err, wall, rss = timed_newsbot(["add", *urls.values()], corpus)
    lines = out.splitlines()
    assert len(lines) == len(urls), (len(lines), err[-2000:])
    stem_of: dict[str, str] = {}
    outcomes = {"added": 0, "duplicate": 0, "failed": 0}
    for (stem, _url), line in zip(urls.items(), lines, strict=True):
        if line.startswith("added "):
            outcomes["added"] += 1
            stem_of[stem] = line.split(" ", 2)[1].rstrip(":").removesuffix(".md")
        elif "duplicate" in line:
            outcomes["duplicate"] += 1
            stem_of[stem] = line.rsplit(" ", 1)[1].removesuffix(".md")
        else:
            outcomes["failed"] += 1
    identical = furniture = 0
    for stem, file in stem_of.items():
        stored = "".join(parse_text_article(file, (corpus / f"{file}.md").read_bytes()).body.split())
        if file == stem_of.get(stem) and line_added(stem, lines, urls):
            identical += stored == bodies[stem]
            furniture += any(f in stored and f not in bodies[stem] for f in FURNITURE)
    mapped = work / f"{name}-questions.jsonl"
    with open(questions, encoding="utf-8") as src, open(mapped, "w", encoding="utf-8") as dst:
        for line in src:
            q = json.loads(line)
            q["sources"] = [stem_of.get(s, s) for s in q.get("sources", [])]
            dst.write(json.dumps(q, ensure_ascii=False) + "\n")
    return {
        "articles": len(files),
        "add": {**outcomes, "seconds": round(wall, 1), "peak_rss_mb": round(rss), "exit": code,
                "ms_per_article": round(1000 * wall / len(files), 1)},
        "stored_text_identical_to_txt": identical,  # ignoring whitespace
        "stored_with_furniture": furniture,
        "txt": _eval(questions, txt_corpus, work / f"{name}-txt-cache"),
        "html": _eval(mapped, corpus, work / f"{name}-web-cache"),
    }


def quality(args: argparse.Namespace) -> dict[str, Any]:
    if not NEWSQA.exists():
        raise SystemExit(f"{NEWSQA} is absent: nothing to measure")
    with NewsWeb() as web, tempfile.TemporaryDirectory(prefix="newsbot-live-") as tmp:
        work = Path(tmp)
        return {
            "seed": _quality_set("seed", REPO / "corpus", SEED_QUESTIONS, web, work),
            "newsqa": _quality_set("newsqa", NEWSQA / "corpus", NEWSQA / "dev_questions.jsonl", web, work),
        }


# ------------------------------------------------------------------------------------- feeds


def sentence_pool() -> list[str]:
    pool = []
    for path in sorted((NEWSQA / "corpus").glob("*.txt")):
        body = parse_text_article(path.stem, path.read_bytes()).body
        pool += [s for s in split_sentences(" ".join(body.split())) if 12 <= len(s.split()) <= 60]
    return pool


def publish(web: NewsWeb, rng: random.Random, pool: list[str], n: int, *, delay: float = 0.0) -> str:
    sentences = rng.sample(pool, 12)
    return web.page(f"/story/{n}.html", article_html(f"Story {n}: " + " ".join(sentences[0].split()[:8]),
                                                     [" ".join(sentences[i : i + 3]) for i in range(0, 12, 3)],
                                                     site="Local Wire", published=f"2015-12-{1 + n % 28:02d}"),
                    delay=delay)


def feed_doc(i: int, items: list[Item]) -> tuple[str, str]:
    return (rss(items, title=f"Feed {i}"), RSS) if i % 2 == 0 else (atom(items, title=f"Feed {i}"), ATOM)


def feeds(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(12)
    pool = sentence_pool()
    with NewsWeb() as web, tempfile.TemporaryDirectory(prefix="newsbot-feeds-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        own = [[publish(web, rng, pool, f * args.items + k) for k in range(args.items)] for f in range(args.feeds)]
        for f in range(args.feeds):
            shared = own[(f + 1) % args.feeds][0]  # the next feed's first story, listed here too
            items = [Item(u, f"Story {u}", f"Mon, {1 + k:02d} Dec 2015 10:00:00 GMT" if f % 2 == 0 else
                          f"2015-12-{1 + k:02d}T10:00:00Z") for k, u in enumerate([*own[f], shared])]
            body, ctype = feed_doc(f, items)
            web.page(f"/feed/{f}.xml", body, content_type=ctype, etag=f'"f{f}"')
        opml = Path(tmp) / "feeds.opml"
        opml.write_text("<opml version='2.0'><body>" + "".join(
            f'<outline text="Feed {f}" xmlUrl="{web.url(f"/feed/{f}.xml")}"/>' for f in range(args.feeds))
            + "</body></opml>")
        code, out, err, wall = newsbot(["feeds", "--import", str(opml)], corpus)
        assert code == 0, err
        requests_before = len(web.requests)
        code, out, err, wall, rss = timed_newsbot(["poll"], corpus)
        assert code == 0, err[-3000:]
        first = {"exit": code, "seconds": round(wall, 1), "peak_rss_mb": round(rss), "report": out.strip(),
                 "index_line": next((line for line in err.splitlines() if "indexed" in line), ""),
                 "requests": len(web.requests) - requests_before}
        stored = [split_front_matter(p.read_text("utf-8"))[0].get("url") for p in corpus.glob("*.md")]
        requests_before = len(web.requests)
        code, out2, _err2, wall2, rss2 = timed_newsbot(["poll"], corpus)
        second = {"exit": code, "seconds": round(wall2, 1), "peak_rss_mb": round(rss2), "report": out2.strip(),
                  "requests": len(web.requests) - requests_before}
        return {
            "feeds": args.feeds, "items_per_feed": args.items + 1,
            "unique_stories": args.feeds * args.items,
            "stored": len(stored), "stored_unique_urls": len(set(stored)),
            "first_poll": first, "second_poll": second,
        }


# -------------------------------------------------------------------------------------- kill


def _stored_urls(corpus: Path) -> list[str]:
    return [split_front_matter(p.read_text("utf-8"))[0].get("url", "") for p in corpus.glob("*.md")]


def kill(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(9)
    pool = sentence_pool()
    n_feeds, per_round = 40, 2
    with NewsWeb() as web, tempfile.TemporaryDirectory(prefix="newsbot-kill-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        items: list[list[Item]] = [[] for _ in range(n_feeds)]
        published: set[str] = set()
        counter = 0

        def publish_round(r: int) -> None:
            nonlocal counter
            for f in range(n_feeds):
                for _ in range(per_round):
                    url = publish(web, rng, pool, counter, delay=0.02)
                    counter += 1
                    published.add(url)
                    items[f].insert(0, Item(url, f"Story {counter}", f"Mon, 14 Dec 2015 {r % 24:02d}:00:00 GMT"))
                body, ctype = feed_doc(f, items[f][:30])
                web.page(f"/feed/{f}.xml", body, content_type=ctype, etag=f'"f{f}-r{r}"')

        for f in range(n_feeds):
            assert newsbot(["follow", web.url(f"/feed/{f}.xml"), "--no-check"], corpus)[0] == 0
        publish_round(0)
        code, out, err, first = newsbot(["poll"], corpus)
        assert code == 0, err
        rounds = []
        shadow = Path(tmp) / "shadow"
        for r in range(1, args.kills + 1):
            publish_round(r)
            shutil.rmtree(shadow, ignore_errors=True)
            shutil.copytree(corpus, shadow / "corpus")
            if (Path(tmp) / ".newsbot-cache").exists():
                shutil.copytree(Path(tmp) / ".newsbot-cache", shadow / ".newsbot-cache")
            full = newsbot(["poll"], shadow / "corpus")[3]
            before = len(_stored_urls(corpus))
            delay = rng.uniform(0, full)
            proc = subprocess.Popen([sys.executable, "-m", "bot", "poll"], cwd=REPO, env=env(corpus),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(delay)
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 5
            while (left := session_processes(proc.pid)) and time.monotonic() < deadline:
                time.sleep(0.1)
            stored = _stored_urls(corpus)
            opened = newsbot(["index"], corpus)
            rounds.append({
                "unkilled_poll_s": round(full, 2), "kill_after_s": round(delay, 2), "finished_before_kill": finished,
                "index_built_after_kill": "indexed" in opened[2],
                "stored_by_killed_poll": len(stored) - before, "left_processes": len(left),
                "index_opened": opened[0] == 0, "stored": len(stored), "unique": len(set(stored)) == len(stored),
                "all_published": set(stored) <= published,
            })
            print(rounds[-1], flush=True)
        code, out, err, _wall = newsbot(["poll"], corpus)
        final_stored = _stored_urls(corpus)
        indexed = len(read_corpus(corpus).articles)
        return {
            "feeds": n_feeds, "stories_per_round": n_feeds * per_round, "first_poll_seconds": round(first, 1),
            "kills": rounds,
            "final": {"exit": code, "report": out.strip(), "published": len(published), "stored": len(final_stored),
                      "unique": len(set(final_stored)), "missing": len(published - set(final_stored)),
                      "extra": len(set(final_stored) - published), "read_by_index": indexed},
            "all_kills_ok": all(k["index_opened"] and k["unique"] and k["all_published"] and k["left_processes"] == 0
                                for k in rounds),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["quality", "feeds", "kill", "all"])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=3, help="stories of a feed's own (plus one shared)")
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    parts = ["quality", "feeds", "kill"] if args.part == "all" else [args.part]
    for part in parts:
        save(part, {"quality": quality, "feeds": feeds, "kill": kill}[part](args))


if __name__ == "__main__":
    main()
