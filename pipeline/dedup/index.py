"""The kept documents seen so far in a run, and which of them a new one
duplicates (``DuplicateIndex``): band keys looked up in memory, candidates'
digests and signatures read back from temporary files and compared."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from pipeline.config import Config
from pipeline.dedup.batch import Batch, Compared
from pipeline.dedup.disk_list import DiskList
from pipeline.dedup.minhash import Fingerprint, fingerprint
from pipeline.dedup.multimap import Multimap


@dataclass(frozen=True)
class Match:
    kept_id: str
    exact: bool
    similarity: float  # 1.0 for an exact duplicate, else the estimated Jaccard


class DuplicateIndex:
    """The kept documents seen so far: their band keys in memory; their
    digests and signatures (fixed-size records) and ids in temporary files
    created in ``spill_dir`` (default: the system's temporary directory),
    removed when the index is closed or collected."""

    SPILL = 1 << 20  # bytes of records held in memory before they go to the file

    def __init__(self, config: Config, spill_dir: str | os.PathLike | None = None) -> None:
        self.config = config
        self.num_perm = config.duplicate_num_perm
        self.shingle_words = config.duplicate_shingle_words
        self.threshold = config.duplicate_threshold
        self._bands = Multimap()  # band key -> ordinal of a kept document
        self._records = DiskList(16 + 4 * self.num_perm, spill_dir, self.SPILL)  # ordinal -> digest, signature
        self._ids = DiskList(0, spill_dir, self.SPILL)  # ordinal -> id
        self._no_shingles: int | None = None  # the kept document without words, if any
        # the fewest agreeing bins whose share reaches the threshold (as _first_match divides)
        self._need = next((n for n in range(self.num_perm + 1) if n / self.num_perm >= self.threshold),
                          self.num_perm + 1)

    def close(self) -> None:
        self._records.close()
        self._ids.close()

    @property
    def kept(self) -> int:
        return len(self._ids)

    @property
    def memory_bytes(self) -> int:
        """Memory that grows with the kept documents (the rest is bounded)."""
        return self._bands.nbytes + self._ids.nbytes

    def find(self, doc_id: str, text: str) -> Match | None:
        return self.find_fingerprint(doc_id, fingerprint(text, self.config))

    def find_fingerprint(self, doc_id: str, fp: Fingerprint) -> Match | None:
        """The kept document this one duplicates (the first in id order), or
        None; a document that duplicates nothing is added to the index.

        An exact duplicate has the same signature, so every band finds it:
        the candidates of the bands are all there is to compare."""
        bands = np.frombuffer(fp.bands, "<u4")
        if len(bands) == 0:  # no words: only another text without words is the same
            if self._no_shingles is not None:
                return Match(self._ids.get(self._no_shingles).decode("utf-8", "surrogateescape"), True, 1.0)
            self._no_shingles = self.kept
        else:
            candidates = self._bands.get(bands)
            if candidates:
                match = self._compare(sorted(set(candidates)), fp)
                if match is not None:
                    return match
            self._bands.add(bands, self.kept)
        self._records.add(fp.digest + fp.signature)
        self._ids.add(doc_id.encode("utf-8", "surrogateescape"))
        return None

    def find_batch(self, items: list[tuple[str, Fingerprint] | None]) -> list[Match | None]:
        """``find_fingerprint`` of each (doc_id, fingerprint) in turn (None:
        nothing to screen, None out): the same answers, the same index after.
        The batch's band keys are looked up at once, each candidate's record
        is read once, and every comparison is made together; only the
        decisions are taken one by one, since a document's candidates include
        the documents of the batch before it that were kept."""
        keyed = [j for j, item in enumerate(items) if item is not None and item[1].bands]
        if not keyed:
            return [None if item is None else self.find_fingerprint(*item) for item in items]
        batch = Batch([items[j][1] for j in keyed], self.num_perm)
        found = self._compared(batch)
        earlier = batch.earlier()
        out: list[Match | None] = [None] * len(items)
        added: list[int | None] = [None] * len(keyed)  # the ordinal each keyed document was kept under
        position = dict(zip(keyed, range(len(keyed))))
        for j, item in enumerate(items):
            i = position.get(j)
            if i is None:  # nothing to screen, or no words: only the first such document is compared
                out[j] = None if item is None else self.find_fingerprint(*item)
                continue
            # as _compare: the first candidate with the same digest, else the
            # first near one; the index's come first (lower ordinals)
            inside = [(added[y], e, n) for y, e, n in earlier.get(i, ()) if added[y] is not None]
            if (at := found.first(found.exact_at, i)) is not None:
                out[j] = Match(self._id(found.ordinals[at]), True, 1.0)
            elif (o := next((o for o, e, _ in inside if e), None)) is not None:
                out[j] = Match(self._id(o), True, 1.0)
            elif (at := found.first(found.near_at, i)) is not None:
                out[j] = Match(self._id(found.ordinals[at]), False, int(found.agreeing[at]) / batch.bins)
            elif (o_n := next(((o, n) for o, _, n in inside if n >= self._need), None)) is not None:
                out[j] = Match(self._id(o_n[0]), False, o_n[1] / batch.bins)
            else:
                doc_id, fp = item
                added[i] = self.kept
                self._records.add(fp.digest + fp.signature)
                self._ids.add(doc_id.encode("utf-8", "surrogateescape"))
        # The kept documents' keys, at once: the batch's own candidates came from earlier
        ordinal_of_key = np.array([-1 if o is None else o for o in added], np.int64)[batch.owner]
        kept = ordinal_of_key >= 0
        self._bands.add_many(batch.keys[kept], ordinal_of_key[kept].astype(np.uint64))
        return out

    def _compared(self, batch: Batch) -> Compared:
        """The batch's candidates in the index, each compared with its document."""
        which, ordinals = self._bands.get_pairs(batch.keys)
        pairs = np.unique((batch.owner[which] << 32) | ordinals)  # by document, then ordinal (id order)
        who, ordinals = pairs >> 32, pairs & 0xFFFFFFFF
        found = Compared(np.searchsorted(who, np.arange(len(batch.sigs) + 1)).tolist(), ordinals)
        if len(pairs):
            unique = np.unique(ordinals)  # each record read once
            joined = self._records.get_many(unique.tolist())
            row = np.searchsorted(unique, ordinals)
            same = np.frombuffer(joined, np.uint8).reshape(len(unique), -1)[row, :16] == batch.digests[who]
            found.exact_at = np.flatnonzero(same.all(axis=1)).tolist()
            found.agreeing = (np.frombuffer(joined, "<u4").reshape(len(unique), -1)[row, 4:] == batch.sigs[who]).sum(1)
            found.near_at = np.flatnonzero(found.agreeing >= self._need).tolist()
        return found

    def _compare(self, ordinals: list[int], fp: Fingerprint) -> Match | None:
        """The first candidate (in id order: ``ordinals`` are sorted) with the
        same digest, else the first whose estimated similarity reaches the
        threshold."""
        found = _first_match(self._records.get_many(ordinals), len(ordinals), fp, self.threshold)
        if found is None:
            return None
        at, exact, similarity = found
        return Match(self._id(ordinals[at]), exact, similarity)

    def _id(self, ordinal) -> str:
        return self._ids.get(int(ordinal)).decode("utf-8", "surrogateescape")

    def check_and_add(self, doc_id: str, text: str) -> str | None:
        """The id of the kept document this one duplicates, else None (and it is kept)."""
        match = self.find(doc_id, text)
        return match.kept_id if match else None


def first_match(records: list[bytes], fp: Fingerprint, threshold: float) -> tuple[int, bool, float] | None:
    """(position, exact, similarity) of the first record (digest then
    signature, as the index keeps them; candidates in id order) with the
    digest of fp, else of the first whose estimated similarity reaches the
    threshold; None when there is none."""
    return _first_match(b"".join(records), len(records), fp, threshold)


def pairs_match(mine: np.ndarray, theirs: np.ndarray, threshold: float) -> np.ndarray:
    """Records (digest then signature, as uint32 rows) compared pair by pair,
    row i of ``mine`` with row i of ``theirs``: True where first_match would
    match them, by the same digest or an estimated similarity reaching the
    threshold (the same float64 division)."""
    exact = (mine[:, :4] == theirs[:, :4]).all(axis=1)  # (the 16-byte digests)
    bins = mine.shape[1] - 4
    return exact | ((mine[:, 4:] == theirs[:, 4:]).sum(axis=1) / bins >= threshold)


def _first_match(joined: bytes, count: int, fp: Fingerprint, threshold: float) -> tuple[int, bool, float] | None:
    """first_match of ``count`` records joined in one bytes object."""
    if not count:
        return None
    size = len(joined) // count
    at = joined.find(fp.digest)
    while at >= 0 and at % size:  # the digest must be a record's, not bytes straddling fields
        at = joined.find(fp.digest, at + 1)
    if at >= 0:
        return at // size, True, 1.0
    rows = np.frombuffer(joined, "<u4").reshape(count, -1)
    bins = rows.shape[1] - 4
    agreeing = (rows[:, 4:] == np.frombuffer(fp.signature, "<u4")).sum(axis=1).tolist()
    for i, n in enumerate(agreeing):
        if n / bins >= threshold:  # the same float64 division as numpy's
            return i, False, n / bins
    return None
