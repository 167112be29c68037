"""The per-document cache: what a re-run needs to skip an unchanged document,
kept between runs in one SQLite file (``<clean>/.cache/<key>/cache.sqlite``).

Validity. The cache directory is named after the code version and the config
hash: a change to either starts a new directory (the old ones are removed), so
no entry can be stale. Within it, a document's entries are reused only for the
same relative path, id and raw bytes (sha256), and its outcome only when the
corpus statistics answer its questions as before (``Recorder``).

What is kept, per input path (one row in each table):
- ``first``: the raw bytes' sha256, the stat shortcut (below), and the keys of
  its distinct lines as counted by the first pass (pipeline.corpus_stats);
- ``outcome``: the line keys its stages asked ``is_repeated`` about, with the
  sketch cells of those keys, the answers and their margins (``Questions``),
  and the head of its ``pipeline.result.Result`` (its counts and rejection,
  as JSON). No output text is kept (it is in the version written): a reused
  document's lines, report entry and report.md part are its bytes in the
  parent version, read back from its files at the offsets pipeline.carry
  keeps with its duplicate fingerprint (``result_of``); a document whose
  bytes are not there (no parent the rows describe, or screened out as a
  duplicate there) is processed again (pipeline.incremental, pipeline.rerun).
  Rows are kept in input order (key (id, path)), so a re-run reads the
  reused ones in one scan.
Per run (table ``meta``): the first pass's sketch and counts, and the report's
repeated-line examples with where they were found, so a re-run updates the
statistics by the changed documents only (pipeline.incremental).

The stat shortcut (git's index): an input whose (size, mtime_ns, inode,
ctime_ns) equal those recorded with its sha256 is taken to have the same bytes
and is neither read nor hashed. The trust assumption: whatever writes a file
changes its mtime or size, and ctime changes with every write, chmod or rename
(only the clock can set it back); files on one file system keep their inode.
A file modified within the same clock tick as the stat taken of it could keep
its mtime ("racily clean", as git calls it): a stat whose mtime is less than
``pipeline.stat_keys.RACY_NS`` older than the run is not recorded, so such a file is hashed again
next time. ``curate run --rehash`` hashes every input whatever its stat says.

Safety. Nothing read from the cache is executed (no pickle): rows hold JSON,
text and packed integers. All of a run's writes are one SQLite transaction,
committed at the end: a killed run leaves the previous run's cache, whole.
Runs on one clean/ are serialised by pipeline.version's lock. A damaged file
(``Damaged``, found when it is opened, when an entry is read, or when the
parent's bytes of a reused document are not those of its entry) is reported,
removed and rebuilt by pipeline.version; deleting ``<clean>/.cache`` only
costs time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import struct
from array import array
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from pipeline import merged, serialize
from pipeline.config import Config
from pipeline.pending import Pending

FORMAT = 10  # of the file below; part of the directory's key
FILE = "cache.sqlite"
# Rows of ~1 KB (pipeline.carry's) overflow a 4 KB page of a WITHOUT ROWID
# table (past ~1000 bytes, the rest takes an overflow page of its own): twice
# the file, and slower writes.
PAGE_SIZE = 16384
# The rollback journal is kept between transactions, its header zeroed (cut
# to JOURNAL_LIMIT bytes when longer). Deleted at each commit (SQLite's
# default), it cost a re-run at 20k ~4 ms at its end (the unlink) and ~7 ms
# in its first pass (a new journal's first fdatasync allocates its blocks).
# A crash rolls back as before (a hot journal).
JOURNAL_LIMIT = 64 << 20
SKETCH_CELLS_IN_PLACE = 1024  # changed sketch cells written in place at most (Store.commit)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS first (
    path TEXT PRIMARY KEY, id TEXT NOT NULL, sha256 TEXT NOT NULL,
    stat BLOB, counted INTEGER NOT NULL, keys BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outcome (
    id TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, low_yes INTEGER NOT NULL, high_no INTEGER NOT NULL,
    asked BLOB NOT NULL, cells BLOB NOT NULL, answers BLOB NOT NULL, result TEXT NOT NULL,
    same_bytes INTEGER NOT NULL, PRIMARY KEY (id, path)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS first_in_order ON first (id, path, stat, counted);
"""  # outcome rows are kept in input order, (id, path): a re-run reads them in one scan
# first_in_order: FIRST_IN_ORDER read from an index that holds all it asks
# for, in its order. Without it SQLite sorted every row first, as the cache
# was opened (~7 ms at 20k, while the run has nothing else to do; the scan
# itself ~10% faster); a full run's 20k inserts take ~15-40 ms more.
# outcome.same_bytes: 1 when its sha256 is the first-pass row's (the bytes the
# first pass saw: the outcome is of the input's cached bytes), found as it is
# written: the first-pass row's sha256 changes only as that input changes,
# and its outcome is forgotten then (pipeline.incremental); a re-run reads
# this flag instead of joining every outcome with its first-pass row (~6 ms at 20k)
# first.stat: the stat shortcut's (size, mtime_ns, ino, ctime_ns) packed, NULL
# for none: a re-run compares a batch of rows' with the inputs' stat keys as
# one array (pipeline.incremental)
STAT = struct.Struct("<4q")
NO_STAT_RECORDED = STAT.pack(-2, -2, -2, -2)  # equals no stat key (pipeline.stat_keys.NO_STAT is -1s)
# A row of the ordered scans (pipeline.merged): the path as bytes, and the id
# only when it is not the path without .txt (most ids are)
_PATH_AND_ID = "CAST({t}path AS BLOB), CASE WHEN {t}id || '.txt' = {t}path THEN NULL ELSE {t}id END"
FIRST_IN_ORDER = f"SELECT {_PATH_AND_ID.format(t='')}, coalesce(stat, X'{NO_STAT_RECORDED.hex()}'), counted" \
    " FROM first ORDER BY id, path"


