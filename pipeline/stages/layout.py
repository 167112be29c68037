"""Stage layout: one paragraph per line, paragraphs separated by one blank line.

Earlier stages remove lines and leave gaps; this stage normalises them once.
In the raw format every non-blank line is a paragraph, so two adjacent lines
get a blank line between them rather than being joined.
"""

from __future__ import annotations

import re

from pipeline.config import Config
from pipeline.document import Document, Edit

NAME = "layout"

_BREAKS = re.compile(r"\n+")


def apply(doc: Document, config: Config) -> Document:
    return doc.with_edits(layout_edits(doc.text))


def layout_edits(text: str) -> list[Edit]:
    edits = []
    for m in _BREAKS.finditer(text):
        at_edge = m.start() == 0 or m.end() == len(text)
        want = "" if at_edge else "\n\n"
        if m.group() != want:
            rule = "layout.edge_breaks/v1" if at_edge else "layout.paragraph_breaks/v1"
            reason = ("line breaks at the start or end of the text removed" if at_edge
                      else "paragraphs separated by exactly one blank line")
            edits.append(Edit(NAME, rule, m.start(), m.end(), m.group(), want, reason))
    return edits
