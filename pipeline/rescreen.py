"""The duplicate index of a re-run (pipeline.rerun): a document's candidates
are those a full run's pipeline.dedup.DuplicateIndex would give it, found
among the parent's rows (their band keys added a batch of rows at a time, as
the re-run reads them: ``add_parent_keys``) and the documents written in
this run.

A parent row is a candidate of a later document while it is in the index:
reused and kept (``keep_parent``); a row whose document was written again
(or removed) is dropped (``drop_parent``) and the written document, when
kept, added with its new fingerprint (``add``). Parent rows are passed in
their order, which is the input order: candidates are ordered by the step
(position in the run) at which they were passed, as the index orders them.
Their digests and signatures (records) go to a temporary file as their
batch is added, read back by row when compared, as the full run's index
keeps its own (pipeline.dedup.DiskList): a changed document of a corpus
with many near duplicates has dozens of candidates, and looking each up in
the cache by its id and path was a third of the main process's work in the
pass of a re-run of 80,000 documents.

Per parent row passed, the index keeps only the step at which it entered
(4 bytes, no id or path: a re-run's memory must not grow with the corpus
but for such fixed-size data): a candidate's id and path are those of the
input at its step (``key_at``), made when it is compared, as a written
document's are.
"""

from __future__ import annotations

from array import array

import numpy as np

from pipeline import dedup
from pipeline.config import Config
from pipeline.dedup.disk_list import DiskList
from pipeline.dedup.index import pairs_match

NO_BANDS = -1  # the "band key" of the documents without words (they match each other only)
_U32 = np.uint64(0xFFFFFFFF)


