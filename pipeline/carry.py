"""What each document put in the last version, kept in the cache so that a
re-run copies the parent version's bytes of every document that did not
change instead of writing them again (pipeline.rerun).

Kept in the cache's SQLite file (pipeline.cache), in this module's tables,
written in the cache's one transaction: the rows describe exactly the
Results the cache's outcome rows hold, as the run that wrote both put them
in its version. Per document (key (id, path), in input order, as the
version's files): the length in bytes of its part of each file of FILES
(report.json's parts are separated by a comma), its duplicate band keys
when it was screened for duplicates, its duplicate detail when screened
out, and what the report's tallies and the manifest take of it. Per run:
the version those lengths describe, the sha256 and size of its files and
where its documents start in report.json and report.md.

A re-run trusts these only for the parent version they name, when its
manifest's sha256s and its files' sizes are those recorded; else it takes the
full path, which writes every row again.
"""

from __future__ import annotations

import json
import os
import sqlite3
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline import serialize

FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")
SEPARATORS = (b"", b"", b"", b",", b"")  # between two documents' parts of each file
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS carry_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS carry (
        id TEXT NOT NULL, path TEXT NOT NULL, lens BLOB NOT NULL, bands BLOB, dup TEXT, tally TEXT NOT NULL,
        record BLOB, PRIMARY KEY (id, path)) WITHOUT ROWID""",
)  # bands NULL: not screened (rejected before); b"": screened, without words; record: its digest and signature


class Unusable(Exception):
    """The rows do not describe the parent version: take the full path."""


@dataclass(frozen=True)
class Row:
    id: str
    path: str
    lens: tuple[int, ...]  # bytes of its part of each of FILES
    bands: bytes | None  # little-endian uint32 band keys; None: not screened
    dup: str | None  # the duplicate detail, when screened out
    tally: str  # Tally.to_json of the final Result

    @property
    def member(self) -> bool:
        """In the duplicate index: screened and kept."""
        return self.bands is not None and self.dup is None


class Tally:
    """What the report's tallies and the manifest take of a final Result
    (``pipeline.report.Tally.add``, ``pipeline.to_review.Review.add``)."""

    __slots__ = ("id", "path", "reason", "chars_in", "chars_out", "records", "rule_edits", "near_threshold",
                 "sha256", "size")

    def __init__(self, doc_id: str, path: str, values: list) -> None:
        self.id, self.path = doc_id, path
        (self.reason, self.chars_in, self.chars_out, self.records, self.rule_edits, self.near_threshold,
         self.sha256, self.size) = values

    @property
    def kept(self) -> bool:
        return self.reason is None

    @staticmethod
    def to_json(r) -> str:
        # serialize.dumps: json.dumps(..., ensure_ascii=False, separators=(",", ":")) without
        # building an encoder per call (once per document in a run's main process)
        return serialize.dumps([r.reason, r.chars_in, r.chars_out, r.records, r.rule_edits, r.near_threshold,
                                r.sha256, r.size])

    @classmethod
    def of_row(cls, row: Row) -> "Tally":
        return cls(row.id, row.path, json.loads(row.tally))


def pieces(res) -> tuple[bytes, ...]:
    """A final Result's part of each of FILES (report.json's without its comma):
    its lines are UTF-8 already (pipeline.result)."""
    return (res.document_line, res.record_lines, res.rejected_line, res.report_entry() + b"\n",
            res.markdown_section())


def row_values(res, parts: tuple[bytes, ...], fp, dup: str | None) -> tuple:
    """The row of a final Result; ``fp``: its duplicate fingerprint when it was screened."""
    return (res.id, res.path, array("Q", map(len, parts)).tobytes(), None if fp is None else fp.bands, dup,
            Tally.to_json(res), None if fp is None else fp.digest + fp.signature)


def record(db: sqlite3.Connection, doc_id: str, path: str) -> bytes:
    """The digest and signature of a screened document (pipeline.dedup's record)."""
    row = db.execute("SELECT record FROM carry WHERE id = ? AND path = ?", (doc_id, path)).fetchone()
    if row is None or row[0] is None:
        raise Unusable(f"no duplicate record for {path}")
    return row[0]


def prepare(db: sqlite3.Connection) -> None:
    """The tables (inside the cache's transaction: not executescript, which commits)."""
    for statement in SCHEMA:
        db.execute(statement)


def rows(db: sqlite3.Connection) -> Iterator[Row]:
    for doc_id, path, lens, bands, dup, tally in db.execute(
            "SELECT id, path, lens, bands, dup, tally FROM carry ORDER BY id, path"):
        yield Row(doc_id, path, tuple(array("Q", lens)), bands, dup, tally)


def band_rows(db: sqlite3.Connection) -> Iterator[tuple[str, str, bytes | None]]:
    yield from db.execute("SELECT id, path, bands FROM carry ORDER BY id, path")


def put(db: sqlite3.Connection, values: tuple) -> None:
    db.execute("INSERT OR REPLACE INTO carry VALUES (?, ?, ?, ?, ?, ?, ?)", values)


def start_pending(db: sqlite3.Connection) -> None:
    """A temporary table for the rows a re-run puts and deletes while it scans
    ``carry`` (writing a table during a scan of it may move the scan; held in
    memory instead, they would grow with the number of changed documents)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS carry_pending (id TEXT NOT NULL, path TEXT NOT NULL, lens BLOB, "
               "bands BLOB, dup TEXT, tally TEXT, record BLOB, gone INTEGER NOT NULL)")
    db.execute("DELETE FROM carry_pending")


def put_pending(db: sqlite3.Connection, values: tuple) -> None:
    db.execute("INSERT INTO carry_pending VALUES (?, ?, ?, ?, ?, ?, ?, 0)", values)


def delete_pending(db: sqlite3.Connection, doc_id: str, path: str) -> None:
    db.execute("INSERT INTO carry_pending (id, path, gone) VALUES (?, ?, 1)", (doc_id, path))


def apply_pending(db: sqlite3.Connection) -> None:
    """The pending deletes, then the pending puts, into ``carry``."""
    db.execute("DELETE FROM carry WHERE (id, path) IN (SELECT id, path FROM carry_pending WHERE gone)")
    db.execute("INSERT OR REPLACE INTO carry SELECT id, path, lens, bands, dup, tally, record "
               "FROM carry_pending WHERE NOT gone ORDER BY rowid")
    db.execute("DELETE FROM carry_pending")


def delete(db: sqlite3.Connection, doc_id: str, path: str) -> None:
    db.execute("DELETE FROM carry WHERE id = ? AND path = ?", (doc_id, path))


def clear(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM carry")
    db.execute("DELETE FROM carry_meta")


def put_version(db: sqlite3.Connection, name: str, outputs: dict, sizes: dict, starts: list[int]) -> None:
    """The version the rows describe (its files' sha256s, sizes, where documents start)."""
    value = {"version": name, "sha256": {f: outputs[f]["sha256"] for f in FILES},
             "lines": {f: outputs[f]["lines"] for f in FILES}, "sizes": {f: sizes[f] for f in FILES},
             "starts": starts}
    db.execute("INSERT OR REPLACE INTO carry_meta VALUES ('version', ?)", (json.dumps(value),))


def forget_version(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM carry_meta WHERE name = 'version'")


@dataclass(frozen=True)
class Parent:
    """The parent version the rows describe, verified."""

    dir: Path
    starts: list[int]  # where the first document's part starts in each of FILES
    sizes: list[int]  # of each of FILES
    lines: list[int]  # newlines in each of FILES


def parent(db: sqlite3.Connection, clean_dir: Path, name: str | None) -> Parent | None:
    """The parent version, when the rows describe it; else None."""
    if name is None:
        return None
    try:
        row = db.execute("SELECT value FROM carry_meta WHERE name = 'version'").fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    meta = json.loads(row[0])
    vdir = clean_dir / name
    if meta["version"] != name or "lines" not in meta or _manifest_sha256(vdir) != meta["sha256"]:
        return None
    for f in FILES:
        try:
            if os.stat(vdir / f).st_size != meta["sizes"][f]:
                return None
        except OSError:
            return None
    return Parent(vdir, meta["starts"], [meta["sizes"][f] for f in FILES], [meta["lines"][f] for f in FILES])


def _manifest_sha256(vdir: Path) -> dict | None:
    """The sha256 of each of FILES as the version's manifest records them.
    Its "outputs" come after its inputs: found from the end (a path holding
    the pattern would be escaped: no raw newline is in a JSON string)."""
    try:
        text = (vdir / "manifest.json").read_text(encoding="utf-8")
        at = text.rfind('\n  "outputs": ')
        if at < 0:
            return None
        outputs, _ = json.JSONDecoder().raw_decode(text, at + len('\n  "outputs": '))
        return {f: outputs[f]["sha256"] for f in FILES}
    except (OSError, ValueError, KeyError, TypeError):
        return None
