"""The string-method sentence tests equal the regexes they stand for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.patterns import punctuation as P
from conftest import DEV_FILES, SEED_FILES

ENDINGS = list(".!?;:,…。\"')] \n\tab")


def agree(text: str) -> None:
    assert P.ends_sentence(text) == (P.ENDS_SENTENCE.search(text) is not None)
    assert P.ends_with_punctuation(text) == (P.ENDS_WITH_PUNCTUATION.search(text) is not None)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(ENDINGS), max_size=8) | st.text(max_size=20))
def test_the_string_tests_equal_the_regexes(text):
    agree(text)


def test_the_string_tests_equal_the_regexes_on_every_line_of_the_corpus():
    for path in DEV_FILES or SEED_FILES:
        for line in path.read_text(encoding="utf-8").split("\n"):
            agree(line)
            agree(line.strip())
            agree(line + "\n")


def test_examples():
    assert P.ends_sentence('He said "no."') and P.ends_sentence("Done.\n")
    assert not P.ends_sentence("A heading") and not P.ends_sentence("") and not P.ends_sentence('")')
    assert P.ends_with_punctuation("Note:") and not P.ends_sentence("Note:")
