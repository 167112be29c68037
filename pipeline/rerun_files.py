"""The files of a re-run (pipeline.rerun) as ranges: of the parent
version's files and of fresh parts (``Segments``); written by ``Files``:
the files whose start is known before the pass (documents, records,
rejected, and report.json, whose summary follows its documents) during the
pass over the rows, on threads (``DataWriter``), report.md once the report's
head is known. pipeline.rerun_child runs ``Files`` in a child process."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple

from pipeline.carry import FILES, SEPARATORS
from pipeline.hashed import HashedWriter, Syncer

PARENT, FRESH = 0, 1  # where a segment's bytes are
DATA = 4  # the first files of FILES: written during the pass (DataWriter), their heads known before it
QUEUED = 16  # bundles of ranges waiting for the DataWriter
BUNDLE = 16  # ranges handed to a DataWriter thread at once: one queue operation (a wake-up) for them all
# The DataWriter's thread of each of the first DATA files: documents on one,
# records and rejected on another (report.json, on a third, came later).
# Copying was then mostly system time (new page cache), which one thread
# serialised: at 80k a re-run took 4.2-4.4 s with two, 4.9-5.2 with one; at
# 20k, 1.10-1.29 s against 1.34-1.42 when the VM charged much system time.
# Every file of a re-run is now written around the page cache
# (hashed.DirectFile): a thread also waits for the disk.
LANES = (0, 1, 1, 2)
# Bytes of ranges after which they are handed on at once, however few: a
# parent's range grows while the rows after it are copied, and was handed on
# only when a row that is not copied came, or at the end of the pass. When
# few inputs changed, the copying (most of a re-run's work) waited for the
# pass to end instead of going on beside it.
SPLIT = 4 << 20


def urgent(item: list) -> bool:
    """A range a sink hands on at once, without waiting for more: one of SPLIT bytes or more."""
    return item[2] >= SPLIT


class Segments:
    """A file's content after its head, as ranges of the parent's file and of
    fresh parts; adjacent ranges of the parent are joined (with the
    separator between them). Each complete range ([source, offset, length,
    bytes of a fresh part or None]) goes to ``sink`` as soon as the next one
    starts, or is kept in ``items`` (no sink). With a sink, a range of the
    parent goes as soon as it holds SPLIT bytes: the sink's writer copies it
    while the pass goes on. The rest of that range follows as the next one
    (it ends a document's part: the next part starts after a separator, which
    the writer puts between two ranges, as ``write_ranges``)."""

    def __init__(self, sep: bytes, sink=None) -> None:
        self.sep = sep
        self.items: list[list] = []
        self.sink = sink if sink is not None else self.items.append
        self.split = sink is not None
        self._last: list | None = None

    def add(self, source: int, offset: int, length: int, data: bytes | None = None) -> None:
        if length == 0 and not self.sep:
            return
        last = self._last
        if last is not None and source == PARENT and last[0] == PARENT and \
                last[1] + last[2] + len(self.sep) == offset:
            last[2] = offset + length - last[1]  # the separator between them is the parent's
        else:
            if last is not None:
                self.sink(last)
            self._last = last = [source, offset, length, data]
        if self.split and source == PARENT and urgent(last):
            self.sink(last)
            self._last = None

    def close(self) -> None:
        if self._last is not None:
            self.sink(self._last)
            self._last = None



def write_ranges(out: HashedWriter, items: list[list], sep: bytes, fds: tuple[int, int]) -> None:
    """The ranges of a Segments' ``items``, ``sep`` between them (the
    parent's newlines are not counted: see pipeline.rerun.Rerun.write)."""
    for i, (source, offset, length, _) in enumerate(items):
        if i and sep:
            out.write(sep)
        out.copy(fds[source], offset, length, count_lines=source != PARENT)


