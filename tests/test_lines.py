"""pipeline.lines: content_lines is iter_lines without the blank lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.lines import content_lines, iter_lines
from conftest import DEV_FILES, SEED_FILES


def reference_content_lines(text: str):
    return [line for line in iter_lines(text) if not line.blank]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\u00a0\u3000\x0b\x1c")), max_size=30) | st.text(max_size=60))
def test_content_lines_equals_the_filtered_iter_lines(text):
    assert content_lines(text) == reference_content_lines(text)


def test_content_lines_equals_the_filtered_iter_lines_on_the_corpus():
    for path in DEV_FILES or SEED_FILES:
        text = path.read_text(encoding="utf-8")
        assert content_lines(text) == reference_content_lines(text)


def test_offsets_index_the_text():
    text = "a\n\n  \nbc\n"
    assert [(l.index, l.start, l.end, l.text) for l in content_lines(text)] == [(0, 0, 1, "a"), (3, 6, 8, "bc")]


def test_content_lines_of_the_same_text_again_are_the_same_and_a_fresh_list():
    text = "a\n\nb c\n"
    first = content_lines(text)
    first.append("something a caller added")
    assert content_lines(text) == reference_content_lines(text)
    assert content_lines("x" + text[1:]) == reference_content_lines("x" + text[1:])
    assert content_lines(text) == reference_content_lines(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\u00a0\u3000\x0b\x1c\x85")), max_size=30) | st.text(max_size=60))
def test_the_texts_of_content_lines_are_the_counted_lines(text):
    # pipeline.handover gives corpus_stats.remember these texts in place of counted_lines
    from pipeline import corpus_stats
    assert [line.text for line in content_lines(text)] == corpus_stats.counted_lines(text)


# --- the lines of a text a with_edits step made, from the lines before -------

def _stepped_lines(text: str, spans: list[tuple[int, int, str]]):
    """content_lines of the text the edits at ``spans`` (start, end, after)
    make, asked after those of ``text``, and the new text."""
    from pipeline.document import Document, Edit
    doc = Document("d", "d.txt", "0" * 64, 0, text=text)
    edits = [Edit("test", "test.edit/v1", s, e, text[s:e], after, "r") for s, e, after in spans]
    content_lines(text)
    new = doc.with_edits(edits).text
    return content_lines(new), new


@st.composite
def texts_and_spans(draw):
    text = draw(st.text(alphabet=st.sampled_from(list("ab \n\t\u00a0")), max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    spans = []
    for s, e in zip(cuts[::2], cuts[1::2]):
        if spans and s < spans[-1][1]:
            continue
        spans.append((s, e, draw(st.sampled_from(["", "", "\n", "\n\n", "x", " "]))))
    return text, spans


@settings(max_examples=2000, deadline=None)
@given(texts_and_spans())
def test_the_lines_after_a_step_are_those_of_the_new_text(case):
    text, spans = case
    lines, new = _stepped_lines(text, spans)
    assert lines == reference_content_lines(new)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b c", "", " ", "\t"]), max_size=12), st.data())
def test_the_lines_after_removing_whole_lines_are_those_of_the_new_text(chunks, data):
    text = "\n".join(chunks)
    starts = [0]
    for c in chunks:
        starts.append(starts[-1] + len(c) + 1)
    removed = sorted(set(data.draw(st.lists(st.integers(0, max(len(chunks) - 1, 0)), max_size=4)))) if chunks else []
    spans = [(starts[i], min(starts[i + 1], len(text)), "") for i in removed]
    lines, new = _stepped_lines(text, spans)
    assert lines == reference_content_lines(new)


def test_lines_are_made_from_the_lines_before_when_a_step_removes_whole_lines():
    from pipeline.lines import removal
    from pipeline.document import Document
    text = "Title\n\nFirst paragraph.\n\nNav | Home\n\nSecond paragraph.\n"
    lines = content_lines(text)
    doc = Document("d", "d.txt", "0" * 64, 0, text=text).with_edits([removal(text, lines[2], "t", "t.r/v1", "r")])
    after = content_lines(doc.text)
    assert after == reference_content_lines(doc.text)
    assert after[0] is lines[0] and after[1] is lines[1]  # the lines before the edit, not split again
