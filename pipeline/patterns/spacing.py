"""Spacing patterns: machine-translation artefacts and stray spaces.

Each pattern matches only the spaces to delete, so a replacement is always "".
A match is always a whole run of spaces (each pattern looks behind the run for
a non-space, or a line start), and only a run next to the character the
pattern looks for: its ``*_NEEDLES`` (a space with that neighbour; ``\n`` in a
needle stands for a line break or an end of the text). The repair stage tries
a pattern only at the runs holding a needle, instead of at every space.
"""

import re

# `world 's` -> `world's` (runs after quotes are straightened). The clitic must
# end the word, so an opening quote (`the 'smart' phone`) is left alone, and
# must not be closed right away (`press the 's' key` quotes a letter).
SPACE_BEFORE_CLITIC = re.compile(r"(?<=\w) +(?='(?:s|t|re|ve|ll|d|m)\b(?!'))")
CLITIC_NEEDLES = (" '",)

# `two -wheel` -> `two-wheel`, `all -round` -> `all-round`: a space before a
# hyphen glued to the next word. A dash with spaces on both sides (` - `), a
# negative number (`-5`) and em dashes (`——`) do not match.
SPACE_BEFORE_HYPHEN = re.compile(r"(?<=[^\W\d_]) +(?=-[^\W\d_])")
HYPHEN_NEEDLES = (" -",)

# `open , health` -> `open, health`: a space before a comma or semicolon.
SPACE_BEFORE_COMMA = re.compile(r"(?<=\w) +(?=[,;](?:\s|$))")
COMMA_NEEDLES = (" ,", " ;")

# Two or more spaces inside a line.
SPACE_RUN = re.compile(r"(?<=\S)  +(?=\S)")
SPACE_RUN_NEEDLES = ("  ",)

# Spaces at the start or end of a line. The end alternative starts only at the
# first space of a run: " +$" alone retries from every space of a long run
# followed by something else than a line end (a form feed), which is quadratic.
LINE_EDGE_SPACE = re.compile(r"^ +|(?<! ) +$", re.MULTILINE)
LINE_EDGE_NEEDLES = ("\n ", " \n")

# Line breaks other than "\n".
NON_LF_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
NON_LF_BREAK_CHARS = "\r\u2028\u2029"  # a text without them has nothing to normalise

ALL_NEEDLES = CLITIC_NEEDLES + HYPHEN_NEEDLES + COMMA_NEEDLES + SPACE_RUN_NEEDLES + LINE_EDGE_NEEDLES

# All the needles at once, for the runs of spaces any pattern may match: a
# space before the other character of a needle " X" (a literal space first:
# one scan jumping from space to space, half the cost of the five scans of a
# finder per needle, tests/space_runs_reference.py), and a line break before
# a space ("\n ", the one needle that does not start with a space). The
# text's edges are looked at apart.
SPACE_NEEDLE_FINDER = re.compile(" [" + re.escape("".join(sorted({n[1] for n in ALL_NEEDLES if n[0] == " "}))) + "]")
LINE_START_FINDER = re.compile("\n(?= )")
SPACES = re.compile(" +")
