"""The eval's pure part: reading a questions file and scoring what newsbot answered (no index, no I/O)."""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.answer import Answer
from bot.errors import EvalFileError
from index import ARTICLE_SUFFIXES, fold

HIT_K = 5
STRICT_WORDS = 80  # "strict" answer@1: the first quote holds a gold answer in at most this many words
BOOTSTRAP_SAMPLES = 2000
_SPACE = re.compile(r"\s+")
_PUNCTUATION = frozenset(string.punctuation) | frozenset("‘’“”–—…")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# ------------------------------------------------------------------------------------ data + parsing


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    no_answer: bool = False


def source_id(source: str) -> str:
    """An article id from a gold source: 'corpus/000_x.txt' and '000_x' are both '000_x'."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in ARTICLE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def parse_questions(lines: Iterable[str], origin: str = "questions") -> list[EvalQuestion]:
    """Questions from JSON Lines; blank lines skipped, anything malformed is an EvalFileError."""
    out: list[EvalQuestion] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{origin}:{lineno}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            raise EvalFileError(f"{origin}:{lineno}: want an object with a 'question' string")
        no_answer = bool(obj.get("no_answer", False))
        answers = obj.get("answers") or []
        sources = obj.get("sources") or []
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise EvalFileError(f"{origin}:{lineno}: 'answers' must be a list of strings")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise EvalFileError(f"{origin}:{lineno}: 'sources' must be a list of strings")
        if not no_answer and not answers:
            raise EvalFileError(f"{origin}:{lineno}: an answerable question needs 'answers'")
        out.append(
            EvalQuestion(
                id=str(obj.get("id", lineno)),
                question=obj["question"],
                answers=tuple(a for a in answers if a.strip()),
                sources=tuple(source_id(s) for s in sources),
                no_answer=no_answer,
            )
        )
    return out


# ------------------------------------------------------------------------------------ pure metrics


def normalize(text: str) -> str:
    """Case, accents, typographic quotes and runs of whitespace folded away."""
    return _SPACE.sub(" ", fold(text)).strip()


def contains_answer(text: str | None, answers: Sequence[str]) -> bool:
    """Does text contain one of the gold answers (case- and accent-insensitive)?"""
    if not text:
        return False
    hay = normalize(text)
    return any(normalize(a) and normalize(a) in hay for a in answers)


@dataclass
class QuestionResult:
    """What one question got, and which metrics it passed."""

    id: str
    question: str
    answers: list[str]
    sources: list[str]
    no_answer: bool
    found: bool  # newsbot answered (rather than abstaining or refusing)
    quoted: str | None  # the first quoted sentence
    quoted_source: str | None  # the first citation's article
    reply: str  # the answer body
    top: list[str]  # the top ranked sentences
    latency_ms: float
    answer_at_1: bool = False
    answer_in_reply: bool = False
    hit_at_k: bool = False
    source_at_1: bool = False
    short_answer: str | None = None  # the answer phrase the reply opened with
    strict_at_1: bool = False  # answer@1 with a first quote of at most STRICT_WORDS words
    short_f1: float = 0.0  # token F1 of the short answer against the best gold answer (0 without one)
    short_close: bool = False  # the short answer shares at least half its tokens with a gold answer

    @property
    def half(self) -> int:
        """Which fixed half of a question set the question is in (a hash of its id): rules are kept only
        when they help on both."""
        return half_of(self.id)

    @property
    def abstained(self) -> bool:
        return not self.found

    @property
    def passed(self) -> bool:
        if self.no_answer:
            return not self.found
        return self.answer_in_reply and self.source_at_1

    @property
    def severity(self) -> int:
        """How badly it missed: the failed metrics, a false answer counting as all of them."""
        if self.no_answer:
            return 0 if not self.found else 4
        return sum(not ok for ok in (self.answer_at_1, self.answer_in_reply, self.hit_at_k, self.source_at_1))


def half_of(question_id: str) -> int:
    return hashlib.sha256(question_id.encode("utf-8")).digest()[0] % 2


def answer_tokens(text: str) -> list[str]:
    """SQuAD's normalisation: lower case, accents folded, punctuation and articles removed."""
    text = "".join(" " if ch in _PUNCTUATION else ch for ch in fold(text))
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 of a prediction against one gold answer."""
    predicted, expected = answer_tokens(prediction), answer_tokens(gold)
    if not predicted or not expected:
        return float(predicted == expected)
    same = sum((Counter(predicted) & Counter(expected)).values())
    if not same:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def shares_half(prediction: str, gold: str) -> bool:
    """Do at least half of the prediction's (distinct) tokens occur in the gold answer?"""
    predicted = set(answer_tokens(prediction))
    return bool(predicted) and 2 * len(predicted & set(answer_tokens(gold))) >= len(predicted)


