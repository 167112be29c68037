"""Stage boilerplate: remove whole lines that frame an article rather than say
anything: photo captions with credits, end markers, ``Source:`` lines, research
funding notes, staff credits and author bios.

Each rule judges one line on its own, except the trailing bio ("NAME is a
professor at ..."), which is only boilerplate at the very end of the text:
the same sentence in the middle of an article is body.
"""

from __future__ import annotations

from typing import Callable

from pipeline.config import Config
from pipeline.document import Document, Edit
from pipeline.lines import Line, content_lines, merge, removal
from pipeline.patterns import boilerplate as P

NAME = "boilerplate"


def is_caption_credit(text: str) -> bool:
    """A (short) caption line closed by a photo credit."""
    text = text.strip()
    if len(text) > P.CAPTION_MAX_CHARS:
        return False
    if text.isascii():  # (most lines: no credit word, no search)
        lowered = text.lower()
        if not any(word in lowered for word in P.CAPTION_CREDIT_WORDS):
            return False
    return any(p.search(text) for p in P.CAPTION_CREDITS)


def is_end_marker(text: str) -> bool:
    return len(text) <= P.END_MARKER_MAX_CHARS and P.END_MARKER.match(text) is not None


def is_source_line(text: str) -> bool:
    # (the anchored pattern first: splitting every paragraph into words costs more)
    return P.SOURCE_LINE.match(text) is not None and len(text.split()) <= P.SOURCE_MAX_WORDS


def is_funding_note(text: str) -> bool:
    if P.FUNDING_LABEL.match(text) or P.FUNDING_PLAIN.match(text):
        return True
    return P.FUNDING_BRACKETED.match(text) is not None and P.FUNDING_BRACKET_CLOSE.search(text) is not None


def is_credit_line(text: str) -> bool:
    return len(text) <= P.CREDIT_MAX_CHARS and any(p.match(text) for p in P.CREDIT_LINES)


def is_author_bio(text: str) -> bool:
    return P.AUTHOR_LABEL.match(text) is not None or P.ABOUT_AUTHOR.match(text) is not None


def is_trailing_bio(text: str) -> bool:
    """'NAME is a professor at ...': a bio only when it ends the text."""
    return len(text) <= P.BIO_MAX_CHARS and P.TRAILING_BIO.match(text) is not None


# (rule id, test, reason), tried in order; the first match decides.
RULES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("boilerplate.end_marker/v1", is_end_marker, "end-of-article marker"),
    ("boilerplate.caption_credit/v1", is_caption_credit, "photo caption with a credit"),
    ("boilerplate.source_line/v1", is_source_line, "source line"),
    ("boilerplate.funding_note/v1", is_funding_note, "research funding note"),
    ("boilerplate.credit_line/v1", is_credit_line, "staff credit line"),
    ("boilerplate.author_bio/v1", is_author_bio, "author bio"),
)
TRAILING_BIO_RULE = "boilerplate.author_bio/v1"


# classify's answers for the lines it saw last: boundaries, clutter and this
# stage ask about the same lines of a document, one after the other. Bounded
# by the characters held (cleared when full), not by the corpus.
_classified: dict[str, tuple[str, str] | None] = {}
_CLASSIFIED_MAX_CHARS = 1_000_000
_classified_chars = 0
_UNSEEN = object()


def classify(text: str) -> tuple[str, str] | None:
    """The (rule id, reason) of the first rule matching the line, if any."""
    global _classified_chars
    found = _classified.get(text, _UNSEEN)  # (not try/except: most lines are new to boundaries, which asks first)
    if found is not _UNSEEN:
        return found
    found = classify_uncached(text)
    if _classified_chars + len(text) > _CLASSIFIED_MAX_CHARS:
        _classified.clear()
        _classified_chars = 0
    _classified[text] = found
    _classified_chars += len(text)
    return found


def classify_uncached(text: str) -> tuple[str, str] | None:
    if len(text) > P.BOUNDED_MAX_CHARS and P.UNBOUNDED_START.match(text) is None \
            and len(text.strip()) > P.BOUNDED_MAX_CHARS:  # (a paragraph: no rule can match it)
        return None
    for rule, test, reason in RULES:
        if test(text):
            return rule, reason
    return None


def find_boilerplate(lines: list[Line]) -> list[tuple[Line, str, str]]:
    found = {line.index: (line, *hit) for line in lines if (hit := classify(line.text))}
    # Walk up from the end through the trailing run of boilerplate; a bare
    # "NAME is a professor at ..." line inside that run is a bio too.
    for line in reversed(lines):
        if line.index in found:
            continue
        if not is_trailing_bio(line.text):
            break
        found[line.index] = (line, TRAILING_BIO_RULE, "author bio at the end of the text")
    return [found[i] for i in sorted(found)]


def apply(doc: Document, config: Config) -> Document:
    edits: list[Edit] = [
        removal(doc.text, line, NAME, rule, reason)
        for line, rule, reason in find_boilerplate(content_lines(doc.text))
    ]
    return doc.with_edits(merge(edits)) if edits else doc
