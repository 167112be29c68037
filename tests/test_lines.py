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
