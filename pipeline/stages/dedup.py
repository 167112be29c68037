"""Stage dedup: a paragraph repeated inside one document is kept once.

Pages saved as text often hold a paragraph twice (a highlights box or teaser
that repeats a body paragraph, a pull quote, a block pasted twice). One copy
stays, the copy that sits among the body's prose (``keeper``); every other is
removed with an edit naming the line it repeats. Documents that duplicate
other documents are found across the corpus by ``pipeline.dedup``, not here:
a stage sees one document.
"""

from __future__ import annotations

import unicodedata

from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import Line, content_lines, removal
from pipeline.patterns import dedup as P
from pipeline.patterns.punctuation import ends_sentence
from pipeline.patterns.records import ATTRIBUTION_LINE

NAME = "dedup"
RULE = "dedup.repeated_paragraph/v1"


def paragraph_key(text: str) -> str | None:
    """What makes two paragraphs the same, or None for a line that is not
    compared (too short, not a finished sentence, an attribution)."""
    text = text.strip()
    if not ends_sentence(text) or ATTRIBUTION_LINE.match(text):
        return None
    if text.isascii():  # most lines: the same words as below (P.ASCII_WORD_CHARS_LOWERED), far cheaper
        words = text.translate(P.ASCII_WORD_CHARS_LOWERED).split()
    else:
        words = P.WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(words) if len(words) >= P.REPEATED_PARAGRAPH_MIN_WORDS else None


def is_prose(line: Line | None) -> bool:
    if line is None:
        return False
    text = line.text.strip()
    return len(text.split()) >= P.NEIGHBOUR_PROSE_MIN_WORDS and ends_sentence(text)


def keeper(copies: list[int], lines: list[Line]) -> int:
    """The position (in lines) of the copy to keep: most prose neighbours, then first."""
    def prose_neighbours(i: int) -> int:
        above = lines[i - 1] if i > 0 else None
        below = lines[i + 1] if i + 1 < len(lines) else None
        return is_prose(above) + is_prose(below)
    return max(copies, key=lambda i: (prose_neighbours(i), -i))


def repeated(lines: list[Line]) -> list[tuple[Line, Line]]:
    """(removed copy, kept copy) for every repeated paragraph, in text order."""
    groups: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        key = paragraph_key(line.text)
        if key is not None:
            groups.setdefault(key, []).append(i)
    out = []
    for copies in groups.values():
        if len(copies) > 1:
            kept = keeper(copies, lines)
            out += [(lines[i], lines[kept]) for i in copies if i != kept]
    return sorted(out, key=lambda pair: pair[0].start)


def apply(doc: Document, config: Config) -> Document:
    edits = [
        removal(doc.text, line, NAME, RULE, f"repeats the paragraph kept {'below' if kept.start > line.start else 'above'}")
        for line, kept in repeated(content_lines(doc.text))
    ]
    return doc.with_edits(edits) if edits else doc
