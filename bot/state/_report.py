"""A feedback summary as lines of plain text: `newsbot feedback` prints them, /stats sends them."""

from __future__ import annotations

from ._models import FeedbackSummary

MAX_QUESTION = 90


def _clip(text: str, limit: int = MAX_QUESTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_lines(summary: FeedbackSummary) -> list[str]:
    period = "everything kept" if summary.days is None else f"the last {summary.days:g} days"
    votes = summary.votes
    share = f" ({summary.unanswered / summary.answers:.0%})" if summary.answers else ""
    lines = [
        f"Feedback over {period}",
        f"answers given: {summary.answers}, of which \"I don't know\": {summary.unanswered}{share}",
        f"votes: {votes.total} on {summary.rated} answer(s) — 👍 {votes.up}, 👎 {votes.down}, "
        f"outdated {votes.outdated}",
        "",
        "Worst-rated questions (👍 / 👎 / outdated):",
    ]
    lines += [f"  {r.tally.up} / {r.tally.down} / {r.tally.outdated}  {_clip(r.question)}" for r in summary.worst]
    if not summary.worst:
        lines.append("  none: no answer got a 👎 or \"outdated\"")
    lines += ["", "Most frequent questions answered \"I don't know\" (what the articles lack):"]
    lines += [f"  {u.count:>3}×  {_clip(u.question)}" for u in summary.unknown]
    if not summary.unknown:
        lines.append("  none")
    return lines
