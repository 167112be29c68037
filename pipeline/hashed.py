"""Output files hashed as they are written: the manifest's sha256 and line
count of a file without reading it again, and byte ranges copied from
another file (the parent version's: pipeline.rerun) through the same hash."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CHUNK = 1 << 20  # bytes copied at a time


class ShortRead(Exception):
    """A file copied from is shorter than the range asked of it."""


class HashedWriter:
    """A binary file being written, with the sha256 and the newlines of what
    was written so far."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "wb")
        self._hash = hashlib.sha256()
        self.lines = 0
        self.size = 0

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self.lines += data.count(b"\n")
        self.size += len(data)
        self._file.write(data)

    def copy(self, fd: int, offset: int, length: int) -> None:
        """``length`` bytes of the open file ``fd`` from ``offset``."""
        end = offset + length
        while offset < end:
            chunk = os.pread(fd, min(CHUNK, end - offset), offset)
            if not chunk:
                raise ShortRead(f"{length} bytes at {offset}")
            self.write(chunk)
            offset += len(chunk)

    def stats(self) -> dict:
        """What ``pipeline.version.file_stats`` says of the file."""
        return {"sha256": self._hash.hexdigest(), "lines": self.lines}

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "HashedWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
