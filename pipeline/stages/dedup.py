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

from pipeline import ascii_words
from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import Line, content_lines, removal
from pipeline.patterns import dedup as P
from pipeline.patterns.punctuation import ends_sentence
from pipeline.patterns.records import ATTRIBUTION_LINE

NAME = "dedup"
RULE = "dedup.repeated_paragraph/v1"
# P.ASCII_WORD_CHARS_LOWERED as bytes.translate arguments that run the words together
_LOWERED = bytes(ord(P.ASCII_WORD_CHARS_LOWERED[c]) if c < 128 else c for c in range(256))
_NOT_WORD = bytes(c for c in range(128) if P.ASCII_WORD_CHARS_LOWERED[c] == " ")


def paragraph_key(text: str) -> str | None:
    """What makes two paragraphs the same, or None for a line that is not
    compared (too short, not a finished sentence, an attribution)."""
    text = text.strip()
    if not ends_sentence(text) or ATTRIBUTION_LINE.match(text):
        return None
    return _key(text)


def _key(text: str) -> str | None:
    """paragraph_key of a stripped line that ends a sentence and is no attribution."""
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


def letters(text: str) -> bytes | None:
    """The words of ``paragraph_key`` run together (UTF-8), for a line it
    would compare, else None: equal keys give equal letters, and for a line
    that is ASCII but for separators (most lines: pipeline.ascii_words) they
    are one bytes.translate, five times cheaper than the key. Lines that share
    their letters with no other line need no key."""
    text = text.strip()
    if not ends_sentence(text) or ATTRIBUTION_LINE.match(text):
        return None
    encoded = ascii_words.encoded(text)  # most lines: ASCII but for quotes and dashes
    if encoded is not None:
        return encoded.translate(_LOWERED, _NOT_WORD)
    key = _key(text)
    return None if key is None else key.replace(" ", "").encode("utf-8", "surrogatepass")


def repeated(lines: list[Line]) -> list[tuple[Line, Line]]:
    """(removed copy, kept copy) for every repeated paragraph, in text order."""
    alike: dict[bytes, list[int]] = {}  # lines by letters: only lines with the same may have the same key
    for i, line in enumerate(lines):
        same = letters(line.text)
        if same is not None:
            alike.setdefault(same, []).append(i)
    groups: dict[str, list[int]] = {}
    for candidates in alike.values():
        if len(candidates) > 1:
            for i in candidates:
                key = paragraph_key(lines[i].text)
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
