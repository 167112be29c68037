"""A re-run that costs what changed: the documents whose part of every
output file is the parent version's are copied from the parent's files
(pipeline.carry says where each document's bytes are), not read and
written again; only the others are screened, counted as changes and written
from their Results. A reused document written again (its duplicate decision
changed) has its text read from its part of the parent's files (the cache
keeps none); when it was screened out in the parent, its lines were never
written: it is processed again (``Plan.process_again``).

A document is copied when the cache reuses its Result (pipeline.incremental)
and its duplicate decision cannot have changed. The decision of a document
depends only on the documents before it (in input order) that are in the
duplicate index and share one of its LSH band keys, and on their
fingerprints. So every document that enters or leaves the index, or whose
fingerprint changes (a new, removed, or processed document, or one whose
decision changed), makes its band keys dirty; a reused document with a dirty
band key is screened again (``rescreen.Index``), with the same candidates a
full run's index would give it, and copied when its decision is the one the
parent holds. Every other reused document has the candidates and decision
it had: its bytes are the parent's.

The report's ``changes`` are found in passing: a copied document did not
change; a written one is compared with its bytes in the parent (read at
their offsets), as pipeline.changes compares whole files. The report's
counts start from the parent's totals (kept with the rows): the rows that
are not copied have theirs taken back, the written documents theirs added;
its review items (the first ones in input order) are listed again until
there are enough. Copied rows are not decoded one by one: consecutive ones
are one range of each parent file (``Copied``), and their manifest entries
are cut from their tally texts. The parts of the written documents
wait in a temporary file until the report's head is known, then every file
is written in one pass of copies, hashed as it is written (pipeline.hashed).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from array import array
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline import carry, changes, corpus, dedup, incremental, report, rescreen, spill, to_review
from pipeline.carry import FILES, SEPARATORS
from pipeline.hashed import HashedWriter, Syncer

PARENT, FRESH = 0, 1  # where a segment's bytes are
WRITERS = 2  # threads writing the files with a head (report.json, report.md)
DATA = 3  # the first files of FILES have no head: written during the pass (DataWriter)
QUEUED = 256  # ranges waiting for the DataWriter
# The DataWriter's thread of each of the first DATA files: documents on one,
# records and rejected on another. Copying is mostly system time (new page
# cache), which one thread serialised: at 80k a re-run took 4.2-4.4 s with
# two, 4.9-5.2 with one; at 20k, 1.10-1.29 s against 1.34-1.42 when the VM
# charges much system time, 0.84-0.92 against 0.84-0.86 when it does not.
LANES = (0, 1, 1)
COPIED_RUN = 4096  # rows of a run of copied rows held before its ranges are handed on (the next run's join them)
SWITCH_INTERVAL = 0.0005  # s; during the pass, so that the writer thread gets the GIL back soon (default 5 ms)
assert not any(SEPARATORS[:DATA])
MANIFEST_INPUT = ("path", "sha256", "size")  # the keys of an entry of the manifest's inputs


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
    pass goes on: reading, hashing and writing release the GIL. The queues
    are bounded (a fresh range holds one document's part)."""

    def __init__(self, tmp: Path, parent_fds: list[int]) -> None:
        self.outs = [HashedWriter(tmp / FILES[f], early_writeback=True) for f in range(DATA)]
        self.fds = parent_fds
        self.queues = [queue.Queue(QUEUED) for _ in range(max(LANES) + 1)]
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, args=(q,), name=f"rerun-data-{lane}", daemon=True)
                        for lane, q in enumerate(self.queues)]
        for thread in self.threads:
            thread.start()
        self.done = False

    def sink(self, f: int):
        put = self.queues[LANES[f]].put
        return lambda item: put((f, item))

    def _run(self, q: queue.Queue) -> None:
        while (got := q.get()) is not None:
            if self.error is not None:
                continue  # drain: the pass must not block on a full queue
            f, (source, offset, length, data) = got
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


