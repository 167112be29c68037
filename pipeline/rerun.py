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
there are enough.

Copied rows are not handled one by one. The rows are read a batch at a
time (pipeline.parent_rows: ``Batch``, ``BATCH`` rows) and compared with the
inputs they should be a stretch at a time, up to the next input that is
processed (its ordinals known up front: ``Plan.processed``): their paths as
one bytes comparison. Their dirty band keys are found in a bitmap of those
keys, and the rows that have one and were kept are screened again at once
(``Index.still_kept``); only a row whose decision may have changed, an input
that is processed or whose id is not its path's, and a row that is not the
next input's go one at a time (``_one``). Consecutive copied rows are one
range of each parent file (``Run``): their parts' lengths and inputs' sizes
are summed from the batch's running sums, their manifest entries (kept with
the rows) handed on as they are, their steps put in the index at once.
Every file is written in one pass of copies, hashed as it is written
(pipeline.rerun_files, in a child process: pipeline.rerun_child;
pipeline.hashed): the data files and report.json during the pass (what
report.json holds besides its documents follows them: their counts, known
once the pass is done), report.md once the report's head is known (its
written documents' parts wait in a temporary file). With report.json's
documents copied during the pass, not after it, a re-run at 20k after 1%
changed took ~30-60 ms less (medians of 12 and 16 alternating runs: its
end shortened by ~35 ms, the pass, where the copies share the cores, a
little longer).
"""

from __future__ import annotations

import os
import sys
from array import array
from pathlib import Path

import numpy as np

from pipeline import carry, changes, corpus, dedup, incremental, report, rerun_child, rescreen, serialize, spill, to_review
from pipeline.parent_rows import DIRTY_BITS, DIRTY_MASK, Batch, Listed, ParentRows, Run, Tallies
from pipeline.rerun_files import DATA, FRESH, PARENT, Segments
from pipeline.carry import FILES, SEPARATORS
from pipeline.hashed import Syncer

SWITCH_INTERVAL = 0.0005  # s; during the pass: writer threads here (no child: rerun_child) get the GIL back soon (default 5 ms)
MANIFEST_INPUT = ("path", "sha256", "size")  # the keys of an entry of the manifest's inputs


class Rerun:
    def __init__(self, plan, stats, store, parent: carry.Parent, config, tmp: Path, on_progress,
                 syncer: Syncer, version: tuple[str, str | None]) -> None:
        self.plan, self.stats, self.db, self.store = plan, stats, store.db, store
        self.parent, self.config, self.tmp, self.on_progress = parent, config, tmp, on_progress
        # the parent's counts, less those of the rows not copied, plus the written documents'
        self.tally = report.Tally.from_state(parent.totals["tally"])
        self.review = to_review.Review(config)
        self.review.set_counts(parent.totals["review"])  # its items: listed again, in input order
        self.manifest_inputs = spill.FlatDicts(MANIFEST_INPUT, tmp)
        self.fresh = open(tmp / ".fresh-parts", "w+b")  # fresh parts of the files written last (report.md)
        self.fresh_size = 0
        self.parent_fds = [os.open(parent.dir / f, os.O_RDONLY) for f in FILES]
        heads = {FILES.index("report.json"): report_json_start(*version)}  # (its documents come first)
        self.files = rerun_child.files(tmp, self.parent_fds, self.fresh.fileno(), syncer, heads,
                                       in_child=plan.forks_safely())  # (forked last: what it needs is open)
        self.segments = [Segments(sep, self.files.sink(f) if f < DATA else None) for f, sep in enumerate(SEPARATORS)]
        self.dropped_lines = [0] * len(FILES)  # newlines in the parts of parent rows not copied
        self.where = carry.Offsets(parent.starts)  # of the parent rows' parts
        self.copied = Run()  # the rows copied since the last one that was not
        self.tallies = Tallies(self.db)  # (their review items, while there are too few)
        self.rows: ParentRows | None = None  # during the pass
        self.index = rescreen.Index(config, self._key_at, tmp)
        self.dirty: set[int] = set()  # band keys (rescreen.NO_BANDS) of documents that entered or left the index
        self.dirty_bits = np.zeros(1 << DIRTY_BITS, bool)  # their low bits: a batch's keys looked up at once
        self.ids = {k: spill.SpillList(tmp) for k in changes.DOCUMENT_KEYS}
        self.counts = {"records_added": 0, "records_removed": 0, "records_changed": 0}
        self.pending = carry.pending(self.db)  # rows to write and delete once the pass over the rows is done
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
        """Stretches of reused inputs whose rows follow one another are
        compared with their rows, and copied, a batch of rows at a time
        (``Batch``); an input that is processed or unusual (its id is not its
        path's), or whose row is not the next, goes the way of ``_one``."""
        plan = self.plan
        total = len(plan.inputs)
        processed = plan.processed(self.stats)  # (the REUSE flags set)
        reused = np.frombuffer(plan.flags, np.uint8) & incremental.REUSE != 0
        listed = Listed(plan.inputs)
        stops = np.flatnonzero(~reused)
        if len(listed.unusual):
            stops = np.union1d(stops, listed.unusual)
        stops = stops.tolist() + [total]  # the inputs that are not copied in stretches
        del reused
        rows = self.rows = ParentRows(self.db, self._indexed_batch)
        step = k = 0
        while step < total:
            while stops[k] < step:
                k += 1
            batch = rows.peek()
            if step < stops[k] and batch is not None:
                at = rows.at
                matched = batch.matching(at, min(stops[k] - step, batch.n - at), listed, step)
                if matched:
                    done = self._stretch(batch, at, matched, step)
                    rows.at += done
                    step += done
                    continue
            res = None
            if step == stops[k] and not plan.flags[step] & incremental.REUSE:
                i, res = next(processed)
                assert i == step
            self._one(step, rows, res)
            step += 1
        while rows.peek() is not None:
            self._removed(*self._take(rows.values(self.db)))
            rows.at += 1
        self._flush()
        self.tallies.close()  # (an open read would keep the cache from being committed)

    def _indexed_batch(self, batch: "Batch") -> None:
        """A batch of parent rows as it is read: their band keys and records in the index."""
        for t in np.flatnonzero(batch.screened).tolist():
            if batch.records[t] is None:
                raise carry.Unusable(f"no duplicate record for {batch.key(t)[1]}")
        self.index.add_parent_keys(batch.first, batch.keys, np.diff(batch.key_starts), batch.wordless.tolist(),
                                   batch.records)

    def _stretch(self, batch: "Batch", at: int, n: int, step: int) -> int:
        """Rows at, at+1... (n of them) of the batch, whose inputs (from
        ``step`` on) are reused, copied; those with a dirty band key are
        screened again first. The first whose decision changed is written, and
        the rows taken so far returned (the dirty keys changed); else n."""
        first, end = at, at + n
        touched = batch.touched(at, end, self.dirty, self.dirty_bits)
        kept = [t for t in touched if batch.dups[t] is None and batch.bands[t]]
        if kept:  # most are kept still (their decision found for all at once): copied
            still = self.index.still_kept([batch.bands[t] for t in kept], [batch.records[t] for t in kept])
            copied = {t for t, yes in zip(kept, still) if yes}
            touched = [t for t in touched if t not in copied]
        for t in touched:
            self._copy(batch, at, t - at, step)
            step += t - at
            key, dup = batch.key(t), batch.dups[t]
            checked = self._decided(step, batch.bands[t], dup, batch.records[t])
            if checked[0] != dup:
                old, offsets = self._take(batch.values(t, self.db))
                size = self._document(step, key, None, old, offsets, checked)
                self.on_progress(step + 1, len(self.plan.inputs), size)
                return t + 1 - first
            self._copy(batch, t, 1, step)
            step += 1
            at = t + 1
        self._copy(batch, at, end - at, step)
        return n

    def _one(self, step: int, rows: "ParentRows", res) -> None:
        """The input at this step, compared with the row at ``rows`` as the
        pass over every row did (rows before its key are removed)."""
        key = self._key_at(step)
        while (row_key := rows.key()) is not None and row_key < key:
            self._removed(*self._take(rows.values(self.db)))
            rows.at += 1
        if row_key == key:
            batch, t = rows.batch, rows.at
            checked = None
            if res is None:  # reused: copied unless its duplicate decision changed
                bands, dup = batch.screened_bands(t), batch.dups[t]
                if bands is None or not self._touched(bands):
                    self._copy(batch, t, 1, step)
                    rows.at += 1
                    return
                checked = self._decided(step, bands, dup, batch.records[t])
                if checked[0] == dup:
                    self._copy(batch, t, 1, step)
                    rows.at += 1
                    return
            old, offsets = self._take(rows.values(self.db))
            rows.at += 1
            size = self._document(step, key, res, old, offsets, checked)
        else:
            self._flush()
            size = self._document(step, key, res, None, None, None)
        self.on_progress(step + 1, len(self.plan.inputs), size)

    def _take(self, values: tuple) -> tuple[carry.Row, list[int]]:
        """A row that is not copied, and the offsets of its parts."""
        self._flush()
        old = carry.row_of(values)
        return old, self.where.take(old)

    def _copy(self, batch: "Batch", at: int, n: int, step: int) -> None:
        """Rows at, at+1... (n of them) of the batch copied as they are, onto
        the run of copied rows (``_flush``), for the inputs from ``step`` on."""
        if not n:
            return
        run = self.copied
        if run.rows and (run.batch is not batch or run.at + run.rows != at or run.step + run.rows != step):
            self._flush()
        if not run.rows:
            run.batch, run.at, run.step = batch, at, step
        run.rows += n

    def _indexed(self) -> None:
        """The rows of the run in the index (before a document after them is screened)."""
        run = self.copied
        if run.indexed < run.rows:
            at = run.at + run.indexed
            self.index.keep_parents(self.where.rows + run.indexed, run.step + run.indexed,
                                    run.batch.member[at:run.at + run.rows])
            run.indexed = run.rows

    def _flush(self) -> None:
        """The run of copied rows: one range of each parent file, its
        manifest entries, its rows in the index."""
        run = self.copied
        n = run.rows
        if not n:
            return
        self._indexed()
        batch, at = run.batch, run.at
        sums = (batch.lens_sums[at + n] - batch.lens_sums[at]).tolist()
        where = self.where
        for f, sep in enumerate(SEPARATORS):  # as carry.Offsets.take, row after row
            start = where.next[f] + (len(sep) if where.rows else 0)
            length = sums[f] + len(sep) * (n - 1)
            self.segments[f].add(PARENT, start, length)
            where.next[f] = start + length
        self.manifest_inputs.extend_lines(batch.entries[at:at + n])
        if not self.review.full:  # the items are the first ones in input order
            for i, tally in enumerate(self.tallies.take(batch.first + at, n), at):
                if items := carry.near_threshold_of(tally):
                    self.review.add_items(batch.key(i)[0], items)
        where.rows += n
        self.on_progress(run.step + n, len(self.plan.inputs), batch.size_sums[at + n] - batch.size_sums[at])
        run.rows = run.indexed = 0

    def _decided(self, step: int, bands: bytes, dup: str | None,
                 record: bytes) -> tuple[str | None, dedup.Fingerprint]:
        """A reused row's duplicate decision at this step, checked again (it
        has a dirty band key), and its fingerprint (the row's: ``record``; a
        screened row has one: ``_indexed_batch`` checked as its batch was read)."""
        if dup is not None:  # (else its candidates are written documents only: rescreen.Index.decide)
            self._indexed()  # the rows copied before it are candidates
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
        old_counts = old_parts = None
        if ordinal is not None:
            self.index.drop_parent(ordinal)
            old_parts = self._dropped(old, offsets)
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
        self._changed(final, parts, old, old_parts, old_counts)
        self.pending.put(carry.row_values(final, parts, res.fingerprint if res.kept else None, decision))
        self.rewritten += 1
        self._count(final)
        return res.size

    def _dirty(self, bands: bytes) -> None:
        self.dirty.update(array("I", bands) if bands else (rescreen.NO_BANDS,))
        self.dirty_bits[np.frombuffer(bands, "<u4") & DIRTY_MASK] = True

    def _dropped(self, old: carry.Row, offsets: list[int]) -> list[bytes]:
        """A parent row whose parts are not copied: its newlines are not in
        the new files. Returns its parts."""
        parts = [self._parent_bytes(f, offsets, old) for f in range(len(FILES))]
        for f, part in enumerate(parts):
            self.dropped_lines[f] += part.count(b"\n")
        return parts

    def _removed(self, old: carry.Row, offsets: list[int]) -> None:
        self.index.drop_parent(self.where.rows - 1)
        self._dropped(old, offsets)
        counts = self._uncount(old)
        if old.member:
            self._dirty(old.bands)
        if old.lens[0]:
            self.ids["documents_removed"].append(old.id)
            self.counts["records_removed"] += counts.records
        self.pending.delete(old.id, old.path)
        self.rewritten += 1

    def _changed(self, final, parts, old: carry.Row | None, old_parts, old_counts: carry.Tally | None) -> None:
        """The document against its parent's bytes (``old_parts``), as pipeline.changes compares files."""
        was = old is not None and old.lens[0] > 0
        if final.kept and not was:
            self.ids["documents_added"].append(final.id)
            self.counts["records_added"] += final.records
        elif was and not final.kept:
            self.ids["documents_removed"].append(final.id)
            self.counts["records_removed"] += old_counts.records
        elif was:
            if old_parts[0] != parts[0]:
                self.ids["documents_changed"].append(final.id)
            new, was = parts[1].splitlines(keepends=True), old_parts[1].splitlines(keepends=True)
            if new != was:  # (a line in both counts as nothing: its id has that line in both)
                same = set(new).intersection(was)
                changes.count_records(_records(x for x in new if x not in same),
                                      _records(x for x in was if x not in same), self.counts)

    def _parent_bytes(self, f: int, offsets, old: carry.Row) -> bytes:
        data = os.pread(self.parent_fds[f], old.lens[f], offsets[f])
        if len(data) != old.lens[f]:
            raise carry.Unusable(f"{FILES[f]} of the parent is shorter than recorded")
        return data

    # -- the files

    def write(self, head: dict, meanwhile) -> tuple[dict, dict, list[int]]:
        """Every file of the version, with the report's head; (file_stats,
        sizes, starts). Each file is sealed once complete (pipeline.hashed.Syncer).
        ``meanwhile`` is called while they are written."""
        self.fresh.flush()
        ends = {FILES.index("report.json"): (b"", report_json_end(head)),
                FILES.index("report.md"): (markdown_head(head), b"")}
        for segments in self.segments:
            segments.close()
        copied_lines = self._copied_lines()

        def waiting() -> None:  # the cache's writes of the pass, while the files are written
            self.pending.apply()
            self.store.apply_later()
            meanwhile()
        written = self.files.write(ends, {f: self.segments[f].items for f in ends if f >= DATA}, waiting)
        outputs, sizes, starts = {}, {}, []
        for f, out in enumerate(written):
            outputs[FILES[f]] = {"sha256": out.sha256, "lines": out.lines + copied_lines[f]}
            sizes[FILES[f]] = out.size
            starts.append(out.start)
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
        self.tallies.close()
        self.files.abort()
        self.fresh.close()
        (self.tmp / ".fresh-parts").unlink(missing_ok=True)
        for fd in self.parent_fds:
            os.close(fd)
        self.index.close()


# report.json is the head (pipeline.version._head) with its documents after
# "version" and "parent": known before the documents, which a re-run copies
# and hashes during its pass, the rest (their counts) after them.
REPORT_JSON_FIRST = ("version", "parent")


def report_json_start(name: str, parent: str | None) -> bytes:
    """report.json up to its first document."""
    return serialize.dumps({"version": name, "parent": parent})[:-1].encode() + carry.DOCUMENTS_OPEN


def report_json_end(head: dict) -> bytes:
    """report.json after its last document: the rest of ``head`` (spill.dump, its lists spilled)."""
    from io import StringIO
    buf = StringIO()
    buf.write("],")
    spill.dump({k: v for k, v in head.items() if k not in REPORT_JSON_FIRST}, buf, separators=(",", ":"))
    text = buf.getvalue()
    return (text[:2] + text[3:] + "\n").encode()  # (the rest's opening brace is the report's)


def markdown_head(head: dict) -> bytes:
    """report.md up to its first document."""
    return "".join(line + "\n" for line in report.markdown_head(head)).encode()


def _records(lines) -> dict[str, bytes]:
    """record id -> its line."""
    return {changes.head(line.decode(), ("id",))["id"]: line for line in lines}
