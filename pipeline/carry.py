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
the version those lengths describe, the sha256 and size of its files,
where its documents start in report.json and report.md, and the report's
counts over all the rows (``totals``).

A re-run trusts these only for the parent version they name, when its
manifest's sha256s and its files' sizes are those recorded; else it takes the
full path, which writes every row again.

They are also where a reused document's text is: the cache keeps no output
text, so a reused Result's lines and report parts are read back from the
parent's files at the offsets the rows give (``Old``, ``texts``). A document
whose parts are not there (no verified parent, no row, or screened out as a
duplicate in the parent: its document line was never written) is processed
again.
"""

from __future__ import annotations

import json
import os
import sqlite3
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline import serialize, spill
from pipeline.corpus import doc_id
from pipeline.pending import Pending

FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")
SEPARATORS = (b"", b"", b"", b",", b"")  # between two documents' parts of each file
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS carry_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS carry (
        id TEXT NOT NULL, path TEXT NOT NULL, lens BLOB NOT NULL, bands BLOB, dup TEXT, odd_id TEXT,
        entry TEXT NOT NULL, size INTEGER NOT NULL, tally TEXT NOT NULL, record BLOB, PRIMARY KEY (id, path)) WITHOUT ROWID""",
)  # bands NULL: not screened (rejected before); b"": screened, without words; odd_id: the id when it is
# not its path's (corpus.doc_id), else NULL; entry: its manifest entry (``manifest_line``), size: its
# input's, these three for a re-run's copies; record: its digest and signature
COLUMNS = "id, path, lens, bands, dup, odd_id, entry, size, tally, record"


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
            None if res.id == doc_id(res.path) else res.id, manifest_line(res.path, res.sha256, res.size), res.size,
            Tally.to_json(res),
            None if fp is None else fp.digest + fp.signature)


def manifest_line(path: str, sha256: str | None, size: int) -> str:
    """A Result's entry in the manifest's inputs as pipeline.spill.FlatDicts
    keeps the values (path, sha256 or None, size): a re-run hands on those
    of a run of copied rows as they are."""
    return spill.flat_line(path, sha256 or None, size)


def prepare(db: sqlite3.Connection) -> None:
    """The tables (inside the cache's transaction: not executescript, which commits)."""
    for statement in SCHEMA:
        db.execute(statement)


def rows(db: sqlite3.Connection, table: str = "carry") -> Iterator[Row]:
    return map(row_of, row_values_of(db, table))


def row_values_of(db: sqlite3.Connection, table: str = "carry") -> Iterator[tuple]:
    """The rows as SQLite gives them, (id, path, lens, bands, dup, tally)
    (``row_of`` makes a Row of them)."""
    return iter(db.execute(f"SELECT id, path, lens, bands, dup, tally FROM {table} ORDER BY id, path"))


def row_of(values: tuple) -> Row:
    doc_id, path, lens, bands, dup, tally = values
    return Row(doc_id, path, tuple(array("Q", lens)), bands, dup, tally)


def copy_rows(db: sqlite3.Connection) -> sqlite3.Cursor:
    """The rows in order, as a re-run compares them with its inputs and
    copies them, a batch at a time (pipeline.rerun): (the path as UTF-8; the
    id, only when it is not the path's (corpus.doc_id), else None; lens,
    bands, dup, entry, size, record). No tally: it is long, and few rows need it."""
    return db.execute(
        "SELECT CAST(path AS BLOB), odd_id, lens, bands, dup, entry, size, record FROM carry ORDER BY id, path")


def tallies(db: sqlite3.Connection) -> sqlite3.Cursor:
    """The rows' tallies, in order."""
    return db.execute("SELECT tally FROM carry ORDER BY id, path")


def tally_of(db: sqlite3.Connection, doc_id: str, path: str) -> str:
    row = db.execute("SELECT tally FROM carry WHERE id = ? AND path = ?", (doc_id, path)).fetchone()
    if row is None:
        raise Unusable(f"no row for {path}")
    return row[0]


def _tail(tally: str) -> tuple[str, str]:
    """(the sha256 as JSON, the size) that end a row's Tally.to_json: a JSON
    list without spaces, whose last two items hold no comma."""
    _, sha256, size = tally.rsplit(",", 2)
    return sha256, size[:-1]  # (the list's "]")


