"""Time in a question: "today", "yesterday", "this week", "last week", "this month", "in March 2015",
"in 2015", "on December 13", "since Monday", "over the weekend" (a range of days counted from today) and
"latest", "most recent", "newest", "lately" (a wish for the newest news). `find_when` finds them, turns
them into days and takes them out of the words searched: "What happened yesterday?" is "What happened?"
asked of yesterday's articles. Pure: today is given.

Weeks start on Monday. "last week" is the calendar week before this one, "the past week" the seven
days up to today. A bare month or day ("in March", "on December 13") is the latest one not after today.

A range counted in days or weeks from today ("yesterday", "since Monday", "last week") can only mean
when the news appeared (``strict``); a calendar month, year or date ("in March 2015", "on December 6",
"last year") may also be when the events happened, which articles of another day report."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from index import analyze

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "few": 3, "couple of": 2}
_PREP = r"(?:\b(?:from|in|on|during|over|of|for|at)\s+)?"

# Words that say nothing but "news" once the time is taken out: "What happened yesterday?", "Any news
# today?", "latest news" are questions about time alone, answered with the newest stories' leads.
GENERIC_TERMS = frozenset(analyze(
    "news happened happening happen new stories story headlines headline update updates going anything "
    "something events event reported report reports latest tell give show summary summarise summarize "
    "top main biggest big important world today"))

Range = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class When:
    """The time a question names: a range of days (``start``..``end``, both included) and/or a wish for
    the newest (``recent``); and the question without it (``rest``)."""

    expression: str  # as written in the question ("yesterday", "in March 2015"; several joined by ", ")
    rest: str  # the question with the expression taken out
    start: dt.date | None = None
    end: dt.date | None = None
    recent: bool = False  # "latest", "most recent", "newest", "lately": newer stories favoured
    strict: bool = True  # the range can only be when the news appeared (see the module doc)
    phrase: str = ""  # the range as the reply names it: "yesterday", "this week", "" for a calendar date

    @property
    def ranged(self) -> bool:
        return self.start is not None and self.end is not None

    def label(self) -> str:
        """The range for a reply: "yesterday (13 December 2015)", "March 2015"; "the newest news" else."""
        if self.start is None or self.end is None:
            return "the newest news"
        days = format_days(self.start, self.end)
        return f"{self.phrase} ({days})" if self.phrase else days


def format_days(start: dt.date, end: dt.date) -> str:
    """"13 December 2015", "13–14 December 2015", "30 November – 2 December 2015", "March 2015", "2015"."""
    if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        return str(start.year)
    last = calendar.monthrange(start.year, start.month)[1]
    if start.day == 1 and end == dt.date(start.year, start.month, last):
        return f"{_MONTHS[start.month - 1].title()} {start.year}"
    month = _MONTHS[end.month - 1].title()
    if start == end:
        return f"{end.day} {month} {end.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {month} {end.year}"
    first = f"{start.day} {_MONTHS[start.month - 1].title()}"
    if start.year == end.year:
        return f"{first} – {end.day} {month} {end.year}"
    return f"{first} {start.year} – {end.day} {month} {end.year}"


def format_dates(days: list[dt.date]) -> str:
    """Known publication days as one phrase: their span when they run on, else listed ("6 and 13 December
    2015", "13 November, 6 and 13 December 2015")."""
    days = sorted(set(days))
    if not days:
        return ""
    if (days[-1] - days[0]).days == len(days) - 1:
        return format_days(days[0], days[-1])
    parts: list[str] = []
    for i, day in enumerate(days):
        text = str(day.day)
        nxt = days[i + 1] if i + 1 < len(days) else None
        if nxt is None or (nxt.year, nxt.month) != (day.year, day.month):
            text += f" {_MONTHS[day.month - 1].title()}"
        if nxt is None or nxt.year != day.year:
            text += f" {day.year}"
        parts.append(text)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ------------------------------------------------------------------------------------- the rules

def _month_number(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(name.lower().rstrip(".")[:3]))


def _month_range(year: int, month: int) -> Range:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, today: dt.date) -> int:
    """The year of the latest such month not after today."""
    return today.year if month <= today.month else today.year - 1


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weekend(m: re.Match[str], today: dt.date) -> Range:
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)  # the latest Saturday not after today
    if "last" in m.group(0).lower() and today.weekday() >= 5:
        saturday -= dt.timedelta(days=7)  # "last weekend" on a Sunday: the one before
    return saturday, min(saturday + dt.timedelta(days=1), today)


