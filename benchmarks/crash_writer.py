"""A writer to kill: adds one small .jsonl file after another to a corpus, indexing each, and merges
segments between adds, printing the number of each file once its commit is written; run until
killed (kill -9 at a random moment is the point). Adds alternate between the two paths that write
commits: ``add_files`` (the file named, as the live poller adds) and ``open_index`` (the folder
looked at). Used by benchmarks/grow.py (20 kills) and by
tests/unit/test_store_crash.py.

    python benchmarks/crash_writer.py CORPUS CACHE FIRST_NUMBER [--workers-every N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index import add_files, open_index
from index.store import merge_once, store_for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("first", type=int)
    parser.add_argument("--workers-every", type=int, default=0, help="every Nth add through worker processes")
    args = parser.parse_args()
    for i in range(args.first, args.first + 1_000_000):
        lines = [json.dumps({"id": f"crash-{i}-{j}", "title": f"Crash file {i} story {j}",
                             "text": f"The council of town {i} met to vote on budget {j}. The mayor was pleased."})
                 for j in range(1 + i % 4)]
        path = args.corpus / f"crash-{i:06d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        workers = 2 if args.workers_every and i % args.workers_every == 0 else None
        if i % 2:
            add_files(args.corpus, args.cache, [path], merge=False, workers=workers)
        else:
            open_index(args.corpus, args.cache, merge=False, workers=workers)
        print(i, flush=True)
        merge_once(args.cache, store_for(args.cache), max_per_tier=2)


if __name__ == "__main__":
    main()