class Index:
    SPILL = 1 << 20  # bytes of the parent rows' records held in memory before they go to the file

    def __init__(self, config: Config, key_at, spill_dir=None) -> None:
        self.config = config
        self._key_at = key_at  # step -> (id, path) of the input at that step
        self._record_size = 16 + 4 * config.duplicate_num_perm  # a digest, then a signature
        self._parent_records = DiskList(self._record_size, spill_dir, self.SPILL)  # per parent row added
        self._steps = array("i")  # per parent row passed: the step at which it entered the index, else -1
        self._keys: list[np.ndarray] = []  # band key << 32 | parent row, sorted in each (``add_parent_rows``)
        self._parent_rows = 0  # of those added
        self._no_bands = array("i")  # parent rows screened without words
        self._added: dict[int, list[int]] = {}  # band key -> written documents (positions in _fresh)
        self._fresh: list[tuple[int, object]] = []  # (step, fingerprint) of written documents kept
        self._fresh_records = bytearray()  # their digests and signatures, one after another

    # -- the parent's rows, passed in order

    def keep_parent(self, row: int, step: int, member: bool) -> None:
        assert row == len(self._steps)
        self._steps.append(step if member else -1)

    def keep_parents(self, row: int, step: int, members: np.ndarray) -> None:
        """``keep_parent`` of the rows from ``row`` on, passed at the steps
        from ``step`` on; ``members``: which of them are in the index."""
        assert row == len(self._steps)
        steps = np.arange(step, step + len(members), dtype=self._steps.typecode)
        steps[~members] = -1
        self._steps.frombytes(steps.tobytes())

    def drop_parent(self, row: int) -> None:
        assert row == len(self._steps)
        self._steps.append(-1)

    def add(self, step: int, fp: dedup.Fingerprint) -> None:
        at = len(self._fresh)
        self._fresh.append((step, fp))
        self._fresh_records += fp.digest + fp.signature
        for k in (np.frombuffer(fp.bands, "<u4").tolist() or [NO_BANDS]):
            self._added.setdefault(k, []).append(at)

    # -- screening

    def decide(self, step: int, fp: dedup.Fingerprint, was: str | None | bool = False) -> str | None:
        """The duplicate detail of a kept document at this step, None when it
        duplicates no document before it. ``was``: its decision in the parent
        when its fingerprint is the same (False: unknown). Then only the
        documents that entered the index since can change it, with the one
        it duplicated when that is still there: the unchanged others did not
        match it before (the first match is the first with the same digest,
        else the first near one), so they do not now."""
        bands = np.frombuffer(fp.bands, "<u4")
        keys = bands.tolist() or [NO_BANDS]
        fresh = {i for k in keys for i in self._added.get(k, ())}
        candidates = [(self._fresh[i][0], 1, i) for i in fresh]
        if was is None:  # it matched no unchanged document
            if not candidates:
                return None
        elif was is not False and (kept := self._unchanged(self._rows(bands), dedup.kept_id(was))) is not None:
            candidates.append(kept)
        else:
            candidates += self._rows(bands)
        if not candidates:
            return None
        candidates.sort()
        if not len(bands):  # the first document without words
            return dedup.detail(dedup.Match(self._id(candidates[0]), True, 1.0), self.config)
        found = dedup.first_match(self._records_of(candidates), fp, self.config.duplicate_threshold)
        if found is None:
            return None
        at, exact, similarity = found
        return dedup.detail(dedup.Match(self._id(candidates[at]), exact, similarity), self.config)

    def still_kept(self, bands: list[bytes], records: list[bytes]) -> list[bool]:
        """For documents kept before with the same fingerprints (their band
        keys, none empty, and records): True where ``decide`` (``was`` None)
        gives None again, found for all of them at once: no written document
        sharing one of their band keys has their digest or a similarity
        reaching the threshold (as dedup.first_match compares them)."""
        pairs, fresh, added = [], [], self._added
        for j, keys in enumerate(bands):
            found = {i for k in np.frombuffer(keys, "<u4").tolist() if k in added for i in added[k]}
            if found:
                pairs += [j] * len(found)
                fresh += found
        out = [True] * len(bands)
        if pairs:
            mine = np.frombuffer(b"".join(records), "<u4").reshape(len(records), -1)[pairs]
            theirs = np.frombuffer(self._fresh_records, "<u4").reshape(len(self._fresh), -1)[fresh]
            for j in np.asarray(pairs)[pairs_match(mine, theirs, self.config.duplicate_threshold)].tolist():
                out[j] = False
        return out

    def _rows(self, bands: np.ndarray) -> list[tuple[int, int, int]]:
        """The parent rows in the index that share a band key (or have no words)."""
        rows: set[int] = set()
        if len(bands):
            low = bands.astype(np.uint64) << np.uint64(32)
            high = low | _U32
            for keys in self._keys:
                starts = np.searchsorted(keys, low)
                ends = np.searchsorted(keys, high, side="right")
                found = ends > starts
                for s, e in zip(starts[found].tolist(), ends[found].tolist()):
                    rows.update((keys[s:e] & _U32).tolist())
        else:
            rows.update(self._no_bands)
        steps = self._steps
        passed = len(steps)
        return [(steps[r], 0, r) for r in rows if r < passed and steps[r] >= 0]

    def _unchanged(self, rows, kept_id: str | None):
        """The candidate among the unchanged rows whose id is kept_id, if any."""
        for c in rows:
            if self._id(c) == kept_id:
                return c
        return None

    def _id(self, candidate) -> str:
        return self._key_at(candidate[0])[0]  # (its step's input: a parent row kept, or a written document)

    def _records_of(self, candidates) -> list[bytes]:
        """The digest and signature of each candidate (a parent row's read back by its position)."""
        get, out = self._parent_records.get, []
        for step, fresh, i in candidates:
            if fresh:
                fp = self._fresh[i][1]
                out.append(fp.digest + fp.signature)
            else:
                out.append(get(i))
        return out

    def add_parent_rows(self, first: int, bands, records) -> None:
        """The band keys and records of the parent rows from ``first`` on
        (None: not screened), added a batch of rows at a time as they are
        read (each a candidate once passed: ``keep_parent``)."""
        filled = [keys or b"" for keys in bands]
        counts = np.fromiter(map(len, filled), np.intp, len(filled)) // 4
        wordless = [i for i, keys in enumerate(bands) if keys == b""]
        self.add_parent_keys(first, np.frombuffer(b"".join(filled), "<u4"), counts, wordless, records)

    def add_parent_keys(self, first: int, keys: np.ndarray, counts: np.ndarray, wordless, records) -> None:
        """``add_parent_rows`` of rows given as their band keys one after
        another, how many each has, which (from 0) were screened without
        words, and their records (None: not screened; never a candidate).
        The keys are kept sorted in a few arrays, one merged with the next
        when it is no longer than it: each is sorted again about
        log2(batches) times."""
        if first != self._parent_rows:
            raise ValueError("the parent rows are added in order")
        if len(records) != len(counts):
            raise ValueError("a record for each parent row")
        size, blank = self._record_size, bytes(self._record_size)
        filled = [blank if record is None else record for record in records]
        if any(len(record) != size for record in filled):
            raise ValueError(f"a parent row's record is not {size} bytes")
        self._parent_records.extend(b"".join(filled))
        self._no_bands.extend(first + i for i in wordless)
        part = keys.astype(np.uint64)
        part <<= np.uint64(32)
        part |= np.repeat(np.arange(first, first + len(counts), dtype=np.uint64), counts)
        part.sort()
        while self._keys and len(self._keys[-1]) <= len(part):
            part = np.concatenate((self._keys.pop(), part))
            part.sort(kind="stable")  # (two sorted runs: merged, ~3x faster than sorted again)
        self._keys.append(part)
        self._parent_rows += len(counts)

    def close(self) -> None:
        self._keys = []
        self._parent_records.close()
