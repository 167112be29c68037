"""One input's outcome as the writer needs it, made where the input was
processed.

A run's main process does what must be done in input order (duplicates,
counts, the files); everything else about a document is per-document work,
so the worker does it: the output lines are serialised and validated there,
the report's entry and its Markdown rows are written there, and only these
strings and a few counts travel back. The main process then costs a few
microseconds per document, whatever the number of workers, and a cached
``Result`` (pipeline.cache) is the same bytes a fresh one would be.

The output text travels as UTF-8 bytes, encoded where it was written: the
main process writes it as it arrives (text sent as str would be encoded by
the pickle, decoded by the main process and encoded again for the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pipeline import report, serialize, to_review
from pipeline.config import Config
from pipeline.document import Document
from pipeline.process import Outcome
from pipeline.schemas import check, check_report_entry, typed_surely_valid


@dataclass(frozen=True)
class Result:
    id: str
    path: str
    sha256: str  # of the raw bytes ("" when the input could not be read)
    size: int
    reason: str | None  # why it was rejected; None when kept
    detail: str | None
    stage: str  # the stage that rejected it, or ""
    chars_in: int  # decoded raw characters (kept documents)
    chars_out: int  # clean characters (kept documents)
    records: int
    # (stage, rule, edits, characters removed) per rule that edited the document
    rule_edits: tuple[tuple[str, str, int, int], ...]
    # (stage, rule, score, threshold, excerpt) of each removal near its threshold
    near_threshold: tuple[tuple[str, str, float, float, str], ...]
    # UTF-8, as they go in the files:
    document_line: bytes  # documents.jsonl line (b"" when rejected)
    record_lines: bytes  # records.jsonl lines, each ending in a newline
    rejected_line: bytes  # rejected.jsonl line (b"" when kept)
    edits_json: bytes  # the report entry's "edits" array
    markdown: bytes  # report.md's rows for the document's edits (after its heading)
    # A kept document's duplicate fingerprint (pipeline.dedup), made by the
    # worker: the main process screens it without the text.
    fingerprint: object = field(default=None, compare=False)

    def __init__(self, id: str, path: str, sha256: str, size: int, reason: str | None, detail: str | None,
                 stage: str, chars_in: int, chars_out: int, records: int,
                 rule_edits: tuple[tuple[str, str, int, int], ...],
                 near_threshold: tuple[tuple[str, str, float, float, str], ...], document_line: bytes,
                 record_lines: bytes, rejected_line: bytes, edits_json: bytes, markdown: bytes,
                 fingerprint: object = None) -> None:
        # (fields straight into the dict, as pipeline.document's Edit does: the
        # generated __init__ sets each through object.__setattr__, three times slower)
        d = self.__dict__
        d["id"] = id
        d["path"] = path
        d["sha256"] = sha256
        d["size"] = size
        d["reason"] = reason
        d["detail"] = detail
        d["stage"] = stage
        d["chars_in"] = chars_in
        d["chars_out"] = chars_out
        d["records"] = records
        d["rule_edits"] = rule_edits
        d["near_threshold"] = near_threshold
        d["document_line"] = document_line
        d["record_lines"] = record_lines
        d["rejected_line"] = rejected_line
        d["edits_json"] = edits_json
        d["markdown"] = markdown
        d["fingerprint"] = fingerprint

    @property
    def kept(self) -> bool:
        return self.reason is None

    def report_entry(self) -> bytes:
        """The document's entry in report.json, as ``serialize.dumps`` writes it (UTF-8)."""
        return b"".join((entry_head(self.id, self.reason), self.edits_json, b"}"))

    def markdown_section(self) -> bytes:
        return markdown_heading(self.id, self.reason) + self.markdown


def entry_head(doc_id: str, reason: str | None) -> bytes:
    """A report.json entry up to its edits array (pipeline.carry reads it back)."""
    head = serialize.dumps({"id": doc_id, "status": "kept" if reason is None else "rejected", "reason": reason})
    return head[:-1].encode() + b',"edits":'


