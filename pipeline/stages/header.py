"""Stage header: the title, its tags, a subtitle, the date, the authors and the
source leave the text and become fields of the Document.

Header lines are only looked for right under the title (the "header zone");
author blocks and source lines are recognised anywhere, but only as whole lines
of a strict shape. The patterns live in ``pipeline.patterns.header``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import content_lines, merge, removal
from pipeline.patterns import header as P
from pipeline.patterns.dates import FoundDate, read_header_date
from pipeline.patterns.punctuation import ENDS_SENTENCE, ENDS_WITH_PUNCTUATION

NAME = "header"


@dataclass(frozen=True)
class HeaderLine:
    """What one line that leaves the text holds."""

    rule: str
    reason: str
    date: FoundDate | None = None
    later_date: bool = False  # an "Updated:" date, used only when there is no other
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    source: str | None = None

    def __init__(self, rule: str, reason: str, date: FoundDate | None = None, later_date: bool = False,
                 authors: tuple[str, ...] = (), editors: tuple[str, ...] = (), source: str | None = None) -> None:
        # (fields straight into the dict, as pipeline.document's Edit does: the
        # frozen dataclass's __init__ sets each through object.__setattr__, 3x slower)
        d = self.__dict__
        d["rule"] = rule
        d["reason"] = reason
        d["date"] = date
        d["later_date"] = later_date
        d["authors"] = authors
        d["editors"] = editors
        d["source"] = source


def apply(doc: Document, config: Config) -> Document:
    lines = content_lines(doc.text)
    if not lines:
        return doc
    title_line, rest = lines[0], lines[1:]
    title, tags = split_title(title_line.text.strip())
    found = [(title_line, HeaderLine(
        "header.title/v1", "title line moved to the title field"
        + (f", its labels to tags {list(tags)}" if tags else "")))]

    subtitle = None
    # is_subtitle looks at most this far down: strip only those lines, not the whole text.
    following = [l.text.strip() for l in rest[1 : P.HEADER_ZONE_MAX_LINES + 2]]
    if rest and is_subtitle(rest[0].text.strip(), following, title):
        subtitle = rest[0].text.strip()
        found.append((rest[0], HeaderLine(
            "header.subtitle/v1", "short standfirst under the title moved to subtitle")))
        rest = rest[1:]

    for line in rest[: P.HEADER_ZONE_MAX_LINES]:
        header = read_header_line(line.text.strip())
        if header is None:
            break  # the body has started
        found.append((line, header))

    taken = {line.index for line, _ in found}
    for line in rest:
        if line.index not in taken and (other := read_body_line(line.text.strip())):
            found.append((line, other))

    edits = [removal(doc.text, line, NAME, h.rule, h.reason) for line, h in found]
    headers = [h for _, h in found]
    return doc.with_edits(
        merge(edits), title=title, tags=tags, subtitle=subtitle,
        source=next((h.source for h in headers if h.source), None),
        authors=tuple(dict.fromkeys(a for h in headers for a in h.authors)),
        editors=tuple(dict.fromkeys(e for h in headers for e in h.editors)),
        published=choose_published(headers))


def split_title(text: str) -> tuple[str, tuple[str, ...]]:
    """'Viewpoint | Headline' -> ('Headline', ('Viewpoint',)). The longest segment
    is the title; the split is kept only when every other segment is short."""
    segments = [s.strip() for s in P.TITLE_SEPARATOR.split(text) if s.strip()]
    if len(segments) < 2:
        return (segments[0] if segments else text), ()
    title = max(segments, key=lambda s: len(s.split()))  # first of the longest
    others = list(segments)
    others.remove(title)
    if any(len(s.split()) > P.TAG_MAX_WORDS for s in others):
        return text, ()
    return title, tuple(others)


def is_subtitle(text: str, following: list[str], title: str = "") -> bool:
    """A short line without final punctuation, not a repeat of the title,
    followed (after any header lines) by a real paragraph longer than it."""
    words = len(text.split())
    if text.casefold() == title.casefold():
        return False
    if not (P.SUBTITLE_MIN_WORDS <= words <= P.SUBTITLE_MAX_WORDS):
        return False
    letters = [c for c in text if c.isalpha()]
    if (len(text) > P.SUBTITLE_MAX_CHARS or ENDS_WITH_PUNCTUATION.search(text)
            or not letters or not letters[0].isupper()):
        return False
    if read_header_line(text):
        return False
    for nxt in following[: P.HEADER_ZONE_MAX_LINES + 1]:
        if read_header_line(nxt):
            continue
        n = len(nxt.split())
        return n >= P.PARAGRAPH_MIN_WORDS and n > words and bool(ENDS_SENTENCE.search(nxt))
    return False


def read_header_line(text: str) -> HeaderLine | None:
    """A date line or a byline of the header zone (or an author block or source
    line, which may stand anywhere), else None."""
    m = P.AUTHOR_WITH_TIME.fullmatch(text)
    if m and (date := read_header_date(m["value"])):
        return HeaderLine("header.byline/v1", "byline with date moved to authors and published",
                          date, authors=tuple(read_byline(m["names"]) or ()))
    labelled = read_labelled_date(text)
    if labelled:
        return labelled
    date = read_header_date(text, P.BARE_DATE_SHAPES)
    if date:
        return HeaderLine("header.date/v1", "date line moved to published", date)
    m = P.BYLINE.fullmatch(text)
    if m and (names := read_byline(m["names"])) is not None:
        return HeaderLine("header.byline/v1", "byline moved to authors", authors=tuple(names))
    if m and (dated := read_dated_byline(m["names"])):
        return dated
    return read_body_line(text) or read_segments(text)


def read_dated_byline(text: str) -> HeaderLine | None:
    """'Jane Doe, Friday, 5 March 2021 10:00 GMT' (after 'By') -> names and date:
    the first split where the names are people and the rest a whole date."""
    if len(text) > P.COMPOSITE_MAX_CHARS:
        return None
    for sep in P.BYLINE_DATE_SEPARATOR.finditer(text):
        names = read_byline(text[: sep.start()])
        if names is None:
            continue
        rest = text[sep.end():].strip()
        dated = _bare_date(rest) or read_labelled_date(rest)
        if dated:
            return replace(dated, rule="header.byline/v1", authors=tuple(names),
                           reason="byline with date moved to authors and published")
    return None


def read_labelled_date(text: str) -> HeaderLine | None:
    m = P.LABELLED_DATE.fullmatch(text)
    if m and (date := read_header_date(m["value"])):
        later = m["label"].lower() in P.LATER_DATE_LABELS
        return HeaderLine("header.date/v1", f"'{m['label']}' date line moved to published",
                          date, later_date=later)
    return None


def read_segments(text: str) -> HeaderLine | None:
    """'By Jane Doe | Published: 5 March 2021 | Updated: 6 March 2021': a line
    whose every segment is a header line; a written-out date without a label
    counts only next to a byline."""
    if len(text) > P.COMPOSITE_MAX_CHARS:
        return None
    parts = [part.strip() for part in P.SEGMENT_SEPARATOR.split(text)]
    if not 2 <= len(parts) <= P.MAX_SEGMENTS:
        return None
    found = [read_header_line(part) for part in parts]
    if any(h is not None and h.authors for h in found):
        found = [h if h is not None else _bare_date(part) for h, part in zip(found, parts)]
    if any(h is None for h in found):
        return None
    dates = sorted((h for h in found if h.date), key=lambda h: h.later_date)
    authors = tuple(a for h in found for a in h.authors)
    return HeaderLine(
        "header.byline/v1" if authors else "header.date/v1",
        f"header line of {len(parts)} parts moved to fields",
        dates[0].date if dates else None, later_date=bool(dates) and dates[0].later_date,
        authors=authors, editors=tuple(e for h in found for e in h.editors),
        source=next((h.source for h in found if h.source), None))


def _bare_date(text: str) -> HeaderLine | None:
    date = read_header_date(text)
    return HeaderLine("header.date/v1", "date moved to published", date) if date else None


def read_body_line(text: str) -> HeaderLine | None:
    """An author block or a source line, which may stand anywhere in the text."""
    if not P.ANY_BODY_LINE.fullmatch(text):
        return None  # none of the patterns below matches (most lines)
    names = read_author_block(text)
    if names is not None:
        return HeaderLine("header.author_block/v1", "author line moved to authors",
                          authors=tuple(names))
    names = read_editor_line(text)
    if names is not None:
        return HeaderLine("header.editor/v1", "editor line moved to editors (not authors)",
                          editors=tuple(names))
    value = read_source(text)
    if value is not None:
        return HeaderLine("header.source/v1", "source line moved to the source field",
                          source=value)
    return None


def read_author_block(text: str) -> list[str] | None:
    """'Author: Name, role; Name, role' -> the people named, else None."""
    m = P.AUTHOR_BLOCK.fullmatch(text)
    if not m:
        return None
    items = P.AUTHOR_ITEM_SEPARATOR.split(m["items"])
    return people([name for i in items if i.strip()
                   for name in P.AUTHOR_ITEM_NAMES_SEPARATOR.split(i.split(",", 1)[0])])


def read_editor_line(text: str) -> list[str] | None:
    """'Editor: Jane Doe', 'Edited by Jane Doe and John Roe' -> the editors, else None."""
    m = P.EDITOR_LINE.fullmatch(text) or P.EDITED_BY.fullmatch(text)
    if not m:
        return None
    names = people(P.NAME_LIST_SEPARATOR.split(m["names"]))
    return names or None


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
    return any(w in P.ORGANISATION_WORDS or w in P.ROLE_WORDS for w in words) or (
        len(last) >= P.TRUNCATED_WORD_MIN
        and any(o.startswith(last) for o in P.ORGANISATION_WORDS))


def read_source(text: str) -> str | None:
    m = P.SOURCE_LINE.fullmatch(text)
    if not m or len(m["value"].split()) > P.SOURCE_MAX_WORDS:
        return None
    return m["value"].strip()


def choose_published(headers: list[HeaderLine]) -> str | None:
    """The first readable publication date; an 'Updated' date only if no other."""
    for later in (False, True):
        for h in headers:
            if h.date and h.later_date == later and h.date.iso:
                return h.date.iso
    return None
