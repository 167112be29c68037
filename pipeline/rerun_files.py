"""The files of a re-run (pipeline.rerun) as ranges: of the parent
version's files and of fresh parts (``Segments``); the files without a head
(documents, records, rejected) written during the pass over the rows, on
threads (``DataWriter``), the others once the report's head is known."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from pipeline.carry import FILES, SEPARATORS
from pipeline.hashed import HashedWriter

PARENT, FRESH = 0, 1  # where a segment's bytes are
DATA = 3  # the first files of FILES have no head: written during the pass (DataWriter)
QUEUED = 16  # bundles of ranges waiting for the DataWriter
BUNDLE = 16  # ranges handed to a DataWriter thread at once: one queue operation (a wake-up) for them all
# The DataWriter's thread of each of the first DATA files: documents on one,
# records and rejected on another. Copying was then mostly system time (new
# page cache), which one thread serialised: at 80k a re-run took 4.2-4.4 s
# with two, 4.9-5.2 with one; at 20k, 1.10-1.29 s against 1.34-1.42 when the
# VM charged much system time. Every file of a re-run is now written around
# the page cache (hashed.DirectFile): a thread also waits for the disk.
LANES = (0, 1, 1)
assert not any(SEPARATORS[:DATA])


class Segments:
    """A file's content after its head, as ranges of the parent's file and of
    fresh parts; adjacent ranges of the parent are joined. Each complete range
    ([source, offset, length, bytes of a fresh part or None]) goes to ``sink``
    as soon as the next one starts, or is kept in ``items`` (no sink)."""

    def __init__(self, sep: bytes, sink=None) -> None:
        self.sep = sep
        self.items: list[list] = []
        self.sink = sink if sink is not None else self.items.append
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
            self._last = [source, offset, length, data]

    def close(self) -> None:
        if self._last is not None:
            self.sink(self._last)
            self._last = None

    def write(self, out: HashedWriter, fds: tuple[int, int]) -> None:
        """The kept ranges (the parent's newlines are not counted: see Rerun.write)."""
        for i, (source, offset, length, _) in enumerate(self.items):
            if i and self.sep:
                out.write(self.sep)
            out.copy(fds[source], offset, length, count_lines=source != PARENT)


class DataWriter:
    """Writes the files without a head (the first DATA of FILES) on threads
    (``LANES``), from the ranges the pass over the rows hands them, while the
    pass goes on: reading, hashing and writing release the GIL. The ranges
    go in bundles (``BUNDLE``); the queues are bounded (a fresh range holds
    one document's part)."""

    def __init__(self, tmp: Path, parent_fds: list[int]) -> None:
        self.outs = [HashedWriter(tmp / FILES[f], direct=True) for f in range(DATA)]
        self.fds = parent_fds
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
            if len(bundle) == BUNDLE:
                put(bundle.copy())
                bundle.clear()
        return add

    def _run(self, q: queue.Queue) -> None:
        while (got := q.get()) is not None:
            for f, (source, offset, length, data) in got:
                if self.error is not None:
                    break  # drain: the pass must not block on a full queue
                try:
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

    def finish(self) -> list[HashedWriter]:
        """The files, written (not closed); raises what writing raised."""
        for q, bundle in zip(self.queues, self.bundles):
            if bundle:
                q.put(bundle.copy())
                bundle.clear()
        self._stop()
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
