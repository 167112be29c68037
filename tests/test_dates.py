"""Date shapes (pipeline.patterns.dates), on golden cases in tests/cases/dates.json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from pipeline.patterns.dates import find_date, read_header_date

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
