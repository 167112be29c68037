"""Removals to review: scored removals near their stage's threshold are
listed in the change report (pipeline.to_review)."""

from __future__ import annotations

from pipeline.config import Config
from pipeline.document import Document, Edit
from hypothesis import given, strategies as st

from pipeline import result, to_review
from pipeline.process import Outcome
from pipeline.result import Result
from pipeline.to_review import Review, markdown, thresholds


def outcome(*edits: Edit, rejected: bool = False, config: Config = Config()) -> Result:
    """A processed document with these edits, as the worker hands it over."""
    doc = Document("d1", "d1.txt", "0" * 64, 0, text="Some text.", encoding="utf-8", language="en",
                   language_confidence=1.0, edits=edits)
    if rejected:
        doc = doc.reject("empty", "nothing")
    return result.of(Outcome(doc, "", "empty" if rejected else ""), config)


def edit(stage: str, score: float | None, text: str = "Some removed line") -> Edit:
    return Edit(stage, f"{stage}.rule/v1", 0, len(text), text, "", "why", score, step=1)


def test_scored_stages_declare_their_threshold():
    t = thresholds(Config(clutter_threshold=0.5, body_threshold=0.4))
    assert t["clutter"] == 0.5 and abs(t["boundaries"] - 0.6) < 1e-9
    assert "repair" not in t  # unscored stages are never "to review"


def test_only_removals_near_the_threshold_are_listed():
    config = Config(review_margin=0.1)
    review = Review(config)
    review.add(outcome(edit("clutter", 0.55), edit("clutter", 0.95), edit("clutter", None),
                       edit("boundaries", 0.62), edit("boundaries", 0.99), edit("repair", 0.5), config=config))
    s = review.summary()
    assert s["count"] == 2
    assert [(i["stage"], i["score"]) for i in s["items"]] == [("clutter", 0.55), ("boundaries", 0.62)]
    assert s["by_rule"] == {"boundaries.rule/v1": 1, "clutter.rule/v1": 1}


def test_rejected_documents_are_not_reviewed_and_the_list_is_bounded():
    review = Review(Config(review_max_items=2))
    review.add(outcome(edit("clutter", 0.5), rejected=True))
    for _ in range(5):
        review.add(outcome(edit("clutter", 0.5)))
    s = review.summary()
    assert s["count"] == 5 and len(s["items"]) == 2


def test_markdown_section():
    review = Review(Config())
    review.add(outcome(edit("clutter", 0.52, "A | b line")))
    lines = list(markdown({"review": review.summary()}))
    assert lines[0] == "## To review"
    assert any("`clutter.rule/v1`" in l and "A \\| b line" in l for l in lines)


@given(st.text(alphabet="ab \n\t\u00a0", max_size=1200), st.integers(1, 150))
def test_an_excerpt_of_a_long_removal_is_the_whole_collapsed_then_cut(text, limit):
    """to_review.excerpt collapses only the start of a long text: the same as collapsing all of it."""
    collapsed = " ".join(text.split())
    want = collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"
    assert to_review.excerpt(text, limit) == want


class _Near:
    """What Review.add reads of a Result."""

    def __init__(self, doc_id: str, near: tuple) -> None:
        self.id, self.near_threshold = doc_id, near


near_entry = st.tuples(st.sampled_from(["clutter", "boundaries"]), st.sampled_from(["x/v1", "y/v1"]),
                       st.floats(0, 1), st.just(0.5), st.text(max_size=5))


@given(st.lists(st.tuples(st.lists(near_entry, max_size=3).map(tuple), st.booleans()), max_size=20),
       st.integers(0, 6))
def test_a_rerun_review_from_the_parents_counts_equals_reviewing_anew(documents, max_items) -> None:
    """Counts from the parent's state less the documents taken back, items
    listed again in order (add_items until full), written documents added:
    the same summary as reviewing the new documents from the start."""
    config = Config(review_max_items=max_items)
    parent, fresh, rerun = Review(config), Review(config), Review(config)
    for i, (near, copied) in enumerate(documents):
        parent.add(_Near(f"d{i}", near))
    rerun.set_counts(parent.state())
    for i, (near, copied) in enumerate(documents):
        new = near if copied else near[::-1]  # a document written again: its removals changed
        fresh.add(_Near(f"d{i}", new))
        if copied:
            if not rerun.full:
                rerun.add_items(f"d{i}", near)
        else:
            rerun.remove_counts(near)
            rerun.add(_Near(f"d{i}", new))
    assert rerun.summary() == fresh.summary()
