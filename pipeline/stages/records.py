"""Stage records: split the final text into headings, paragraphs and quotes.

Each non-blank line is one paragraph. A paragraph followed by a "——" credit
line (or ending with one) becomes a quote carrying that attribution; the
credit line is then part of the quote, not a record of its own. The text is
not changed: record offsets index ``doc.text``.
"""

from __future__ import annotations

from pipeline.config import Config
from pipeline.document import Document, Record
from pipeline.lines import Line, content_lines
from pipeline.patterns import records as P
from pipeline.patterns.dates import find_date
from pipeline.patterns.punctuation import ends_with_punctuation

NAME = "records"


def apply(doc: Document, config: Config) -> Document:
    return doc.replaced(records=tuple(split_records(doc.text)))


def split_records(text: str) -> list[Record]:
    paragraphs = [_stripped(line) for line in content_lines(text)]
    credits = [_attribution_line(*p) for p in paragraphs] + [None]
    # A credit line belongs to the paragraph above it, unless that is a credit too.
    quoted = [i > 0 and credits[i] is not None and credits[i - 1] is None
              for i in range(len(paragraphs))] + [False, False]
    records: list[Record] = []
    for i, (body, start) in enumerate(paragraphs):
        seq = len(records)
        if quoted[i]:
            continue  # taken by the quote above
        if quoted[i + 1]:
            credit, credit_start = credits[i + 1]
            records.append(_quote(seq, body, start, credit, credit_start, find_date(credit)))
        elif inline := _inline_attribution(body, start):
            records.append(_quote(seq, *inline))
        else:
            # A heading is followed by a paragraph: a line that is not heading-shaped,
            # or a short one that is quoted (it is the text of a quote).
            nxt = paragraphs[i + 1][0] if i + 1 < len(paragraphs) else None
            heading = (credits[i] is None and is_heading(body) and nxt is not None
                       and (not is_heading(nxt) or quoted[i + 2]))
            records.append(Record(seq, "heading" if heading else "paragraph",
                                  body, start, start + len(body)))
    return records


def is_heading(text: str) -> bool:
    """Heading-shaped: short, and not ending like a sentence."""
    # (cheapest test first: most lines are long paragraphs)
    return (len(text) <= P.HEADING_MAX_CHARS and not ends_with_punctuation(text)
            and len(text.split()) <= P.HEADING_MAX_WORDS)


def _stripped(line: Line) -> tuple[str, int]:
    """The line's text without surrounding spaces, and the offset where it starts."""
    lead = len(line.text) - len(line.text.lstrip())
    return line.text.strip(), line.start + lead


def _attribution_line(text: str, start: int) -> tuple[str, int] | None:
    m = P.ATTRIBUTION_LINE.fullmatch(text)
    return (m["text"], start + m.start("text")) if m else None


def _inline_attribution(text: str, start: int) -> tuple[str, int, str, int, str] | None:
    """'Quote. —— On <date>, ...' -> (quote, its start, credit, its start, its date)."""
    if "——" not in text and "―" not in text:
        return None  # the pattern needs two dashes in a row: most paragraphs have none (a scan in C)
    last = None
    for last in P.INLINE_ATTRIBUTION.finditer(text):
        pass
    if last is None:
        return None
    credit = text[last.end():]
    date = find_date(credit)
    if date is None:
        return None
    return text[: last.start()], start, credit, start + last.end(), date


def _quote(seq: int, text: str, start: int, credit: str, credit_start: int, date: str | None) -> Record:
    return Record(seq, "quote", text, start, start + len(text),
                  attribution=credit, attribution_date=date,
                  attribution_start=credit_start,
                  attribution_end=credit_start + len(credit))
