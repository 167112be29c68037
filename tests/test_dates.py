"""Date shapes (pipeline.patterns.dates), on golden cases in tests/cases/dates.json."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.patterns import dates
from pipeline.patterns.dates import find_date, read_header_date
from conftest import DEV_FILES, SEED_FILES

CASES = json.loads((Path(__file__).parent / "cases" / "dates.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["read_header_date"], ids=lambda c: c["label"])
def test_read_header_date(case):
    found = read_header_date(case["value"])
    if case.get("not_a_date"):
        assert found is None
    else:
        assert found is not None and found.iso == case["expect"]


@pytest.mark.parametrize("case", CASES["find_date"], ids=lambda c: c["label"])
def test_find_date(case):
    assert find_date(case["text"]) == case["expect"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_every_real_date_reads_back_in_every_unambiguous_shape(d):
    month = d.strftime("%B")
    for value in (d.isoformat(), d.strftime("%Y.%m.%d"), d.strftime("%d.%m.%Y"),
                  f"{month} {d.day}, {d.year}", f"{d.day} {month} {d.year}",
                  f"{d.strftime('%b')} {d.day}, {d.year} 10:15 AM"):
        found = read_header_date(value)
        assert found is not None and found.iso == d.isoformat(), value


@given(st.text(max_size=200))
def test_any_text_is_safe(text):
    found = read_header_date(text)
    assert found is None or found.iso is None or len(found.iso) == 10
    assert find_date(text) is None or len(find_date(text)) in (4, 7, 10)


# --- python-dateutil as an independent oracle --------------------------------
# The pipeline reads dates with explicit shapes, not dateutil: dateutil's parser
# completes what is missing (a year or a day from its default, the month-first
# reading of 03/05/2021) and, fuzzy, finds dates in prose, and each of these is a
# guess the pipeline must not make. As an oracle on the shapes that are
# complete and unambiguous it is a second, independent reading.

dateutil_parser = pytest.importorskip("dateutil.parser")
# A default no real header date has, so a filled-in part would show.
NO_DEFAULT = datetime(1, 1, 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y",
                        "%A, %d %b %Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y"]))
def test_the_same_date_as_dateutil(d, shape):
    value = d.strftime(shape)
    ours = read_header_date(value)
    theirs = dateutil_parser.parse(value, default=NO_DEFAULT, dayfirst=shape == "%d.%m.%Y")
    assert ours is not None and ours.iso == theirs.date().isoformat(), value


@pytest.mark.parametrize("value, why", [
    ("03/05/2021", "dateutil reads it month-first"),
    ("5 March", "dateutil takes the year from its default"),
    ("March 2021", "dateutil takes the day from its default"),
])
def test_what_dateutil_would_guess_is_not_read(value, why):
    guessed = dateutil_parser.parse(value, default=NO_DEFAULT)
    assert guessed is not None, why
    found = read_header_date(value)
    assert found is None or found.iso is None, why


# Pieces of every shape, so that several shapes (and several dates) meet in one text.
_DATE_PIECES = ["2019", "2021", "٢٠١٩", "१९९९", "3", "12", "05", "31", "April", "sept", "Dec.", "of", "年", "月",
                "日", "-", "/", ".", ",", " ", "  ", "th", "1st", "On ", "\n", "a"]


def reference_find_date(text: str) -> str | None:
    """find_date as it was: every full shape searched apart, the earliest match
    kept (the first shape of those tied)."""
    full = [m for p in dates._FULL_SEARCH if (m := p.search(text))]
    if full:
        first = min(full, key=lambda m: m.start())
        iso = dates._read(first)
        if iso is None and dates._ambiguous(first):
            return first["y"]
        return iso
    m = dates._MONTH_YEAR.search(text)
    if m:
        return dates._iso(int(m["y"]), dates.MONTHS[m["mon"].lower()])
    m = dates._YEAR_RE.search(text)
    return m["y"] if m else None


@settings(max_examples=1500)
@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=14).map("".join) | st.text(max_size=30))
def test_find_date_equals_the_reference(text):
    assert find_date(text) == reference_find_date(text)


@pytest.mark.parametrize("path", SEED_FILES + DEV_FILES, ids=lambda p: p.stem)
def test_find_date_equals_the_reference_on_the_corpus(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    assert find_date(text) == reference_find_date(text)
    for line in text.splitlines():
        assert find_date(line) == reference_find_date(line), line


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10000), st.integers(-1, 14), st.one_of(st.none(), st.integers(-1, 33)))
def test_iso_remembered_is_iso_computed(year: int, month: int, day) -> None:
    # _iso keeps its answers (lru_cache): each is what computing it again gives.
    first, again = dates._iso(year, month, day), dates._iso(year, month, day)
    assert first == again == dates._iso.__wrapped__(year, month, day)
