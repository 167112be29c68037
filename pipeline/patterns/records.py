"""How the records stage tells headings, quotes and attributions apart."""

from __future__ import annotations

import re

# "——In April 2018, Xi Jinping's speech at ...": a line opened by a double dash
# credits the paragraph above it. A single dash is too common (lists, dialogue).
ATTRIBUTION_LINE = re.compile(r"[—―]{2,}\s*(?P<text>\S.*)")

# "... governance system. —— On December 16, 2015, ...": the same credit at the
# end of a paragraph, after a finished sentence. Only taken when the credit
# holds a date, so a double dash used as punctuation does not split a paragraph.
INLINE_ATTRIBUTION = re.compile(r"(?<=[.!?。\"'])\s+[—―]{2,}\s*(?=\S)")

# A heading is short, ends without sentence punctuation (the same test as a
# subtitle: pipeline.patterns.punctuation) and is followed by a paragraph.
HEADING_MAX_WORDS = 20
HEADING_MAX_CHARS = 160
