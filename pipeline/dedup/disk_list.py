"""The duplicate index's records and ids, kept in temporary files
(pipeline.dedup.index; a re-run's, pipeline.rescreen): memory does not grow
with them."""

from __future__ import annotations

import os
import tempfile
from array import array


class DiskList:
    """An append-only list of byte strings in a temporary file, read back by
    position with ``os.pread`` (the page cache, not this process, holds what
    was read). Not through a map: the kernel maps pages around each one
    touched (fault-around), and the mapped pages count in this process's
    resident set, which then grew with the corpus (measured: +53 MB for
    80,000 documents). Fixed-size items need no offsets; others keep 8 bytes
    each."""

    def __init__(self, size: int, spill_dir, spill_at: int) -> None:
        self.size = size
        self.spill_at = spill_at
        self._offsets = array("Q", [0])
        self._file = tempfile.TemporaryFile(dir=spill_dir)
        self._written = 0  # bytes in the file; the rest is in _pending
        self._pending = bytearray()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._offsets.itemsize * len(self._offsets) if not self.size else 0

    def add(self, item: bytes) -> None:
        self._pending += item
        self._count += 1
        if not self.size:
            self._offsets.append(self._offsets[-1] + len(item))
        if len(self._pending) >= self.spill_at:
            self._spill()

    def extend(self, items: bytes) -> None:
        """Add fixed-size items given one after another (one copy, not one
        per item). Items that would fill the buffer go to the file as they
        are, after what it holds: a re-run adds its parent's records ~1 MB at
        a time, and copying them into the buffer (new pages each time) first
        took ~10 ms of its main process at 20k documents."""
        if not self.size or len(items) % self.size:
            raise ValueError(f"not items of {self.size} bytes")
        self._count += len(items) // self.size
        if len(self._pending) + len(items) < self.spill_at:
            self._pending += items
            return
        if self._pending:
            self._spill()
        self._file.write(items)
        self._file.flush()
        self._written += len(items)

    def _spill(self) -> None:
        self._file.write(self._pending)
        self._file.flush()
        self._written += len(self._pending)
        self._pending = bytearray()

    def get(self, i: int) -> bytes:
        start, end = (i * self.size, (i + 1) * self.size) if self.size else (self._offsets[i], self._offsets[i + 1])
        if start >= self._written:
            return bytes(self._pending[start - self._written : end - self._written])
        return os.pread(self._file.fileno(), end - start, start)

    def get_many(self, items: list[int]) -> bytes:
        """The fixed-size items at these positions, concatenated."""
        size, written, fd, pending = self.size, self._written, self._file.fileno(), self._pending
        return b"".join([os.pread(fd, size, i * size) if i * size < written else
                         bytes(pending[i * size - written : (i + 1) * size - written]) for i in items])

    def close(self) -> None:
        self._file.close()