OF_CACHED_BYTES, MARGINS_HOLD = 1, 2  # the bits of an outcome_rows row's third column


class Damaged(Exception):
    """The cache file cannot be read as this code wrote it."""


def key_dir(cache_root: Path, config: Config, code_sha256: str) -> Path:
    h = hashlib.sha256(f"{code_sha256}\0{config.hash}\0{FORMAT}".encode()).hexdigest()
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


class Known(NamedTuple):
    """What the cache knows of an input path from the previous run: its row of ``first``."""

    path: str
    id: str
    sha256: str
    stat: tuple[int, int, int, int] | None  # the stat key (pipeline.stat_keys) recorded with its sha256, if any
    counted: int  # 1: the first pass counted its lines (it got past repair)


def _as_known(row: tuple) -> Known:
    path, doc_id, sha256, stat, counted = row
    try:
        return Known(path, doc_id, sha256, None if stat is None else STAT.unpack(stat), counted)
    except (struct.error, TypeError) as err:
        raise Damaged(f"the stat of {path}: {err}") from err


_KNOWN = "path, id, sha256, stat, counted"  # the columns of a Known


def _packed_stat(stat: tuple | None) -> bytes | None:
    return None if stat is None else STAT.pack(*stat)


def packed(values, typecode: str) -> bytes:
    return array(typecode, values).tobytes()


# An outcome put aside (Store.put_outcome_later): a row but its same_bytes,
# found when it is written (the first-pass row is final then)
_OUTCOME_PUT = ("id TEXT NOT NULL", "path TEXT NOT NULL", "sha256 TEXT", "low_yes INTEGER", "high_no INTEGER",
                "asked BLOB", "cells BLOB", "answers BLOB", "result TEXT")
_OUTCOME_OF_PENDING = "id, path, sha256, low_yes, high_no, asked, cells, answers, result," \
    " (SELECT sha256 FROM first WHERE first.path = p.path) IS p.sha256"


def _head_of(r) -> str:
    """A Result's head as the outcome row keeps it (JSON). serialize.dumps:
    json.dumps(..., ensure_ascii=False, separators=(",", ":")) without
    building an encoder per call (once per document in a run's main process)."""
    return serialize.dumps([r.sha256, r.size, r.reason, r.detail, r.stage, r.chars_in, r.chars_out, r.records,
                            r.rule_edits, r.near_threshold])


