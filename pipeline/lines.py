"""Line views of a text with their offsets, and the edits that remove lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

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
# dedup then split it once between them (one text kept, never more).
_last_split: tuple[str, tuple[Line, ...]] = ("", ())


def content_lines(text: str) -> list[Line]:
    """The non-blank lines: in the layout the pipeline uses, each is a paragraph."""
    global _last_split
    last_text, lines = _last_split  # (one read: another thread may replace it)
    if text is not last_text:
        lines = tuple(_split_content_lines(text))
        _last_split = (text, lines)
    return list(lines)


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
