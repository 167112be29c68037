"""Stage header: the title, its tags, a subtitle, the date, the authors and the
source leave the text and become fields of the Document.

Header lines are only looked for right under the title (the "header zone");
author blocks and source lines are recognised anywhere, but only as whole lines
of a strict shape. The patterns live in ``pipeline.patterns.header``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Config
from pipeline.document import Document, Edit
from pipeline.lines import Line, content_lines, merge, removal
from pipeline.patterns import header as P
from pipeline.patterns.dates import FoundDate, read_header_date

NAME = "header"


@dataclass(frozen=True)
class HeaderLine:
    """What one header-zone line holds."""

    rule: str
    reason: str
    date: FoundDate | None = None
    later_date: bool = False  # an "Updated:" date, used only when there is no other
    authors: tuple[str, ...] = ()


def apply(doc: Document, config: Config) -> Document:
    lines = content_lines(doc.text)
    if not lines:
        return doc
    edits: list[Edit] = []

    def remove(line: Line, rule: str, reason: str) -> None:
        edits.append(removal(doc.text, line, NAME, rule, reason))

    title_line, rest = lines[0], lines[1:]
    title, tags = split_title(title_line.text.strip())
    remove(title_line, "header.title/v1",
           "title line moved to the title field" + (f", labels to tags {list(tags)}" if tags else ""))

    subtitle = None
    zone_start = 0
    if rest and is_subtitle(rest[0].text.strip(), [l.text.strip() for l in rest[1:]]):
        subtitle = rest[0].text.strip()
        remove(rest[0], "header.subtitle/v1", "short standfirst under the title moved to subtitle")
        zone_start = 1

    authors: list[str] = []
    dates: list[HeaderLine] = []
    consumed = {title_line.index} | ({rest[0].index} if subtitle else set())
    for line in rest[zone_start : zone_start + P.HEADER_ZONE_MAX_LINES]:
        found = read_header_line(line.text.strip())
        if found is None:
            break  # the body has started
        remove(line, found.rule, found.reason)
        consumed.add(line.index)
        authors += found.authors
        if found.date is not None:
            dates.append(found)

    source = None
    for line in rest:
        if line.index in consumed:
            continue
        text = line.text.strip()
        block = read_author_block(text)
        if block is not None:
            authors += block
            remove(line, "header.author_block/v1", "author line moved to authors")
            continue
        value = read_source(text)
        if value is not None:
            source = source or value
            remove(line, "header.source/v1", "source line moved to the source field")

    return doc.with_edits(
        merge(edits), title=title, tags=tags, subtitle=subtitle, source=source,
        authors=tuple(dict.fromkeys(authors)), published=choose_published(dates))


def split_title(text: str) -> tuple[str, tuple[str, ...]]:
    """'Viewpoint | Headline' -> ('Headline', ('Viewpoint',)). The longest segment
    is the title; the split is kept only when every other segment is short."""
    segments = [s for s in P.TITLE_SEPARATOR.split(text) if s]
    if len(segments) < 2:
        return (segments[0] if segments else text), ()
    title = max(segments, key=lambda s: len(s.split()))  # first of the longest
    others = list(segments)
    others.remove(title)
    if any(len(s.split()) > P.TAG_MAX_WORDS for s in others):
        return text, ()
    return title, tuple(others)


def is_subtitle(text: str, following: list[str]) -> bool:
    """A short line without final punctuation, followed (after any header lines)
    by a real paragraph that is longer than it."""
    words = len(text.split())
    if not (P.SUBTITLE_MIN_WORDS <= words <= P.SUBTITLE_MAX_WORDS):
        return False
    letters = [c for c in text if c.isalpha()]
    if (len(text) > P.SUBTITLE_MAX_CHARS or P.SENTENCE_END.search(text)
            or not letters or not letters[0].isupper()):
        return False
    if read_header_line(text) or read_author_block(text) or read_source(text):
        return False
    for nxt in following[: P.HEADER_ZONE_MAX_LINES + 1]:
        if read_header_line(nxt):
            continue
        n = len(nxt.split())
        return n >= P.PARAGRAPH_MIN_WORDS and n > words and bool(P.PARAGRAPH_END.search(nxt))
    return False


def read_header_line(text: str) -> HeaderLine | None:
    """A date line, a byline or an author line of the header zone, else None."""
    m = P.AUTHOR_WITH_TIME.fullmatch(text)
    if m and (date := read_header_date(m["value"])):
        return HeaderLine("header.byline/v1", "byline with date moved to authors and published",
                          date, authors=tuple(read_byline(m["names"]) or ()))
    m = P.LABELLED_DATE.fullmatch(text)
    if m and (date := read_header_date(m["value"])):
        later = m["label"].lower() in P.LATER_DATE_LABELS
        return HeaderLine("header.date/v1", f"'{m['label']}' date line moved to published",
                          date, later_date=later)
    date = read_header_date(text, P.BARE_DATE_SHAPES)
    if date:
        return HeaderLine("header.date/v1", "date line moved to published", date)
    m = P.BYLINE.fullmatch(text)
    if m and (names := read_byline(m["names"])) is not None:
        return HeaderLine("header.byline/v1", "byline moved to authors", authors=tuple(names))
    names = read_author_block(text)
    if names is not None:
        return HeaderLine("header.author_block/v1", "author line moved to authors",
                          authors=tuple(names))
    return None


def read_author_block(text: str) -> list[str] | None:
    """'Author: Name, role; Name, role' -> the people named, else None."""
    m = P.AUTHOR_BLOCK.fullmatch(text)
    if not m:
        return None
    items = P.AUTHOR_ITEM_SEPARATOR.split(m["items"])
    return people([i.split(",", 1)[0] for i in items if i.strip()])


def read_byline(text: str) -> list[str] | None:
    """'Name, Name and Name' -> the people named, else None."""
    return people(P.NAME_LIST_SEPARATOR.split(text))


def people(names: list[str]) -> list[str] | None:
    """The people among names; None when any of them is not a name at all.
    Organisations count as names but are left out of the result."""
    names = [n.strip() for n in names if n.strip()]
    if not names or not all(is_name(n) for n in names):
        return None
    return [n for n in names if not is_organisation(n)]


def is_name(text: str) -> bool:
    return bool(P.NAME.fullmatch(text)) and all(
        w[0].isupper() or w in P.NAME_PARTICLES for w in text.split())


def is_organisation(name: str) -> bool:
    words = name.lower().split()
    last = words[-1]
    return any(w in P.ORGANISATION_WORDS for w in words) or (
        len(last) >= P.TRUNCATED_WORD_MIN
        and any(o.startswith(last) for o in P.ORGANISATION_WORDS))


def read_source(text: str) -> str | None:
    m = P.SOURCE_LINE.fullmatch(text)
    if not m or len(m["value"].split()) > P.SOURCE_MAX_WORDS:
        return None
    return m["value"].strip()


def choose_published(dates: list[HeaderLine]) -> str | None:
    """The first readable publication date; an 'Updated' date only if no other."""
    for later in (False, True):
        for d in dates:
            if d.later_date == later and d.date.iso:
                return d.date.iso
    return None
