"""The cache's rows merged with the run's inputs, a batch at a time.

A re-run matches every input with its row of a cache table (the first pass
with ``first``, the second with ``outcome``: pipeline.incremental), both in
input order, (id, path). One input at a time in Python, that cost ~1.8 us an
input, twice a run (~35 ms each at 20k). Here a batch of inputs is matched with as
many rows at once, their paths compared as one bytes string (C speed: the
usual input's path is kept so, pipeline.corpus.Inputs); only a batch where
they differ (an input added, removed or renamed, an unusual input, a row
whose id is not its path's) is merged a row at a time.

A row, as pipeline.cache's ordered scans give them, starts with its path as
UTF-8 bytes and its id, None when the id is the path without ".txt" (the
usual input's, pipeline.corpus.doc_id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Iterator, NamedTuple

import numpy as np

from pipeline.corpus import Input, doc_id, key_of

BATCH = 1024  # inputs matched at once (a test makes it small, to cross batch boundaries)

_PATH, _ID = itemgetter(0), itemgetter(1)


def key(row: tuple) -> tuple[str, str]:
    """(id, path) of a row."""
    path = row[0].decode("utf-8")
    return (doc_id(path) if row[1] is None else row[1]), path


class Rows:
    """The rows of an ordered scan (a sqlite3 cursor), taken a batch at a time."""

    def __init__(self, cursor, head: list) -> None:
        self._cursor, self._rows, self._at = cursor, head, 0  # head: rows already fetched

    def peek(self, n: int) -> list:
        """The next n rows (fewer at the end), not taken."""
        if len(self._rows) - self._at < n:
            self._rows = self._rows[self._at:] + self._cursor.fetchmany(max(n, BATCH))
            self._at = 0
        return self._rows[self._at: self._at + n]

    def first(self) -> tuple | None:
        """The next row, not taken; None at the end."""
        if self._at == len(self._rows):
            self._rows, self._at = self._cursor.fetchmany(BATCH), 0
        return self._rows[self._at] if self._rows else None

    def take(self, n: int = 1) -> None:
        self._at += n


class Batch(NamedTuple):
    """Inputs start..stop-1 matched with rows."""

    start: int
    stop: int
    ordinals: np.ndarray  # the inputs that have a row, in order
    rows: list  # their rows
    gone: list  # rows of no input, ordered before input ``stop`` (after the last one, when start == stop)


def batches(inputs: Sequence[Input], rows: Rows, wanted: Callable[[int, int], np.ndarray] | None = None,
            ) -> Iterator[Batch]:
    """Every input matched with its row, if any, a batch at a time, then the
    rows after the last input. ``wanted(start, stop)``: the ordinals of the
    inputs of a batch that have a row, expected (the others seldom do: a
    batch where one does is merged a row at a time); None: all of them."""
    n = len(inputs)
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        ordinals = np.arange(start, stop) if wanted is None else wanted(start, stop)
        some = rows.peek(len(ordinals))
        if _same_keys(inputs, start, stop, ordinals, some):
            rows.take(len(some))
            yield Batch(start, stop, ordinals, some, [])
        else:
            yield _one_by_one(inputs, start, stop, rows)
    while rest := rows.peek(BATCH):
        rows.take(len(rest))
        yield Batch(n, n, np.zeros(0, np.intp), [], rest)


def _same_keys(inputs: Sequence[Input], start: int, stop: int, ordinals: np.ndarray, rows: list) -> bool:
    """The rows' keys are those of the inputs at ``ordinals`` (all in start..stop-1), in order."""
    if len(rows) != len(ordinals):
        return False
    if not rows:
        return True
    packed = inputs.packed(start, stop) if hasattr(inputs, "packed") else None
    if packed is None or list(map(_ID, rows)).count(None) != len(rows):
        return False
    paths, ends, base = packed
    ends = np.frombuffer(ends, np.uint64).astype(np.int64) - base
    if len(ordinals) < stop - start:  # the wanted inputs' paths, cut out of the batch's
        lengths = np.diff(ends, prepend=0)
        keep = np.zeros(stop - start, bool)
        keep[ordinals - start] = True
        paths = np.frombuffer(paths, np.uint8)[np.repeat(keep, lengths)].tobytes()
        ends = np.cumsum(lengths[keep])
    row_paths = list(map(_PATH, rows))
    # the same bytes cut at the same places: the same paths; a row whose id
    # is its path's without .txt and an input of that path have one key
    return b"".join(row_paths) == paths and \
        np.array_equal(np.cumsum(np.fromiter(map(len, row_paths), np.int64, len(rows))), ends)


def _one_by_one(inputs: Sequence[Input], start: int, stop: int, rows: Rows) -> Batch:
    matched, their_rows, gone = [], [], []
    listed = getattr(inputs, "listed", inputs.__getitem__)
    row = rows.first()
    row_key = key(row) if row is not None else None
    for i in range(start, stop):
        wanted = key_of(listed(i))
        while row is not None and row_key < wanted:
            gone.append(row)
            rows.take()
            row = rows.first()
            row_key = key(row) if row is not None else None
        if row is not None and row_key == wanted:
            matched.append(i)
            their_rows.append(row)
            rows.take()
            row = rows.first()
            row_key = key(row) if row is not None else None
    return Batch(start, stop, np.array(matched, np.intp), their_rows, gone)
