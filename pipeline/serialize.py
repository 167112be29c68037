"""Documents, records, rejections and edits as JSON objects and lines.

Keys follow the order of the schema's properties; JSON is UTF-8, not
\\u-escaped, one object per line, so the same data always gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import fields
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
from math import isfinite

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
    obj = {
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
    }
    # (built in the schema's order, as a rule: not reordered then)
    return obj if _DOCUMENT_IN_ORDER else ordered("document", obj)


_DOCUMENT_IN_ORDER = field_order("document") == (
    "id", "title", "subtitle", "text", "language", "language_confidence", "published", "tags", "authors", "editors",
    "source", "source_file", "source_sha256", "encoding", "counts")


RECORD_FIELDS = tuple(f.name for f in fields(Record))
# A Record's own fields in declaration order follow "id" and "doc_id" in the
# schema: a record's object is then built in that order, not reordered.
_RECORD_IN_ORDER = ("id", "doc_id", *RECORD_FIELDS) == field_order("record")


def _record_obj(doc: Document, r: Record) -> dict:
    """record_objs(doc)'s object of the record r."""
    if _RECORD_IN_ORDER:  # vars: asdict without its deep copies (all scalars)
        return {"id": f"{doc.id}#{r.seq}", "doc_id": doc.id, **vars(r)}
    return ordered("record", {"id": f"{doc.id}#{r.seq}", "doc_id": doc.id,
                              **{name: getattr(r, name) for name in RECORD_FIELDS}})


def record_objs(doc: Document) -> list[dict]:
    return [_record_obj(doc, r) for r in doc.records]


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


# --- a document's edits as the report entry's array --------------------------
#
# ``dumps([edit_obj(e) for e in edits])``, written from a template of
# EDIT_KEYS' order without the dicts. Most edits repeat a few short strings
# (stage, rule id, reason, a quote and its replacement): their JSON is
# remembered. An edit with a value not of the type the template expects goes
# through dumps; tests/test_serialize.py checks both agree.

_SHORT, _REMEMBERED = 64, 4096
_strings: dict[str, str] = {}  # a short string -> its JSON


def _string(s: str) -> str:
    """encode_basestring(s), remembered for the first few thousand short strings."""
    out = _strings.get(s)
    if out is None:
        out = _escaped(s)
        if len(s) <= _SHORT and len(_strings) < _REMEMBERED:
            _strings[s] = out
    return out


_NONE = type(None)
# The exact types of each key of an edit the template writes (pipeline.fastvalidate.residual)
EDIT_TYPES = (("stage", (str,)), ("rule", (str,)), ("step", (int,)), ("start", (int,)), ("end", (int,)),
              ("before", (str,)), ("after", (str,)), ("reason", (str,)), ("score", (_NONE, float)))


def edits_json(edits) -> tuple[str, bool]:
    """(``dumps([edit_obj(e) for e in edits])``, whether the template wrote
    every edit: each ``vars(e)`` then has exactly EDIT_KEYS, each value of
    its EDIT_TYPES)."""
    known, out, typed = _strings.get, [], True
    for e in edits:
        v = vars(e)
        stage, rule, step, start, end = v["stage"], v["rule"], v["step"], v["start"], v["end"]
        before, after, reason, score = v["before"], v["after"], v["reason"], v["score"]
        if not (type(stage) is str and type(rule) is str and type(step) is int and type(start) is int
                and type(end) is int and type(before) is str and type(after) is str and type(reason) is str
                and (score is None or (type(score) is float and isfinite(score)))):
            out.append(dumps(edit_obj(e)))  # a value of another type (or NaN, written as dumps writes it)
            typed = False
            continue
        typed = typed and len(v) == _EDIT_COUNT  # (no other key)
        out.append(f'{{"stage":{known(stage) or _string(stage)},"rule":{known(rule) or _string(rule)},'
                   f'"step":{step},"start":{start},"end":{end},"before":{known(before) or _string(before)},'
                   f'"after":{known(after) or _string(after)},"reason":{known(reason) or _string(reason)},'
                   f'"score":{"null" if score is None else float.__repr__(score)}}}')
    return f'[{",".join(out)}]', typed


_EDIT_COUNT = len(EDIT_KEYS)


# --- a kept document's lines, its text escaped once -------------------------
#
# The records tile the document's text (gaps between them: blank lines,
# attribution lines), and JSON escapes a string character by character, so
# the document's escaped text is its records' escaped texts joined with the
# escaped gaps: escaping it again would double the main cost of these lines.
# A record line is written from a template of the schema's key order. Any
# value not of the type the template expects, or records that do not tile
# the text, take dumps instead; tests/test_serialize.py checks both agree.