def markdown_heading(doc_id: str, reason: str | None) -> bytes:
    """A document's heading in report.md, before its edits' rows."""
    status = "kept" if reason is None else f"rejected: `{reason}`"
    return f"\n### `{doc_id}` ({status})\n\n".encode()


def of(outcome: Outcome, config: Config, fingerprint=None) -> Result:
    """The Result of a processed (or rejected) input; ``fingerprint``: its
    duplicate fingerprint, when kept."""
    doc = outcome.doc
    # The edits as dicts of EDIT_KEYS (in another order): what report.md's rows
    # and the report entry's check read; the entry's JSON is written from the
    # same values (serialize.edits_json), in EDIT_KEYS' order.
    edits = [vars(e) for e in doc.edits]
    rejected = doc.rejection is not None
    per_rule: dict[tuple[str, str], list[int]] = {}  # (stage, rule) -> [edits, characters removed], first seen first
    for e in doc.edits:
        tally = per_rule.get((e.stage, e.rule))
        if tally is None:
            tally = per_rule[(e.stage, e.rule)] = [0, 0]
        tally[0] += 1
        tally[1] += len(e.before) - len(e.after)
    document_line = record_lines = b""
    if not rejected:
        document_line, record_lines = _kept_lines(doc, outcome.chars_in)
    edits_text, edits_typed = serialize.edits_json(doc.edits)
    result = Result(
        id=doc.id, path=doc.source_file, sha256=doc.source_sha256, size=doc.source_size,
        reason=doc.rejection.reason if rejected else None,
        detail=doc.rejection.detail if rejected else None,
        stage=outcome.stage,
        chars_in=0 if rejected else outcome.chars_in,
        chars_out=0 if rejected else len(doc.text),
        records=0 if rejected else len(doc.records),
        rule_edits=tuple((s, r, n, removed) for (s, r), (n, removed) in per_rule.items()),
        near_threshold=() if rejected else to_review.near_threshold(doc, config),
        document_line=document_line,
        record_lines=record_lines,
        rejected_line=_line("rejected", serialize.rejected_obj(doc, outcome.stage), doc.source_file) if rejected else b"",
        edits_json=edits_text.encode(),
        markdown=report.document_markdown(edits).encode(),
        fingerprint=fingerprint,
    )
    check_report_entry({"id": result.id, "status": "kept" if result.kept else "rejected",
                        "reason": result.reason, "edits": edits}, serialize.EDIT_TYPES if edits_typed else None)
    return result


def _kept_lines(doc: Document, chars_in: int) -> tuple[bytes, bytes]:
    """The document's and its records' lines, checked against their schemas.
    A record the template wrote (serialize.kept_lines) needs only the checks
    its types leave, on its Record's values (its id and doc_id are strings)."""
    where = f"output for {doc.source_file}"
    document = serialize.document_obj(doc, chars_in)
    check("document", document, where)
    try:
        document_text, records_text, typed = serialize.kept_lines(doc, document)
    except TypeError:  # a value JSON cannot hold: named by the check, as when records were checked first
        for r in serialize.record_objs(doc):
            check("record", r, where)
        raise
    if not (typed and typed_surely_valid("record", serialize.RECORD_TYPES, map(vars, doc.records), _NOT_IN_RECORD)):
        for r in serialize.record_objs(doc):
            check("record", r, where)
    return document_text.encode(), records_text.encode()


_NOT_IN_RECORD = frozenset({"id", "doc_id"})  # a record's keys its Record lacks


def rejected(result: Result, reason: str, stage: str, detail: str) -> Result:
    """The Result of a kept document rejected afterwards, in the main process
    (a duplicate of a document kept earlier)."""
    doc = Document(result.id, result.path, result.sha256, result.size).reject(reason, detail)
    obj = serialize.rejected_obj(doc, stage)
    return replace(result, reason=reason, detail=detail, stage=stage, chars_in=0, chars_out=0, records=0,
                   near_threshold=(), document_line=b"", record_lines=b"", fingerprint=None,
                   rejected_line=_line("rejected", obj, result.path))


def _line(schema: str, obj: dict, where: str) -> bytes:
    check(schema, obj, f"output for {where}")
    return (serialize.dumps(obj) + "\n").encode()
