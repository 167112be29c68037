"""Tables of the main process that forked workers do not inherit.

A worker forked by the local executor maps the pages of the process that
forked it, and each of those pages counts in the worker's resident set too.
The main process's per-input tables (the inputs' paths, where each repaired
document waits) would then count once more per worker, and peak memory would
grow with the corpus several times over. A table made here lives in its own
anonymous mapping marked MADV_DONTFORK (Linux), which a fork leaves out; on
other systems it is ordinary memory.

A worker must never read such a table (it would fault): nothing a worker does
needs them, its items come through its pipe (pipeline.executors.local).
"""

from __future__ import annotations

import mmap
from array import array

_DONTFORK = getattr(mmap, "MADV_DONTFORK", None)


def filled(typecode: str, n: int, value: int) -> memoryview:
    """n items of ``typecode`` (an array module code), each ``value``."""
    items = _mapping(n * array(typecode).itemsize).cast(typecode)
    if value and n:
        items[:] = array(typecode, [value]) * n
    return items


def copy(data, typecode: str = "B") -> memoryview:
    """A copy of a bytes-like object's items (of ``typecode``)."""
    raw = memoryview(data).cast("B")
    view = _mapping(len(raw))
    view[:] = raw
    return view.cast(typecode)


def _mapping(size: int) -> memoryview:
    if size == 0:  # (mmap refuses an empty mapping: an empty table needs none)
        return memoryview(bytearray())
    m = mmap.mmap(-1, size)
    if _DONTFORK is not None:
        try:
            m.madvise(_DONTFORK)
        except OSError:  # not allowed here: ordinary memory, inherited
            pass
    return memoryview(m)
