"""The duplicate index's band keys in memory: 32-bit key -> the ordinals of
the kept documents with that key, 8 bytes an entry (pipeline.dedup.index)."""

from __future__ import annotations

import numpy as np

_S32 = np.uint64(32)
_U32 = np.uint64(0xFFFFFFFF)


class Multimap:
    """32-bit key -> ordinals; 8 bytes per entry. Entries are sorted numpy
    runs of ``key << 32 | ordinal``: new ones are merged into a small first
    run; full, it joins the others, and runs of similar size are merged, so
    there are O(log n) runs to search."""

    BUFFER = 1 << 14

    def __init__(self) -> None:
        self._buffer = np.zeros(0, np.uint64)  # the small run new entries join
        self._runs: list[np.ndarray] = []

    @property
    def _buffered(self) -> int:
        return len(self._buffer)

    def add(self, keys, ordinal: int) -> None:
        self.add_many(keys, np.full(len(keys), ordinal, np.uint64))

    def add_many(self, keys: np.ndarray, ordinals: np.ndarray) -> None:
        """Each keys[i] -> ordinals[i]."""
        entries = keys.astype(np.uint64) << _S32
        entries |= ordinals
        entries.sort()
        merged = np.concatenate((self._buffer, entries))
        merged.sort(kind="stable")  # two sorted runs: a linear merge
        self._buffer = merged
        if len(merged) >= self.BUFFER:
            self._flush()

    def get(self, keys: np.ndarray) -> list[int]:
        """The ordinals stored under any of the keys (unsorted, may repeat)."""
        # One search per run for both ends of every key's range: no entry is
        # ``key << 32 | 0xFFFFFFFF`` (ordinals stay below 2**32 - 1), so the
        # first entry at or after it is the first after the range.
        low = keys.astype(np.uint64) << _S32
        bounds = np.concatenate((low, low | _U32))
        n = len(keys)
        entries: list[int] = []
        for run in (self._buffer, *self._runs):
            found = run.searchsorted(bounds).tolist()
            for s, e in zip(found[:n], found[n:]):
                if s < e:
                    entries += run[s:e].tolist()
        return [entry & 0xFFFFFFFF for entry in entries]

    def get_pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``get`` of many keys at once: (i, ordinal) for every ordinal stored
        under ``keys[i]``, as two int64 arrays (unordered, may repeat). One
        search per run for all the keys, and no Python loop over what it finds."""
        parts_i, parts_o = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        # Both ends of every key's range, as in get, the keys in increasing
        # order (each binary search then starts where the last one ended).
        order = np.argsort(keys)
        bounds = np.empty((len(keys), 2), np.uint64)
        np.left_shift(keys[order], _S32, out=bounds[:, 0], dtype=np.uint64)
        np.bitwise_or(bounds[:, 0], _U32, out=bounds[:, 1])
        bounds = bounds.ravel()
        for run in (self._buffer, *self._runs):
            ends = run.searchsorted(bounds)
            starts = ends[0::2]
            lengths = ends[1::2] - starts
            hit = np.flatnonzero(lengths)
            if not len(hit):
                continue
            lengths = lengths[hit]
            # the positions of every hit key's entries: start, start + 1, ... per key
            first = np.cumsum(lengths) - lengths  # where each key's entries start in the output
            at = np.arange(int(first[-1] + lengths[-1]), dtype=np.int64)
            at += np.repeat(starts[hit] - first, lengths)
            parts_i.append(np.repeat(order[hit], lengths))
            parts_o.append((run[at] & _U32).astype(np.int64))
        return np.concatenate(parts_i), np.concatenate(parts_o)

    def _flush(self) -> None:
        run, self._buffer = self._buffer, np.zeros(0, np.uint64)
        self._runs.append(run)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            merged = np.concatenate((self._runs.pop(), last))
            merged.sort(kind="stable")  # two sorted runs: a linear merge
            self._runs.append(merged)

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self._runs) + self._buffer.nbytes
