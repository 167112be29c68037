"""The first pass: corpus-level statistics, in bounded memory, that stages
may read in the second pass (the CCNet idea: a line recurring across many
documents of a corpus is boilerplate, not any one article's text).

Only hashes are kept, never texts: a count-min sketch (a fixed-size array of
counters, so memory does not grow with the corpus) counts in how many
documents each normalised line occurs. (Nothing per word: a corpus idf made
the body's topic comparison depend on every other document, so one changed
input would change the outcome of many, and it did not improve the dev set.)
Estimates can only be too high, by at most ``total / width`` with high probability; a line is called
repeated only when it reaches ``config.repeat_min_docs`` documents and
``config.repeat_min_share`` of them, far above that error on real corpora.
A few excerpts of repeated lines (at most ``MAX_EXAMPLES``) are kept for the
change report.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable

import numpy as np

from pipeline.config import Config
from pipeline.stages.boundaries import normalised, normalised_utf8_each

SKETCH_WIDTH = 1 << 18  # counters per row: 4 rows x 262,144 x 4 bytes = 4 MiB per sketch
SKETCH_DEPTH = 4
MAX_EXAMPLES = 20  # excerpts of repeated lines kept for the report
EXCERPT_CHARS = 80
MAX_LINES_PER_DOC = 5000  # a document's first lines only: bounded time per document


def key(text: str) -> int:
    """An 8-byte hash of a normalised line."""
    return utf8_key(text.encode("utf-8"))


def utf8_key(data: bytes) -> int:
    """key() of the line whose UTF-8 is ``data``."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class CountMin:
    """A count-min sketch of 64-bit keys: ``add`` and an ``estimate`` that is
    never below the true count."""

    def __init__(self, width: int = SKETCH_WIDTH, depth: int = SKETCH_DEPTH, table: array | None = None) -> None:
        """``table``: the counters to hold (width * depth of them), kept as they
        are (a re-run's restored sketch); None: all zero."""
        self.width, self.depth = width, depth
        # (array repetition: one buffer written once; array("I", bytes(n)) made and copied two)
        self.table = array("I", [0]) * (width * depth) if table is None else table
        # Each row takes 16 other bits of the hash (mixed with the row number):
        # (shift, multiplier, first cell) of each row.
        self._rows = tuple((16 * row, 2 * row + 1, row * width) for row in range(depth))
        self._columns = tuple(np.array(column, dtype=np.uint64) for column in zip(*self._rows))  # for cells_of

    def _cells(self, k: int) -> list[int]:
        width = self.width
        return [first + ((k >> shift) ^ (k * times >> 17)) % width for shift, times, first in self._rows]

    def add(self, k: int) -> int:
        """Count k once; returns the new estimate."""
        low = None
        for cell in self._cells(k):
            if self.table[cell] < 0xFFFFFFFF:
                self.table[cell] += 1
            low = self.table[cell] if low is None else min(low, self.table[cell])
        return low or 0

    cells = _cells

    def cells_of(self, keys: list[int]) -> np.ndarray:
        """The cells ``add`` increments for each key, all at once (uint64
        arithmetic wraps, but the low bits the cell is taken from are the same
        as with Python's unbounded ints)."""
        assert self.width & (self.width - 1) == 0, "the width is a power of two"
        shift, times, first = self._columns
        k = np.asarray(keys, dtype=np.uint64)[:, None]  # a column: each key against every row at once
        cells = (((k >> shift) ^ ((k * times) >> np.uint64(17))) & np.uint64(self.width - 1)) + first
        return cells.ravel().astype(np.intp)

    def add_cells(self, cells: np.ndarray) -> None:
        """``add`` for many keys at once, from ``cells_of`` (a cell may repeat)."""
        table = np.frombuffer(self.table, dtype=np.uint32)  # the sketch's own memory
        if len(cells) < len(table) // 64:
            np.add.at(table, cells, 1)
        else:  # many: one count of each cell costs less than adding them one at a time (uint32 wraps alike)
            table += np.bincount(cells, minlength=len(table)).astype(np.uint32)

    def add_each(self, keys: np.ndarray) -> np.ndarray:
        """``add`` of each key in turn, at once (~2.5 us a key with add): the
        estimate each add returns. Each cell's count as a key reaches it is
        its count before plus the times earlier keys reached it, plus one
        (saturating at 2**32 - 1, as add)."""
        if not len(keys):
            return np.zeros(0, np.int64)
        cells = self.cells_of(keys)  # a key's cells in turn, key after key: the order add increments them
        table = np.frombuffer(self.table, np.uint32)  # the sketch's own memory
        order = np.argsort(cells, kind="stable")
        in_order = cells[order]
        first = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]])  # each cell's first reach, in ``order``
        times = np.diff(np.r_[first, len(cells)])
        earlier = np.arange(len(cells)) - np.repeat(first, times)
        reached = np.empty(len(cells), np.int64)
        reached[order] = np.minimum(table[in_order].astype(np.int64) + earlier + 1, 0xFFFFFFFF)
        table[in_order[first]] = np.minimum(table[in_order[first]].astype(np.int64) + times, 0xFFFFFFFF)
        return reached.reshape(len(keys), self.depth).min(axis=1)

    def estimate(self, k: int) -> int:
        return min(map(self.table.__getitem__, self._cells(k)))

    def estimates(self, keys: np.ndarray) -> np.ndarray:
        """``estimate`` of each of the keys (a uint64 array), at once."""
        if not len(keys):
            return np.zeros(0, np.int64)
        table = np.frombuffer(self.table, np.uint32)  # the sketch's own memory
        return table[self.cells_of(keys)].reshape(len(keys), self.depth).min(axis=1).astype(np.int64)

    @property
    def bytes(self) -> int:
        return self.table.itemsize * len(self.table)


