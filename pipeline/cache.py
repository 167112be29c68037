"""The per-document cache: the work that depends on nothing but the input's
bytes, the config and the code, kept between runs and between the two passes
of a run.

decode and repair (ftfy, the dearest per-document work) depend only on the
raw bytes and the config, so their output is cached under the raw bytes'
sha256, in a directory named after the config hash and the code version: a
change to either starts a new directory (the old ones are removed), so an
entry can never be stale. The stages after repair read the corpus statistics
of the first pass, which change whenever any document changes: their outcome
is cached with the questions it asked the statistics and the answers it got
(``Recorder``), and reused only when today's statistics answer the same.

Entries are JSON (never pickle: nothing read from disk is executed), written
to a temporary file and renamed, so a killed run or two workers writing the
same entry leave a complete entry or none. The cache lives in
``<clean>/.cache/``; deleting it only costs time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from pipeline import process as process_mod
from pipeline.config import Config
from pipeline.corpus import Input
from pipeline.document import Document, Edit, Rejection
from pipeline.stages import STAGES, decode, repair

CACHED_STAGES = (decode, repair)  # the leading stages whose output is cached
assert STAGES[: len(CACHED_STAGES)] == CACHED_STAGES
EDIT_FIELDS = [f.name for f in dataclasses.fields(Edit)]


def key_dir(cache_root: Path, config: Config, code_sha256: str) -> Path:
    h = hashlib.sha256(f"{code_sha256}\0{config.hash}\0{len(CACHED_STAGES)}".encode()).hexdigest()
    return cache_root / h[:20]


def prepare(cache_root: Path, config: Config, code_sha256: str) -> Path:
    """The cache directory for this config and code; other (stale) ones are removed."""
    current = key_dir(cache_root, config, code_sha256)
    if cache_root.is_dir():
        for p in cache_root.iterdir():
            if p != current and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
    current.mkdir(parents=True, exist_ok=True)
    return current


def _path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / sha256[:2] / f"{sha256}.json"


def _load(path: Path, inp: Input, size: int, sha256: str) -> tuple[Document, str, str] | None:
    try:
        with open(path, encoding="utf-8") as f:
            e = json.load(f)
        doc = Document(
            id=inp.id, source_file=inp.path, source_sha256=sha256, source_size=size,
            text=e["text"], encoding=e["encoding"],
            edits=tuple(Edit(**dict(zip(EDIT_FIELDS, v))) for v in e["edits"]),
            rejection=Rejection(*e["rejection"]) if e["rejection"] else None,
        )
        return doc, e["raw_text"], e["stage"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: recompute


def _store(path: Path, doc: Document, raw_text: str, stage: str) -> None:
    entry = {
        "stage": stage, "raw_text": raw_text, "text": doc.text, "encoding": doc.encoding,
        "edits": [[getattr(e, f) for f in EDIT_FIELDS] for e in doc.edits],
        "rejection": [doc.rejection.reason, doc.rejection.detail] if doc.rejection else None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(entry, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def run_cached_stages(inp: Input, data: bytes, config: Config) -> tuple[Document, str, str]:
    """(document after decode and repair, decoded raw text, the stage that
    rejected it or ""), computed as pipeline.process computes them."""
    doc = Document(inp.id, inp.path, hashlib.sha256(data).hexdigest(), len(data), raw=data)
    raw_text = ""
    for stage in CACHED_STAGES:
        started = time.perf_counter()
        doc = stage.apply(doc, config)
        if process_mod.on_stage_time is not None:
            process_mod.on_stage_time(stage.NAME, time.perf_counter() - started)
        if stage is decode:
            raw_text = doc.text
        if doc.rejection is not None:
            return doc, raw_text, stage.NAME
    return doc, raw_text, ""


def cached_stages(inp: Input, data: bytes, shared) -> tuple[Document, str, str]:
    """(document after decode and repair, decoded raw text), from the cache
    when it holds this input's bytes, else computed (and stored)."""
    if shared.cache_dir is None:
        return run_cached_stages(inp, data, shared.config)
    sha256 = hashlib.sha256(data).hexdigest()
    path = _path(shared.cache_dir, sha256)
    hit = _load(path, inp, len(data), sha256)
    if hit is not None:
        return hit
    doc, raw_text, stage = run_cached_stages(inp, data, shared.config)
    _store(path, doc, raw_text, stage)
    return doc, raw_text, stage


