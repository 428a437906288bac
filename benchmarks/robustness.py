"""Does ordinary phrasing change the answer? Each seed question is asked clean and then rewritten three
ways: with a lead-in ("Quick question: …"), in lower case, and with one typo (two neighbouring letters
of its longest word swapped, deterministically). A rewrite gets "the same answer" when it quotes the
same first sentence from the same story with the same short answer (or abstains when the clean
question abstains).

    python benchmarks/robustness.py [--questions ../shared/eval/seed_questions.jsonl] [--corpus corpus]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import Answer, NewsService  # noqa: E402

LEAD_INS = ("Quick question: ", "Hey, can you tell me ", "I wonder ", "Question 3: ")


def with_lead_in(question: str, i: int) -> str:
    lead = LEAD_INS[i % len(LEAD_INS)]
    return lead + (question[:1].lower() + question[1:] if not lead.endswith(": ") else question)


def with_typo(question: str) -> str:
    """Two neighbouring letters of the longest word swapped (in its middle, so it stays recognisable)."""
    words = re.findall(r"[A-Za-z]{4,}", question)
    if not words:
        return question
    word = max(words, key=len)
    k = len(word) // 2
    typo = word[: k - 1] + word[k] + word[k - 1] + word[k + 1 :]
    return question.replace(word, typo, 1)


def signature(answer: Answer) -> tuple[object, ...]:
    if not answer.found:
        return ("abstains",)
    first = answer.citations[0]
    return (first.article_id, first.position, answer.short.text if answer.short else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "eval" / "seed_questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    args = parser.parse_args()
    if not args.questions.exists():
        print(f"skipped: {args.questions} not found")
        return 0
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as cache:
        service = NewsService.open(args.corpus, Path(cache))
        same = total = 0
        for i, question in enumerate(questions):
            clean = signature(service.answer(question))
            for kind, variant in (("lead-in", with_lead_in(question, i)), ("lower case", question.lower()),
                                  ("typo", with_typo(question))):
                got = signature(service.answer(variant))
                total += 1
                same += got == clean
                if got != clean:
                    print(f"differs ({kind}): {variant!r}: {got} instead of {clean}")
    print(f"same answer for {same}/{total} rewrites ({100 * same / total:.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