@dataclass
class CorpusStats:
    """Documents per normalised line, estimated from hashes."""

    min_docs: int = 3
    min_share: float = 0.0
    documents: int = 0
    lines_counted: int = 0
    lines: CountMin = field(default_factory=CountMin)
    examples: dict[int, str] = field(default_factory=dict)  # key -> excerpt, at most MAX_EXAMPLES

    def add_text(self, text: str) -> None:
        """Count one document (its text after repair)."""
        self.documents += 1
        for k, excerpt in distinct_keys(text):
            self.add_line(k, excerpt)

    def add_line(self, k: int, excerpt: str) -> None:
        """Count one distinct line of a document; keep a few repeated ones as examples."""
        self.lines_counted += 1
        if self.lines.add(k) >= self.min_docs and len(self.examples) < MAX_EXAMPLES:
            self.examples.setdefault(k, excerpt)

    def threshold(self) -> int:
        return max(self.min_docs, math.ceil(self.min_share * self.documents))

    def line_documents(self, text: str) -> int:
        k = self.line_key(text)
        return 0 if k is None else self.lines.estimate(k)

    def is_repeated(self, text: str) -> bool:
        """The line recurs in enough documents of the corpus to be boilerplate."""
        return self.repeated(self.line_documents(text))

    @staticmethod
    def line_key(text: str) -> int | None:
        """The key is_repeated looks up for a line; None for a line with no words."""
        return line_key(text)

    def repeated(self, documents: int) -> bool:
        """is_repeated of a line found in this many documents."""
        return documents >= self.threshold()

    def repeated_keys(self, keys: list[int]) -> list[bool]:
        """is_repeated of lines whose line_keys are ``keys`` (none is None)."""
        threshold = self.threshold()
        return [self.lines.estimate(k) >= threshold for k in keys]  # (repeated)

    def key_documents(self, k: int) -> int:
        """line_documents of a line whose line_key is k."""
        return self.lines.estimate(k)

    def summary(self) -> dict:
        """What the change report says about the first pass."""
        repeated = sorted(((self.lines.estimate(k), text) for k, text in self.examples.items()), reverse=True)
        return {
            "documents": self.documents,
            "lines_counted": self.lines_counted,
            "repeated_min_documents": self.threshold(),
            "sketch_bytes": self.lines.bytes,
            "repeated_examples": [{"text": t, "documents": n} for n, t in repeated if n >= self.threshold()],
        }


