"""A batch of documents screened at once (DuplicateIndex.find_batch): their
fingerprints as arrays, their candidates within the batch (``Batch.earlier``)
and in the index, compared (``Compared``)."""

from __future__ import annotations

import bisect

import numpy as np

from pipeline.dedup.minhash import Fingerprint


class Batch:
    """The fingerprints of a batch's documents with words, as arrays."""

    def __init__(self, fps: list[Fingerprint], bins: int) -> None:
        self.bins = bins
        self.keys = np.frombuffer(b"".join([fp.bands for fp in fps]), "<u4")
        self.owner = np.repeat(np.arange(len(fps), dtype=np.int64), [len(fp.bands) // 4 for fp in fps])  # per key
        self.sigs = np.frombuffer(b"".join([fp.signature for fp in fps]), "<u4").reshape(len(fps), bins)
        self.digests = np.frombuffer(b"".join([fp.digest for fp in fps]), np.uint8).reshape(len(fps), 16)

    def earlier(self) -> dict[int, list[tuple[int, bool, int]]]:
        """Document -> (each earlier document sharing a band key, same digest,
        agreeing bins), in order: its candidates within the batch, if kept."""
        order = np.argsort(self.keys, kind="stable")  # a key shared: equal neighbours once sorted (usually none)
        ordered = self.keys[order]
        shared = np.flatnonzero(ordered[1:] == ordered[:-1]).tolist()
        if not shared:
            return {}
        ordered, whose = ordered.tolist(), self.owner[order].tolist()
        sharing: dict[int, set[int]] = {}  # key -> the documents that have it
        for at in shared:
            sharing.setdefault(ordered[at], {whose[at]}).add(whose[at + 1])
        both = sorted({(y, x) for docs in sharing.values() for x in docs for y in docs if x < y})
        out: dict[int, list[tuple[int, bool, int]]] = {}
        if both:
            b, a = np.array(both, np.int64).T
            exact = (self.digests[a] == self.digests[b]).all(axis=1).tolist()
            agreeing = (self.sigs[a] == self.sigs[b]).sum(axis=1).tolist()
            for (x, y), e, n in zip(both, exact, agreeing):
                out.setdefault(x, []).append((y, e, n))
        return out


class Compared:
    """A batch's candidates in the index: (document, ordinal) pairs in that
    order, document i's at bounds[i]:bounds[i + 1]; which pairs have the same
    digest (exact_at) or reach the threshold (near_at), and their agreeing bins."""

    def __init__(self, bounds: list[int], ordinals: np.ndarray) -> None:
        self.bounds, self.ordinals = bounds, ordinals
        self.exact_at: list[int] = []
        self.near_at: list[int] = []
        self.agreeing = np.zeros(0, np.int64)

    def first(self, at: list[int], i: int) -> int | None:
        """The first pair of document i among ``at`` (sorted), if any."""
        k = bisect.bisect_left(at, self.bounds[i])
        return at[k] if k < len(at) and at[k] < self.bounds[i + 1] else None
