"""Line views of a text with their offsets, and the edits that remove lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from pipeline import document
from pipeline.document import Edit


@dataclass(frozen=True)
class Line:
    index: int
    start: int  # offset of the first character
    end: int  # offset just past the last character, newline excluded
    text: str

    def __init__(self, index: int, start: int, end: int, text: str) -> None:
        # (fields straight into the dict, as pipeline.document's Edit does: 3x cheaper)
        d = self.__dict__
        d["index"] = index
        d["start"] = start
        d["end"] = end
        d["text"] = text

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def iter_lines(text: str) -> Iterator[Line]:
    pos = 0
    for i, chunk in enumerate(text.split("\n")):
        yield Line(i, pos, pos + len(chunk), chunk)
        pos += len(chunk) + 1


# The last text content_lines split, and its lines. Stages that change
# nothing pass the next one the same text object: clutter, boilerplate and
# dedup then split it once between them (one text kept, never more). A text
# the last with_edits step made from it (document.last_step) is not split
# either when that step only removed whole lines or changed runs of line
# breaks (header, boundaries, boilerplate, dedup, layout): its lines are the
# lines before, shifted (_after_step).
_last_split: tuple[str, tuple[Line, ...]] = ("", ())


def content_lines(text: str) -> list[Line]:
    """The non-blank lines: in the layout the pipeline uses, each is a paragraph."""
    global _last_split
    last_text, lines = _last_split  # (one read: another thread may replace it)
    if text is not last_text:
        step = document.last_step
        after = None
        if step is not None and step[2] is text and step[0] is last_text:
            after = _after_step(last_text, lines, step[1])
        lines = tuple(_split_content_lines(text)) if after is None else after
        _last_split = (text, lines)
    return list(lines)


def _after_step(text: str, lines: tuple[Line, ...], edits: tuple[Edit, ...]) -> tuple[Line, ...] | None:
    """_split_content_lines of apply_edits(text, edits), made from ``lines``,
    those of ``text``; None when an edit does more than remove whole lines
    (from a line's start to just past a line break, or to the end) or change
    a run of line breaks (into another, or into none at an end of the text).
    Such edits keep every other line as it was: each line after an edit moves
    by the characters and line breaks the edit removed."""
    n = len(text)
    for e in edits:
        start, end, before, after = e.start, e.end, e.before, e.after
        if not after and (start == 0 or text[start - 1] == "\n") and (end == n or text[end - 1] == "\n"):
            continue  # whole lines removed
        if not before or before.strip("\n") or after.strip("\n") or not (after or start == 0 or end == n):
            return None  # (an interior run of breaks removed would join two lines)
    out = []
    shift = breaks = k = 0  # characters and line breaks removed before the line; the next edit
    for line in lines:
        s = line.start
        while k < len(edits) and edits[k].end <= s:
            e = edits[k]
            shift += len(e.before) - len(e.after)
            breaks += e.before.count("\n") - e.after.count("\n")
            k += 1
        if k < len(edits) and edits[k].start < line.end:  # an edit reaching into the line
            e = edits[k]
            if e.start <= s and line.end <= e.end and not e.after:
                continue  # removed with its whole line
            return None  # (not an edit of the kinds above)
        out.append(Line(line.index - breaks, s - shift, line.end - shift, line.text) if shift or breaks else line)
    return tuple(out)


def _split_content_lines(text: str) -> list[Line]:
    # (iter_lines filtered, without building the blank lines)
    out = []
    pos = 0
    for i, chunk in enumerate(text.split("\n")):
        end = pos + len(chunk)
        if chunk.strip():
            out.append(Line(i, pos, end, chunk))
        pos = end + 1
    return out


def removal(text: str, line: Line, stage: str, rule: str, reason: str,
            score: float | None = None) -> Edit:
    """An edit removing a whole line together with its line break."""
    end = line.end + 1 if line.end < len(text) else line.end
    return Edit(stage, rule, line.start, end, text[line.start:end], "", reason, score)


def merge(edits: list[Edit]) -> list[Edit]:
    """Sort one stage's edits and drop those inside an earlier, wider edit."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, -e.end)):
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out
