"""Documents, records, rejections and edits as JSON objects and lines.

Keys follow the order of the schema's properties; JSON is UTF-8, not
\\u-escaped, one object per line, so the same data always gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import fields
from json.encoder import c_make_encoder, encode_basestring

from pipeline.document import Document, Edit, Record
from pipeline.schemas import field_order


def _not_serializable(obj):
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


# json.dumps(obj, ensure_ascii=False, separators=(",", ":")) builds an encoder
# per call; this is the C encoder it builds, made once (every output line and
# report entry goes through it). No circular-reference check: the objects are
# trees built by this module.
_ENCODE = c_make_encoder(None, _not_serializable, encode_basestring, None, ":", ",", False, False, True) \
    if c_make_encoder is not None else None


def dumps(obj) -> str:
    """json.dumps(obj, ensure_ascii=False, separators=(",", ":")), byte for byte."""
    if _ENCODE is None or isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return "".join(_ENCODE(obj, 0))


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
# A Record's own fields in declaration order follow "id" and "doc_id" in the
# schema: a record's object is then built in that order, not reordered.
_RECORD_IN_ORDER = ("id", "doc_id", *RECORD_FIELDS) == field_order("record")


def record_objs(doc: Document) -> list[dict]:
    if _RECORD_IN_ORDER:  # vars: asdict without its deep copies (all scalars)
        return [{"id": f"{doc.id}#{r.seq}", "doc_id": doc.id, **vars(r)} for r in doc.records]
    return [
        ordered("record", {
            "id": f"{doc.id}#{r.seq}",
            "doc_id": doc.id,
            **{name: getattr(r, name) for name in RECORD_FIELDS},
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
    v = vars(edit)  # a dict display: several times faster than a comprehension over EDIT_KEYS
    return {"stage": v["stage"], "rule": v["rule"], "step": v["step"], "start": v["start"], "end": v["end"],
            "before": v["before"], "after": v["after"], "reason": v["reason"], "score": v["score"]}

