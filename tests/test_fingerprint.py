"""dedup.fingerprint is pinned bit for bit: its signatures decide which
documents are duplicates, so a faster implementation must give the same bytes
(the digest below was recorded with the first, unoptimised one)."""

from __future__ import annotations

import hashlib
import random

from pipeline import dedup
from pipeline.config import Config

WORDS = ["the", "Minister", "said", "2024", "GDP", "growth", "won't", "co-operation", "x_y", "A", "b"]
BREAKS = [" ", " ", " ", ", ", ". ", "\n\n", " \u2014 ", "\u201c", "\u201d ", "\u2019", "\u00a0", "!!! ", "\t"]
OTHERS = ["Caf\u00e9", "\u4e2d\u6587", "\ufb01ne", "20\u2103"]  # not ASCII-like: the regex path


def texts() -> list[str]:
    rng = random.Random(20240607)
    out = ["", " ", "...", "one", "one two three four", "one two three four five", "a b c d e f g"]
    for n in (3, 10, 60, 400, 2000, 15000):  # 15000 words: past the cached powers (64 KiB)
        for others in (False, True):
            parts = []
            for _ in range(n):
                parts.append(rng.choice(OTHERS) if others and rng.random() < 0.02 else rng.choice(WORDS))
                parts.append(rng.choice(BREAKS))
            out.append("".join(parts))
    return out


CONFIGS = (Config(), Config(duplicate_num_perm=100, duplicate_shingle_words=3),
           Config(duplicate_num_perm=16, duplicate_shingle_words=8))


def test_fingerprints_are_the_recorded_ones() -> None:
    h = hashlib.sha256()
    for text in texts():
        for config in CONFIGS:
            fp = dedup.fingerprint(text, config)
            h.update(fp.digest + fp.signature + fp.bands)
    assert h.hexdigest() == RECORDED


RECORDED = "da0a33c2d916f781b4986c3f6c3d6b3134a505d27464d5e9018b43389c1d39ff"
