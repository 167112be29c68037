"""The repair stage's search for runs of spaces as it was before one scan
served every space pass: each pass found its own needles' runs (``space_runs``,
one to three scans). Kept as the reference tests/test_repair_fast.py compares
``repair.needle_runs`` (two scans for all the passes) with. Not used by the
pipeline.
"""

from __future__ import annotations

import re

from pipeline.patterns import spacing
from pipeline.stages.repair import PASSES, SpaceRunPass, _run_start


def needle_finder(needle: str) -> re.Pattern:
    """A regex finding a needle by its rarer character. " X": each X after a
    space (the search jumps from X to X, not from space to space). "C ": the
    whole run of spaces after C, as group 1. "  ": the run itself, written
    with two literal spaces first ("  +" has a one-space prefix): the search
    then looks for the pair, not for every space, twice as fast."""
    if needle[0] == " " and needle[1] != " ":
        return re.compile(f"{re.escape(needle[1])}(?<={re.escape(needle)})")
    return re.compile(f"{re.escape(needle[0])}( +)" if needle[0] != " " else "(   *)")


NEEDLE_FINDERS = {n: needle_finder(n) for n in spacing.ALL_NEEDLES}

# Both line edge needles at once: each line break with a space after or before it.
LINE_EDGE_FINDER = re.compile(r"\n(?:(?= )|(?<= \n))")


def every_pass_runs(text: str) -> list[int]:
    """What ``repair.needle_runs`` finds: the union of every space pass's own runs."""
    found: set[int] = set()
    for needles in {p.run.needles for p in PASSES if p.spaces}:
        found.update(space_runs(text, needles))
    return sorted(found)


def starts(space_pass: SpaceRunPass, text: str) -> list[int]:
    """The runs of spaces a space pass acts on: those of its own needles."""
    return space_runs(text, space_pass.needles)


def space_runs(text: str, needles: tuple[str, ...]) -> list[int]:
    """Sorted start offsets of the runs of spaces that hold a needle ("\n" in a
    needle also stands for the start or the end of the text)."""
    if needles == spacing.LINE_EDGE_NEEDLES:
        return line_edge_runs(text)
    found: set[int] = set()
    for needle in needles:
        pos = 0  # text[pos - 1] is no space: a run before needle[1] starts at or after pos
        for m in NEEDLE_FINDERS[needle].finditer(text):
            if m.re.groups:  # the match holds the run
                found.add(m.start(1))
            else:  # the match is the character after the run
                found.add(_run_start(text, pos, m.start()))
            pos = m.end()
        # (no copy of the text with a line break at either end: its edges here)
        if needle[0] == "\n" and text[:1] == " ":  # a run at the start of the text
            found.add(0)
        elif needle[-1] == "\n" and text[-1:] == " ":  # a run at its end
            found.add(_run_start(text, pos, len(text)))
    return sorted(found)


def line_edge_runs(text: str) -> list[int]:
    """``space_runs(text, spacing.LINE_EDGE_NEEDLES)``, both needles found in
    one scan (LINE_EDGE_FINDER), and in order: no set, no sort (a run that
    both starts and ends a line comes twice, one after the other)."""
    found = [0] if text[:1] == " " else []
    pos = 0  # text[pos - 1] is no space (a line break)
    for m in LINE_EDGE_FINDER.finditer(text):
        at = m.start()
        if at and text[at - 1] == " ":  # a run ends the line
            start = _run_start(text, pos, at)
            if not found or found[-1] != start:
                found.append(start)
        if text[at + 1 : at + 2] == " ":  # a run starts the next
            found.append(at + 1)
        pos = at + 1
    if text[-1:] == " ":  # a run ends the text
        start = _run_start(text, pos, len(text))
        if not found or found[-1] != start:
            found.append(start)
    return found
