"""The duplicate index of a re-run (pipeline.rerun): a document's candidates
are those a full run's pipeline.dedup.DuplicateIndex would give it, found
among the parent's rows (their band keys, loaded once when a first document
is screened) and the documents written in this run.

A parent row is a candidate of a later document while it is in the index:
reused and kept (``keep_parent``); a row whose document was written again
(or removed) is dropped (``drop_parent``) and the written document, when
kept, added with its new fingerprint (``add``). Parent rows are passed in
their order, which is the input order: candidates are ordered by the step
(position in the run) at which they were passed, as the index orders them.
Their fingerprints are read from the cache when compared.
"""

from __future__ import annotations

from array import array

import numpy as np

from pipeline import dedup
from pipeline.config import Config

NO_BANDS = -1  # the "band key" of the documents without words (they match each other only)
_U32 = np.uint64(0xFFFFFFFF)


class Index:
    def __init__(self, config: Config, parent_bands, store) -> None:
        self.config = config
        self._parent_bands = parent_bands  # () -> iterator of (id, path, bands) of the parent rows, in order
        self._store = store
        self._member = bytearray()  # per parent row passed: in the index
        self._steps = array("q")  # per parent row passed: its step
        self._keys: np.ndarray | None = None  # sorted band key << 32 | parent row, once loaded
        self._no_bands: list[int] = []  # parent rows screened without words
        self._names: list[tuple[str, str]] = []  # (id, path) per parent row
        self._added: dict[int, list[int]] = {}  # band key -> written documents (positions in _fresh)
        self._fresh: list[tuple[int, str, object]] = []  # (step, id, fingerprint) of written documents kept

    # -- the parent's rows, passed in order

    def keep_parent(self, row: int, step: int, member: bool) -> None:
        assert row == len(self._member)
        self._member.append(member)
        self._steps.append(step)

    def drop_parent(self, row: int) -> None:
        assert row == len(self._member)
        self._member.append(0)
        self._steps.append(-1)

    def add(self, step: int, doc_id: str, path: str, fp: dedup.Fingerprint) -> None:
        at = len(self._fresh)
        self._fresh.append((step, doc_id, fp))
        for k in (np.frombuffer(fp.bands, "<u4").tolist() or [NO_BANDS]):
            self._added.setdefault(k, []).append(at)

    # -- screening

    def decide(self, step: int, fp: dedup.Fingerprint) -> str | None:
        """The duplicate detail of a kept document at this step, None when it
        duplicates no document before it."""
        self._load()
        bands = np.frombuffer(fp.bands, "<u4")
        keys = bands.tolist() or [NO_BANDS]
        member = self._member
        rows: set[int] = set()
        if len(bands):
            low = bands.astype(np.uint64) << np.uint64(32)
            starts = np.searchsorted(self._keys, low)
            ends = np.searchsorted(self._keys, low | _U32, side="right")
            for s, e in zip(starts.tolist(), ends.tolist()):
                rows.update((self._keys[s:e] & _U32).tolist())
        else:
            rows.update(self._no_bands)
        candidates = [(self._steps[r], 0, r) for r in rows if r < len(member) and member[r]]
        fresh = {i for k in keys for i in self._added.get(k, ())}
        candidates += [(self._fresh[i][0], 1, i) for i in fresh]
        if not candidates:
            return None
        candidates.sort()
        if not len(bands):  # the first document without words
            return dedup.detail(dedup.Match(self._id(candidates[0]), True, 1.0), self.config)
        records = [self._record(c) for c in candidates]
        found = dedup.first_match(records, fp, self.config.duplicate_threshold)
        if found is None:
            return None
        at, exact, similarity = found
        return dedup.detail(dedup.Match(self._id(candidates[at]), exact, similarity), self.config)

    def _id(self, candidate) -> str:
        _, fresh, i = candidate
        return self._fresh[i][1] if fresh else self._names[i][0]

    def _record(self, candidate) -> bytes:
        _, fresh, i = candidate
        fp = self._fresh[i][2] if fresh else self._store.result(*self._names[i]).fingerprint
        return fp.digest + fp.signature

    def _load(self) -> None:
        if self._keys is not None:
            return
        entries = array("Q")
        for row, (doc_id, path, bands) in enumerate(self._parent_bands()):
            self._names.append((doc_id, path))
            if bands is None:
                continue
            if not bands:
                self._no_bands.append(row)
            for k in array("I", bands):
                entries.append(k << 32 | row)
        self._keys = np.sort(np.frombuffer(entries, np.uint64)) if entries else np.zeros(0, np.uint64)

    def close(self) -> None:
        self._keys = None
