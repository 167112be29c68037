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
Their digests and signatures are read from the rows when compared.
"""

from __future__ import annotations

from array import array

import numpy as np

from pipeline import dedup
from pipeline.config import Config

NO_BANDS = -1  # the "band key" of the documents without words (they match each other only)
_U32 = np.uint64(0xFFFFFFFF)


class Index:
    def __init__(self, config: Config, parent_bands, records) -> None:
        self.config = config
        self._parent_bands = parent_bands  # () -> iterator of (bands,) of the parent rows, in order
        self._records = records  # (id, path) -> digest and signature of a parent row
        self._member = bytearray()  # per parent row passed: in the index
        self._steps = array("q")  # per parent row passed: its step
        self._keys: np.ndarray | None = None  # sorted band key << 32 | parent row, once loaded
        self._no_bands: list[int] = []  # parent rows screened without words
        self._ids: list[str] = []  # per parent row passed (candidates are rows passed)
        self._paths: list[str] = []
        self._added: dict[int, list[int]] = {}  # band key -> written documents (positions in _fresh)
        self._fresh: list[tuple[int, str, object]] = []  # (step, id, fingerprint) of written documents kept

    # -- the parent's rows, passed in order

    def keep_parent(self, row: int, step: int, member: bool, doc_id: str, path: str) -> None:
        assert row == len(self._member)
        self._member.append(member)
        self._steps.append(step)
        self._ids.append(doc_id)
        self._paths.append(path)

    def drop_parent(self, row: int, doc_id: str, path: str) -> None:
        assert row == len(self._member)
        self._member.append(0)
        self._steps.append(-1)
        self._ids.append(doc_id)
        self._paths.append(path)

    def add(self, step: int, doc_id: str, path: str, fp: dedup.Fingerprint) -> None:
        at = len(self._fresh)
        self._fresh.append((step, doc_id, fp))
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
        self._load()
        bands = np.frombuffer(fp.bands, "<u4")
        keys = bands.tolist() or [NO_BANDS]
        fresh = {i for k in keys for i in self._added.get(k, ())}
        candidates = [(self._fresh[i][0], 1, i) for i in fresh]
        if was is None:  # it matched no unchanged document
            pass
        elif was is not False and (kept := self._unchanged(self._rows(bands), dedup.kept_id(was))) is not None:
            candidates.append(kept)
        else:
            candidates += self._rows(bands)
        if not candidates:
            return None
        candidates.sort()
        if not len(bands):  # the first document without words
            return dedup.detail(dedup.Match(self._id(candidates[0]), True, 1.0), self.config)
        found = dedup.first_match([self._record(c) for c in candidates], fp, self.config.duplicate_threshold)
        if found is None:
            return None
        at, exact, similarity = found
        return dedup.detail(dedup.Match(self._id(candidates[at]), exact, similarity), self.config)

    def _rows(self, bands: np.ndarray) -> list[tuple[int, int, int]]:
        """The parent rows in the index that share a band key (or have no words)."""
        rows: set[int] = set()
        if len(bands):
            low = bands.astype(np.uint64) << np.uint64(32)
            starts = np.searchsorted(self._keys, low)
            ends = np.searchsorted(self._keys, low | _U32, side="right")
            for s, e in zip(starts.tolist(), ends.tolist()):
                rows.update((self._keys[s:e] & _U32).tolist())
        else:
            rows.update(self._no_bands)
        member = self._member
        return [(self._steps[r], 0, r) for r in rows if r < len(member) and member[r]]

    def _unchanged(self, rows, kept_id: str | None):
        """The candidate among the unchanged rows whose id is kept_id, if any."""
        for c in rows:
            if self._ids[c[2]] == kept_id:
                return c
        return None

    def _id(self, candidate) -> str:
        _, fresh, i = candidate
        return self._fresh[i][1] if fresh else self._ids[i]

    def _record(self, candidate) -> bytes:
        _, fresh, i = candidate
        if fresh:
            fp = self._fresh[i][2]
            return fp.digest + fp.signature
        return self._records(self._ids[i], self._paths[i])

    def _load(self) -> None:
        if self._keys is not None:
            return
        blobs = [bands for bands, in self._parent_bands()]
        self._no_bands = [row for row, bands in enumerate(blobs) if bands == b""]  # (None: not screened)
        blobs = [bands or b"" for bands in blobs]
        counts = [len(bands) // 4 for bands in blobs]
        keys = np.frombuffer(b"".join(blobs), "<u4").astype(np.uint64)
        rows = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
        self._keys = np.sort((keys << np.uint64(32)) | rows)

    def close(self) -> None:
        self._keys = None
