"""Duplicate documents across a corpus: exact and near duplicates.

A per-document stage cannot see other documents, so the run loop keeps one
DuplicateIndex and asks it about every kept document, in id order: the first
document of a group is kept, the later ones are rejected with reason
``duplicate`` and a detail naming the kept one (so the output is deterministic).

Two checks, both on the clean text after ``normalise`` (NFKC, case folded,
words only: punctuation, quotes and line breaks do not make texts differ):
- exact: the SHA-256 of the normalised text;
- near: MinHash over word shingles, with LSH to find candidates, each confirmed
  by its estimated Jaccard similarity (``Config.duplicate_threshold``).

Memory per kept document is bounded and independent of its length: one
32-byte digest, the MinHash signature (``num_perm`` 64-bit values) and its
LSH band keys. Texts are never kept.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.config import Config
from pipeline import result
from pipeline.result import Result

STAGE = "dedup"  # the `stage` of a rejection written by this module
_WORD = re.compile(r"\w+")
# MinHash's permutations come from this seed: fixed, so signatures (and which
# documents are found) are the same on every run and machine.
_SEED = 1
LSH_MAX_THRESHOLD = 0.8


def words(text: str) -> list[str]:
    """The normalised words of a text: NFKC, case folded, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(tokens: list[str], size: int) -> set[str]:
    """The distinct runs of ``size`` consecutive words (the whole text when shorter)."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@dataclass(frozen=True)
class Match:
    kept_id: str
    exact: bool
    similarity: float  # 1.0 for an exact duplicate, else the estimated Jaccard


class DuplicateIndex:
    """The kept documents seen so far, as digests and MinHash signatures."""

    def __init__(self, config: Config) -> None:
        self.num_perm = config.duplicate_num_perm
        self.shingle_words = config.duplicate_shingle_words
        self.threshold = config.duplicate_threshold
        self._exact: dict[bytes, str] = {}
        self._signatures: dict[str, np.ndarray] = {}
        # LSH only proposes candidates and the estimate decides, so its own
        # threshold may be lower; above 0.8 it could have too few bands (fewer than 2).
        self._lsh = MinHashLSH(threshold=min(self.threshold, LSH_MAX_THRESHOLD),
                               num_perm=self.num_perm)

    def find(self, doc_id: str, text: str) -> Match | None:
        """The kept document this text duplicates (the first in id order), or
        None; a text that duplicates nothing is added to the index."""
        tokens = words(text)
        digest = hashlib.sha256(" ".join(tokens).encode()).digest()
        if digest in self._exact:
            return Match(self._exact[digest], True, 1.0)
        grams = shingles(tokens, self.shingle_words)
        minhash = MinHash(num_perm=self.num_perm, seed=_SEED)
        minhash.update_batch([g.encode() for g in sorted(grams)])
        near = []
        for other in self._lsh.query(minhash):
            # LSH only proposes candidates; the estimate decides.
            similarity = float(np.mean(self._signatures[other] == minhash.hashvalues))
            if similarity >= self.threshold:
                near.append((other, similarity))
        if near:
            kept_id, similarity = min(near)  # the first in id order
            return Match(kept_id, False, similarity)
        self._exact[digest] = doc_id
        if grams:
            self._lsh.insert(doc_id, minhash)
            self._signatures[doc_id] = minhash.hashvalues
        return None

    def check_and_add(self, doc_id: str, text: str) -> str | None:
        """The id of the kept document this one duplicates, else None (and it is kept)."""
        match = self.find(doc_id, text)
        return match.kept_id if match else None


def screen(res: Result, index: DuplicateIndex) -> Result:
    """The Result, rejected as ``duplicate`` when its text duplicates a document
    kept earlier in the run; rejected documents pass through untouched."""
    if not res.kept:
        return res
    match = index.find(res.id, res.text)
    if match is None:
        return res
    if match.exact:
        detail = f"duplicate of {match.kept_id}: the same text after normalisation"
    else:
        detail = (f"near duplicate of {match.kept_id}: estimated Jaccard similarity "
                  f"{match.similarity:.2f} of {index.shingle_words}-word shingles "
                  f"(threshold {index.threshold})")
    return result.rejected(res, "duplicate", STAGE, detail)
