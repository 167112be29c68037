"""The parent version's rows as a re-run (pipeline.rerun) reads them: a
batch at a time (``Batch``, ``BATCH`` rows), compared with the inputs they
should be (``Listed``) a stretch at a time, their dirty band keys found in a
bitmap, consecutive copied rows kept as one ``Run``; their tallies taken in
order (``Tallies``)."""

from __future__ import annotations

import operator
from array import array
from itertools import accumulate, repeat

import numpy as np

from pipeline import carry, corpus, rescreen
from pipeline.carry import FILES

BATCH = 2048  # parent rows fetched, compared with the inputs and copied at once (a run of copied rows is in one)
DIRTY_BITS = 20  # of the dirty band keys' bitmap: 1 MB (its pages made as written: 4 MB took ~6 ms), ~0.5% false hits per key at 5,000 keys
DIRTY_MASK = np.uint32((1 << DIRTY_BITS) - 1)


class Run:
    """Consecutive parent rows copied as they are, rows at, at+1... of one
    batch, matched with consecutive inputs from ``step`` on."""

    __slots__ = ("batch", "at", "rows", "step", "indexed")

    def __init__(self) -> None:
        self.batch: Batch | None = None
        self.at = self.rows = self.step = 0
        self.indexed = 0  # of its rows, in the index already (Rerun._indexed)


class Listed:
    """The inputs as a re-run's pass compares them with a batch of rows: the
    paths of a stretch of them as one UTF-8 bytes object (corpus.Inputs.packed;
    a list of Inputs has none: its rows are compared one by one), and the
    inputs whose id is not their path's (``unusual``), which take no bytes."""

    def __init__(self, inputs) -> None:
        self.packed = getattr(inputs, "packed", None)
        if isinstance(inputs, corpus.Inputs):
            self.unusual = np.array(inputs.unusual(), np.int64)
        else:  # a list of Inputs
            self.unusual = np.array([i for i, inp in enumerate(inputs) if inp.id != corpus.doc_id(inp.path)], np.int64)


class Batch:
    """Consecutive parent rows (carry.copy_rows) as arrays: their keys are
    compared with the inputs', their dirty band keys found, and their parts
    and manifest entries copied, a stretch of rows at a time."""

    def __init__(self, values: list[tuple], first: int) -> None:
        self.first = first  # the ordinal of its first row among the parent's
        self.n = n = len(values)
        self.paths, self.ids, lens, bands, self.dups, self.entries, sizes, self.records = zip(*values)
        self.lens = lens
        self.path_bytes = b"".join(self.paths)
        self.path_starts = _starts(map(len, self.paths), n)
        self.unusual = np.flatnonzero(np.fromiter(map(operator.is_not, self.ids, repeat(None)), bool, n))
        self.lens_sums = np.zeros((n + 1, len(FILES)), np.uint64)  # of the rows before each
        np.cumsum(np.frombuffer(b"".join(lens), np.uint64).reshape(n, len(FILES)), axis=0, out=self.lens_sums[1:])
        self.size_sums = list(accumulate(sizes, initial=0))
        unscreened = np.fromiter(map(operator.is_, bands, repeat(None)), bool, n)
        self.bands = [b"" if b is None else b for b in bands] if unscreened.any() else bands
        self.screened = ~unscreened
        self.member = self.screened & np.fromiter(map(operator.is_, self.dups, repeat(None)), bool, n)
        self.keys = np.frombuffer(b"".join(self.bands), "<u4")
        self.key_starts = _starts(map(len, self.bands), n) // 4
        counts = np.diff(self.key_starts)
        self.wordless = np.flatnonzero(self.screened & (counts == 0))
        self.key_row = np.repeat(np.arange(n), counts)  # the row of each key
        self.key_bits = self.keys & DIRTY_MASK  # where each key is in the dirty keys' bitmap

    def matching(self, at: int, n: int, listed: Listed, step: int) -> int:
        """How many of the rows at, at+1... (n at most) have the keys of the
        inputs from ``step`` on (none of them unusual)."""
        got = listed.packed(step, step + n) if listed.packed is not None and n > 0 else None
        if got is None:  # (an unusual input among them: they are not stretched)
            return 0
        b, ends, base = got
        mine, theirs = self.path_starts[at:at + n + 1], np.empty(n + 1, np.int64)
        theirs[0], theirs[1:] = base, np.frombuffer(ends, np.uint64)
        differ = np.flatnonzero(np.diff(mine) != np.diff(theirs))
        if len(differ):
            n = int(differ[0])
        unusual = np.searchsorted(self.unusual, at)
        if unusual < len(self.unusual):
            n = min(n, int(self.unusual[unusual]) - at)
        if n <= 0:
            return 0
        a = self.path_bytes[mine[0]:mine[n]]
        b = b[:theirs[n] - base]
        if a != b:  # the first row with another path
            byte = np.flatnonzero(np.frombuffer(a, np.uint8) != np.frombuffer(b, np.uint8))[0]
            n = int(np.searchsorted(mine[:n + 1] - mine[0], byte, "right")) - 1
        return n

    def touched(self, start: int, end: int, dirty: set, bits: np.ndarray) -> list[int]:
        """The rows from start to end (screened) that have a dirty band key
        (``Rerun._touched``), in order: looked up in the bitmap of the dirty
        keys, the few found checked."""
        if not dirty:
            return []
        k0, k1 = self.key_starts[start], self.key_starts[end]
        found = []
        if k1 > k0:
            hits = bits[self.key_bits[k0:k1]]
            if hits.any():
                rows = dict.fromkeys(self.key_row[k0:k1][hits].tolist())  # (in order, once each)
                found = [r for r in rows if not dirty.isdisjoint(array("I", self.bands[r]))]
        if rescreen.NO_BANDS in dirty and len(self.wordless):
            wordless = self.wordless[(self.wordless >= start) & (self.wordless < end)].tolist()
            found = sorted(found + wordless)
        return found

    def key(self, at: int) -> tuple[str, str]:
        path = self.paths[at].decode("utf-8")
        return self.ids[at] or corpus.doc_id(path), path

    def screened_bands(self, at: int) -> bytes | None:
        return self.bands[at] if self.screened[at] else None

    def values(self, at: int, db) -> tuple:
        """The row as carry.row_values_of gives it."""
        doc_id, path = self.key(at)
        return doc_id, path, self.lens[at], self.screened_bands(at), self.dups[at], carry.tally_of(db, doc_id, path)