def _since_weekday(m: re.Match[str], today: dt.date) -> Range:
    weekday = _WEEKDAYS.index(m.group("weekday").lower())
    back = (today.weekday() - weekday) % 7 or 7  # the latest such day before today
    return today - dt.timedelta(days=back), today


def _past(m: re.Match[str], today: dt.date) -> Range:
    raw = (m.groupdict().get("n") or "a").lower()  # "the past week" has no count
    n = int(raw) if raw.isdigit() else _COUNTS[" ".join(raw.split())]
    unit = {"day": 1, "week": 7, "month": 30, "year": 365}[m.group("unit").lower().rstrip("s")]
    return today - dt.timedelta(days=max(n * unit - 1, 0)), today


def _calendar(m: re.Match[str], today: dt.date) -> Range:
    which, unit = m.group("which").lower(), m.group("unit").lower()
    if unit == "week":
        monday = _monday(today)
        return (monday, today) if which == "this" else (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
    if unit == "month":
        if which == "this":
            return today.replace(day=1), today
        last = today.replace(day=1) - dt.timedelta(days=1)
        return _month_range(last.year, last.month)
    year = today.year if which == "this" else today.year - 1
    return dt.date(year, 1, 1), (today if which == "this" else dt.date(year, 12, 31))


def _in_month(m: re.Match[str], today: dt.date) -> Range:
    month = _month_number(m.group("month"))
    year = int(m.group("year")) if m.group("year") else _latest_month(month, today)
    return _month_range(year, month)


def _in_year(m: re.Match[str], _today: dt.date) -> Range:
    year = int(m.group("year"))
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _on_day(m: re.Match[str], today: dt.date) -> Range:
    if m.group("iso"):
        day = dt.date.fromisoformat(m.group("iso"))
        return day, day
    month = _month_number(m.group("month") or m.group("month2"))
    number = int(m.group("d1") or m.group("d2"))
    if m.group("year"):
        day = dt.date(int(m.group("year")), month, number)
    else:
        day = dt.date(today.year, month, number)
        if day > today:
            day = dt.date(today.year - 1, month, number)
    return day, day


def _days_back(n: int) -> Callable[[re.Match[str], dt.date], Range]:
    def rule(_m: re.Match[str], today: dt.date) -> Range:
        return today - dt.timedelta(days=n), today - dt.timedelta(days=n)
    return rule


def _since_yesterday(_m: re.Match[str], today: dt.date) -> Range:
    return today - dt.timedelta(days=1), today


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    days: Callable[[re.Match[str], dt.date], Range] | None  # None: a wish for the newest
    strict: bool = True
    phrase: bool = True  # the reply names the range by the words written ("yesterday (13 December 2015)")


def _rule(pattern: str, days: Callable[[re.Match[str], dt.date], Range] | None, *, strict: bool = True,
          phrase: bool = True) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), days, strict, phrase)


