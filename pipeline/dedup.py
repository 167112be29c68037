"""Duplicate documents across a corpus: exact and near duplicates.

A per-document stage cannot see other documents, so the run loop keeps one
DuplicateIndex and asks it about every kept document, in id order: the first
document of a group is kept, the later ones are rejected with reason
``duplicate`` and a detail naming the kept one (so the output is deterministic).

Two checks, both on the clean text after ``normalised`` (NFKC, case folded,
words only: punctuation, quotes and line breaks do not make texts differ):
- exact: a 16-byte BLAKE2b digest of the normalised text;
- near: a MinHash signature over word shingles, with LSH bands to find
  candidates, each confirmed by its estimated Jaccard similarity
  (``Config.duplicate_threshold``).

The work is split in two so that the serial part is small. ``fingerprint``
(digest, signature, band keys) depends on one text only and runs in the
workers, with the document's stages; the index, in the run's main process,
only looks band keys up and compares a few signatures, for a batch of
documents at once (``screened``, ``DuplicateIndex.find_batch``: the numpy
calls and file reads are per batch, not per document; the decisions are
those of one document at a time).

The signature is a one-permutation MinHash: every shingle is hashed once
(64 bits, a polynomial hash of its bytes mixed by splitmix64, vectorised
with numpy: never Python's salted ``hash``), the hash picks one of
``duplicate_num_perm`` bins and the signature keeps the least value per bin.
Empty bins take a value from another bin (densification). The share of
bins where two signatures agree estimates the Jaccard similarity of their
shingle sets, as k independent permutations would, at the cost of one hash
per shingle.

Memory per kept document is bounded and independent of its length: one
8-byte entry per LSH band (sorted numpy runs, ``_Multimap``) and the 8-byte
offset of its id; its digest, signature and id go to temporary files
(``spill_dir``) and are read back only for candidates. An exact duplicate
has the same signature, so the bands find it too. Texts are never kept.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import os
import re
import tempfile
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from pipeline import ascii_words, result
from pipeline.config import Config
from pipeline.result import Result

STAGE = "dedup"  # the `stage` of a rejection written by this module
_WORD = re.compile(r"\w+")

# LSH: the signature's first BANDS * ROWS bins, in bands of ROWS. Two texts
# become candidates when one band agrees entirely: at similarity s, with
# probability 1 - (1 - s**ROWS)**BANDS (0.5: 0.54, 0.6: 0.81, 0.7: 0.96,
# 0.8: 0.998); unrelated texts on shared topics (s < 0.15) almost never. Few
# bands keep memory small (one entry per band per kept document).
BANDS = 12
ROWS = 4

EMPTY = 0xFFFFFFFF  # every bin of a text without shingles; real values are below it
_LAST_VALUE = np.uint32(EMPTY - 1)
_U32 = np.uint64(0xFFFFFFFF)
_P = 0x100000001B3  # odd: invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
# The hash function is fixed: the same signatures on every run and machine.
# Its salt was chosen among the first dozen so that every dev-set article
# with one sentence rewritten is found (tests/test_dedup.py); the hardest
# (true Jaccard 0.55) lies within two standard errors of the threshold, so
# about one salt in four finds them all.
_SALT = np.uint64(7)
_POWERS_CACHED = 1 << 16  # bytes of text whose powers of _P are kept (1 MiB for both tables)


def words(text: str) -> list[str]:
    """The normalised words of a text: NFKC, case folded, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalised(text: str) -> bytes:
    """The normalised words joined by single spaces, UTF-8: what both checks compare."""
    fast = _ascii_normalised(text)
    return fast if fast is not None else " ".join(words(text)).encode("utf-8")


# ------------------------------------------------------------ fast path
# Most texts are ASCII but for a few quotes and dashes. For those, NFKC and
# case folding are ASCII lower-casing and the words are runs of [A-Za-z0-9_]:
# the text is encoded as ASCII (each run of separators becomes a space, any
# other non-ASCII character stops the fast path: pipeline.ascii_words), one
# bytes.translate lower-cases word characters and turns everything else into
# a space, and numpy drops the spaces that follow a space; no regex over the
# whole text.

