"""What the dedup stage treats as a repeated paragraph inside one document."""

from __future__ import annotations

import re

# Only paragraphs are compared: lines of at least this many words that end a
# sentence (pipeline.patterns.punctuation.ENDS_SENTENCE) and are not a quote's
# attribution (pipeline.patterns.records.ATTRIBUTION_LINE). Short lines,
# headings and attributions recur legitimately: speaker labels ("Q:"),
# dividers, two quotes from the same speech, a refrain.
REPEATED_PARAGRAPH_MIN_WORDS = 8

# Two paragraphs are the same when their words are (case folded, NFKC; any
# punctuation, quotes and spacing ignored).
WORD = re.compile(r"\w+")
# The same words of an ASCII line, in C: NFKC changes no ASCII character and
# case folding is lowering there, so a line's words are the runs of
# [a-z0-9_] left once it is lowered and every other character is a space.
ASCII_WORD_CHARS_LOWERED = str.maketrans(
    {chr(c): chr(c).lower() if chr(c).isalnum() or chr(c) == "_" else " " for c in range(128)})

# Which copy stays: the one whose neighbours (the content lines right above
# and below) are most often prose paragraphs, as the body is; a copy next to
# a label such as "Highlights" or a caption is the teaser. A tie keeps the first.
NEIGHBOUR_PROSE_MIN_WORDS = 8
