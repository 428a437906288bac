"""How much of the source@1 gap is the dataset's own copies? NewsQA files some CNN stories twice, word for word
(the copies differ in where a quotation mark stands), and each question names only the copy its writer saw:
citing the other copy counts as a miss although the reader gets the same story. This reads `newsbot eval
--json`'s output and the corpus, groups the stories whose words (punctuation and case aside) are the same, and
reports source@1 as `newsbot eval` counts it and with a copy of the gold story counted as the gold story.

    newsbot eval ../shared/eval/newsqa/dev_questions.jsonl --corpus ../shared/eval/newsqa/corpus --json > eval.json
    python benchmarks/twins.py eval.json [--corpus ../shared/eval/newsqa/corpus]

It is a measurement of the metric, not a change to it: the target in the answers issue is the plain count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_WORD = re.compile(r"\w+")


def words_of(path: Path) -> str:
    """A story's words, lower case, without its first line (the synthetic title, which holds the story's id)."""
    body = path.read_text(encoding="utf-8").split("\n", 1)[-1]
    return " ".join(_WORD.findall(body.lower()))


def copies(corpus: Path) -> dict[str, set[str]]:
    """Each story id that has word-for-word copies, with the ids of its copies."""
    by_words: dict[str, list[str]] = defaultdict(list)
    for path in sorted(corpus.glob("*.txt")):
        by_words[words_of(path)].append(path.stem)
    return {story: set(group) - {story} for group in by_words.values() if len(group) > 1 for story in group}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the output of `newsbot eval --json`")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "eval" / "newsqa" / "corpus")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    twin = copies(args.corpus)
    rows = [q for q in json.loads(args.results.read_text(encoding="utf-8"))["questions"] if not q["no_answer"]]
    plain = with_copies = asked_of_copy = cited_copy = 0
    for row in rows:
        gold = {Path(s).stem for s in row["sources"]}
        gold_copies = set().union(*(twin.get(g, set()) for g in gold)) - gold
        plain += bool(row["source_at_1"])
        asked_of_copy += bool(gold_copies)
        if not row["source_at_1"] and row["quoted_source"] in gold_copies:
            cited_copy += 1
        with_copies += bool(row["source_at_1"]) or row["quoted_source"] in gold_copies
    n = len(rows) or 1
    groups = {frozenset({story, *others}) for story, others in twin.items()}
    print(f"stories with word-for-word copies: {len(twin)} in {len(groups)} groups")
    print(f"answerable questions: {len(rows)}; their gold story has a copy: {asked_of_copy}")
    print(f"source@1: {plain}/{len(rows)} = {plain / n:.1%} (as `newsbot eval` counts it)")
    print(f"misses that cite a copy of the gold story: {cited_copy}")
    print(f"source@1 with a copy counted as the gold story: {with_copies}/{len(rows)} = {with_copies / n:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
