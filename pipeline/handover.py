"""Decode and repair, done once per run: the first pass needs the repaired
text (to count its lines), the second pass starts from it. The keys of those
lines go with it: the boundaries stage asks them again (corpus_stats.line_key).
Of the decoded raw text the second pass needs only the length (the output's
raw_chars), so only that goes with it.

The first pass's worker appends the repaired document to a spill file of its
own (one per process, in the run's temporary directory) and hands on where it
lies; the second pass's worker, in whatever process, reads it back. A spilled
document that cannot be read back (an executor on another machine, a vanished
file) is decoded and repaired again: the spill only saves time.

An entry is one line of JSON of plain arrays (the dataclasses' fields in
declaration order, no per-edit objects, the text left out), then the
repaired text as UTF-8 bytes: a long string costs three times more as JSON
(escapes, both ways) than encoded, and encoding it once and decoding it once
cost less than replaying the repair edits on the raw text, which the format
before did in each pass (with the raw text to encode and decode as well).
With one fd per file and unbuffered appends. JSON, not pickle or marshal (nothing read from disk
can make code run: tests/test_safety.py); whatever does not load as the
expected shape is decoded and repaired again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import operator
import os
import time
from pathlib import Path

from pipeline import corpus_stats, serialize
from pipeline.corpus import Input
from pipeline.document import Document, Edit, Record, Rejection
from pipeline.lines import content_lines

Location = tuple[str, int, int]  # (file, offset, length)
FORMAT = 4  # first item of every spilled entry: an entry of another format is not read
_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_EDIT_FIELDS = tuple(f.name for f in dataclasses.fields(Edit))
_edit_values = operator.attrgetter(*_EDIT_FIELDS)
_EDIT_LENGTH = {len(_EDIT_FIELDS)}
_text_of = operator.attrgetter("text")
_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(Record))
_writers: dict[tuple[str, int], list] = {}  # (spill dir, pid) -> [path, fd, bytes written]
_readers: dict[str, int] = {}  # spill file path -> fd open for reading, in this process
_SPILLED = tuple(n for n in _DOC_FIELDS if n != "raw")  # the written fields, in this order
_RAW = _DOC_FIELDS.index("raw")
_TEXT, _EDITS, _RECORDS, _REJECTION = map(_SPILLED.index, ("text", "edits", "records", "rejection"))
_TUPLES_AT = tuple(map(_SPILLED.index, ("tags", "authors", "editors")))  # fields that are tuples of strings


@functools.cache  # (imported once, not per document: an import statement costs)
def first_stages():
    """The stages before the first that reads the corpus statistics."""
    from pipeline.stages import STAGES, decode, repair
    stages = (decode, repair)
    assert STAGES[: len(stages)] == stages
    return stages


@functools.cache
def _process_module():
    """pipeline.process (imported here, once: it imports this module's importers)."""
    from pipeline import process
    return process


def decode_and_repair(inp: Input, data: bytes, config, sha256: str | None = None) -> tuple:
    """(document after decode and repair, decoded raw text, the stage that
    rejected it or ""), as pipeline.process computes them. ``sha256``: the
    hex digest of ``data``, when the caller has it already."""
    process_mod = _process_module()
    doc = Document(inp.id, inp.path, sha256 or hashlib.sha256(data).hexdigest(), len(data), raw=data)
    raw_text = ""
    for stage in first_stages():
        started = time.perf_counter()
        doc = stage.apply(doc, config)
        if process_mod.on_stage_time is not None:
            process_mod.on_stage_time(stage.NAME, time.perf_counter() - started)
        if stage.NAME == "decode":
            raw_text = doc.text
        if doc.rejection is not None:
            return doc, raw_text, stage.NAME
    return doc.replaced(raw=b""), raw_text, ""  # (Document.replaced: dataclasses.replace, cheaper)


def put(spill_dir: Path, doc, raw_chars: int, stage: str, line_keys: list | None = None) -> Location:
    """Append the document; ``raw_chars``: the length of its decoded raw text;
    ``line_keys``: corpus_stats.line_keys of its text, given back to
    corpus_stats when it is read (the second pass needs them too)."""
    key = (str(spill_dir), os.getpid())  # a forked worker writes a file of its own
    writer = _writers.get(key)
    if writer is None:
        path = os.path.join(key[0], f"{key[1]}.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o600)
        writer = _writers[key] = [path, fd, os.fstat(fd).st_size]
    path, fd, offset = writer
    values = _doc_tuple(doc)
    values[_TEXT] = None  # (after the JSON line)
    text = _utf8(doc.text)
    head = serialize.dumps([FORMAT, values, stage, raw_chars, len(text), line_keys])
    data = b"%s\n%s" % (head.encode("utf-8", "surrogatepass"), text)
    written = 0
    while written < len(data):  # unbuffered: another process reads it in the second pass
        written += os.write(fd, data[written:])
    writer[2] += len(data)
    return path, offset, len(data)


def get(location: Location) -> tuple | None:
    """The (document, raw chars, stage) put there; None when it cannot be read."""
    path, offset, length = location
    try:
        fd = _readers.get(path)
        if fd is None:
            _close_readers_outside(os.path.dirname(path))
            fd = _readers[path] = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        data = os.pread(fd, length, offset)
        head = data.index(b"\n")  # JSON escapes line breaks in strings: the first ends it
        tag, doc, stage, raw_chars, text_bytes, line_keys = json.loads(data[:head].decode("utf-8", "surrogatepass"))
        if tag != FORMAT or not isinstance(stage, str) or type(raw_chars) is not int or raw_chars < 0 \
                or len(data) - head - 1 != text_bytes:
            return None
        doc = _doc_from(doc, data[head + 1:].decode("utf-8", "surrogatepass"))
        if isinstance(line_keys, list) and doc.rejection is None:
            # The header stage splits this same text first thing: split it here,
            # once (pipeline.lines keeps its lines), and take the counted lines from it.
            counted = content_lines(doc.text)[:corpus_stats.MAX_LINES_PER_DOC]
            corpus_stats.remember(doc.text, line_keys, list(map(_text_of, counted)))
        return doc, raw_chars, stage
    except (OSError, ValueError, TypeError, KeyError):
        return None


def close_all() -> None:
    for _, fd, _ in _writers.values():
        os.close(fd)
    _writers.clear()
    _close_readers_outside(None)


def _close_readers_outside(directory: str | None) -> None:
    """Close this process's readers of other runs' spill files (a worker that
    outlives a run would otherwise keep them, removed, on disk)."""
    for path in [p for p in _readers if os.path.dirname(p) != directory]:
        os.close(_readers.pop(path))


def _utf8(text: str) -> bytes:
    """The text in UTF-8, lone surrogates (undecodable raw bytes) included."""
    try:
        return text.encode("utf-8")  # twice as fast without an error handler
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _doc_tuple(doc) -> list:
    """The document's fields (but raw) as plain lists and values."""
    values = list(map(vars(doc).__getitem__, _SPILLED))
    values[_EDITS] = tuple(map(_edit_values, values[_EDITS]))
    values[_RECORDS] = tuple([getattr(r, k) for k in _RECORD_FIELDS] for r in values[_RECORDS])
    rejection = values[_REJECTION]
    values[_REJECTION] = (rejection.reason, rejection.detail) if rejection else None
    return values


def _doc_from(values: list, text: str) -> Document:
    """Document(**fields, raw=b""), built as document._copy builds a copy
    (Document's __init__ derives and checks nothing)."""
    if type(values) is not list or len(values) != len(_SPILLED) or values[_TEXT] is not None:
        raise ValueError("not a spilled document")
    values[_TEXT] = text
    for i in _TUPLES_AT:
        values[i] = tuple(values[i])
    edits = values[_EDITS]
    if not set(map(len, edits)) <= _EDIT_LENGTH:
        raise ValueError("not a spilled edit")
    values[_EDITS] = tuple([Edit(*e) for e in edits])  # (Edit's __init__ fills its dict directly: no copy needed)
    values[_RECORDS] = tuple(Record(*r) for r in values[_RECORDS])
    values[_REJECTION] = Rejection(*values[_REJECTION]) if values[_REJECTION] else None
    values.insert(_RAW, b"")
    doc = object.__new__(Document)
    doc.__dict__.update(zip(_DOC_FIELDS, values))  # in declaration order, as __init__ sets them
    return doc

