"""The repair stage against tests/cases/repair.json.

A case names the rule it is about. A positive case (fixed != original) must be
fixed by an edit of that rule; a negative case (fixed == original) must come
out without a single edit. On every case, replaying the edit log on the
original gives the fixed text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings

from pipeline.config import Config
from pipeline.document import Document, replay
from pipeline.stages import repair
from conftest import case_params, load_cases, noisy_text

CASES = load_cases("repair")
RULE_ID = re.compile(r"^repair\.[a-z0-9_]+/v[0-9]+$")
# Every rule id the stage's source mentions: a new rule without cases fails below.
SOURCE_RULES = sorted(set(re.findall(r'"(repair\.[a-z0-9_]+/v[0-9]+)"', Path(repair.__file__).read_text(encoding="utf-8"))))


def run_repair(text: str) -> Document:
    return repair.apply(Document("case", "case.txt", "", 0, text=text), Config())


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(case: dict) -> None:
    doc = run_repair(case["original"])
    assert doc.text == case["fixed"]
    assert replay(case["original"], doc.edits) == doc.text
    if case["fixed"] == case["original"]:
        assert doc.edits == (), "a negative case must not be edited at all"
    else:
        rules = [e.rule for e in doc.edits]
        assert case["rule"] in rules
        reasons = " | ".join(e.reason for e in doc.edits if e.rule == case["rule"])
        for part in case.get("reason_contains", []):
            assert part in reasons


def test_cases_are_well_formed() -> None:
    labels = [c["label"] for c in CASES]
    assert len(labels) == len(set(labels)), "case labels must be unique (they are test ids)"
    for c in CASES:
        assert set(c) <= {"label", "rule", "original", "fixed", "expect", "reason_contains", "why"}, c["label"]
        assert c["expect"] in ("pass", "fail"), c["label"]
        assert c["rule"] in SOURCE_RULES, f"{c['label']}: unknown rule {c['rule']}"


@pytest.mark.parametrize("rule", SOURCE_RULES)
def test_every_rule_has_positive_and_negative_cases(rule: str) -> None:
    mine = [c for c in CASES if c["rule"] == rule and c["expect"] == "pass"]
    assert any(c["fixed"] != c["original"] for c in mine), f"{rule} has no positive case"
    assert any(c["fixed"] == c["original"] for c in mine), f"{rule} has no negative case"


def test_the_rules_named_in_the_brief_exist() -> None:
    assert SOURCE_RULES == sorted([
        "repair.line_breaks/v1", "repair.ftfy/v1", "repair.invisible/v1", "repair.odd_space/v1",
        "repair.straight_quotes/v1", "repair.mt_space_clitic/v1", "repair.mt_space_hyphen/v1",
        "repair.space_before_comma/v1", "repair.space_run/v1", "repair.line_edge_space/v1",
    ])


def test_edits_are_well_formed_data() -> None:
    doc = run_repair("Xiâ€™s  “world ’s”\u00a0two -wheel , done\u200b \r\n")
    assert doc.edits
    for e in doc.edits:
        assert e.stage == "repair"
        assert RULE_ID.match(e.rule)
        assert e.reason
        assert e.before != e.after
        assert e.step >= 1
    steps = [e.step for e in doc.edits]
    assert steps == sorted(steps)


def test_ftfy_reason_carries_its_explanation() -> None:
    doc = run_repair("General Secretary Xiâ€™s speech")
    (edit,) = [e for e in doc.edits if e.rule == "repair.ftfy/v1"]
    assert edit.before == "General Secretary Xiâ€™s speech"
    assert edit.after == "General Secretary Xi’s speech"
    assert edit.reason.startswith("ftfy: ") and len(edit.reason) > len("ftfy: ")


def test_ftfy_works_line_by_line() -> None:
    # One edit per damaged line, and an undamaged line between them is not touched.
    doc = run_repair("cafÃ© one\nclean line\nÂ£5 two")
    ftfy_edits = [e for e in doc.edits if e.rule == "repair.ftfy/v1"]
    assert [e.before for e in ftfy_edits] == ["cafÃ© one", "Â£5 two"]
    assert doc.text == "café one\nclean line\n£5 two"


@settings(max_examples=100, deadline=None)
@given(noisy_text)
def test_repair_replays_and_is_idempotent(text: str) -> None:
    once = run_repair(text)
    assert replay(text, once.edits) == once.text
    twice = run_repair(once.text)
    assert twice.text == once.text, [(e.rule, e.before, e.after) for e in twice.edits]
