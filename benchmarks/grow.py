"""An index that grows: adding to a large index, a running service picking articles up, a thousand
adds one by one, and kill -9 in the middle of adds and merges.

    python benchmarks/grow.py --size 1000000            # all four, on a 1M-sentence corpus
    python benchmarks/grow.py --size 100000 --only adds

Corpus: the 1M corpus of ``benchmarks/scale.py`` (../shared/bench/news_articles.jsonl.gz, real articles
then word-dropped copies; see SCALE.md), written as one ``articles.jsonl`` in a folder, and indexed
once (a full build) before the measurements. New articles are real-looking ones made from that
corpus's articles with new ids, one small ``.jsonl`` file each.

* ``add``: ``newsbot index`` (what ``newsbot add FILE`` does once the file is in the corpus folder:
  start, load, add, commit) run as a fresh process after one new file is put in the folder; wall
  time of the whole command, five times (each a new file), median and max.
* ``arrival``: a running NewsService on the index; a new file is written, then ``refresh_index`` and
  a question only the new article answers; time from the write to the answer, five times.
* ``adds``: 1,000 files added one by one in one process (merges in the background, as in the
  service), each through ``add_files`` naming the new file, as the live poller adds the articles it
  wrote: each add's wall time; the first and last ten and hundred, and the trend.
* ``rescans`` (not in the default run): the same, each through ``open_index``, which stats every
  file of the folder (a refresh that finds files put there by hand): that stat grows with the files.
* ``crash``: 20 times, ``crash_writer.py`` adds files (every 7th through worker processes) and merges
  (``merge_once``) in a loop and is killed with SIGKILL after a random delay; then the index must open with every file whose add was reported
  committed, no article twice, no worker or helper process left, and catch up with the corpus.

Results go to benchmarks/results/grow.json (merged by size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

RESULTS = HERE / "results" / "grow.json"


def _new_article(i: int, rng: random.Random, pool: list[dict]) -> dict:
    base = rng.choice(pool)
    return {"id": f"new-{i}", "title": f"Zorblat {i}: {base['title']}",
            "text": f"The Zorblat committee number {i} met on Tuesday and approved plan {i}. " + base["text"][:1500]}


def _write_new(corpus: Path, i: int, rng: random.Random, pool: list[dict]) -> Path:
    path = corpus / f"new-{i:05d}.jsonl"
    path.write_text(json.dumps(_new_article(i, rng, pool), ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _pool(corpus: Path, n: int = 2000) -> list[dict]:
    out = []
    with open(corpus / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if len(out) == n:
                break
    return out


def _children_of(pid: int) -> list[int]:
    """The live (not zombie) children of a process, as ps lists them."""
    listed = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid=,stat="], capture_output=True, text=True,
                            check=False).stdout.split("\n")
    return [int(line.split()[0]) for line in listed if line.strip() and not line.split()[1].startswith("Z")]


def _alive(pid: int) -> bool:
    state = subprocess.run(["ps", "-p", str(pid), "-o", "stat="], capture_output=True, text=True,
                           check=False).stdout.strip()
    return bool(state) and not state.startswith("Z")


def bench_add(corpus: Path, cache: Path, pool: list[dict], rounds: int = 5) -> dict:
    rng = random.Random(5)
    env = {**os.environ, "NEWSBOT_CORPUS": str(corpus), "NEWSBOT_CACHE_DIR": str(cache)}
    walls = []
    for r in range(rounds):
        _write_new(corpus, 90_000 + r, rng, pool)
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bot", "index"], env=env, capture_output=True, text=True,
                              cwd=tempfile.gettempdir(), check=True)
        walls.append(time.perf_counter() - t)
        print(f"  add {r}: {walls[-1]:.2f} s  {done.stderr.strip().splitlines()[0][:100]}", flush=True)
    return {"walls_s": [round(w, 3) for w in walls], "median_s": round(statistics.median(walls), 3),
            "max_s": round(max(walls), 3)}


def bench_arrival(corpus: Path, cache: Path, pool: list[dict], rounds: int = 5) -> dict:
    from bot import NewsService
    from index import Retriever, refresh_index, warm_up

    warm_up()
    service = NewsService.open(corpus, cache)
    service.answer("Who won the election?")
    rng = random.Random(7)
    times, found = [], []
    for r in range(rounds):
        i = 80_000 + r
        t = time.perf_counter()
        _write_new(corpus, i, rng, pool)
        data, _ = refresh_index(service.retriever.data)
        service = NewsService(Retriever(data))
        answer = service.answer(f"What did the Zorblat committee number {i} approve?")
        times.append(time.perf_counter() - t)
        found.append(bool(answer.citations) and answer.citations[0].article_id == f"new-{i}")
        print(f"  arrival {r}: {times[-1]:.3f} s, answered from the new article: {found[-1]}", flush=True)
    return {"walls_s": [round(x, 3) for x in times], "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3), "answered_from_new_article": all(found)}


def bench_adds(corpus: Path, cache: Path, pool: list[dict], n: int = 1000, *, by_name: bool = True) -> dict:
    """``n`` files added one by one in one process, merges in the background as in the service: each
    through ``add_files`` naming the new file (what the live poller does with the articles it
    wrote), or, ``by_name`` False, through ``open_index`` looking at the whole folder (a refresh)."""
    from index import add_files, open_index
    from index.store import read_current

    rng = random.Random(9)
    walls = []
    for i in range(n):
        path = _write_new(corpus, i, rng, pool)
        t = time.perf_counter()
        if by_name:
            add_files(corpus, cache, [path])  # merges start in the background, as in a running service
        else:
            open_index(corpus, cache)
        walls.append(time.perf_counter() - t)
        if i % 100 == 0:
            commit = read_current(cache)
            print(f"  add {i}: {walls[-1] * 1000:.0f} ms, {len(commit.segments) if commit else 0} segments",
                  flush=True)
    from index import wait_for_merges

    wait_for_merges(600)
    commit = read_current(cache)
    first, last = walls[:10], walls[-10:]
    return {"n": n, "path": "add_files" if by_name else "open_index",
            "first_ms": [round(w * 1000, 1) for w in first], "last_ms": [round(w * 1000, 1) for w in last],
            "first10_median_ms": round(statistics.median(first) * 1000, 1),
            "last10_median_ms": round(statistics.median(last) * 1000, 1),
            "first100_median_ms": round(statistics.median(walls[:100]) * 1000, 1),
            "last100_median_ms": round(statistics.median(walls[-100:]) * 1000, 1),
            "median_ms": round(statistics.median(walls) * 1000, 1), "max_ms": round(max(walls) * 1000, 1),
            "per_hundred_median_ms": [round(statistics.median(walls[k : k + 100]) * 1000, 1)
                                      for k in range(0, n, 100)],
            "segments_after": len(commit.segments) if commit else None,
            "file_list_parts_after": len(commit.parts) if commit else None}


def bench_crash(corpus: Path, cache: Path, kills: int = 20) -> dict:
    from index import load_index, open_index, read_corpus
    from index.store import read_current

    rng = random.Random(13)
    start, rounds = 0, []
    for k in range(kills):
        proc = subprocess.Popen([sys.executable, str(HERE / "crash_writer.py"), str(corpus), str(cache), str(start),
                                 "--workers-every", "7"], cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        committed = [int(proc.stdout.readline())]
        time.sleep(rng.uniform(0.0, 2.0))
        helpers = _children_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        committed += [int(x) for x in proc.stdout.read().split()]
        start = committed[-1] + 2
        time.sleep(0.5)
        left = [p for p in helpers if _alive(p)]
        commit = read_current(cache)
        data = load_index(cache)
        ids = [a.article_id for a in data.articles]
        listed = {f.name for f in commit.files} if commit else set()
        missing = [i for i in committed if f"crash-{i:06d}.jsonl" not in listed]
        ok = (len(ids) == len(set(ids)) and not missing and not left
              and {f"crash-{i}-0" for i in committed} <= set(ids))
        t = time.perf_counter()
        caught_up, _ = open_index(corpus, cache, merge=False)
        expected = sorted(a.article_id for a in read_corpus(corpus).articles)
        ok &= sorted(a.article_id for a in caught_up.articles) == expected
        rounds.append({"committed_adds": len(committed), "segments": len(commit.segments) if commit else 0,
                       "articles": len(ids), "duplicates": len(ids) - len(set(ids)), "missing": missing,
                       "processes_left": left, "catch_up_s": round(time.perf_counter() - t, 2), "ok": bool(ok)})
        print(f"  kill {k}: {rounds[-1]}", flush=True)
        for p in left:
            os.kill(p, signal.SIGKILL)
    return {"kills": kills, "all_ok": all(r["ok"] for r in rounds), "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="+", default=["add", "arrival", "adds", "crash"])
    parser.add_argument("--adds", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsbot-grow")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import scale

    if not scale.BENCH.exists():
        print(f"grow benchmark skipped: {scale.BENCH} is absent (see ../shared/bench/README.md)")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    base = args.work / f"n{args.size}"
    corpus, cache = base / "corpus", base / "cache"
    if not (corpus / "articles.jsonl").exists():
        shutil.rmtree(base, ignore_errors=True)
        corpus.mkdir(parents=True)
        raw = scale._real_articles()
        counts = scale._count_chunks(raw, args.work)
        print(scale.grow_corpus(args.size, raw, counts, 1, corpus / "articles.jsonl"), flush=True)
    for extra in corpus.glob("new-*.jsonl"):
        extra.unlink()
    from index import open_index

    t = time.perf_counter()
    data, _ = open_index(corpus, cache)  # built once (a full build), then reused
    print(f"base index: {data.n_chunks:,} sentences, {time.perf_counter() - t:.1f} s", flush=True)
    pool = _pool(corpus)
    results: dict = {"size": args.size, "sentences": data.n_chunks, "articles": len(data.articles),
                     "loadavg_before": [round(x, 2) for x in os.getloadavg()],
                     "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "commit": scale._git_commit(), "machine": scale._machine()}
    del data
    if "add" in args.only:
        print("add (newsbot index after a new file, fresh process):", flush=True)
        results["add"] = bench_add(corpus, cache, pool)
    if "arrival" in args.only:
        print("arrival to answerable in a running service:", flush=True)
        results["arrival"] = bench_arrival(corpus, cache, pool)
    if "adds" in args.only:
        print(f"{args.adds} adds one by one, each naming its file (add_files):", flush=True)
        results["adds"] = bench_adds(corpus, cache, pool, args.adds)
    if "rescans" in args.only:
        print(f"{args.adds} adds one by one, each looking at the whole folder (open_index):", flush=True)
        results["rescans"] = bench_adds(corpus, cache, pool, args.adds, by_name=False)
    if "crash" in args.only:
        print(f"{args.kills} kill -9 during adds and merges (a small corpus of its own):", flush=True)
        crash_corpus, crash_cache = base / "crash-corpus", base / "crash-cache"
        shutil.rmtree(crash_corpus, ignore_errors=True)
        shutil.rmtree(crash_cache, ignore_errors=True)
        crash_corpus.mkdir()
        shutil.copy(REPO / "corpus" / sorted(os.listdir(REPO / "corpus"))[0], crash_corpus)
        results["crash"] = bench_crash(crash_corpus, crash_cache, args.kills)
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    saved = json.loads(args.out.read_text()) if args.out.exists() else {}
    saved[str(args.size)] = {**saved.get(str(args.size), {}), **results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(saved, indent=1))
    print(json.dumps({k: v for k, v in results.items() if k not in ("crash",)}, indent=1))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
