"""Documents, records, rejections and edits as JSON objects and lines.

Keys follow the order of the schema's properties; JSON is UTF-8, not
\\u-escaped, one object per line, so the same data always gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import fields

from pipeline.document import Document, Edit, Record
from pipeline.schemas import field_order


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ordered(name: str, values: dict) -> dict:
    return {key: values[key] for key in field_order(name)}


def document_obj(doc: Document, raw_chars: int) -> dict:
    return ordered("document", {
        "id": doc.id,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "text": doc.text,
        "language": doc.language,
        "language_confidence": doc.language_confidence,
        "published": doc.published,
        "tags": list(doc.tags),
        "authors": list(doc.authors),
        "editors": list(doc.editors),
        "source": doc.source,
        "source_file": doc.source_file,
        "source_sha256": doc.source_sha256,
        "encoding": doc.encoding,
        "counts": {
            "raw_bytes": doc.source_size,
            "raw_chars": raw_chars,
            "chars": len(doc.text),
            "records": len(doc.records),
            "edits": len(doc.edits),
        },
    })


RECORD_FIELDS = tuple(f.name for f in fields(Record))


def record_objs(doc: Document) -> list[dict]:
    return [
        ordered("record", {
            "id": f"{doc.id}#{r.seq}",
            "doc_id": doc.id,
            **{name: getattr(r, name) for name in RECORD_FIELDS},  # asdict without its deep copies: all scalars
        })
        for r in doc.records
    ]


def rejected_obj(doc: Document, stage: str) -> dict:
    return ordered("rejected", {
        "id": doc.id,
        "source_file": doc.source_file,
        "source_sha256": doc.source_sha256 or None,
        "reason": doc.rejection.reason,
        "stage": stage,
        "detail": doc.rejection.detail,
    })


EDIT_KEYS = ("stage", "rule", "step", "start", "end", "before", "after", "reason", "score")


def edit_obj(edit: Edit) -> dict:
    return {key: getattr(edit, key) for key in EDIT_KEYS}
