"""The records stage, on golden cases (tests/cases/records.json) and invariants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.config import Config
from pipeline.document import Document
from pipeline.stages import records
from conftest import DEV_FILES, SEED_FILES

CASES = json.loads((Path(__file__).parent / "cases" / "records.json").read_text(encoding="utf-8"))


def make(text: str) -> Document:
    return Document(id="t", source_file="t.txt", source_sha256="0", source_size=0, text=text)


def check_offsets(doc: Document) -> None:
    assert [r.seq for r in doc.records] == list(range(len(doc.records)))
    for r in doc.records:
        assert doc.text[r.start:r.end] == r.text
        if r.attribution is not None:
            assert doc.text[r.attribution_start:r.attribution_end] == r.attribution


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['rule']}: {c['label']}")
def test_case(case):
    doc = make(case["text"])
    out = records.apply(doc, Config())
    assert out.text == doc.text and out.edits == doc.edits  # records never edit
    got = [{k: getattr(r, k) for k in want} for r, want in zip(out.records, case["expect"])]
    assert got == case["expect"]
    assert len(out.records) == len(case["expect"])
    check_offsets(out)


def test_every_kind_has_a_positive_and_a_negative_case():
    for rule in {c["rule"] for c in CASES} - {"paragraph"}:
        kinds = {c["label"].startswith("negative") for c in CASES if c["rule"] == rule}
        assert kinds == {True, False}, rule


def test_offsets_survive_leading_spaces_and_blank_lines():
    out = records.apply(make("\n\n  First paragraph here.\n\n\n——In 2015, a credit  \n"), Config())
    check_offsets(out)
    assert [r.kind for r in out.records] == ["quote"]


LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=60)


@given(st.lists(st.one_of(LINE, st.builds(lambda s: "——" + s, LINE),
                          st.builds(lambda s: s + ". —— In 2015, " + s, LINE)), max_size=8))
def test_offsets_hold_on_any_text(paragraphs):
    out = records.apply(make("\n\n".join(paragraphs)), Config())
    check_offsets(out)
    assert all(r.text.strip() for r in out.records)


def reference_is_heading(text: str) -> bool:
    """is_heading as written before its cheap tests went first."""
    from pipeline.patterns import records as P
    from pipeline.patterns.punctuation import ENDS_WITH_PUNCTUATION
    return (len(text.split()) <= P.HEADING_MAX_WORDS and len(text) <= P.HEADING_MAX_CHARS
            and not ENDS_WITH_PUNCTUATION.search(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["Word", "a", "end.", "why?", "so:", "\"quoted.\"", ")", " ", "\n", "…"]),
                max_size=25).map(" ".join) | st.text(max_size=200))
def test_is_heading_equals_the_reference(text: str) -> None:
    assert records.is_heading(text) == reference_is_heading(text)


@pytest.mark.parametrize("path", DEV_FILES or SEED_FILES, ids=lambda p: p.stem[:12])
def test_is_heading_equals_the_reference_on_dev_texts(path) -> None:
    for line in path.read_text(encoding="utf-8").split("\n"):
        assert records.is_heading(line.strip()) == reference_is_heading(line.strip())


def reference_inline_attribution(text: str, start: int):
    """_inline_attribution without its quick rejection: the pattern alone decides."""
    last = None
    for last in records.P.INLINE_ATTRIBUTION.finditer(text):
        pass
    if last is None:
        return None
    credit = text[last.end():]
    date = records.find_date(credit)
    return None if date is None else (text[: last.start()], start, credit, start + last.end(), date)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["—", "―", "——", ". ", "\" ", " ", "On December 16, 2015", "said", "x", "\n", "?"]),
                max_size=12).map("".join))
def test_inline_attribution_is_the_patterns_reading(text: str) -> None:
    assert records._inline_attribution(text, 3) == reference_inline_attribution(text, 3)


def test_inline_attribution_is_the_patterns_reading_on_the_corpus() -> None:
    for path in DEV_FILES or SEED_FILES:
        for line in path.read_text(encoding="utf-8").split("\n"):
            assert records._inline_attribution(line, 0) == reference_inline_attribution(line, 0)
