"""The layout stage: one paragraph per line, one blank line between paragraphs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.config import Config
from pipeline.document import Document, apply_edits, replay
from pipeline.stages import layout

CASES = [
    ("already laid out", "One.\n\nTwo.\n\nThree.", "One.\n\nTwo.\n\nThree.", set()),
    ("adjacent lines become paragraphs", "One.\nTwo.", "One.\n\nTwo.", {"layout.paragraph_breaks/v1"}),
    ("gap left by a removed line", "One.\n\n\n\nTwo.", "One.\n\nTwo.", {"layout.paragraph_breaks/v1"}),
    ("breaks at the start", "\n\nOne.\n\nTwo.", "One.\n\nTwo.", {"layout.edge_breaks/v1"}),
    ("breaks at the end", "One.\n\nTwo.\n", "One.\n\nTwo.", {"layout.edge_breaks/v1"}),
    ("both", "\nOne.\nTwo.\n\n\n", "One.\n\nTwo.", {"layout.edge_breaks/v1", "layout.paragraph_breaks/v1"}),
    ("single paragraph", "Only one.", "Only one.", set()),
    ("spaces are not line breaks", "One. Two.", "One. Two.", set()),
]


@pytest.mark.parametrize(("text", "want", "rules"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_layout(text: str, want: str, rules: set[str]) -> None:
    doc = layout.apply(Document("t", "t.txt", "", 0, text=text), Config())
    assert doc.text == want
    assert {e.rule for e in doc.edits} == rules
    assert replay(text, doc.edits) == want
    for e in doc.edits:
        assert e.stage == "layout" and e.reason


def test_edits_only_touch_line_breaks() -> None:
    text = "\n a\nb \n\n\nc\n"
    for e in layout.layout_edits(text):
        assert set(e.before) == {"\n"}
        assert set(e.after) <= {"\n"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab .\n"), max_size=12), max_size=10).map("\n".join))
def test_layout_properties(text: str) -> None:
    out = apply_edits(text, layout.layout_edits(text))
    assert not out.startswith("\n") and not out.endswith("\n")
    assert "\n\n\n" not in out
    # every single break between two lines became a paragraph break
    assert all(part for part in out.split("\n\n")) or out == ""
    assert "\n" not in out.replace("\n\n", "")
    assert out.replace("\n", "") == text.replace("\n", ""), "only line breaks change"
    assert layout.layout_edits(out) == [], "layout is idempotent"


def reference_layout_edits(text: str) -> list:
    """layout_edits as first written: every run of line breaks visited."""
    from pipeline.document import Edit
    edits = []
    for m in layout._BREAKS.finditer(text):
        at_edge = m.start() == 0 or m.end() == len(text)
        want = "" if at_edge else "\n\n"
        if m.group() != want:
            rule = "layout.edge_breaks/v1" if at_edge else "layout.paragraph_breaks/v1"
            reason = ("line breaks at the start or end of the text removed" if at_edge
                      else "paragraphs separated by exactly one blank line")
            edits.append(Edit(layout.NAME, rule, m.start(), m.end(), m.group(), want, reason))
    return edits


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="a\n \r", max_size=30))
def test_layout_edits_equal_the_reference(text: str) -> None:
    assert layout.layout_edits(text) == reference_layout_edits(text)


def test_layout_edits_equal_the_reference_on_dev_texts() -> None:
    from conftest import DEV_FILES, SEED_FILES
    for path in DEV_FILES or SEED_FILES:
        text = path.read_text(encoding="utf-8")
        for variant in (text, text.strip("\n"), "\n\n" + text.replace("\n\n", "\n"), text + "\n\n\n"):
            assert layout.layout_edits(variant) == reference_layout_edits(variant)
