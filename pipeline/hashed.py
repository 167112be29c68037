"""Output files hashed as they are written: the manifest's sha256 and line
count of a file without reading it again, and byte ranges copied from
another file (the parent version's: pipeline.rerun) through the same hash.

A version's files must be on disk before the rename that publishes it
(pipeline.version). ``Syncer`` makes a file read-only and fsyncs it on a
thread as soon as it is complete, while the run goes on with other work;
``early_writeback`` asks the kernel to start writing a big file's pages
while it is still being written, so that its fsync has little left to wait
for. ``direct`` writes a file around the page cache (``DirectFile``), from
threads that can wait for the disk: a re-run's copies of the parent's bytes.
"""

from __future__ import annotations

import ctypes
import hashlib
import mmap
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

CHUNK = 1 << 20  # bytes copied at a time
WRITEBACK = 32 << 20  # bytes written between two requests to start writing them to disk
BUFFER = 1 << 20  # bytes held before a write to the file


class ShortRead(Exception):
    """A file copied from is shorter than the range asked of it."""


def _sync_file_range():
    """Linux's sync_file_range(2), which Python's os lacks; None elsewhere."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    return fn


_SYNC_FILE_RANGE = _sync_file_range()
_SYNC_FILE_RANGE_WRITE = 2  # start writing the dirty pages of the range; do not wait


ALIGN = 4096  # what O_DIRECT asks of a write's offset, length and buffer (a page: enough on Linux)


class DirectFile:
    """A file written around the page cache (O_DIRECT), from two page-aligned
    buffers. Written through the page cache, a new file takes new pages, and
    the kernel's copy into them was a third of a re-run's CPU time (system
    time), when the VM backs new pages slowly. A direct write waits for the
    disk: a full buffer is written by a thread of its own while the other
    one fills (the file's bytes go in order: a buffer is written once the
    one before it is). ``flush`` writes the last, partial buffer padded to
    ALIGN and cuts the file to its size: it is the file's end (a write after
    it raises)."""

    def __init__(self, path: Path) -> None:
        self._views = [memoryview(mmap.mmap(-1, BUFFER)) for _ in range(2)]  # (made first: no fd left open if they fail)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o666)
        self._view = self._views[0]  # the one filling
        self._fill = 0
        self._size = 0  # bytes handed to the file
        self._ended = False
        self._writer: ThreadPoolExecutor | None = None  # made at the first full buffer
        self._written: Future | None = None  # the write of the other buffer

    def write(self, data) -> None:
        self._check()
        data = memoryview(data).cast("B")
        while len(data):
            k = min(len(data), BUFFER - self._fill)
            self._view[self._fill:self._fill + k] = data[:k]
            self._fill += k
            data = data[k:]
            if self._fill == BUFFER:
                self._out()

    def read_from(self, fd: int, offset: int, length: int) -> Iterator[memoryview]:
        """``length`` bytes of the open file ``fd`` from ``offset``, read
        into the buffer (no copy of their own), a chunk at a time: each is
        written once the caller is done with it (it hashes them)."""
        end = offset + length
        while offset < end:
            self._check()
            k = min(BUFFER - self._fill, end - offset)
            got = os.preadv(fd, [self._view[self._fill:self._fill + k]], offset)
            if not got:
                raise ShortRead(f"{length} bytes at {end - length}")
            yield self._view[self._fill:self._fill + got]
            self._fill += got
            offset += got
            if self._fill == BUFFER:
                self._out()

    def _check(self) -> None:
        if self._ended:
            raise ValueError("a write after the end of a DirectFile")

    def _out(self) -> None:
        """The full buffer to the file, on the writer thread; the other one fills."""
        self._wait()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="direct")
        self._written = self._writer.submit(self._write_all, self._view, BUFFER)
        self._size += BUFFER
        self._fill = 0
        self._view = self._views[self._views[0] is self._view]

    def _write_all(self, view: memoryview, length: int) -> None:
        done = 0
        while done < length:
            done += os.write(self.fd, view[done:length])

    def _wait(self) -> None:
        """The other buffer written (raises what writing it raised)."""
        if self._written is not None:
            written, self._written = self._written, None
            written.result()

    def flush(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._wait()
        if self._fill:
            fill = self._fill
            padded = -(-fill // ALIGN) * ALIGN
            self._view[fill:padded] = bytes(padded - fill)
            self._write_all(self._view, padded)
            self._size += fill
            os.ftruncate(self.fd, self._size)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if self.fd < 0:
            return
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)  # (after an error: the write under way ends first)
            os.close(self.fd)
            self.fd = -1
            self._views = self._view = None  # freed with the last chunk read into them (an error's traceback holds one)


def _open(path: Path, direct: bool):
    """The file to write: a DirectFile when asked and the file system takes
    O_DIRECT, else a buffered file."""
    if direct and hasattr(os, "O_DIRECT"):
        try:
            return DirectFile(path)
        except OSError:  # (tmpfs, for one)
            pass
    return open(path, "wb", buffering=BUFFER)


class HashedWriter:
    """A binary file being written, with the sha256 and the newlines of what
    was written so far. ``early_writeback``: start writing its pages to disk
    every WRITEBACK bytes (a hint: the fsync that follows is what counts)."""

    def __init__(self, path: Path, early_writeback: bool = False, direct: bool = False) -> None:
        self.path = path
        # A large buffer: a document's line (~10 KB) is copied into it, not
        # written by a system call of its own (most lines are larger than the
        # default 8 KB buffer, which Python then bypasses)
        self._file = _open(path, direct)
        self._hash = hashlib.sha256()
        self.lines = 0
        self.size = 0
        self._early = early_writeback and _SYNC_FILE_RANGE is not None and not isinstance(self._file, DirectFile)
        self._started = 0  # bytes whose writeback was asked for
        self._handed = False  # to a Syncer, which closes it

    def write(self, data, count_lines: bool = True) -> None:
        self._hash.update(data)
        if count_lines:
            self.lines += data.count(b"\n")
        self.size += len(data)
        self._file.write(data)
        if self._early and self.size - self._started >= WRITEBACK:
            self._file.flush()
            _SYNC_FILE_RANGE(self._file.fileno(), self._started, self.size - self._started, _SYNC_FILE_RANGE_WRITE)
            self._started = self.size

    def copy(self, fd: int, offset: int, length: int, count_lines: bool = True) -> None:
        """``length`` bytes of the open file ``fd`` from ``offset``;
        ``count_lines`` False: the caller knows their newlines and adds them
        to ``lines`` itself."""
        if isinstance(self._file, DirectFile):  # read into its buffer, hashed there, written from there
            for chunk in self._file.read_from(fd, offset, length):
                self._hash.update(chunk)
                if count_lines:
                    self.lines += chunk.tobytes().count(b"\n")
                self.size += len(chunk)
            return
        end = offset + length
        while offset < end:
            chunk = os.pread(fd, min(CHUNK, end - offset), offset)
            if not chunk:
                raise ShortRead(f"{length} bytes at {offset}")
            self.write(chunk, count_lines)
            offset += len(chunk)

    def stats(self) -> dict:
        """What ``pipeline.version.file_stats`` says of the file."""
        return {"sha256": self._hash.hexdigest(), "lines": self.lines}

    def close(self) -> None:
        if not self._handed:
            self._file.close()

    def seal(self) -> None:
        """Make the complete file read-only and durable, then close it."""
        try:
            self._file.flush()
            os.fchmod(self._file.fileno(), 0o444)  # versions are immutable
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    def __enter__(self) -> "HashedWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Syncer:
    """Seals (``HashedWriter.seal``) complete files on a thread; ``wait``
    returns the names of the files sealed, raising what a seal raised.
    Leaving the ``with`` block waits for every seal (errors ignored: the
    run failed already, or ``wait`` reported them)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="fsync")
        self._done: list[tuple[str, Future]] = []

    def submit(self, out: HashedWriter) -> None:
        """Seal ``out`` on the thread; its data is flushed here first, so
        that the file can be read at once. ``out.close()`` does nothing after
        this (the seal closes it)."""
        out._file.flush()
        out._handed = True
        self._done.append((out.path.name, self._pool.submit(out.seal)))

    def sealed_elsewhere(self, names) -> None:
        """Files sealed by another process (pipeline.rerun_child): ``wait`` names them too."""
        for name in names:
            done: Future = Future()
            done.set_result(None)
            self._done.append((name, done))

    def wait(self) -> set[str]:
        for _, future in self._done:
            future.result()
        return {name for name, _ in self._done}

    def __enter__(self) -> "Syncer":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)
