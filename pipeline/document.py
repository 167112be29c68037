"""The types every stage shares: Document, Edit, Record, Rejection.

A stage never mutates a Document: it returns a new one (``Document.replaced``,
a cheap ``dataclasses.replace``), so every stage core is a pure function of
(document, config).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


# Edit, Record, Document (and pipeline.lines.Line, pipeline.result.Result) write their fields straight into the
# instance dict: the __init__ a frozen dataclass generates sets each field
# through object.__setattr__, three times slower, and stages build them by the
# thousand. tests/test_document.py: the generated signature, the same objects.


@dataclass(frozen=True)
class Edit:
    """One change a stage made to the text, recorded as data.

    ``start``/``end`` index the text *as the stage received it*; the edits of one
    stage never overlap and are sorted by ``start``, so replaying every stage's
    edits in order on the decoded raw text gives the clean text.
    """

    stage: str
    rule: str  # versioned rule id, e.g. "boilerplate.caption_credit/v1"
    start: int
    end: int
    before: str  # the text that was removed or replaced
    after: str  # its replacement ("" for a removal)
    reason: str
    score: float | None = None  # confidence of the decision, when the rule has one
    step: int = 0  # which with_edits call applied it; replay applies steps in order

    def __init__(self, stage: str, rule: str, start: int, end: int, before: str, after: str, reason: str,
                 score: float | None = None, step: int = 0) -> None:
        d = self.__dict__
        d["stage"] = stage
        d["rule"] = rule
        d["start"] = start
        d["end"] = end
        d["before"] = before
        d["after"] = after
        d["reason"] = reason
        d["score"] = score
        d["step"] = step


@dataclass(frozen=True)
class Record:
    """A unit of the clean text: a heading, a paragraph or a quote."""

    seq: int
    kind: str  # "heading" | "paragraph" | "quote"
    text: str
    start: int  # offsets into Document.text
    end: int
    attribution: str | None = None
    attribution_date: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    attribution_start: int | None = None
    attribution_end: int | None = None

    def __init__(self, seq: int, kind: str, text: str, start: int, end: int, attribution: str | None = None,
                 attribution_date: str | None = None, attribution_start: int | None = None,
                 attribution_end: int | None = None) -> None:
        d = self.__dict__
        d["seq"] = seq
        d["kind"] = kind
        d["text"] = text
        d["start"] = start
        d["end"] = end
        d["attribution"] = attribution
        d["attribution_date"] = attribution_date
        d["attribution_start"] = attribution_start
        d["attribution_end"] = attribution_end


@dataclass(frozen=True)
class Rejection:
    reason: str  # from pipeline.reasons.REASONS (or "language:<code>")
    detail: str


@dataclass(frozen=True)
class Document:
    id: str
    source_file: str
    source_sha256: str
    source_size: int
    raw: bytes = b""
    text: str = ""
    encoding: str | None = None
    title: str | None = None
    subtitle: str | None = None
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()  # from editor lines; an editor is not an author
    source: str | None = None
    published: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    edits: tuple[Edit, ...] = ()
    records: tuple[Record, ...] = ()
    rejection: Rejection | None = None

    def __init__(self, id: str, source_file: str, source_sha256: str, source_size: int, raw: bytes = b"",
                 text: str = "", encoding: str | None = None, title: str | None = None, subtitle: str | None = None,
                 tags: tuple[str, ...] = (), authors: tuple[str, ...] = (), editors: tuple[str, ...] = (),
                 source: str | None = None, published: str | None = None, language: str | None = None,
                 language_confidence: float | None = None, edits: tuple[Edit, ...] = (),
                 records: tuple[Record, ...] = (), rejection: Rejection | None = None) -> None:
        # (fields straight into the dict, as Edit's __init__: one document per input, made by
        # decode_and_repair and by the tests; the generated __init__ costs three times more)
        d = self.__dict__
        d["id"] = id
        d["source_file"] = source_file
        d["source_sha256"] = source_sha256
        d["source_size"] = source_size
        d["raw"] = raw
        d["text"] = text
        d["encoding"] = encoding
        d["title"] = title
        d["subtitle"] = subtitle
        d["tags"] = tags
        d["authors"] = authors
        d["editors"] = editors
        d["source"] = source
        d["published"] = published
        d["language"] = language
        d["language_confidence"] = language_confidence
        d["edits"] = edits
        d["records"] = records
        d["rejection"] = rejection

    def reject(self, reason: str, detail: str) -> "Document":
        return _copy(self, rejection=Rejection(reason, detail))

    def replaced(self, **fields) -> "Document":
        """``dataclasses.replace(self, **fields)``, five times cheaper (``_copy``)."""
        return _copy(self, **fields)

    def with_edits(self, edits: Iterable[Edit], **fields) -> "Document":
        """Apply one step's edits to the text and append them to the log.

        A stage may call this several times (one call per pass); the edits of
        one call index the text as it was before that call.
        """
        global last_step
        step = self.edits[-1].step + 1 if self.edits else 1
        edits = tuple([_stepped(e, step) for e in edits])
        if not edits:  # (many stages' calls: the text and the log stay as they are)
            return _copy(self, **fields) if fields else self
        text = apply_edits(self.text, edits)
        last_step = (self.text, edits, text)
        return _copy(self, text=text, edits=self.edits + edits, **fields)


# The last step with_edits applied: (the text it received, its edits, the text
# they made). Most steps remove whole lines or change runs of line breaks:
# pipeline.lines then makes the content lines of the new text from those of
# the text before, without splitting it again.
last_step: tuple[str, tuple[Edit, ...], str] | None = None


def _copy(obj, **changes):
    """``dataclasses.replace`` for Edit and Document, six times cheaper (it
    builds no keyword list and runs no ``__init__``; neither class has an
    ``__init__`` that checks or derives anything, nor a field with init=False).
    Repair alone copies a dozen edits per document."""
    new = object.__new__(type(obj))
    fields = new.__dict__
    fields.update(obj.__dict__)
    for name, value in changes.items():
        if name not in fields:
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
        fields[name] = value
    return new


def _stepped(edit: Edit, step: int) -> Edit:
    """``_copy(edit, step=step)`` for the one field with_edits sets (half the cost)."""
    new = object.__new__(Edit)
    fields = new.__dict__
    fields.update(edit.__dict__)
    fields["step"] = step
    return new


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replay one stage's edits (sorted, non-overlapping) on the text it received."""
    out: list[str] = []
    pos = 0
    for e in edits:
        if e.start < pos or text[e.start : e.end] != e.before:
            raise ValueError(f"edit {e.rule} at {e.start} does not match the text")
        out.append(text[pos : e.start])
        out.append(e.after)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def replay(text: str, edits: Iterable[Edit]) -> str:
    """Replay a whole edit log (several steps) on the decoded raw text."""
    group: list[Edit] = []
    for e in edits:
        if group and e.step != group[-1].step:
            text = apply_edits(text, group)
            group = []
        group.append(e)
    return apply_edits(text, group)
