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

Memory per kept document is bounded and independent of its length: one
8-byte entry per LSH band (sorted numpy runs, ``Multimap``) and the 8-byte
offset of its id; its digest, signature and id go to temporary files
(``spill_dir``, ``DiskList``) and are read back only for candidates. An exact
duplicate has the same signature, so the bands find it too. Texts are never kept.

The modules, in the order the work flows:
- normalise: the normalised text (``words``, ``normalised``);
- minhash: the fingerprint (``Fingerprint``, ``fingerprint``), made in the workers;
- multimap, disk_list: where the index keeps band keys, and records and ids;
- batch: a batch's fingerprints as arrays, and its candidates compared;
- index: ``DuplicateIndex``, ``Match``, ``first_match``;
- screening: Results screened in id order (``screened``, ``screen``) and the
  rejection's ``detail`` (``kept_id`` reads it back).
The names callers use are importable from here (``dedup.fingerprint``, ...).
"""

from pipeline.dedup.index import DuplicateIndex, Match, first_match
from pipeline.dedup.minhash import (BANDS, EMPTY, ROWS, Fingerprint, band_keys, fingerprint, shingle_hashes,
                                    signature, similarity)
from pipeline.dedup.normalise import normalised, words
from pipeline.dedup.screening import SCREEN_BATCH, STAGE, detail, kept_id, rejected, screen, screened

__all__ = [
    "BANDS", "EMPTY", "ROWS", "SCREEN_BATCH", "STAGE", "DuplicateIndex", "Fingerprint", "Match", "band_keys",
    "detail", "fingerprint", "first_match", "kept_id", "normalised", "rejected", "screen", "screened",
    "shingle_hashes", "signature", "similarity", "words",
]