def _starts(lengths, n: int) -> np.ndarray:
    """Where each of n consecutive items starts (and where the last ends) given their lengths."""
    out = np.zeros(n + 1, np.int64)
    out[1:] = np.fromiter(lengths, np.int64, n)
    np.cumsum(out, out=out)
    return out


class ParentRows:
    """The parent's rows in order, a Batch at a time, and which is next (``at``)."""

    def __init__(self, db, on_batch) -> None:
        self.cursor = carry.copy_rows(db)
        self.on_batch = on_batch  # called with each Batch as it is read
        self.batch: Batch | None = None
        self.at = 0
        self.first = 0  # the next batch's first row

    def peek(self) -> Batch | None:
        """The batch holding the next row (at ``at``); None: no rows are left."""
        if self.batch is not None and self.at < self.batch.n:
            return self.batch
        if self.cursor is None:
            return None
        values = self.cursor.fetchmany(BATCH)
        if not values:
            self.cursor = self.batch = None
            return None
        self.batch, self.at = Batch(values, self.first), 0
        self.first += len(values)
        self.on_batch(self.batch)
        return self.batch

    def key(self) -> tuple[str, str] | None:
        return None if self.peek() is None else self.batch.key(self.at)

    def values(self, db) -> tuple:
        return self.batch.values(self.at, db)


class Tallies:
    """The parent rows' tallies, taken in their order (rows passed over are skipped)."""

    def __init__(self, db) -> None:
        self.cursor = carry.tallies(db)
        self.next = 0  # the ordinal of the next row

    def take(self, first: int, n: int) -> list[str]:
        if first < self.next:
            raise ValueError("tallies are taken in order")
        while self.next < first:
            skipped = len(self.cursor.fetchmany(min(first - self.next, BATCH)))
            if not skipped:
                raise carry.Unusable("fewer tallies than rows")
            self.next += skipped
        got = [tally for tally, in self.cursor.fetchmany(n)]
        if len(got) != n:
            raise carry.Unusable("fewer tallies than rows")
        self.next += n
        return got

    def close(self) -> None:
        self.cursor.close()