_DOCUMENT_ORDER = field_order("document")
_TEXT_AT = _DOCUMENT_ORDER.index("text") if "text" in _DOCUMENT_ORDER else -1
_TEMPLATED = _RECORD_IN_ORDER and RECORD_FIELDS == (
    "seq", "kind", "text", "start", "end", "attribution", "attribution_date", "attribution_start", "attribution_end") \
    and 0 < _TEXT_AT < len(_DOCUMENT_ORDER) - 1


def _escaped(text: str) -> str:
    """encode_basestring(text): the ASCII escaper writes the same for ASCII
    text (but DEL, which it escapes) and is about twice as fast on it."""
    return encode_basestring_ascii(text) if text.isascii() and "\x7f" not in text else encode_basestring(text)


def _or_null(value) -> str:
    return "null" if value is None else encode_basestring(value)


def _int_or_null(value) -> str:
    return "null" if value is None else repr(value)


# The exact types of each key of a record the template writes (pipeline.fastvalidate.residual)
RECORD_TYPES = (("id", (str,)), ("doc_id", (str,)), ("seq", (int,)), ("kind", (str,)), ("text", (str,)),
                ("start", (int,)), ("end", (int,)), ("attribution", (_NONE, str)), ("attribution_date", (_NONE, str)),
                ("attribution_start", (_NONE, int)), ("attribution_end", (_NONE, int)))


def _record_line(doc_head: str, doc_id: str, r: Record, text: str) -> str | None:
    """The record's line as dumps writes it (without newline); None when a value
    is not of the type the template writes."""
    a, ad, ast, ae = r.attribution, r.attribution_date, r.attribution_start, r.attribution_end
    if not (type(r.seq) is int and type(r.kind) is str and type(r.start) is int and type(r.end) is int
            and (a is None or type(a) is str) and (ad is None or type(ad) is str)
            and (ast is None or type(ast) is int) and (ae is None or type(ae) is int)):
        return None
    return (f'{{"id":{doc_head}#{r.seq}","doc_id":{doc_id},"seq":{r.seq},"kind":{encode_basestring(r.kind)},'
            f'"text":{text},"start":{r.start},"end":{r.end},"attribution":{_or_null(a)},'
            f'"attribution_date":{_or_null(ad)},"attribution_start":{_int_or_null(ast)},'
            f'"attribution_end":{_int_or_null(ae)}}}')


def kept_lines(doc: Document, document: dict, records: list[dict] | None = None) -> tuple[str, str, bool]:
    """(documents.jsonl line, records.jsonl lines, whether the template wrote
    every record) of a kept document: ``dumps(document) + "\\n"`` and
    ``dumps(r) + "\\n"`` for each of ``records`` (``document_obj`` and
    ``record_objs`` of ``doc``; made here, as needed, when None). A record the
    template wrote has exactly the schema's keys ("id", "doc_id", then its
    Record's fields, no other), each value of its RECORD_TYPES."""
    text = document.get("text")
    if not _TEMPLATED or type(doc.id) is not str or type(text) is not str or text is not doc.text:
        objs = record_objs(doc) if records is None else records
        return dumps(document) + "\n", "".join(dumps(r) + "\n" for r in objs), False
    doc_id = encode_basestring(doc.id)
    head = doc_id[:-1]
    lines, escaped, pos, typed = [], [], 0, True
    for i, r in enumerate(doc.records):
        t = r.text
        if type(t) is str and type(r.start) is int and type(r.end) is int and pos <= r.start \
                and text.startswith(t, r.start) and r.end == r.start + len(t) and escaped is not None:
            if pos < r.start:
                gap = text[pos:r.start]
                escaped.append(_ESCAPED_GAPS.get(gap) or _escaped(gap)[1:-1])
            et = _escaped(t)
            escaped.append(et[1:-1])
            pos = r.end
        else:  # not tiling: the text is escaped whole
            escaped, et = None, encode_basestring(t) if type(t) is str else None
        line = _record_line(head, doc_id, r, et) if et is not None else None
        if line is None:
            typed = False
            line = dumps(_record_obj(doc, r) if records is None else records[i])
        elif len(vars(r)) != _FIELD_COUNT:  # (an attribute besides the fields: not what was written)
            typed = False
        lines += (line, "\n")  # (joined once: no copy of each line with its newline)
    if escaped is None:
        line = dumps(document) + "\n"
    else:
        if pos < len(text):
            escaped.append(_escaped(text[pos:])[1:-1])
        items = list(document.items())
        first, last = dict(items[:_TEXT_AT]), dict(items[_TEXT_AT + 1:])
        # (one join: the text, the longest part, is copied once)
        line = "".join([dumps(first)[:-1], ',"text":"', *escaped, '",', dumps(last)[1:], "\n"])
    return line, "".join(lines), typed


# The escaped gaps between records that most documents have (paragraphs
# separated by a blank line, then by another number of line breaks).
_ESCAPED_GAPS = {gap: encode_basestring(gap)[1:-1] for gap in ("\n\n", "\n", "\n\n\n")}


_FIELD_COUNT = len(RECORD_FIELDS)