_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_N = r"(?P<n>\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|few|couple\s+of)"
_RULES = (
    _rule(r"\b(?:the\s+)?day\s+before\s+yesterday\b", _days_back(2)),
    _rule(r"\bsince\s+yesterday\b", _since_yesterday),
    _rule(_PREP + r"\byesterday(?:['’]s)?\b", _days_back(1)),
    _rule(_PREP + r"\b(?:today(?:['’]s)?|tonight|this\s+(?:morning|afternoon|evening))\b", _days_back(0)),
    _rule(r"\bsince\s+(?:last\s+)?" + _WEEKDAY + r"\b", _since_weekday),
    _rule(_PREP + r"\b(?:the\s+|this\s+|last\s+)?week-?end\b", _weekend),
    _rule(r"\b(?:(?:in|during|over|for|within|from)\s+)?(?:the\s+)?(?:past|last)\s+" + _N + r"\s+"
          r"(?P<unit>days?|weeks?)\b", _past),
    _rule(r"\b(?:(?:in|during|over|for|within|from)\s+)?the\s+(?:past|last)\s+(?P<unit>day|week)\b", _past),
    _rule(r"\b(?:(?:in|during|over|for|within|from)\s+)?(?:the\s+)?(?:past|last)\s+" + _N + r"\s+"
          r"(?P<unit>months?|years?)\b", _past, strict=False),
    _rule(r"\b(?:(?:in|during|over|for|within|from)\s+)?the\s+(?:past|last)\s+(?P<unit>month|year)\b", _past,
          strict=False),
    _rule(_PREP + r"\b(?P<which>this|last)\s+(?P<unit>week)\b", _calendar),
    _rule(_PREP + r"\b(?P<which>this|last)\s+(?P<unit>month|year)\b", _calendar, strict=False),
    _rule(r"\b(?:on|from|of)\s+(?:(?P<iso>\d{4}-\d{2}-\d{2})|" + _MONTH + r"\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
          r"|(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.replace("month", "month2") + r")"
          r"(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b", _on_day, strict=False, phrase=False),
    _rule(r"\b(?:in|during|from|of)\s+(?:the\s+month\s+of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b"
          r"(?!\s*\d)", _in_month, strict=False, phrase=False),
    _rule(r"\b(?:in|during)\s+(?:the\s+year\s+)?(?P<year>(?:19|20)\d{2})\b(?![-–]|\s*\w)", _in_year, strict=False,
          phrase=False),
    _rule(r"\b(?:what(?:['’]s|\s+is)\s+|(?:any|tell\s+me)\s+)?(?:the\s+)?(?:very\s+)?(?:latest|newest|news)"
          r"\s+(?:news\s+)?(?:on|about|with|from|in|regarding|concerning)\b", None),
    _rule(r"\b(?:the\s+)?(?:very\s+)?(?:latest|newest|most\s+recent(?:ly)?|lately|recently|recent)\b", None),
    _rule(r"\b(?:what(?:['’]s|\s+is)\s+new|anything\s+new)\b", None),
)
# Every rule above needs one of these (as part of a word, whatever the case): most questions have none, and
# one search says so where the rules take twenty (37 -> 20 µs a question on NewsQA dev, 2 µs for most)
_MAYBE_TIME = re.compile(r"yesterday|today|tonight|morning|afternoon|evening|" + "|".join(_WEEKDAYS)
                         + r"|week|day|month|year|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
                         r"|latest|newest|news|recent|lately|new|\d", re.IGNORECASE)


def find_when(question: str, today: dt.date | Callable[[], dt.date]) -> When | None:
    """The time the question names, as days counted from today, with the question it leaves; None when
    it names none (or names a day that does not exist). ``today``: the day, or a clock read only when the
    question may name a time (most do not)."""
    if _MAYBE_TIME.search(question) is None:
        return None
    return _find_when(question, today() if callable(today) else today)


def _find_when(question: str, today: dt.date) -> When | None:
    """find_when without its first check: every rule tried."""
    spans: list[tuple[int, int]] = []
    found: list[str] = []
    start = end = None
    recent, strict, phrase = False, True, ""
    for rule in _RULES:
        for m in rule.pattern.finditer(question):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            if rule.days is None:
                recent = True
            elif start is None:
                try:
                    start, end = rule.days(m, today)
                except ValueError:  # "on February 30"
                    return None
                strict = rule.strict
                phrase = _phrase(m.group(0)) if rule.phrase else ""
            else:
                continue  # a second range: the first one counts, the words stay
            spans.append((m.start(), m.end()))
            found.append(" ".join(m.group(0).split()))
    if not spans:
        return None
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    return When(expression=", ".join(found[i] for i in order), rest=_without(question, spans), start=start,
                end=end, recent=recent, strict=strict, phrase=phrase)


def _phrase(written: str) -> str:
    """The range's own words, for the reply: "over the weekend" → "the weekend", "Yesterday's" → "yesterday"."""
    words = [w if w.lower() in _WEEKDAYS else w.lower() for w in written.replace("’", "'").split()]
    return re.sub(r"^(?:from|in|on|during|over|of|for|at|within)\s+", "", " ".join(words).removesuffix("'s"))


def _without(question: str, spans: list[tuple[int, int]]) -> str:
    """The question with the spans cut out, spaces and punctuation tidied, its first letter kept."""
    out = question
    for a, b in sorted(spans, reverse=True):
        out = out[:a] + " " + out[b:]
    out = re.sub(r"\s+([?.!,;:])", r"\1", " ".join(out.split()))
    out = re.sub(r"([,;:])(?=[?.!,;:]|$)", "", out).strip(" ,;:")
    if out and question.lstrip()[:1].isupper():
        out = out[0].upper() + out[1:]
    return out


def only_time(rest: str) -> bool:
    """Whether a question, its time taken out, asks nothing but the news ("What happened?", "Any news?")."""
    return not set(analyze(rest)) - GENERIC_TERMS