def unpacked(blob: bytes, typecode: str) -> array:
    a = array(typecode)
    a.frombytes(blob)
    return a


class Store:
    """The cache file: read at the start of a run, written in one transaction."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE
        try:
            self.dirty = False  # written to in this run
            self._later: Pending | None = None  # outcomes put aside (put_outcome_later), not yet applied
            self._margins_later: list[tuple] = []  # margins put aside (put_margins_later)
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # (of a new file only)
            self.db.execute("PRAGMA journal_mode = PERSIST")  # JOURNAL_LIMIT says why
            self.db.execute(f"PRAGMA journal_size_limit = {JOURNAL_LIMIT}")
            self.db.executescript(SCHEMA)
            self.meta = self._meta()
            self.db.execute("BEGIN")
            self._scan: merged.Rows | None = None  # first_in_order's, started here
            if self.meta is None:  # rows written without their run's meta are not trusted
                self.reset()
            else:  # its first row, read now (the scan of the first_in_order index)
                self._scan = self.first_in_order()
                self._any = self._scan.first() is not None
        except (sqlite3.Error, ValueError, KeyError, TypeError) as err:
            raise Damaged(f"{self.path}: {err}") from err

    def _meta(self) -> dict | None:
        rows = dict(self.db.execute("SELECT name, value FROM meta WHERE name <> 'sketch'"))
        sketch = self.db.execute("SELECT rowid FROM meta WHERE name = 'sketch'").fetchone()
        if "stats" not in rows or sketch is None:
            return None
        meta = json.loads(rows["stats"])
        # Read through blob I/O: straight into its bytes object (a SELECT
        # copies its 4 MiB once more, into memory of its own: ~1,000 new pages)
        with self.db.blobopen("meta", "value", sketch[0], readonly=True) as blob:
            as_read = blob.read()
        meta["sketch"] = unpacked(as_read, "I")  # (a copy: the run's sketch, changed in place)
        self.sketch_as_read = memoryview(as_read).cast("I")  # the file's, unchanged (no copy: 4 MiB)
        return meta

    # Rows are read as a run needs them, never all of them at once into a
    # dict: a re-run merges the scans below with its inputs, in input order
    # (memory must not grow with the corpus: dicts of every path took ~800
    # bytes per input, 63 MB at 80k).

    def has_rows(self) -> bool:
        """Some input has a first-pass row (else every input is new)."""
        if self._scan is not None:
            return self._any
        return self.db.execute("SELECT 1 FROM first LIMIT 1").fetchone() is not None

    def first_in_order(self) -> merged.Rows:
        """Every first-pass row, in input order (id, path), as (path as bytes,
        id or None: pipeline.merged, the stat packed (NO_STAT_RECORDED for
        none), counted). Nothing may write the table while the scan is open."""
        if self._scan is not None:  # the one started when the file was opened (nothing written since)
            scan, self._scan = self._scan, None
            return scan
        return merged.Rows(self.db.execute(FIRST_IN_ORDER), [])

    def known(self, path: str) -> Known | None:
        """The first-pass row of an input path, if any."""
        row = self.db.execute(f"SELECT {_KNOWN} FROM first WHERE path = ?", (path,)).fetchone()
        return None if row is None else _as_known(row)

    def outcomes_in_order(self) -> Iterator[tuple[str, str, str, str, int, int]]:
        """(id, path, sha256 of the outcome, sha256 of the first-pass row,
        low_yes, high_no) of every outcome with a first-pass row, in input
        order. Nothing may write the tables while the scan is open."""
        return iter(self.db.execute(
            "SELECT o.id, o.path, o.sha256, f.sha256, o.low_yes, o.high_no"
            " FROM outcome o JOIN first f ON f.path = o.path ORDER BY o.id, o.path"))

    def outcome_rows(self, threshold: int, cells: bool, sha256: bool) -> merged.Rows:
        """Every outcome, in input order, as (path as bytes, id or None:
        pipeline.merged, OF_CACHED_BYTES | MARGINS_HOLD bits), then its cells
        if ``cells``, then its sha256 if ``sha256``. MARGINS_HOLD: high_no <
        threshold <= low_yes. Nothing may write the table while the scan is open."""
        more = (", cells" if cells else "") + (", sha256" if sha256 else "")
        bits = "same_bytes | ((high_no < ?1 AND ?1 <= low_yes) << 1)"  # (in SQL, | and << bind alike)
        return merged.Rows(self.db.execute(
            f"SELECT {_PATH_AND_ID.format(t='')}, {bits}{more} FROM outcome ORDER BY id, path", (threshold,)), [])

    def outcomes_of(self, wanted) -> Iterator[tuple[tuple[str, str], tuple | None]]:
        """(key, its row of ``outcomes_in_order`` or None) for each (id, path)
        key of ``wanted``, an iterable in input order: one scan, merged."""
        rows = self.outcomes_in_order()
        row = next(rows, None)
        for key in wanted:
            while row is not None and row[:2] < key:
                row = next(rows, None)
            yield key, (row if row is not None and row[:2] == key else None)

    def _one(self, sql: str, key: str | tuple):
        path = key if isinstance(key, str) else key[1]
        try:
            row = self.db.execute(sql, (key,) if isinstance(key, str) else key).fetchone()
        except sqlite3.Error as err:
            raise Damaged(f"{self.path}: {err}") from err
        if row is None:
            raise Damaged(f"{self.path}: no entry for {path}")
        return row

    def keys(self, path: str) -> array:
        """The line keys the first pass counted for this input."""
        return unpacked(self._one("SELECT keys FROM first WHERE path = ?", path)[0], "Q")

    def keys_of(self, paths: list[str]) -> list[array]:
        """``keys`` of each of these inputs (a few dozen), in one query (~8x
        faster than one query each, for the ~300 a re-run's recount reads)."""
        try:
            found = dict(self.db.execute(f"SELECT path, keys FROM first WHERE path IN ({','.join('?' * len(paths))})",
                                         paths))
        except sqlite3.Error as err:
            raise Damaged(f"{self.path}: {err}") from err
        missing = next((path for path in paths if path not in found), None)
        if missing is not None:
            raise Damaged(f"{self.path}: no entry for {missing}")
        return [unpacked(found[path], "Q") for path in paths]

    def put_first(self, path: str, doc_id: str, sha256: str, stat: tuple | None, keys: bytes | None) -> None:
        """keys None: the first pass did not count the input (rejected before its lines were counted)."""
        self.dirty = True
        self._scan = None  # a scan started before is not this table
        self.db.execute("INSERT OR REPLACE INTO first VALUES (?, ?, ?, ?, ?, ?)",
                        (path, doc_id, sha256, _packed_stat(stat), keys is not None, keys or b""))

    def put_stats(self, stats: list[tuple[str, tuple | None]]) -> None:
        """The new stat keys (None: none) of inputs whose bytes are as recorded."""
        if not stats:
            return
        self.dirty = True
        self._scan = None  # a scan started before is not this table
        self.db.executemany("UPDATE first SET stat = ? WHERE path = ?",
                            ((_packed_stat(stat), path) for path, stat in stats))

    def questions(self, keys: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes, int, int]]:
        """(asked keys, answers, low_yes, high_no) of the outcome of each (id, path) key."""
        return [self._one("SELECT asked, answers, low_yes, high_no FROM outcome WHERE id = ? AND path = ?", key)
                for key in keys]

    def holding(self, questions: Sequence[tuple[bytes, bytes, int, int]], threshold: int,
                documents: Callable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which outcomes' ``questions`` (``questions``: (asked, answers,
        low_yes, high_no) each) get the same answers, asked again, all at once (the
        estimates of their keys by ``documents``, from an array of keys, >=
        ``threshold``: a line repeated); and each one's margins (low_yes,
        high_no: ``margins``) with the new estimates."""
        if any(len(q[0]) != 8 * len(q[1]) for q in questions):
            raise Damaged(f"{self.path}: an outcome's questions and answers differ in number")
        asked = b"".join(q[0] for q in questions)
        answers = np.frombuffer(b"".join(q[1] for q in questions), np.uint8) != 0
        sizes = np.fromiter((len(q[1]) for q in questions), np.int64, len(questions))
        n = np.asarray(documents(np.frombuffer(asked, "<u8")), np.int64)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        wrong = np.concatenate(([0], np.cumsum((n >= threshold) != answers)))
        holds = wrong[ends] - wrong[starts] == 0
        low_yes, high_no = np.full(len(sizes), NO_YES, np.int64), np.full(len(sizes), -1, np.int64)
        some = sizes > 0  # (reduceat gives an empty stretch the value after it)
        if some.any():
            low_yes[some] = np.minimum.reduceat(np.where(answers, n, NO_YES), starts[some])
            high_no[some] = np.maximum.reduceat(np.where(answers, -1, n), starts[some])
        return holds, low_yes, high_no

    def rows_reading(self, cells: Sequence[bytes], changed):
        """Which of the outcomes' ``cells`` (a batch of their column) hold a
        sketch cell where the numpy bool array ``changed`` is true (a bool
        array, one for each): the cells joined and looked up at once (a
        lookup per row took ~2 us: ~45 ms at 20k, when a re-run changed a few
        cells)."""
        sizes = np.fromiter(map(len, cells), np.int64, len(cells))
        if (sizes % 4).any():
            raise Damaged(f"{self.path}: an outcome's cells are not 4-byte cells")
        hits = np.flatnonzero(changed[np.frombuffer(b"".join(cells), np.uint32)])
        reading = np.zeros(len(cells), bool)  # (not np.unique: it imports numpy.ma, ~14 ms)
        reading[np.searchsorted(np.cumsum(sizes // 4), hits, side="right")] = True  # by where each row's cells end
        return reading

    def sha256(self, path: str) -> str:
        """The sha256 of the input's first-pass row."""
        return self._one("SELECT sha256 FROM first WHERE path = ?", path)[0]

    def head(self, doc_id: str, path: str) -> str:
        """The head of the input's Result (``put_outcome``), as JSON."""
        return self._one("SELECT result FROM outcome WHERE id = ? AND path = ?", (doc_id, path))[0]

    def heads(self, wanted) -> Iterator[tuple[tuple[str, str], str]]:
        """(key, head) of each (id, path) key in ``wanted``, an iterable in
        input order: one scan of the table (its rows are kept in that order)."""
        try:
            rows = self.db.execute("SELECT id, path, result FROM outcome ORDER BY id, path")
            row = next(rows, None)
            for key in wanted:
                while row is not None and (row[0], row[1]) < key:
                    row = next(rows, None)
                if row is not None and (row[0], row[1]) == key:
                    yield key, row[2]
                else:  # rows written during the scan may move it past a row: look it up
                    yield key, self.head(*key)
        except sqlite3.Error as err:
            raise Damaged(f"{self.path}: {err}") from err

    def result_of(self, doc_id: str, path: str, head: str, parts: tuple[bytes, ...], fingerprint):
        """The input's pipeline.result.Result: its head (``put_outcome``) with
        the text of its parts of the last version's files (pipeline.carry:
        parts of a Result written as it was, not screened out as a duplicate)."""
        from pipeline import carry
        from pipeline.result import Result
        try:
            sha256, size, reason, detail, stage, chars_in, chars_out, n_records, rules, near = json.loads(head)
            line, records, rejected, edits, md = carry.texts(doc_id, reason, parts)
            return Result(doc_id, path, sha256, size, reason, detail, stage, chars_in, chars_out, n_records,
                          tuple(map(tuple, rules)), tuple(map(tuple, near)), line, records, rejected, edits, md,
                          fingerprint if reason is None else None)
        except (ValueError, TypeError, carry.Unusable) as err:
            raise Damaged(f"{self.path}: the entry of {path}: {err}") from err

    def put_outcome(self, result, questions: "Questions") -> None:
        self.dirty = True
        r, q = result, questions
        self.db.execute("INSERT OR REPLACE INTO outcome VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        " (SELECT sha256 FROM first WHERE path = ?) IS ?)",
                        (r.id, r.path, r.sha256, q.low_yes, q.high_no, q.asked, q.cells, q.answers, _head_of(r),
                         r.path, r.sha256))

    def put_outcome_later(self, result, questions: "Questions") -> None:
        """``put_outcome`` once ``apply_later`` is called (pipeline.pending: a
        re-run's pass puts them aside)."""
        r, q = result, questions
        self._pending().put((r.id, r.path, r.sha256, q.low_yes, q.high_no, q.asked, q.cells, q.answers, _head_of(r)))

    def forget_outcome_later(self, doc_id: str, path: str) -> None:
        """``forget(doc_id, path, outcome_only=True)`` once ``apply_later`` is called."""
        self._pending().delete(doc_id, path)

    def _pending(self) -> Pending:
        self.dirty = True
        if self._later is None:
            self._later = Pending(self.db, "outcome", _OUTCOME_PUT, _OUTCOME_OF_PENDING)
        return self._later

    def apply_later(self) -> None:
        """The margins put aside written, then the outcomes put aside
        forgotten then written (pipeline.pending.Pending.apply: an outcome
        written again has the margins of its own questions)."""
        self._put_margins_put_aside()
        if self._later is not None:
            self._later.apply()
            self._later = None

    def put_margins(self, margins: list[tuple[str, str, int, int]]) -> None:
        """New (low_yes, high_no) of outcomes: (id, path, low_yes, high_no) each."""
        if margins:  # (none: the file is not written to)
            self.dirty = True
            self.db.executemany("UPDATE outcome SET low_yes = ?3, high_no = ?4 WHERE id = ?1 AND path = ?2",
                                margins)

    def _put_margins_put_aside(self) -> None:
        self.put_margins(self._margins_later)  # (none: nothing written)
        self._margins_later = []

    def put_margins_later(self, margins: list[tuple[str, str, int, int]]) -> None:
        """``put_margins`` once ``apply_later`` is called: a re-run writes
        them with the outcomes put aside, while its files are written (an
        update of a ~1 KB row costs ~20 us, its page copied to the journal:
        ~1,600 of them at 20k after 1% changed)."""
        if margins:
            self.dirty = True
            self._margins_later += margins

    def reset(self) -> None:
        """Drop every entry (the statistics are counted from scratch)."""
        self.dirty = True
        self._scan = None
        self.db.execute("DELETE FROM first")
        self.db.execute("DELETE FROM outcome")

    def forget_first(self, path: str) -> None:
        """``forget`` but the outcome (its input is processed again: pipeline.incremental)."""
        self.dirty = True
        self._scan = None  # a scan started before is not this table
        self.db.execute("DELETE FROM first WHERE path = ?", (path,))

    def forget(self, doc_id: str, path: str, outcome_only: bool = False) -> None:
        self.dirty = True
        self._scan = None  # a scan started before is not this table
        self.db.execute("DELETE FROM outcome WHERE id = ? AND path = ?", (doc_id, path))
        if not outcome_only:
            self.forget_first(path)

    def commit(self, meta: dict, sketch: array, before: array | None = None) -> None:
        """Make this run's writes the cache, with the run's statistics (a run
        that changed nothing leaves the file untouched). ``before``: the
        sketch the file holds (as read at the start of the run), if known:
        then only the cells that differ are written, in place."""
        self._put_margins_put_aside()  # (a run that took no re-run's way to its end)
        if not self.dirty and self.meta is not None and \
                {**self.meta, "sketch": None} == {**meta, "sketch": None} and self.meta["sketch"] == sketch:
            self.db.execute("ROLLBACK")
            self.db.close()
            return
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stats', ?)",
                        (json.dumps(meta, ensure_ascii=False, separators=(",", ":")),))
        if before is None or not self._changed_cells_written(sketch, before):
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sketch', ?)", (sketch.tobytes(),))
        self.db.execute("COMMIT")
        self.db.close()

    def _changed_cells_written(self, sketch: array, before: array) -> bool:
        """Write the cells of ``sketch`` that differ from ``before`` (what the
        file holds) into the stored sketch, in place (incremental blob I/O):
        a re-run changes a few of its million cells, and writing it whole
        (4 MiB, and as much to the journal) took ~12 ms more. False, having
        written nothing: too many changed cells (written whole, as cheap)."""
        if len(before) != len(sketch):
            return False
        cells = np.flatnonzero(np.frombuffer(sketch, np.uint32) != np.frombuffer(before, np.uint32))
        if len(cells) > SKETCH_CELLS_IN_PLACE:
            return False
        row = self.db.execute("SELECT rowid, length(value) FROM meta WHERE name = 'sketch'").fetchone()
        if row is None or row[1] != len(sketch) * sketch.itemsize:
            return False
        data, size = memoryview(sketch).cast("B"), sketch.itemsize
        with self.db.blobopen("meta", "value", row[0]) as blob:
            for cell in cells.tolist():
                blob.seek(cell * size)
                blob.write(data[cell * size: (cell + 1) * size])
        return True

    def close(self) -> None:
        """Leave the file as the previous run left it (the transaction is dropped)."""
        try:
            self.db.close()
        except sqlite3.Error:
            pass


