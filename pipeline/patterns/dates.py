"""The date shapes the pipeline reads, and how each becomes an ISO string.

Only explicit shapes: a date is read when all its parts are written in the text.
Nothing is filled in from today's date (which a fuzzy parser would do), and a
numeric date whose day/month order cannot be told (03/05/2021) is recognised
as a date but read as None. Dotted D.M.Y is day-first, as it is written in
Europe; Y-M-D comes first in every separator.

Why not python-dateutil: its parser completes a partial date from its default
(a year for "5 March"), reads 03/05/2021 month-first, and in fuzzy mode finds
dates in prose; each is a guess. It is used in the tests, as an oracle on the
complete, unambiguous shapes (tests/test_dates.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# Longest names first so "September" is not read as "Sep" + "tember".
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})(?!\d)"

# Full dates (day precision), in the order they are tried.
FULL_DATES = {
    "ymd": r"(?<!\d)(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)",
    "dmy_dotted": r"(?<!\d)(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)",
    # 03/05/2021 or 03-05-2021: day-first or month-first; read only when one
    # of the two numbers is above 12 (or both are the same).
    "slashed_year_last": r"(?<!\d)(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)",
    "ymd_cjk": r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日",
    "month_day_year": rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}",
    "day_month_year": rf"(?<!\d){_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}",
}
MONTH_YEAR = rf"\b{_MONTH},?\s+{_YEAR}"
YEAR = r"(?<!\d)(?P<y>(?:1[89]|20)\d\d)(?!\d)"

# What may surround a date in a header value: a weekday before it, a time and a
# zone after it ("Apr 16, 2024 21:12 PM", "2019-01-21 00:00", "...T23:30:00Z").
WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
TIME = (r"(?:(?:\s*[,-]\s*|\s+|T)(?:at\s+)?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
        r"(?:\s*[ap]\.?m\.?)?)?")
# Zones are upper case ("GMT", "EST") so a trailing word is not read as one.
ZONE = r"(?:\s*(?:(?-i:Z|[A-Z]{2,5})|[+-]\d{2}:?\d{2}|(?:utc|gmt)[+-]\d{1,2}(?::?\d{2})?))?"

_FLAGS = re.IGNORECASE
_FULL_SEARCH = [re.compile(p, _FLAGS) for p in FULL_DATES.values()]
_FULL_VALUE = {name: re.compile(rf"(?:{WEEKDAY})?{p}{TIME}{ZONE}", _FLAGS)
               for name, p in FULL_DATES.items()}
_MONTH_YEAR = re.compile(MONTH_YEAR, _FLAGS)


def _own_groups(shape: int, pattern: str) -> str:
    """The pattern with its group names (and back references) made its own,
    so that every shape can stand in one alternation."""
    pattern = re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{m[1]}_{shape}>", pattern)
    return re.sub(r"\(\?P=(\w+)\)", lambda m: f"(?P={m[1]}_{shape})", pattern)


# Every full shape in one regex, each in a group named after its place in
# FULL_DATES. A search stops at the first position where any shape matches,
# trying the shapes there in their order: the shape with the earliest match
# (the first of those tied), which searching each shape apart finds only
# after scanning the whole text once per shape.
_ANY_FULL = re.compile("|".join(f"(?P<shape_{i}>{_own_groups(i, p)})"
                                for i, p in enumerate(FULL_DATES.values())), _FLAGS)
_DIGIT = re.compile(r"\d")  # (the \d every shape's year is written in)
_YEAR_RE = re.compile(YEAR)


@dataclass(frozen=True)
class FoundDate:
    """A date-shaped value; ``iso`` is None when it is not a real, unambiguous date."""

    iso: str | None


@lru_cache(maxsize=4096)  # (a pure function of a few ints; a corpus's dates repeat)
def _iso(year: int, month: int, day: int | None = None) -> str | None:
    try:
        date(year, month, 1 if day is None else day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}" + ("" if day is None else f"-{day:02d}")


def _read(m: re.Match) -> str | None:
    g = m.groupdict()
    year = int(g["y"])
    if g.get("mon"):
        month = MONTHS[g["mon"].lower()]
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        if a <= 12 and b <= 12 and a != b:
            return None  # 03/05/2021: day-first or month-first? Don't guess.
        day, month = (a, b) if a > 12 else (b, a)
        return _iso(year, month, day)
    else:
        month = int(g["m"])
    return _iso(year, month, int(g["d"]))


def _ambiguous(m: re.Match) -> bool:
    """03/05/2021: a real date whichever number is the day."""
    if not m.groupdict().get("a"):
        return False
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    return a != b and bool(_iso(year, a, b)) and bool(_iso(year, b, a))


def read_header_date(value: str, shapes: tuple[str, ...] = tuple(FULL_DATES)
                     ) -> FoundDate | None:
    """The date of a header value that holds a date and nothing else
    (a weekday, a time and a zone are allowed around it); ``shapes`` names
    the FULL_DATES shapes to accept."""
    value = value.strip()
    for name in shapes:
        m = _FULL_VALUE[name].fullmatch(value)
        if m:
            return FoundDate(_read(m))
    return None


def find_date(text: str) -> str | None:
    """The first date in running text, as precise as it is written:
    YYYY-MM-DD, else YYYY-MM ("In April 2018"), else YYYY."""
    if _DIGIT.search(text) is None:
        return None  # every shape holds a year: one scan instead of several (most lines)
    found = _ANY_FULL.search(text)
    if found:
        # The shape's own match at that place: the match its own search finds.
        first = _FULL_SEARCH[int(found.lastgroup.removeprefix("shape_"))].match(text, found.start())
        iso = _read(first)
        if iso is None and _ambiguous(first):
            return first["y"]  # 03/05/2021: the day is not known, the year is
        return iso
    m = _MONTH_YEAR.search(text)
    if m:
        return _iso(int(m["y"]), MONTHS[m["mon"].lower()])
    m = _YEAR_RE.search(text)
    return m["y"] if m else None