class Rerun:
    def __init__(self, plan, stats, store, parent: carry.Parent, config, tmp: Path, on_progress,
                 syncer: Syncer) -> None:
        self.plan, self.stats, self.db, self.store = plan, stats, store.db, store
        self.parent, self.config, self.tmp, self.on_progress = parent, config, tmp, on_progress
        self.syncer = syncer  # seals each file once complete
        # the parent's counts, less those of the rows not copied, plus the written documents'
        self.tally = report.Tally.from_state(parent.totals["tally"])
        self.review = to_review.Review(config)
        self.review.set_counts(parent.totals["review"])  # its items: listed again, in input order
        self.manifest_inputs = spill.FlatDicts(MANIFEST_INPUT, tmp)
        self.fresh = open(tmp / ".fresh-parts", "w+b")  # fresh parts of the files with a head
        self.fresh_size = 0
        self.parent_fds = [os.open(parent.dir / f, os.O_RDONLY) for f in FILES]
        self.data = DataWriter(tmp, self.parent_fds)
        self.segments = [Segments(sep, self.data.sink(f) if f < DATA else None) for f, sep in enumerate(SEPARATORS)]
        self.dropped_lines = [0] * len(FILES)  # newlines in the parts of parent rows not copied
        self.where = carry.Offsets(parent.starts)  # of the parent rows' parts
        self.copied = Copied()  # the rows copied since the last one that was not
        self.index = rescreen.Index(config, lambda: carry.band_rows(self.db),
                                    lambda doc_id, path: carry.record(self.db, doc_id, path), self._key_at)
        self.dirty: set[int] = set()  # band keys (rescreen.NO_BANDS) of documents that entered or left the index
        self.ids = {k: spill.SpillList(tmp) for k in changes.DOCUMENT_KEYS}
        self.counts = {"records_added": 0, "records_removed": 0, "records_changed": 0}
        carry.start_pending(self.db)  # rows to write and delete once the pass over the rows is done
        self.rewritten = 0  # rows put or deleted: 0 when every document was copied

    def _key_at(self, step: int) -> tuple[str, str]:
        """(id, path) of the input at this step (pipeline.corpus.Inputs gives it without making its Input)."""
        inputs = self.plan.inputs
        listed = getattr(inputs, "listed", None)
        return corpus.key_of(listed(step) if listed is not None else inputs[step])

    # -- one pass over the inputs and the parent's rows, merged in input order

    def run(self) -> None:
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            self._pass()
        finally:
            sys.setswitchinterval(interval)

    def _pass(self) -> None:
        rows = carry.row_values_of(self.db)
        row = next(rows, None)
        total = len(self.plan.inputs)
        results = self.plan.results(self.stats, load_reused=False)
        for step, (key, res) in enumerate(zip(incremental.keys(self.plan.inputs), results)):
            while row is not None and (row[0], row[1]) < key:
                self._removed(*self._take(row))
                row = next(rows, None)
            if row is not None and (row[0], row[1]) == key:
                checked = None
                if res is None:  # reused: copied unless its duplicate decision changed
                    bands, dup = row[3], row[4]
                    if bands is None or not self._touched(bands):
                        self._copy(step, row)  # most documents: their rows' parts are copied in runs
                        row = next(rows, None)
                        continue
                    checked = self._decided(step, key, bands, dup)
                    if checked[0] == dup:
                        self._copy(step, row)
                        row = next(rows, None)
                        continue
                old, offsets = self._take(row)
                row = next(rows, None)
                size = self._document(step, key, res, old, offsets, checked)
            else:
                self._flush()
                size = self._document(step, key, res, None, None, None)
            self.on_progress(step + 1, total, size)
        while row is not None:
            self._removed(*self._take(row))
            row = next(rows, None)
        self._flush()
        carry.apply_pending(self.db)

    def _take(self, values: tuple) -> tuple[carry.Row, list[int]]:
        """A row that is not copied, and the offsets of its parts."""
        self._flush()
        old = carry.row_of(values)
        return old, self.where.take(old)

    def _copy(self, step: int, values: tuple) -> None:
        """A row copied as it is: in the index now, its parts onto the run of
        copied rows (``_flush``)."""
        doc_id, path, lens, bands, dup, tally = values
        run = self.copied
        if not run.rows:
            run.step = step
        self.index.keep_parent(self.where.rows + run.rows, step, bands is not None and dup is None)
        run.rows += 1
        run.lens += lens
        entry, size = carry.manifest_entry(spill.encode_str(path), tally)
        run.manifest.append(entry)
        run.size += size
        if not self.review.full:  # the items are the first ones in input order
            self.review.add_items(doc_id, json.loads(tally)[5])
        if run.rows == COPIED_RUN:  # held whole, a run of every row would grow with the corpus
            self._flush()

    def _flush(self) -> None:
        """The run of copied rows: one range of each parent file."""
        run = self.copied
        n = run.rows
        if not n:
            return
        sums = np.frombuffer(run.lens, np.uint64).reshape(n, len(FILES)).sum(axis=0).tolist()
        where = self.where
        for f, sep in enumerate(SEPARATORS):  # as carry.Offsets.take, row after row
            start = where.next[f] + (len(sep) if where.rows else 0)
            length = sums[f] + len(sep) * (n - 1)
            self.segments[f].add(PARENT, start, length)
            where.next[f] = start + length
        where.rows += n
        self.manifest_inputs.extend_lines(run.manifest)
        self.on_progress(run.step + n, len(self.plan.inputs), run.size)
        self.copied = Copied()

    def _decided(self, step: int, key, bands: bytes, dup: str | None) -> tuple[str | None, dedup.Fingerprint]:
        """A reused row's duplicate decision at this step, checked again (it
        has a dirty band key), and its fingerprint (the row's)."""
        record = carry.record(self.db, *key)
        fp = dedup.Fingerprint(record[:16], record[16:], bands)
        return self.index.decide(step, fp, dup), fp

    def _document(self, step: int, key, res, old: carry.Row | None, offsets, checked) -> int:
        """A document that is written: processed, new, or reused with another
        decision (``checked``: its decision and fingerprint)."""
        ordinal = self.where.rows - 1 if old is not None else None
        if res is None and old is not None:  # reused, its decision changed
            decision, fp = checked
            if old.dup is None:  # its text is its part of the parent's files
                parts = carry.read_parts(self.parent_fds, old, offsets)
                res = self.store.result_of(*key, self.store.head(*key), parts, fp)
                return self._write(step, ordinal, res, decision, old, offsets, same_fingerprint=True)
            # screened out in the parent: its lines were never written (nor kept in the cache)
            res = self.plan.process_again(step, self.stats)
        if res is None:  # reused, but no row: its text is nowhere
            res = self.plan.process_again(step, self.stats)
        decision = self.index.decide(step, res.fingerprint) if res.kept else None
        return self._write(step, ordinal, res, decision, old, offsets, same_fingerprint=False)

    def _touched(self, bands: bytes) -> bool:
        dirty = self.dirty
        if not dirty:
            return False
        return rescreen.NO_BANDS in dirty if not bands else not dirty.isdisjoint(array("I", bands))

    def _uncount(self, old: carry.Row) -> carry.Tally:
        """Take back a parent row's counts (it is written again or removed)."""
        t = carry.Tally.of_row(old)
        self.tally.remove_counts(t.reason, t.chars_in, t.chars_out, t.records, t.rule_edits)
        self.review.remove_counts(t.near_threshold)
        return t

    def _count(self, final) -> None:
        self.tally.add(final)
        self.review.add(final)
        self.manifest_inputs.append_values(final.path, final.sha256 or None, final.size)

    def _write(self, step: int, ordinal: int | None, res, decision: str | None, old: carry.Row | None,
               offsets, same_fingerprint: bool) -> int:
        final = res if decision is None else dedup.rejected(res, decision)
        member = res.kept and decision is None
        bands = res.fingerprint.bands if res.kept else None
        old_counts = None
        if ordinal is not None:
            self.index.drop_parent(ordinal)
            self._dropped(old, offsets)
            old_counts = self._uncount(old)
        if member:
            self.index.add(step, res.fingerprint)
        was = old is not None and old.member
        if was and (not member or not same_fingerprint):
            self._dirty(old.bands)
        if member and (not was or not same_fingerprint):
            self._dirty(bands)
        parts = carry.pieces(final)
        for f, part in enumerate(parts):
            if f < DATA:
                self.segments[f].add(FRESH, 0, len(part), part)
            else:
                self.segments[f].add(FRESH, self.fresh_size, len(part))
                self.fresh.write(part)
                self.fresh_size += len(part)
        self._changed(final, parts, old, offsets, old_counts)
        carry.put_pending(self.db, carry.row_values(final, parts, res.fingerprint if res.kept else None, decision))
        self.rewritten += 1
        self._count(final)
        return res.size

    def _dirty(self, bands: bytes) -> None:
        self.dirty.update(array("I", bands) if bands else (rescreen.NO_BANDS,))

    def _dropped(self, old: carry.Row, offsets: list[int]) -> None:
        """A parent row whose parts are not copied: its newlines are not in the new files."""
        for f in range(len(FILES)):
            self.dropped_lines[f] += self._parent_bytes(f, offsets, old).count(b"\n")

    def _removed(self, old: carry.Row, offsets: list[int]) -> None:
        self.index.drop_parent(self.where.rows - 1)
        self._dropped(old, offsets)
        counts = self._uncount(old)
        if old.member:
            self._dirty(old.bands)
        if old.lens[0]:
            self.ids["documents_removed"].append(old.id)
            self.counts["records_removed"] += counts.records
        carry.delete_pending(self.db, old.id, old.path)
        self.rewritten += 1

    def _changed(self, final, parts, old: carry.Row | None, offsets, old_counts: carry.Tally | None) -> None:
        """The document against its parent's bytes, as pipeline.changes compares files."""
        was = old is not None and old.lens[0] > 0
        if final.kept and not was:
            self.ids["documents_added"].append(final.id)
            self.counts["records_added"] += final.records
        elif was and not final.kept:
            self.ids["documents_removed"].append(final.id)
            self.counts["records_removed"] += old_counts.records
        elif was:
            if self._parent_bytes(0, offsets, old) != parts[0]:
                self.ids["documents_changed"].append(final.id)
            changes.count_records(_records(parts[1]), _records(self._parent_bytes(1, offsets, old)), self.counts)

    def _parent_bytes(self, f: int, offsets, old: carry.Row) -> bytes:
        data = os.pread(self.parent_fds[f], old.lens[f], offsets[f])
        if len(data) != old.lens[f]:
            raise carry.Unusable(f"{FILES[f]} of the parent is shorter than recorded")
        return data

    # -- the files

    def write(self, head: dict) -> tuple[dict, dict, list[int]]:
        """Every file of the version, with the report's head; (file_stats,
        sizes, starts). Each file is handed to the Syncer once complete."""
        self.fresh.flush()
        heads = {"report.json": report_json_head(head), "report.md": markdown_head(head)}
        for segments in self.segments:
            segments.close()
        copied_lines = self._copied_lines()

        def one(f: int) -> HashedWriter:
            name = FILES[f]
            out = HashedWriter(self.tmp / name, early_writeback=True)
            try:
                out.write(heads[name])
                out.start = out.size
                self.segments[f].write(out, (self.parent_fds[f], self.fresh.fileno()))
                if name == "report.json":
                    out.write(b"]}\n")
            except BaseException:
                out.close()
                raise
            return out

        # The files are independent, and hashing, reading and writing release
        # the GIL: the files with a head are written by two threads while the
        # DataWriter ends the others.
        with ThreadPoolExecutor(WRITERS) as pool:
            pending = [pool.submit(one, f) for f in range(DATA, len(FILES))]
            outs, headed, error = [], [], None
            try:
                outs += self.data.finish()
            except BaseException as err:
                error = err
            for out in outs:
                out.start = 0
                self.syncer.submit(out)  # while the files with a head are still being written
            for future in pending:
                try:
                    headed.append(future.result())
                except BaseException as err:
                    error = error or err
        if error is not None:  # the run fails or starts again
            for out in headed:
                out.close()
            raise error
        outs += headed
        outputs, sizes, starts = {}, {}, []
        for f, out in enumerate(outs):
            out.lines += copied_lines[f]
            outputs[FILES[f]], sizes[FILES[f]] = out.stats(), out.size
            starts.append(out.start)
            if f >= DATA:
                self.syncer.submit(out)
        return outputs, sizes, starts

    def _copied_lines(self) -> list[int]:
        """The newlines of the parent's bytes copied, per file: the parent's,
        but for those of its head, of its rows not copied and of what follows
        its last row (counting them costs little: copying is most of a re-run)."""
        out = []
        for f in range(len(FILES)):
            start, end = self.parent.starts[f], self.where.next[f]  # end: of the last row's part
            head = os.pread(self.parent_fds[f], start, 0)
            tail = os.pread(self.parent_fds[f], self.parent.sizes[f] - end, end)
            n = self.parent.lines[f] - head.count(b"\n") - tail.count(b"\n") - self.dropped_lines[f]
            if len(head) != start or end + len(tail) != self.parent.sizes[f] or n < 0:
                raise carry.Unusable(f"{FILES[f]} of the parent is not as recorded")
            out.append(n)
        return out

    def close(self) -> None:
        self.data.abort()
        self.fresh.close()
        (self.tmp / ".fresh-parts").unlink(missing_ok=True)
        for fd in self.parent_fds:
            os.close(fd)
        self.index.close()


def report_json_head(head: dict) -> bytes:
    """report.json up to its first document: serialize.dumps(head) without its
    last "}", then the documents' opening."""
    from io import StringIO
    buf = StringIO()
    spill.dump(head, buf, close=False, separators=(",", ":"))
    return (buf.getvalue() + ',"documents":[\n').encode()


def markdown_head(head: dict) -> bytes:
    """report.md up to its first document."""
    return "".join(line + "\n" for line in report.markdown_head(head)).encode()


def _records(lines: bytes) -> dict[str, bytes]:
    """record id -> its line."""
    return {changes.head(line.decode(), ("id",))["id"]: line for line in lines.splitlines(keepends=True)}


class Copied:
    """Consecutive parent rows copied as they are, matched with consecutive inputs."""

    __slots__ = ("step", "rows", "lens", "manifest", "size")

    def __init__(self) -> None:
        self.step = 0  # of the first
        self.rows = 0
        self.lens = bytearray()  # each row's lens (uint64 per file), one after another
        self.manifest: list[str] = []  # each row's entry in the manifest's inputs
        self.size = 0  # bytes of their inputs
