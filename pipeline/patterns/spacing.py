"""Spacing patterns: machine-translation artefacts and stray spaces.

Each pattern matches only the spaces to delete, so a replacement is always "".
"""

import re

# `world 's` -> `world's` (runs after quotes are straightened). The clitic must
# end the word, so an opening quote (`the 'smart' phone`) is left alone, and
# must not be closed right away (`press the 's' key` quotes a letter).
SPACE_BEFORE_CLITIC = re.compile(r"(?<=\w) +(?='(?:s|t|re|ve|ll|d|m)\b(?!'))")

# `two -wheel` -> `two-wheel`, `all -round` -> `all-round`: a space before a
# hyphen glued to the next word. A dash with spaces on both sides (` - `), a
# negative number (`-5`) and em dashes (`——`) do not match.
SPACE_BEFORE_HYPHEN = re.compile(r"(?<=[^\W\d_]) +(?=-[^\W\d_])")

# `open , health` -> `open, health`: a space before a comma or semicolon.
SPACE_BEFORE_COMMA = re.compile(r"(?<=\w) +(?=[,;](?:\s|$))")

# Two or more spaces inside a line.
SPACE_RUN = re.compile(r"(?<=\S)  +(?=\S)")

# Spaces at the start or end of a line. The end alternative starts only at the
# first space of a run: " +$" alone retries from every space of a long run
# followed by something else than a line end (a form feed), which is quadratic.
LINE_EDGE_SPACE = re.compile(r"^ +|(?<! ) +$", re.MULTILINE)

# Line breaks other than "\n".
NON_LF_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
