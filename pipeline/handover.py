"""Decode and repair, done once per run: the first pass needs the repaired
text (to count its lines), the second pass starts from it.

The first pass's worker appends the repaired document to a spill file of its
own (one per process, in the run's temporary directory) and hands on where it
lies; the second pass's worker, in whatever process, reads it back. JSON, not
pickle (nothing read from disk is executed). A spilled document that cannot be
read back (an executor on another machine, a vanished file) is decoded and
repaired again: the spill only saves time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

from pipeline.corpus import Input

Location = tuple[str, int, int]  # (file, offset, length)
_files: dict[str, object] = {}  # spill file path -> this process's open file


def first_stages():
    """The stages before the first that reads the corpus statistics."""
    from pipeline.stages import STAGES, decode, repair
    stages = (decode, repair)
    assert STAGES[: len(stages)] == stages
    return stages


def decode_and_repair(inp: Input, data: bytes, config) -> tuple:
    """(document after decode and repair, decoded raw text, the stage that
    rejected it or ""), as pipeline.process computes them."""
    from pipeline import process as process_mod
    from pipeline.document import Document
    doc = Document(inp.id, inp.path, hashlib.sha256(data).hexdigest(), len(data), raw=data)
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
    return dataclasses.replace(doc, raw=b""), raw_text, ""


def put(spill_dir: Path, doc, raw_text: str, stage: str) -> Location:
    path = str(spill_dir / f"{os.getpid()}.jsonl")
    f = _files.get(path)
    if f is None:
        f = _files[path] = open(path, "ab")
    data = json.dumps([_doc_obj(doc), raw_text, stage], ensure_ascii=False, separators=(",", ":")).encode()
    offset = f.tell()
    f.write(data)
    f.flush()  # another process reads it in the second pass
    return path, offset, len(data)


def get(location: Location) -> tuple | None:
    """The (document, raw text, stage) put there; None when it cannot be read."""
    path, offset, length = location
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(length)
        doc, raw_text, stage = json.loads(data)
        return _doc_from(doc), raw_text, stage
    except (OSError, ValueError, TypeError, KeyError):
        return None


def close_all() -> None:
    for f in _files.values():
        f.close()
    _files.clear()


def _doc_obj(doc) -> dict:
    from pipeline.document import Edit
    out = {}
    for f in dataclasses.fields(doc):
        value = getattr(doc, f.name)
        if f.name == "raw":
            continue
        if f.name == "edits":
            value = [[getattr(e, k.name) for k in dataclasses.fields(Edit)] for e in value]
        elif f.name == "records":
            value = [dataclasses.asdict(r) for r in value]
        elif f.name == "rejection":
            value = [value.reason, value.detail] if value else None
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _doc_from(obj: dict):
    from pipeline.document import Document, Edit, Record, Rejection
    names = [k.name for k in dataclasses.fields(Edit)]
    values = {}
    for f in dataclasses.fields(Document):
        if f.name == "raw":
            continue
        value = obj[f.name]
        if f.name == "edits":
            value = tuple(Edit(**dict(zip(names, v))) for v in value)
        elif f.name == "records":
            value = tuple(Record(**r) for r in value)
        elif f.name == "rejection":
            value = Rejection(*value) if value else None
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return Document(**values)