_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
# byte -> itself lower-cased if a word character, else a space (a word break)
_TO_WORDS = bytes(c if c in _WORD_BYTES else 32 for c in bytes(range(256)).lower())


def _ascii_normalised(text: str) -> bytes | None:
    """``normalised(text)`` when the text is ASCII but for separators, else None."""
    encoded = ascii_words.encoded(text)
    if encoded is None:
        return None
    data = np.frombuffer(encoded.translate(_TO_WORDS), np.uint8)
    word = data != 32
    keep = word.copy()
    keep[1:] |= word[:-1]  # word characters, and the first space of each break
    out = data[keep].tobytes()
    return out[:-1] if out.endswith(b" ") else out


# ------------------------------------------------------------ the fingerprint


@dataclass(frozen=True)
class Fingerprint:
    """What the index needs of one text, computed where the text is (a worker)."""

    digest: bytes  # BLAKE2b-128 of the normalised text
    signature: bytes  # num_perm little-endian uint32 (all EMPTY without shingles)
    bands: bytes  # little-endian uint32 key of every LSH band (none without shingles)


_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every input bit.
    In place after the first step (a per-document cost: few temporary arrays)."""
    z = z ^ (z >> _S30)  # a new array: the caller's is left as it was
    z *= _MIX1
    t = z >> _S27
    z ^= t
    z *= _MIX2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64 (numpy's uint64 arithmetic wraps)."""
    out = np.full(n, base, np.uint64)
    out[0] = 1
    return np.cumprod(out, out=out)


_POWERS = _powers(_P, _POWERS_CACHED)
_INV_POWERS = _powers(_P_INV, _POWERS_CACHED)


def shingle_hashes(text: bytes, size: int) -> np.ndarray:
    """A 64-bit hash of every run of ``size`` consecutive words of a normalised
    text (the whole text when shorter), as a hash of its bytes: the same run
    gets the same hash wherever it is, in any text."""
    if not text:
        return np.zeros(0, np.uint64)
    data = np.frombuffer(text, np.uint8)
    n = len(data)
    spaces = (data == 32).nonzero()[0]  # (flatnonzero adds a call and a ravel)
    count = len(spaces) + 1 - size + 1  # shingles
    if count <= 1:
        starts, ends = np.zeros(1, np.intp), np.array([n])
    else:
        starts = np.empty(count, np.intp)  # 0, then after each space
        starts[0] = 0
        np.add(spaces[: count - 1], 1, out=starts[1:])
        ends = np.empty(count, np.intp)  # the size-th space on, then the end
        ends[:-1] = spaces[size - 1 :]
        ends[-1] = n
    powers, inverse = (_POWERS[:n], _INV_POWERS) if n <= _POWERS_CACHED else (_powers(_P, n), _powers(_P_INV, n))
    prefix = np.empty(n + 1, np.uint64)  # prefix[i] = sum of data[j] * P**j for j < i
    prefix[0] = 0
    np.multiply(data, powers, out=prefix[1:])
    np.add.accumulate(prefix[1:], out=prefix[1:])  # np.cumsum without its wrappers
    # sum of data[j] * P**(j - start) over the run: the same wherever the run starts
    h = prefix[ends]
    h -= prefix[starts]
    h *= inverse[starts]
    h ^= _SALT
    return _mix(h)


_PROBES = 32  # filled bins tried, at random, for an empty bin before falling back


@functools.lru_cache(maxsize=8)
def _probes(bins: int) -> np.ndarray:
    """For each bin, a fixed random sequence of other bins to take a value from."""
    seeds = np.arange(bins * _PROBES, dtype=np.uint64).reshape(bins, _PROBES) + np.uint64(0x5DEECE66D)
    return (((_mix(seeds) >> np.uint64(32)) * np.uint64(bins)) >> np.uint64(32)).astype(np.intp)


