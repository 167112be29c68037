"""A document's part of a version, as the writer needs it: its output lines
(already serialized and validated), its report entry, and what it adds to the
report's counts. Workers make it from an Outcome; the per-document cache
(pipeline.cache) keeps it, so an unchanged document costs the writer a lookup
and a write of text, not a re-serialization.

Duplicate screening (pipeline.dedup) runs in the writer, in id order: it may
turn a kept Result into a rejected one (``screened``). ``signature`` is room
for what a worker computes for that screening, so a cached document needs no
text to be screened; until a worker fills it, the text is read back from the
document's line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline import dedup, report, serialize, to_review
from pipeline.config import Config
from pipeline.document import Document
from pipeline.process import Outcome
from pipeline.schemas import check, check_report_entry


@dataclass(frozen=True)
class Result:
    id: str
    path: str
    sha256: str  # of the raw bytes; "" when they could not be read
    size: int
    reason: str | None  # the rejection's reason; None when kept
    # Text as UTF-8 bytes, as written (the cache hands them on without decoding):
    line: bytes  # the documents.jsonl line when kept, else the rejected.jsonl line, with its newline
    records: bytes  # the records.jsonl lines, each ending in a newline (b"" when rejected)
    edits: bytes  # the report entry's edits, a JSON array
    tally: list  # report.contribution
    review: list  # to_review.hits
    md: bytes  # its part of report.md (report.document_markdown), each line ending in a newline
    text: str | None = None  # the clean text, for duplicate screening; None: in ``line``
    signature: bytes = b""  # reserved: a worker-computed duplicate-screening signature

    @classmethod
    def of(cls, outcome: Outcome, config: Config) -> "Result":
        """Serialize (and validate) an outcome as pipeline.version writes it."""
        doc = outcome.doc
        edits = serialize.dumps([serialize.edit_obj(e) for e in doc.edits]).encode()
        if doc.rejection is None:
            line = _valid("document", serialize.document_obj(doc, len(outcome.raw_text)), doc.source_file)
            records = b"".join(_valid("record", r, doc.source_file) for r in serialize.record_objs(doc))
            text = doc.text
        else:
            line = _valid("rejected", serialize.rejected_obj(doc, outcome.stage), doc.source_file)
            records, text = b"", None
        reason = doc.rejection.reason if doc.rejection else None
        thresholds = _thresholds(config)
        return cls(doc.id, doc.source_file, doc.source_sha256, doc.source_size, reason, line, records, edits,
                   report.contribution(outcome), to_review.hits(outcome, thresholds, config.review_margin),
                   _markdown(doc.id, reason, edits), text)

    def entry_line(self) -> bytes:
        """The report entry, as serialize.dumps writes it, with its newline."""
        status = "kept" if self.reason is None else "rejected"
        head = f'{{"id":{serialize.dumps(self.id)},"status":"{status}","reason":{serialize.dumps(self.reason)},"edits":'
        return head.encode() + self.edits + b"}\n"

    def clean_text(self) -> str:
        return self.text if self.text is not None else json.loads(self.line)["text"]

    def screened(self, index: dedup.DuplicateIndex) -> "Result":
        """This result, rejected as ``duplicate`` when its text duplicates a
        document kept earlier in the run (dedup.screen)."""
        if self.reason is not None:
            return self
        doc = Document(self.id, self.path, self.sha256, self.size, text=self.clean_text())
        outcome = dedup.screen(Outcome(doc, "", ""), index)
        if outcome.doc.rejection is None:
            return self
        line = _valid("rejected", serialize.rejected_obj(outcome.doc, outcome.stage), self.path)
        reason = outcome.doc.rejection.reason
        return replace(self, reason=reason, line=line, records=b"", tally=[reason], review=[],
                       md=_markdown(self.id, reason, self.edits), text=None)


@lru_cache(maxsize=8)
def _thresholds(config: Config) -> dict[str, float]:
    return to_review.thresholds(config)


def _markdown(doc_id: str, reason: str | None, edits: bytes) -> bytes:
    """The document's part of report.md, from its (validated) report entry."""
    entry = {"id": doc_id, "status": "kept" if reason is None else "rejected", "reason": reason,
             "edits": json.loads(edits)}
    check_report_entry(entry)
    return "".join(line + "\n" for line in report.document_markdown(entry)).encode()


def _valid(schema: str, obj: dict, where: str) -> bytes:
    check(schema, obj, f"output for {where}")
    return (serialize.dumps(obj) + "\n").encode()

