"""Listing --raw and stating every input in a forked process, while this one
imports the rest of curate (started by pipeline.launch) or opens the cache
(pipeline.version): at 20k inputs the listing takes ~85 ms, and neither
needs the other (this module is light to import, for pipeline.launch). The
child sends back the inputs (pipeline.corpus.Inputs, packed) and each one's
stat key (pipeline.stat_keys), all taken after ``run_start``, the run's start
for the racily-clean rule (pipeline.cache); the first pass compares them with
the cache's without a system call per input.

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

from pipeline.corpus import Input, Inputs, list_inputs
from pipeline.stat_keys import NO_STAT, stat_keys

_HEADER = struct.Struct("<4Q")  # the sizes of the four parts of an answer


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
        read, write = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        if self.pid == 0:  # the child: lists, states, sends, ends (no atexit, no buffers flushed)
            code = 1
            try:
                os.close(read)
                with open(write, "wb") as out:
                    out.write(found(raw_dir, self.run_start))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._read: int | None = read

    def result(self) -> tuple[Inputs, tuple[int, array]] | None:
        """(the inputs, (the run's start, their stat keys)) as the child found
        them; None when it failed (then list here). Call it once."""
        try:
            with open(self._read, "rb") as f:
                data = f.read()
        finally:
            self._read = None
            _, status = os.waitpid(self.pid, 0)
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
    keys = array("q")
    with stat_keys(os.fspath(raw_dir), run_start) as stat_key:
        for i in range(len(inputs)):
            keys.extend(stat_key(inputs.listed(i)) or NO_STAT)
    paths, ends, unusual = inputs.parts()
    # (ASCII JSON: a name that is not UTF-8 keeps its escaped bytes, as \udcXX)
    rest = json.dumps([[i, x.id, x.path, os.fspath(x.abspath), x.problem] for i, x in unusual.items()]).encode()
    return b"".join((_HEADER.pack(len(paths), len(ends), len(keys) * keys.itemsize, len(rest)),
                     paths, ends, keys.tobytes(), rest))


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
