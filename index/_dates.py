"""Articles' publication days as numbers, for restricting and ordering by date.

A published string is read as the calendar day it names, as written (``2015-12-13T23:30:00-05:00`` is
13 December): ISO 8601, RFC 2822 (feeds: ``Sun, 13 Dec 2015 20:00:00 GMT``), ``December 13, 2015``,
``13 December 2015`` and Reuters' ``13-DEC-1987 15:01:01.79``. A date that is only the file's
modification time (``date_source == "file"``) is a guess, not a publication date: such an article is
undated here, as is one whose date cannot be read."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence

import numpy as np

from .store import ArticleRecord

UNDATED = int(np.iinfo(np.int32).min)  # the day of an article without a known date: older than any
EPOCH = dt.date(1970, 1, 1)

_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(r"^\s*(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s,-]+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"^\s*(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def day_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


@functools.lru_cache(maxsize=65536)
def parse_day(published: str | None) -> dt.date | None:
    """The calendar day a published string names, None when it names none this module reads."""
    if not published:
        return None
    try:
        if m := _ISO.match(published):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DAY_MONTH_YEAR.match(published):
            month = _MONTHS.get(m.group(2)[:3].lower())
            return dt.date(int(m.group(3)), month, int(m.group(1))) if month else None
        if m := _MONTH_DAY_YEAR.match(published):
            month = _MONTHS.get(m.group(1)[:3].lower())
            return dt.date(int(m.group(3)), month, int(m.group(2))) if month else None
    except ValueError:  # 31 February
        return None
    return None


def known_day(record: ArticleRecord) -> dt.date | None:
    """The article's publication day, unless it has none or only its file's time."""
    return parse_day(record.known_date)


def article_days(articles: Sequence[ArticleRecord]) -> np.ndarray:
    """Each article's publication day (days since 1970-01-01; UNDATED when unknown), int32. A snapshot's
    article list gives its columns (no record is made); any other sequence its records."""
    column = getattr(articles, "column", None)
    if column is not None:
        published, sources = column("published"), column("date_source")
    else:
        published, sources = [a.published for a in articles], [a.date_source for a in articles]
    out = np.full(len(published), UNDATED, dtype=np.int32)
    for i, (text, source) in enumerate(zip(published, sources, strict=True)):
        day = parse_day(text) if source != "file" else None
        if day is not None:
            out[i] = day_number(day)
    return out
