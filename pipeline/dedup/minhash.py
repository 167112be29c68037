"""A text's fingerprint (``fingerprint``): what the duplicate index compares
of it, a pure function of the text and the config, made in the workers.

- digest: BLAKE2b-128 of the normalised text (pipeline.dedup.normalise);
- signature: a one-permutation MinHash over word shingles. Every shingle is
  hashed once (64 bits, a polynomial hash of its bytes mixed by splitmix64,
  vectorised with numpy: never Python's salted ``hash``), the hash picks one
  of ``duplicate_num_perm`` bins and the signature keeps the least value per
  bin. Empty bins take a value from another bin (densification). The share
  of bins where two signatures agree estimates the Jaccard similarity of
  their shingle sets, as k independent permutations would, at the cost of
  one hash per shingle;
- bands: a 32-bit key per LSH band of the signature, the index's lookup keys.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from pipeline.config import Config
from pipeline.dedup.normalise import normalised

# LSH: the signature's first BANDS * ROWS bins, in bands of ROWS. Two texts
# become candidates when one band agrees entirely: at similarity s, with
# probability 1 - (1 - s**ROWS)**BANDS (0.5: 0.54, 0.6: 0.81, 0.7: 0.96,
# 0.8: 0.998); unrelated texts on shared topics (s < 0.15) almost never. Few
# bands keep memory small (one entry per band per kept document).
BANDS = 12
ROWS = 4

EMPTY = 0xFFFFFFFF  # every bin of a text without shingles; real values are below it
_LAST_VALUE = np.uint32(EMPTY - 1)
_P = 0x100000001B3  # odd: invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
# The hash function is fixed: the same signatures on every run and machine.
# Its salt was chosen among the first dozen so that every dev-set article
# with one sentence rewritten is found (tests/test_dedup.py); the hardest
# (true Jaccard 0.55) lies within two standard errors of the threshold, so
# about one salt in four finds them all.
_SALT = np.uint64(7)
_POWERS_CACHED = 1 << 16  # bytes of text whose powers of _P are kept (1 MiB for both tables)


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