def remove(directory: Path) -> None:
    for name in os.listdir(directory):
        if name.startswith(FILE):
            os.unlink(directory / name)


class Recorder:
    """The corpus statistics, noting the line keys the stages asked
    ``is_repeated`` about and the answers. Any other use of the statistics
    makes the outcome depend on more than those answers: it is not cached
    (``opaque``)."""

    def __init__(self, stats) -> None:
        self._stats = stats
        self.answers: dict[int, tuple[bool, int, list[int]]] = {}  # key -> (answer, documents, cells)
        self.opaque = False

    def is_repeated(self, text: str) -> bool:
        stats = self._stats
        k = stats.line_key(text)
        if k is None:
            self.opaque = True
            return stats.is_repeated(text)
        asked = self.answers.get(k)
        if asked is None:
            cells = stats.lines.cells(k)
            documents = min(stats.lines.table[c] for c in cells)  # CountMin.estimate
            asked = self.answers[k] = (stats.repeated(documents), documents, cells)
        return asked[0]

    def repeated_keys(self, keys: list[int]) -> list[bool]:
        """is_repeated of lines whose line_keys are ``keys`` (none is None),
        asked in this order: the same answers and questions, the threshold
        and the sketch read once for all the lines of a document."""
        answers = self.answers
        new = [k for k in dict.fromkeys(keys) if k not in answers]
        if new:
            stats = self._stats
            threshold, cells_of, table = stats.threshold(), stats.lines.cells, stats.lines.table
            for k in new:
                cells = cells_of(k)
                documents = min(map(table.__getitem__, cells))  # CountMin.estimate
                answers[k] = (documents >= threshold, documents, cells)  # (CorpusStats.repeated)
        return [answers[k][0] for k in keys]

    def __getattr__(self, name: str):
        self.opaque = True
        return getattr(self._stats, name)

    def questions(self) -> "Questions":
        """The questions and answers, as the cache keeps them."""
        values = self.answers.values()
        answers = [a for a, _, _ in values]
        return Questions(packed(self.answers, "Q"), packed([c for _, _, cells in values for c in cells], "I"),
                         bytes(answers), *margins([n for _, n, _ in values], answers))


@dataclasses.dataclass(frozen=True)
class Questions:
    """The line keys a document's stages asked ``is_repeated`` about, the
    sketch cells of those keys, the answers (one byte each), and the margins:
    the fewest documents of a line answered yes and the most of a line
    answered no. While none of those cells changes, the answers stay the same
    for any threshold in (high_no, low_yes]."""

    asked: bytes
    cells: bytes
    answers: bytes
    low_yes: int
    high_no: int


NO_YES = 2**32  # low_yes when no line was answered yes


def margins(documents, answers) -> tuple[int, int]:
    """(low_yes, high_no) of the estimates of lines answered yes and no."""
    low_yes, high_no = NO_YES, -1
    for n, yes in zip(documents, answers):
        if yes:
            low_yes = min(low_yes, n)
        else:
            high_no = max(high_no, n)
    return low_yes, high_no