def signature(hashes: np.ndarray, bins: int) -> np.ndarray:
    """The least hash value in each bin (one-permutation MinHash). A bin no
    shingle fell into takes the value of the first filled bin in its fixed
    random sequence (Shrivastava's "optimal densification"), else of the next
    filled bin (rotation), so short texts have a value in every bin too; the
    same shingles always give the same signature. All EMPTY for a text
    without shingles."""
    sig = np.full(bins, EMPTY, np.uint32)
    if len(hashes) == 0:
        return sig
    if bins & (bins - 1) == 0:  # a power of two: the scaling below is a shift
        which = hashes >> np.uint64(65 - bins.bit_length())
    else:
        which = hashes >> _S32
        which *= np.uint64(bins)
        which >>= _S32  # the bin: the high 32 bits scaled to [0, bins)
    values = hashes.astype(np.uint32)  # the low 32 bits
    np.minimum(values, _LAST_VALUE, out=values)
    np.minimum.at(sig, which.astype(np.intp), values)
    empty = np.flatnonzero(sig == EMPTY)
    if len(empty) == 0:
        return sig
    filled = np.flatnonzero(sig != EMPTY)
    tries = _probes(bins)[empty]
    hit = sig[tries] != EMPTY
    found = hit.any(axis=1)
    donor = tries[np.arange(len(empty)), hit.argmax(axis=1)]
    rotated = filled[np.searchsorted(filled, empty) % len(filled)]
    sig[empty] = sig[np.where(found, donor, rotated)]
    return sig


def _band_constants(n: int) -> np.ndarray:
    return _mix(np.arange(1, n + 1, dtype=np.uint64)) | np.uint64(1)


_BAND_ROW = _band_constants(ROWS)
_BAND_SALT = _band_constants(2 * BANDS)[BANDS:]


