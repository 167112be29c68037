"""What changed between a version and its parent, in bounded memory.

documents.jsonl and records.jsonl are written in id order (inputs are
processed sorted by id; a document's records follow it), so the parent's
and the new files are merged like two sorted streams: one document (and its
records) at a time is in memory. Ids that changed go to SpillLists. Files
not in that order (written by other code) are compared with dicts, as a
fallback that gives the same answer.
"""

from __future__ import annotations

import hashlib
import json
from itertools import groupby
from pathlib import Path
from typing import Iterator

from pipeline.spill import SpillList

DOCUMENT_KEYS = ("documents_added", "documents_removed", "documents_changed")


class OutOfOrder(Exception):
    """A file's ids are not increasing: merging would be wrong."""


def compare(new_dir: Path, parent_dir: Path | None, spill_dir: Path) -> dict:
    """The report's ``changes``: ids of documents added, removed and changed
    (SpillLists, in id order) and counts of records added, removed, changed."""
    try:
        return _merged(new_dir, parent_dir, spill_dir)
    except OutOfOrder:
        return _with_dicts(new_dir, parent_dir, spill_dir)


class Written:
    """``compare`` against no parent, learned while the version's documents
    are written (in file order) instead of by reading its files back: every
    document is added, with its records. Ids out of order: ``changes()`` is
    None and ``compare`` decides (tests/test_streaming.py checks both agree)."""

    def __init__(self, spill_dir: Path) -> None:
        self.spill_dir = spill_dir
        self.ids = SpillList(spill_dir)
        self.records = 0
        self.last: str | None = None
        self.in_order = True

    def add(self, doc_id: str, records: int) -> None:
        """A kept document written to documents.jsonl, with ``records`` lines of records.jsonl."""
        if self.last is not None and doc_id <= self.last:
            self.in_order = False
        elif self.in_order:
            self.ids.append(doc_id)
        self.last = doc_id
        self.records += records

    def changes(self) -> dict | None:
        if not self.in_order:
            return None
        return {"documents_added": self.ids, "documents_removed": SpillList(self.spill_dir),
                "documents_changed": SpillList(self.spill_dir),
                "records_added": self.records, "records_removed": 0, "records_changed": 0}


_DECODER = json.JSONDecoder()


def _lines(path: Path | None, keys: tuple[str, ...] = ("id",)) -> Iterator[tuple[dict, str]]:
    """(the line's leading ``keys``, the hash of the line) for every line."""
    if path is None or not path.exists():
        return
    with open(path, "rb") as f:
        for raw in f:
            yield head(raw.decode("utf-8"), keys), hashlib.sha256(raw).hexdigest()


def head(line: str, keys: tuple[str, ...]) -> dict:
    """The values of the line's first keys, read without parsing the rest of
    it (a document's text is most of its line); the whole line is parsed
    when it does not begin with those keys, in that order."""
    out, pos = {}, 0
    for i, key in enumerate(keys):
        prefix = f'{"{" if i == 0 else ","}"{key}":'
        if not line.startswith(prefix, pos):
            obj = json.loads(line)
            return {k: obj[k] for k in keys}
        out[key], pos = _DECODER.raw_decode(line, pos + len(prefix))
    return out


def _documents(path: Path | None) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(id, hash of its line, [(record id, hash)]) per document, in file
    order, from documents.jsonl and the records.jsonl beside it."""
    records = groupby(_lines(path.with_name("records.jsonl") if path else None, ("id", "doc_id")),
                      key=lambda r: r[0]["doc_id"])
    pending = next(records, None)
    last = None
    for obj, h in _lines(path):
        doc_id = obj["id"]
        if last is not None and doc_id <= last:
            raise OutOfOrder(path)
        last = doc_id
        recs = []
        if pending is not None and pending[0] == doc_id:
            recs = [(r["id"], rh) for r, rh in pending[1]]
            pending = next(records, None)
        yield doc_id, h, recs
    if pending is not None:  # records of no document, or not in the documents' order
        raise OutOfOrder(path)


def _merged(new_dir: Path, parent_dir: Path | None, spill_dir: Path) -> dict:
    out = {k: SpillList(spill_dir) for k in DOCUMENT_KEYS}
    counts = {"records_added": 0, "records_removed": 0, "records_changed": 0}
    new = _documents(new_dir / "documents.jsonl")
    old = _documents(parent_dir / "documents.jsonl" if parent_dir else None)
    a, b = next(new, None), next(old, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            out["documents_added"].append(a[0])
            counts["records_added"] += len(a[2])
            a = next(new, None)
        elif a is None or b[0] < a[0]:
            out["documents_removed"].append(b[0])
            counts["records_removed"] += len(b[2])
            b = next(old, None)
        else:
            if a[1] != b[1]:
                out["documents_changed"].append(a[0])
            count_records(dict(a[2]), dict(b[2]), counts)
            a, b = next(new, None), next(old, None)
    return {**out, **counts}


def count_records(new: dict, old: dict, counts: dict) -> None:
    counts["records_added"] += len(new.keys() - old.keys())
    counts["records_removed"] += len(old.keys() - new.keys())
    counts["records_changed"] += sum(1 for k in new.keys() & old.keys() if new[k] != old[k])


def _hashes(path: Path | None) -> dict[str, str]:
    return {obj["id"]: h for obj, h in _lines(path)}


def _with_dicts(new_dir: Path, parent_dir: Path | None, spill_dir: Path) -> dict:
    """The same answer for files in any order, with every id in memory."""
    old_docs = _hashes(parent_dir / "documents.jsonl" if parent_dir else None)
    old_recs = _hashes(parent_dir / "records.jsonl" if parent_dir else None)
    new_docs = _hashes(new_dir / "documents.jsonl")
    new_recs = _hashes(new_dir / "records.jsonl")
    ids = {
        "documents_added": sorted(new_docs.keys() - old_docs.keys()),
        "documents_removed": sorted(old_docs.keys() - new_docs.keys()),
        "documents_changed": sorted(k for k in new_docs.keys() & old_docs.keys() if new_docs[k] != old_docs[k]),
    }
    out = {}
    for key, values in ids.items():
        out[key] = SpillList(spill_dir)
        for v in values:
            out[key].append(v)
    counts = {"records_added": 0, "records_removed": 0, "records_changed": 0}
    count_records(new_recs, old_recs, counts)
    return {**out, **counts}
