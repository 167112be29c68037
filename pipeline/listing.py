"""Listing --raw and stating every input in a forked process, while this one
imports the rest of curate (started by pipeline.launch) or opens the cache
(pipeline.version): at 20k inputs the listing takes ~85 ms, and neither
needs the other (this module is light to import, for pipeline.launch). The
child sends back the inputs (pipeline.corpus.Inputs, packed) and each one's
stat key (pipeline.stat_keys), all taken after ``run_start``, the run's start
for the racily-clean rule (pipeline.cache); the first pass compares them with
the cache's without a system call per input. A large listing's child
states half the inputs in a child of its own (``SPLIT_AT``).

When the child fails (it raised, died or sent nothing), the inputs are
listed and stated in this process, as without it: the answer is the same.
The child holds no lock (a record lock is not inherited by a fork) and
touches nothing but --raw, which it only reads.
"""

from __future__ import annotations

import json
import os
import struct
import time
from array import array
from pathlib import Path

from pipeline import forked
from pipeline.corpus import Input, Inputs, list_inputs
from pipeline.executors import default_workers
from pipeline.stat_keys import NO_STAT, stat_keys

_HEADER = struct.Struct("<4Q")  # the sizes of the four parts of an answer
_KEY = 4 * array("q").itemsize  # bytes of an input's stat key
# Inputs from which the child states the second half of them in a child of its
# own: at 80k, stating takes ~200 ms of the listing's ~280 and the run waits
# for it. Below, the listing ends while the rest of curate is still imported
# (~85 ms at 20k against ~120), and a third process would slow that import.
SPLIT_AT = 40_000


def start(raw_dir: Path) -> "Ahead | None":
    """The listing of raw_dir started in a child process; None when no child
    can be made (no pipe, no fork: the run lists here)."""
    try:
        return Ahead(raw_dir)
    except OSError:
        return None


class Ahead:
    """The listing of raw_dir under way in a child process, from creation."""

    def __init__(self, raw_dir: Path) -> None:
        self.raw_dir = raw_dir
        self.run_start = time.time_ns()  # before any stat is taken
        self.pid, self._read = forked.start(lambda: found(raw_dir, self.run_start))

    def result(self) -> tuple[Inputs, tuple[int, array]] | None:
        """(the inputs, (the run's start, their stat keys)) as the child found
        them; None when it failed (then list here). Call it once."""
        read, self._read = self._read, None
        status, data = forked.answer((self.pid, read))
        if status != 0 or len(data) < _HEADER.size:
            return None
        try:
            paths, ends, keys, unusual = _parts(data)
        except (ValueError, TypeError):  # not an answer as found() makes one: list here
            return None
        return Inputs.from_parts(self.raw_dir, paths, ends, unusual), (self.run_start, keys)

    def close(self) -> None:
        """End the child's part if ``result`` was not called (an error in between)."""
        if self._read is not None:
            os.close(self._read)  # the child, writing, gets EPIPE and ends
            self._read = None
            os.waitpid(self.pid, 0)


def found(raw_dir: Path, run_start: int) -> bytes:
    """The inputs of raw_dir and their stat keys (4 values each, NO_STAT for
    none), as the child sends them: the sizes of the parts, the inputs'
    packed paths and ends, the keys, and the unusual inputs as JSON (data
    only: nothing received is evaluated or unpickled)."""
    inputs = list_inputs(raw_dir)
    listed = map(inputs.listed, range(len(inputs)))
    if len(inputs) >= SPLIT_AT and default_workers() > 1:
        # (as listed, in a list: the Inputs' own buffers are not inherited by a fork, pipeline.unforked)
        keys = array("q", forked.in_halves(list(listed), lambda some: _stated(raw_dir, run_start, some).tobytes(),
                                           _KEY))
    else:
        keys = _stated(raw_dir, run_start, listed)
    paths, ends, unusual = inputs.parts()
    # (ASCII JSON: a name that is not UTF-8 keeps its escaped bytes, as \udcXX)
    rest = json.dumps([[i, x.id, x.path, os.fspath(x.abspath), x.problem] for i, x in unusual.items()]).encode()
    return b"".join((_HEADER.pack(len(paths), len(ends), len(keys) * keys.itemsize, len(rest)),
                     paths, ends, keys.tobytes(), rest))


def _stated(raw_dir: Path, run_start: int, listed) -> array:
    """The stat keys of inputs as listed (corpus.Inputs.listed), 4 values each (NO_STAT for none)."""
    keys = array("q")
    with stat_keys(os.fspath(raw_dir), run_start) as stat_key:
        for x in listed:
            keys.extend(stat_key(x) or NO_STAT)
    return keys


def _parts(data: bytes) -> tuple[bytes, bytes, array, dict[int, Input]]:
    sizes = _HEADER.unpack_from(data)
    if _HEADER.size + sum(sizes) != len(data):
        raise ValueError(f"a listing of {len(data)} bytes, not {_HEADER.size + sum(sizes)}")
    at, parts = _HEADER.size, []
    for size in sizes:
        parts.append(data[at: at + size])
        at += size
    paths, ends, packed_keys, rest = parts
    keys = array("q")
    keys.frombytes(packed_keys)
    unusual = {i: Input(doc_id, path, Path(abspath), problem) for i, doc_id, path, abspath, problem in json.loads(rest)}
    return paths, ends, keys, unusual