def band_keys(sig: np.ndarray) -> np.ndarray:
    """A 32-bit key per band of ROWS bins (its band's number mixed in); none
    for a text without shingles."""
    bands = min(BANDS, len(sig) // ROWS)
    rows = sig[: bands * ROWS].reshape(bands, ROWS)
    combined = rows.astype(np.uint64) @ _BAND_ROW  # the sum of bin * row constant (uint64 wraps: modulo 2**64)
    combined += _BAND_SALT[:bands]
    keys = (_mix(combined) >> np.uint64(32)).astype(np.uint32)
    return keys if sig[0] != EMPTY else keys[:0]


def fingerprint(text: str, config: Config) -> Fingerprint:
    """Everything the index compares of a text (a pure function of the text and config)."""
    norm = normalised(text)
    sig = signature(shingle_hashes(norm, config.duplicate_shingle_words), config.duplicate_num_perm)
    return Fingerprint(hashlib.blake2b(norm, digest_size=16).digest(),
                       sig.astype("<u4", copy=False).tobytes(), band_keys(sig).astype("<u4", copy=False).tobytes())


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures: the share of agreeing bins."""
    return int(np.count_nonzero(a == b)) / len(a)


# ------------------------------------------------------------ the index


class _Multimap:
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
        self._bands = _Multimap()  # band key -> ordinal of a kept document
        self._records = _Spill(16 + 4 * self.num_perm, spill_dir, self.SPILL)  # ordinal -> digest, signature
        self._ids = _Spill(0, spill_dir, self.SPILL)  # ordinal -> id
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
        batch = _Batch([items[j][1] for j in keyed], self.num_perm)
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

    def _compared(self, batch: "_Batch") -> "_Compared":
        """The batch's candidates in the index, each compared with its document."""
        which, ordinals = self._bands.get_pairs(batch.keys)
        pairs = np.unique((batch.owner[which] << 32) | ordinals)  # by document, then ordinal (id order)
        who, ordinals = pairs >> 32, pairs & 0xFFFFFFFF
        found = _Compared(np.searchsorted(who, np.arange(len(batch.sigs) + 1)).tolist(), ordinals)
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


class _Batch:
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


class _Compared:
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


class _Spill:
    """An append-only list of byte strings in a temporary file, read back by
    position with ``os.pread`` (the page cache, not this process, holds what
    was read). Not through a map: the kernel maps pages around each one
    touched (fault-around), and the mapped pages count in this process's
    resident set, which then grew with the corpus (measured: +53 MB for
    80,000 documents). Fixed-size items need no offsets; others keep 8 bytes
    each."""

    def __init__(self, size: int, spill_dir, spill_at: int) -> None:
        self.size = size
        self.spill_at = spill_at
        self._offsets = array("Q", [0])
        self._file = tempfile.TemporaryFile(dir=spill_dir)
        self._written = 0  # bytes in the file; the rest is in _pending
        self._pending = bytearray()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._offsets.itemsize * len(self._offsets) if not self.size else 0

    def add(self, item: bytes) -> None:
        self._pending += item
        self._count += 1
        if not self.size:
            self._offsets.append(self._offsets[-1] + len(item))
        if len(self._pending) >= self.spill_at:
            self._file.write(self._pending)
            self._file.flush()
            self._written += len(self._pending)
            self._pending = bytearray()

    def get(self, i: int) -> bytes:
        start, end = (i * self.size, (i + 1) * self.size) if self.size else (self._offsets[i], self._offsets[i + 1])
        if start >= self._written:
            return bytes(self._pending[start - self._written : end - self._written])
        return os.pread(self._file.fileno(), end - start, start)

    def get_many(self, items: list[int]) -> bytes:
        """The fixed-size items at these positions, concatenated."""
        size, written, fd, pending = self.size, self._written, self._file.fileno(), self._pending
        return b"".join([os.pread(fd, size, i * size) if i * size < written else
                         bytes(pending[i * size - written : (i + 1) * size - written]) for i in items])

    def close(self) -> None:
        self._file.close()


def first_match(records: list[bytes], fp: Fingerprint, threshold: float) -> tuple[int, bool, float] | None:
    """(position, exact, similarity) of the first record (digest then
    signature, as the index keeps them; candidates in id order) with the
    digest of fp, else of the first whose estimated similarity reaches the
    threshold; None when there is none."""
    return _first_match(b"".join(records), len(records), fp, threshold)


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


def detail(match: Match, config: Config) -> str:
    """The rejection detail of a duplicate of ``match.kept_id``."""
    if match.exact:
        return f"duplicate of {match.kept_id}: the same text after normalisation"
    return (f"near duplicate of {match.kept_id}: estimated Jaccard similarity "
            f"{match.similarity:.2f} of {config.duplicate_shingle_words}-word shingles "
            f"(threshold {config.duplicate_threshold})")


_KEPT_ID = re.compile(r"(?:near )?duplicate of (.*): (?:the same text after normalisation|estimated Jaccard "
                      r"similarity [0-9.]+ of [0-9]+-word shingles \(threshold [^()]*\))", re.DOTALL)


def kept_id(detail_text: str) -> str | None:
    """The id a ``detail`` names (the suffix is matched at the end: an id may hold anything)."""
    m = _KEPT_ID.fullmatch(detail_text)
    return m.group(1) if m else None


def rejected(res: Result, detail: str) -> Result:
    """The Result of a kept document found to duplicate another."""
    return result.rejected(res, "duplicate", STAGE, detail)


SCREEN_BATCH = 64  # results screened at once: 4 executor chunks (at 20k, 16: 0.42 s, 64: 0.35-0.40 s, 256: no better)


def screened(results: Iterable[Result], index: DuplicateIndex,
             batch: int = SCREEN_BATCH) -> Iterator[tuple[Result, Result]]:
    """(result, ``screen(result, index)``) of each result, in order; the kept
    ones are looked up ``batch`` at a time (DuplicateIndex.find_batch)."""
    results = iter(results)
    while chunk := list(itertools.islice(results, batch)):
        matches = index.find_batch([(res.id, res.fingerprint) if res.kept else None for res in chunk])
        for res, match in zip(chunk, matches):
            yield res, res if match is None else rejected(res, detail(match, index.config))


def screen(res: Result, index: DuplicateIndex) -> Result:
    """The Result, rejected as ``duplicate`` when its text duplicates a
    document kept earlier in the run; rejected documents pass through
    untouched. The fingerprint was made by the worker (pipeline.runner)."""
    if not res.kept:
        return res
    match = index.find_fingerprint(res.id, res.fingerprint)
    return res if match is None else rejected(res, detail(match, index.config))
