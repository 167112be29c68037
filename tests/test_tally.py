"""The report's tallies (pipeline.report.Tally) sum per (stage, rule) and
per stage afterwards; they must equal summing every document's rules into
each stage directly, as the report defines them."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import given
from hypothesis import strategies as st

from pipeline import report
from pipeline.stages import STAGES

NAMES = [s.NAME for s in STAGES]
rule_edit = st.tuples(st.sampled_from(NAMES + ["elsewhere"]), st.sampled_from(["a/v1", "b/v1", "c/v2"]),
                      st.integers(0, 50), st.integers(-20, 500))
document = st.tuples(st.one_of(st.none(), st.sampled_from(["duplicate", "too_short"])),
                     st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 30),
                     st.lists(rule_edit, max_size=8).map(tuple))


def reference_stages(documents) -> list[dict]:
    docs, edits, removed, by_rule = Counter(), Counter(), Counter(), defaultdict(Counter)
    for reason, _, _, _, rule_edits in documents:
        if reason is not None:
            continue
        for stage in {stage for stage, *_ in rule_edits}:
            docs[stage] += 1
        for stage, rule, n, chars in rule_edits:
            edits[stage] += n
            removed[stage] += chars
            by_rule[stage][rule] += n
    return [{"stage": name, "documents_changed": docs[name], "edits": edits[name], "chars_removed": removed[name],
             "edits_by_rule": dict(sorted(by_rule[name].items()))} for name in NAMES]


@given(st.lists(document, max_size=30))
def test_stages_sum_every_documents_rules(documents) -> None:
    tally = report.Tally()
    for d in documents:
        tally.add_counts(*d)
    assert tally.stages() == reference_stages(documents)
    kept = [d for d in documents if d[0] is None]
    assert tally.summary() == {
        "documents_in": len(documents), "kept": len(kept), "rejected": len(documents) - len(kept),
        "rejected_by_reason": dict(sorted(Counter(d[0] for d in documents if d[0] is not None).items())),
        "chars_in": sum(d[1] for d in kept), "chars_out": sum(d[2] for d in kept), "records": sum(d[3] for d in kept)}


# a document's count of a rule is at least 1 (pipeline.result counts its edits)
counted_edit = st.tuples(st.sampled_from(NAMES), st.sampled_from(["a/v1", "b/v1", "c/v2"]),
                         st.integers(1, 50), st.integers(0, 500))
counted_document = st.tuples(st.one_of(st.none(), st.sampled_from(["duplicate", "too_short"])),
                             st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 30),
                             st.lists(counted_edit, max_size=6).map(tuple))


@given(st.lists(st.tuples(counted_document, st.booleans()), max_size=30))
def test_taking_documents_back_from_the_totals_equals_counting_the_others(documents) -> None:
    """A re-run starts from the parent's totals (state) and takes back the
    documents it does not copy: the same counts as adding up those it keeps."""
    everything, kept = report.Tally(), report.Tally()
    for d, stays in documents:
        everything.add_counts(*d)
        if stays:
            kept.add_counts(*d)
    tally = report.Tally.from_state(everything.state())
    assert tally.state() == everything.state()
    for d, stays in documents:
        if not stays:
            tally.remove_counts(*d)
    assert tally.state() == kept.state()
    assert tally.summary() == kept.summary() and tally.stages() == kept.stages()


def test_taking_back_a_document_leaves_the_others_rules() -> None:
    tally = report.Tally()
    tally.add_counts(None, 10, 8, 1, (("repair", "a/v1", 2, 2),))
    tally.add_counts(None, 10, 9, 1, (("repair", "a/v1", 1, 1), ("clutter", "b/v1", 1, 5)))
    tally.remove_counts(None, 10, 9, 1, (("repair", "a/v1", 1, 1), ("clutter", "b/v1", 1, 5)))
    assert tally.rules == {("repair", "a/v1"): [2, 2]}
    assert [s["edits_by_rule"] for s in tally.stages() if s["stage"] in ("repair", "clutter")] == [{"a/v1": 2}, {}]