def decoded_and_repaired(inp: Input, data: bytes, shared) -> Document:
    return cached_stages(inp, data, shared)[0]


# Whole outcomes. The stages after repair read the corpus statistics only
# through these methods; a Recorder notes every question and its answer. An
# outcome is reused when the new statistics give the same answer to every
# question its document asked: the stages are pure functions of the document,
# the config, the code and those answers, so the outcome is the same.
TRACKED = ("is_repeated", "line_documents", "threshold")


class Recorder:
    """The corpus statistics, noting the questions asked and their answers.
    Any other use of the statistics makes the outcome uncacheable (opaque)."""

    def __init__(self, stats) -> None:
        self._stats = stats
        self.answers: dict[tuple, object] = {}
        self.opaque = False

    def __getattr__(self, name: str):
        value = getattr(self._stats, name)
        if name not in TRACKED:
            self.opaque = True
            return value

        def asked(*args):
            answer = value(*args)
            self.answers[(name, *args)] = answer
            return answer
        return asked


def _doc_obj(doc: Document) -> dict:
    out = {}
    for f in dataclasses.fields(Document):
        value = getattr(doc, f.name)
        if f.name == "raw":
            continue
        if f.name == "edits":
            value = [[getattr(e, k) for k in EDIT_FIELDS] for e in value]
        elif f.name == "records":
            value = [dataclasses.asdict(r) for r in value]
        elif f.name == "rejection":
            value = [value.reason, value.detail] if value else None
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _doc_from(obj: dict) -> Document:
    from pipeline.document import Record
    values = {}
    for f in dataclasses.fields(Document):
        if f.name == "raw":
            continue
        value = obj[f.name]
        if f.name == "edits":
            value = tuple(Edit(**dict(zip(EDIT_FIELDS, v))) for v in value)
        elif f.name == "records":
            value = tuple(Record(**r) for r in value)
        elif f.name == "rejection":
            value = Rejection(*value) if value else None
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return Document(**values)


def _outcome_path(cache_dir: Path, inp: Input, sha256: str) -> Path:
    h = hashlib.sha256(f"{sha256}\0{inp.id}\0{inp.path}".encode()).hexdigest()
    return cache_dir / h[:2] / f"{h}.outcome.json"


def cached_outcome(inp: Input, data: bytes, shared):
    """The outcome a previous run stored for these bytes, id and path, when
    the current statistics answer its questions as before; else None."""
    from pipeline.process import Outcome
    if shared.cache_dir is None:
        return None
    path = _outcome_path(shared.cache_dir, inp, hashlib.sha256(data).hexdigest())
    try:
        with open(path, encoding="utf-8") as f:
            entry = json.load(f)
        stats = shared.stats
        for name, *args, answer in entry["answers"]:
            if stats is None or getattr(stats, name)(*args) != answer:
                return None
        return Outcome(_doc_from(entry["doc"]), entry["raw_text"], entry["stage"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_outcome(inp: Input, data: bytes, shared, outcome, recorder: Recorder | None) -> None:
    if shared.cache_dir is None or (recorder is not None and recorder.opaque):
        return
    answers = [[*question, answer] for question, answer in (recorder.answers.items() if recorder else ())]
    entry = {"answers": answers, "stage": outcome.stage, "raw_text": outcome.raw_text, "doc": _doc_obj(outcome.doc)}
    path = _outcome_path(shared.cache_dir, inp, hashlib.sha256(data).hexdigest())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(entry, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)
