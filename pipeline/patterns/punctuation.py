"""Sentence punctuation shared by the header, records and language stages.

Both ask the same question of a short line (a subtitle, a heading): does it end
like a sentence? Closing quotes and brackets after the mark are skipped.
"""

import re

_CLOSERS = r"[\"')\]]*"

# A subtitle or a heading ends with none of these (a comma or colon means the
# line goes on, so it is not a heading either).
ENDS_WITH_PUNCTUATION = re.compile(rf"[.!?;:,…。]{_CLOSERS}$")

# A real paragraph ends with one of these: a finished sentence.
ENDS_SENTENCE = re.compile(rf"[.!?…。]{_CLOSERS}$")

# The same two tests with string methods, for the stages' per-line hot paths
# (a regex search tries the class at every "." of a line; tests/test_punctuation
# checks they agree with the regexes).
CLOSERS = "\"')]"
SENTENCE_MARKS = ".!?…。"
PUNCTUATION_MARKS = ".!?;:,…。"


def _ends_with(text: str, marks: str) -> bool:
    if text[-1:] == "\n":  # ($ also matches before a final line break)
        text = text[:-1]
    text = text.rstrip(CLOSERS)
    return bool(text) and text[-1] in marks


def ends_sentence(text: str) -> bool:
    """``ENDS_SENTENCE.search(text) is not None``."""
    return _ends_with(text, SENTENCE_MARKS)


def ends_with_punctuation(text: str) -> bool:
    """``ENDS_WITH_PUNCTUATION.search(text) is not None``."""
    return _ends_with(text, PUNCTUATION_MARKS)


# A finished sentence anywhere in a line: its mark followed by a space or the
# line end (CJK full stops need no space). Headlines, tag lines, menus and link
# spam have none.
SENTENCE_BREAK = re.compile(rf"[.!?…]{_CLOSERS}(?:\s|$)|[。！？]")
# ... in a line at least this long (a lone "Yes." is not an article).
PROSE_MIN_CHARS = 20