def near_threshold_of(tally: str) -> list:
    """A row's review items (its Tally's near_threshold) from its
    Tally.to_json, decoded only when there are some (most rows have none:
    ``[]`` is then the item before the list's last two)."""
    if tally.rsplit(",", 2)[0].endswith(",[]"):
        return []
    return json.loads(tally)[5]


def input_rows(db: sqlite3.Connection) -> Iterator[tuple[str, str, str | None]]:
    """(id, path, the sha256 of its input: None when it had none) of each row, in order."""
    for doc_id, path, tally in db.execute("SELECT id, path, tally FROM carry ORDER BY id, path"):
        sha256 = _tail(tally)[0]
        yield doc_id, path, sha256[1:-1] if sha256.startswith('"') else None


def put(db: sqlite3.Connection, values: tuple) -> None:
    db.execute("INSERT OR REPLACE INTO carry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


def pending(db: sqlite3.Connection) -> Pending:
    """The rows a re-run puts and deletes while it scans ``carry`` (pipeline.pending)."""
    return Pending(db, "carry", ("id TEXT NOT NULL", "path TEXT NOT NULL", "lens BLOB", "bands BLOB", "dup TEXT",
                                 "odd_id TEXT", "entry TEXT", "size INTEGER", "tally TEXT", "record BLOB"), COLUMNS)


def delete(db: sqlite3.Connection, doc_id: str, path: str) -> None:
    db.execute("DELETE FROM carry WHERE id = ? AND path = ?", (doc_id, path))


def clear(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM carry")
    db.execute("DELETE FROM carry_meta")


def put_version(db: sqlite3.Connection, name: str, outputs: dict, sizes: dict, starts: list[int],
                totals: dict) -> None:
    """The version the rows describe (its files' sha256s, sizes, where
    documents start) and the report's counts over the rows (``totals``)."""
    value = {"version": name, "sha256": {f: outputs[f]["sha256"] for f in FILES},
             "lines": {f: outputs[f]["lines"] for f in FILES}, "sizes": {f: sizes[f] for f in FILES},
             "starts": starts, "totals": totals}
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
    totals: dict  # the report's counts over the rows (``totals``)


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
    if meta["version"] != name or "totals" not in meta or _manifest_sha256(vdir) != meta["sha256"]:
        return None
    for f in FILES:
        try:
            if os.stat(vdir / f).st_size != meta["sizes"][f]:
                return None
        except OSError:
            return None
    return Parent(vdir, meta["starts"], [meta["sizes"][f] for f in FILES], [meta["lines"][f] for f in FILES],
                  meta["totals"])


def totals(tally, review) -> dict:
    """The report's counts over every row (pipeline.report.Tally,
    pipeline.to_review.Review): a re-run starts from them and takes back the
    rows it does not copy, instead of adding up every row."""
    return {"tally": tally.state(), "review": review.state()}


def _manifest_sha256(vdir: Path) -> dict | None:
    """The sha256 of each of FILES as the version's manifest records them."""
    outputs = manifest_outputs(vdir)
    return None if outputs is None else {f: outputs[f]["sha256"] for f in FILES}


OUTPUTS_AT = b'\n  "outputs": '  # where a manifest's "outputs" start (json.dump with indent=2)
TAIL = 1 << 14  # bytes read from a manifest's end at first to find its "outputs"


def manifest_outputs(vdir: Path) -> dict | None:
    """The "outputs" of the version's manifest (each of FILES present).
    They come after its inputs: found in a read of its end, as long as
    needed (the whole manifest, one entry per input, would be read for a few
    hundred bytes). A path holding the pattern would be escaped: no raw
    newline is in a JSON string."""
    try:
        with open(vdir / "manifest.json", "rb") as f:
            tail = _tail_from(f, OUTPUTS_AT)
        if tail is None:
            return None
        outputs, _ = json.JSONDecoder().raw_decode(tail[len(OUTPUTS_AT):].decode("utf-8"))
        return {f: {"sha256": outputs[f]["sha256"], "lines": outputs[f]["lines"]} for f in FILES}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _tail_from(f, pattern: bytes) -> bytes | None:
    """The end of the open file from the last ``pattern`` on, reading
    back from its end a doubling length at a time; None: not there."""
    size = f.seek(0, os.SEEK_END)
    length = TAIL
    while True:
        start = max(0, size - length)
        f.seek(start)
        tail = f.read()
        at = tail.rfind(pattern)
        if at >= 0:
            return tail[at:]
        if start == 0:
            return None
        length *= 2


COMPARED = 1 << 20  # bytes compared at a time
INPUTS_AT = b'\n  "inputs": '  # where a manifest's inputs start (after its small members)


def same_inputs_and_config(old: Path, new: Path) -> bool:
    """Two manifests (spill.dump's, indent 2) have the same config_hash and
    the same inputs: their inputs' bytes compared a chunk at a time (parsed,
    the manifest of a million inputs would take gigabytes). A manifest laid
    out otherwise is not the same (a new version is written: no harm)."""
    try:
        with open(old, "rb") as a, open(new, "rb") as b:
            (head_a, start_a, end_a), (head_b, start_b, end_b) = _inputs_span(a), _inputs_span(b)
        if json.loads(head_a)["config_hash"] != json.loads(head_b)["config_hash"] or \
                end_a - start_a != end_b - start_b:
            return False
    except (OSError, ValueError, KeyError, TypeError):  # (ValueError: no inputs or outputs found, bad JSON)
        return False
    return _same_bytes(old, start_a, new, start_b, end_a - start_a)


def _inputs_span(f) -> tuple[bytes, int, int]:
    """(the manifest's members before its inputs, as a JSON object; where
    its inputs start and end, "outputs" following them)."""
    head, at = b"", -1
    while at < 0:
        more = f.read(TAIL)
        if not more:
            raise ValueError("no inputs")
        head += more
        at = head.find(INPUTS_AT)  # (a string holds no raw newline: the first is the key)
    tail = _tail_from(f, OUTPUTS_AT)
    if tail is None:
        raise ValueError("no outputs")
    end = f.seek(0, os.SEEK_END) - len(tail)
    return head[:at].rstrip(b",") + b"}", at, end


def adopt(db: sqlite3.Connection, parent_dir: Path, tmp: Path, sizes: dict, starts: list[int],
          ends: list[int], totals: dict) -> bool:
    """After a run that wrote its rows but no version (its data files are
    the parent's, pipeline.version): record the rows as the parent's when
    the documents' parts of each of the parent's files (``starts`` to
    ``ends`` in the run's files in ``tmp``) are the bytes of the run's, so
    that the next run reuses and copies them. Only the report's heads and
    report.json's end (its counts) differ: the parts end each file but
    report.json, where they follow its opening (``DOCUMENTS_OPEN``).
    False: they are not (the caller forgets the rows' version)."""
    outputs = manifest_outputs(parent_dir)
    if outputs is None:
        return False
    parent_sizes, parent_starts = {}, []
    for f, name in enumerate(FILES):
        length = ends[f] - starts[f]
        try:
            parent_sizes[name] = os.stat(parent_dir / name).st_size
            start = _opened_at(parent_dir / name) if name == "report.json" else parent_sizes[name] - length
        except OSError:
            return False
        if start is None or start < 0 or not _same_bytes(tmp / name, starts[f], parent_dir / name, start, length):
            return False
        parent_starts.append(start)
    put_version(db, parent_dir.name, outputs, parent_sizes, parent_starts, totals)
    return True


DOCUMENTS_OPEN = b',"documents":[\n'  # in report.json, after its version and parent (pipeline.rerun)


def _opened_at(path: Path) -> int | None:
    """Where report.json's first document starts: after DOCUMENTS_OPEN,
    within its first TAIL bytes (its version and parent precede it)."""
    with open(path, "rb") as f:
        head = f.read(TAIL)
    at = head.find(DOCUMENTS_OPEN)
    return None if at < 0 else at + len(DOCUMENTS_OPEN)


def _same_bytes(a: Path, a_at: int, b: Path, b_at: int, length: int) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            fa.seek(a_at)
            fb.seek(b_at)
            while length > 0:
                n = min(COMPARED, length)
                chunk = fa.read(n)
                if len(chunk) != n or chunk != fb.read(n):
                    return False
                length -= n
        return True
    except OSError:
        return False


class Offsets:
    """Where each row's parts are in the parent's files, the rows taken in
    their order (input order): each part follows the previous row's, after
    the file's separator."""

    def __init__(self, starts: list[int]) -> None:
        self.next = list(starts)
        self.rows = 0

    def take(self, row: Row) -> list[int]:
        out = []
        for f, length in enumerate(row.lens):
            if self.rows and SEPARATORS[f]:
                self.next[f] += len(SEPARATORS[f])
            out.append(self.next[f])
            self.next[f] += length
        self.rows += 1
        return out


def read_parts(fds: list[int], row: Row, offsets: list[int]) -> tuple[bytes, ...]:
    """The row's part of each of FILES, read from the parent's open files."""
    out = []
    for f, fd in enumerate(fds):
        data = os.pread(fd, row.lens[f], offsets[f])
        if len(data) != row.lens[f]:
            raise Unusable(f"{FILES[f]} of the parent is shorter than recorded")
        out.append(data)
    return tuple(out)


OLD = "carry_old"  # a full run's copy of the rows of the parent (it writes ``carry`` anew as it goes)


class Old:
    """The parent's parts of the documents a full run reuses: the rows
    copied to a temporary table before the run writes its own, then looked
    up in input order (one scan per pass over the inputs, ``scan``)."""

    def __init__(self, db: sqlite3.Connection, parent: Parent) -> None:
        self.db, self.parent = db, parent
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {OLD} (id TEXT NOT NULL, path TEXT NOT NULL, lens BLOB NOT NULL, "
                   "bands BLOB, dup TEXT, tally TEXT NOT NULL, record BLOB, PRIMARY KEY (id, path)) WITHOUT ROWID")
        db.execute(f"DELETE FROM {OLD}")
        db.execute(f"INSERT INTO {OLD} SELECT id, path, lens, bands, dup, tally, record FROM carry")
        self.fds = [os.open(parent.dir / f, os.O_RDONLY) for f in FILES]

    def scan(self) -> "Lookup":
        return Lookup(self)

    def record(self, doc_id: str, path: str) -> bytes | None:
        row = self.db.execute(f"SELECT record FROM {OLD} WHERE id = ? AND path = ?", (doc_id, path)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []  # the table goes with the connection (a scan of it may still be open)


class Lookup:
    """Rows of ``Old`` found by (id, path), asked in input order."""

    def __init__(self, old: Old) -> None:
        self.old = old
        self._rows = rows(old.db, OLD)
        self._row = next(self._rows, None)
        self._offsets = Offsets(old.parent.starts)
        self._at: list[int] = []

    def find(self, key: tuple[str, str]) -> Row | None:
        """The row of ``key`` if any (rows before it are passed over)."""
        while self._row is not None and (self._row.id, self._row.path) < key:
            self._offsets.take(self._row)
            self._row = next(self._rows, None)
        row = self._row
        if row is None or (row.id, row.path) != key:
            return None
        self._at = self._offsets.take(row)
        self._row = next(self._rows, None)
        return row

    def parts(self, row: Row) -> tuple[bytes, ...]:
        """The parts of the row ``find`` gave last."""
        return read_parts(self.old.fds, row, self._at)


def texts(doc_id: str, reason: str | None, parts: tuple[bytes, ...]) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """(document_line, record_lines, rejected_line, edits_json, markdown) of
    a Result that was written as it is (not screened out as a duplicate),
    from its parts (``pieces``), as UTF-8 bytes like a Result's; raises
    Unusable when the parts are not those of such a Result."""
    from pipeline.result import entry_head, markdown_heading
    line, records, rejected, entry, md = parts
    head, heading = entry_head(doc_id, reason), markdown_heading(doc_id, reason)
    if not entry.startswith(head) or not entry.endswith(b"}\n") or not md.startswith(heading) \
            or (reason is None) != (rejected == b""):
        raise Unusable(f"the parent's parts of {doc_id} are not those of its cached outcome")
    return line, records, rejected, entry[len(head):-2], md[len(heading):]