class DataWriter:
    """Writes the first DATA of FILES on threads (``LANES``), from their
    heads (``heads``: file -> bytes; none for most) and the ranges the pass
    over the rows hands them, while the pass goes on: reading, hashing and
    writing release the GIL. The ranges go in bundles (``BUNDLE``); the
    queues are bounded (a fresh range holds one document's part)."""

    def __init__(self, tmp: Path, parent_fds: list[int], heads: dict[int, bytes]) -> None:
        self.outs = [HashedWriter(tmp / FILES[f], direct=True) for f in range(DATA)]
        for f, out in enumerate(self.outs):
            out.write(heads.get(f, b""))
            out.start = out.size
        self.fds = parent_fds
        self.started = [False] * DATA  # a range written (the next one after a separator)
        self.queues = [queue.Queue(QUEUED) for _ in range(max(LANES) + 1)]
        self.bundles: list[list] = [[] for _ in self.queues]  # of each lane, being filled
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, args=(q,), name=f"rerun-data-{lane}", daemon=True)
                        for lane, q in enumerate(self.queues)]
        for thread in self.threads:
            thread.start()
        self.done = False

    def sink(self, f: int):
        lane = LANES[f]
        bundle, put = self.bundles[lane], self.queues[lane].put

        def add(item) -> None:
            bundle.append((f, item))
            if len(bundle) == BUNDLE or urgent(item):
                put(bundle.copy())
                bundle.clear()
        return add

    def _run(self, q: queue.Queue) -> None:
        while (got := q.get()) is not None:
            for f, (source, offset, length, data) in got:
                if self.error is not None:
                    break  # drain: the pass must not block on a full queue
                try:
                    if self.started[f] and SEPARATORS[f]:
                        self.outs[f].write(SEPARATORS[f])
                    self.started[f] = True
                    if source == PARENT:
                        self.outs[f].copy(self.fds[f], offset, length, count_lines=False)
                    else:
                        self.outs[f].write(data)
                except BaseException as err:  # raised by finish()
                    self.error = err

    def _stop(self) -> None:
        for q in self.queues:
            q.put(None)
        for thread in self.threads:
            thread.join()
        self.done = True

    def finish(self, tails: dict[int, bytes]) -> list[HashedWriter]:
        """The files, written with their ``tails`` (file -> bytes; none for
        most), not closed; raises what writing raised."""
        for q, bundle in zip(self.queues, self.bundles):
            if bundle:
                q.put(bundle.copy())
                bundle.clear()
        self._stop()
        if self.error is None:
            try:
                for f, tail in tails.items():
                    self.outs[f].write(tail)
            except BaseException as err:
                self.error = err
        if self.error is not None:
            for out in self.outs:
                out.close()
            raise self.error
        return self.outs

    def abort(self) -> None:
        if not self.done:
            self._stop()
            for out in self.outs:
                out.close()


class Written(NamedTuple):
    """A file written: its sha256, the newlines written (but those of the
    parent's ranges), its size, and where its first range starts (after its head)."""
    sha256: str
    lines: int
    size: int
    start: int


class Files:
    """A re-run's files, written here on threads: the first DATA of FILES
    from their ``heads`` and the ranges ``sink`` is handed during the pass
    (DataWriter), the others by ``write`` once their head is known. Each
    file is handed to ``syncer`` once complete. ``fds``: the parent's files,
    and the fresh parts of the files written last (read once ``write`` is called)."""

    def __init__(self, tmp: Path, parent_fds: list[int], fresh_fd: int, syncer: Syncer,
                 heads: dict[int, bytes]) -> None:
        self.tmp, self.parent_fds, self.fresh_fd, self.syncer = tmp, parent_fds, fresh_fd, syncer
        self.data = DataWriter(tmp, parent_fds, heads)

    def sink(self, f: int) -> Callable[[list], None]:
        return self.data.sink(f)

    def write(self, ends: dict[int, tuple[bytes, bytes]], items: dict[int, list[list]],
              meanwhile: Callable[[], None]) -> list[Written]:
        """Every file: the first DATA ended with the tails of ``ends`` (their
        heads were given), each other file of ``ends`` (its head and its
        tail) written with its ranges (``items``); ``meanwhile`` is called
        while they are written."""
        def one(f: int) -> HashedWriter:
            head, tail = ends[f]
            out = HashedWriter(self.tmp / FILES[f], direct=True)
            try:
                out.write(head)
                out.start = out.size
                write_ranges(out, items[f], SEPARATORS[f], (self.parent_fds[f], self.fresh_fd))
                out.write(tail)
            except BaseException:
                out.close()
                raise
            return out

        # The files are independent, and hashing, reading and writing release
        # the GIL: the last files are written by a thread of their own while
        # the DataWriter ends the others.
        last = [f for f in sorted(ends) if f >= DATA]
        with ThreadPoolExecutor(max(1, len(last))) as pool:
            pending = [pool.submit(one, f) for f in last]
            outs, headed, error = [], [], None
            try:
                meanwhile()
            except BaseException as err:
                error = err
            try:
                outs += self.data.finish({f: ends[f][1] for f in ends if f < DATA})
            except BaseException as err:
                error = error or err
            for out in outs:
                self.syncer.submit(out)  # while the last files are still being written
            for future in pending:
                try:
                    headed.append(future.result())
                except BaseException as err:
                    error = error or err
        if error is not None:  # the run fails or starts again
            for out in headed:
                out.close()
            raise error
        for out in headed:
            self.syncer.submit(out)
        return [Written(out.stats()["sha256"], out.lines, out.size, out.start) for out in outs + headed]

    def abort(self) -> None:
        self.data.abort()