def score_question(
    q: EvalQuestion,
    *,
    found: bool,
    quoted: str | None,
    quoted_source: str | None,
    reply: str,
    top: Sequence[str],
    latency_ms: float,
    short_answer: str | None = None,
) -> QuestionResult:
    """The metrics of one question from what the bot returned."""
    result = QuestionResult(
        id=q.id, question=q.question, answers=list(q.answers), sources=list(q.sources), no_answer=q.no_answer,
        found=found, quoted=quoted, quoted_source=quoted_source, reply=reply, top=list(top),
        latency_ms=latency_ms, short_answer=short_answer if found else None,
    )
    if not q.no_answer:
        result.answer_at_1 = found and contains_answer(quoted, q.answers)
        result.strict_at_1 = result.answer_at_1 and len((quoted or "").split()) <= STRICT_WORDS
        if result.short_answer:
            result.short_f1 = max(token_f1(result.short_answer, gold) for gold in q.answers)
            result.short_close = any(shares_half(result.short_answer, gold) for gold in q.answers)
        result.answer_in_reply = found and contains_answer(reply, q.answers)
        result.hit_at_k = any(contains_answer(t, q.answers) for t in top)
        result.source_at_1 = found and quoted_source is not None and quoted_source in q.sources
    return result


def result_from_answer(q: EvalQuestion, answer: Answer, top: Sequence[str], latency_ms: float) -> QuestionResult:
    """score_question from an Answer object."""
    quoted = answer.quotes[0].text if answer.found and answer.quotes else None
    source = answer.citations[0].article_id if answer.found and answer.citations else None
    return score_question(q, found=answer.found, quoted=quoted, quoted_source=source,
                          reply=answer.text if answer.found else "", top=top, latency_ms=latency_ms,
                          short_answer=answer.short.text if answer.short else None)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), linear between closest ranks; 0.0 for no values."""
    return float(np.percentile(values, p)) if len(values) else 0.0


@dataclass
class Summary:
    questions: int = 0
    answerable: int = 0
    unanswerable: int = 0
    answer_at_1: int = 0
    answer_in_reply: int = 0
    hit_at_5: int = 0
    source_at_1: int = 0
    abstained: int = 0  # of answerable
    false_answers: int = 0  # of no_answer
    passed: int = 0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    latency_max_ms: float = 0.0
    strict_at_1: int = 0
    short_given: int = 0  # answerable questions that got a short answer
    short_close: int = 0  # ... that shares at least half its tokens with a gold answer
    short_f1: float = 0.0  # mean token F1 over answerable questions (no short answer counts 0)
    rates: dict[str, float] = field(default_factory=dict)  # share of answerable (false answers: of no_answer)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # 95 % bootstrap intervals of rates
    halves: list[dict[str, float]] = field(default_factory=list)  # the rates on each fixed half


_PER_QUESTION = {
    "strict_at_1": lambda r: float(r.strict_at_1),
    "answer_at_1": lambda r: float(r.answer_at_1),
    "source_at_1": lambda r: float(r.source_at_1),
    "short_f1": lambda r: r.short_f1,
}


def summarize(results: Sequence[QuestionResult], *, halves: bool = True) -> Summary:
    answerable = [r for r in results if not r.no_answer]
    unanswerable = [r for r in results if r.no_answer]
    latencies = [r.latency_ms for r in results]
    s = Summary(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        answer_at_1=sum(r.answer_at_1 for r in answerable),
        answer_in_reply=sum(r.answer_in_reply for r in answerable),
        hit_at_5=sum(r.hit_at_k for r in answerable),
        source_at_1=sum(r.source_at_1 for r in answerable),
        abstained=sum(r.abstained for r in answerable),
        false_answers=sum(r.found for r in unanswerable),
        passed=sum(r.passed for r in results),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        latency_max_ms=max(latencies, default=0.0),
        strict_at_1=sum(r.strict_at_1 for r in answerable),
        short_given=sum(r.short_answer is not None for r in answerable),
        short_close=sum(r.short_close for r in answerable),
        short_f1=float(np.mean([r.short_f1 for r in answerable])) if answerable else 0.0,
    )
    n = s.answerable or 1
    s.rates = {
        "answer_at_1": s.answer_at_1 / n,
        "answer_in_reply": s.answer_in_reply / n,
        "hit_at_5": s.hit_at_5 / n,
        "source_at_1": s.source_at_1 / n,
        "abstained": s.abstained / n,
        "false_answers": s.false_answers / (s.unanswerable or 1),
        "passed": s.passed / (s.questions or 1),
        "strict_at_1": s.strict_at_1 / n,
        "short_f1": s.short_f1,
        "short_given": s.short_given / n,
        "short_precision": s.short_close / (s.short_given or 1),
    }
    if answerable:
        s.intervals = {name: bootstrap_interval([value(r) for r in answerable])
                       for name, value in _PER_QUESTION.items()}
    if halves and len(answerable) > 1:
        s.halves = [summarize([r for r in results if r.half == h], halves=False).rates for h in (0, 1)]
    return s


def bootstrap_interval(values: Sequence[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 7) -> tuple[float, float]:
    """The 95 % percentile-bootstrap interval of the mean (fixed seed: the same numbers every run)."""
    data = np.asarray(values, dtype=np.float64)
    means = np.random.default_rng(seed).choice(data, size=(samples, data.size)).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def worst(results: Sequence[QuestionResult], n: int) -> list[QuestionResult]:
    """The n worst misses: most metrics failed first, file order among equals."""
    misses = [r for r in results if r.severity > 0 or not r.passed]
    return sorted(misses, key=lambda r: -r.severity)[:n]