def line_key(text: str) -> int | None:
    """The key of a line (None for a line with no words), remembered for the
    lines of the document at hand: the second pass asks it again of the lines
    the first pass counted (handed over with the document: ``remember``)."""
    k = _known.get(text, _UNKNOWN)
    if k is _UNKNOWN:
        if len(_known) >= MAX_KNOWN_LINES:  # lines of earlier documents, not handed over
            _known.clear()
        norm = normalised(text)
        k = _known[text] = key(norm) if norm else None
    return k


MAX_KNOWN_LINES = 2 * MAX_LINES_PER_DOC
_UNKNOWN = object()
_known: dict[str, int | None] = {}  # line -> line_key(line), for the document at hand


def counted_lines(text: str) -> list[str]:
    """The lines of a text the first pass counts: the texts of
    content_lines(text)[:MAX_LINES_PER_DOC], without their offsets."""
    return list(islice(filter(str.strip, text.split("\n")), MAX_LINES_PER_DOC))


def line_keys(text: str) -> list[int | None]:
    """line_key of each of the counted lines (what the first pass hands over
    to the second with the document)."""
    return keys_of(counted_lines(text))


def keys_of(lines: list[str]) -> list[int | None]:
    """line_key of each line, asked once (no memo: the second pass gets the keys)."""
    # (utf8_key inlined: a call per line costs a third of the hash)
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    return [from_bytes(blake2b(norm, digest_size=8).digest(), "big") if norm else None
            for norm in normalised_utf8_each(lines)]


def remember(text: str, keys: list[int | None], lines: list[str] | None = None) -> None:
    """Take the line keys of a text (``line_keys``, computed by the first
    pass) as those of the document at hand: ``line_key`` answers from them.
    Keys of another number of lines are not taken. ``lines``:
    ``counted_lines(text)``, when the caller has them."""
    if lines is None:
        lines = counted_lines(text)
    if len(lines) == len(keys) and all(k is None or type(k) is int for k in keys):
        _known.clear()
        _known.update(zip(lines, keys))


def distinct_keys(text: str) -> list[tuple[int, str]]:
    """What the first pass counts of a text: the key and an excerpt of each
    distinct content line, in text order."""
    lines = counted_lines(text)
    return distinct_keys_of(lines, keys_of(lines))


def distinct_keys_of(texts: list[str], keys: list[int | None]) -> list[tuple[int, str]]:
    """distinct_keys of a text, from its counted lines and their keys."""
    lines: list[tuple[int, str]] = []
    seen_lines: set[int] = set()
    for line, k in zip(texts, keys):
        if k is not None and k not in seen_lines:
            seen_lines.add(k)
            lines.append((k, line.strip()[:EXCERPT_CHARS]))
    return lines


def from_texts(texts: Iterable[str], config: Config) -> CorpusStats:
    """Statistics of texts given as strings (already decoded and repaired)."""
    stats = CorpusStats(config.repeat_min_docs, config.repeat_min_share)
    for text in texts:
        stats.add_text(text)
    return stats


def first_pass(inputs, raw_dir: Path, config: Config) -> CorpusStats:
    """Read every input once, decode and repair it as the pipeline does, and
    count its lines. Unreadable or undecodable inputs, and inputs on
    which a stage raises, are skipped here: the second pass rejects them with
    their reason, or reports the bug naming the input."""
    from pipeline.corpus import read_input
    from pipeline.document import Document
    from pipeline.stages import decode, repair

    def texts():
        for inp in inputs:
            try:
                data, rejected = read_input(inp, raw_dir, config)
                if rejected is not None:
                    continue
                doc = decode.apply(Document(inp.id, inp.path, "", len(data), raw=data), config)
                if doc.rejection is None:
                    yield repair.apply(doc, config).text
            except Exception:  # noqa: BLE001 - the second pass reports it, naming the input
                continue

    return from_texts(texts(), config)
