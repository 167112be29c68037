"""The boundaries stage's prose counts of a page's ASCII lines, all at once.

The stage judges every line of a page by (words, stop-word density) of its
sample (pipeline.stages.boundaries._prose). Per line that is a split into
words and a set lookup per word: most of the stage's time, and most of it
making one bytes object per word. Here the lines are joined and mapped
once (a blank before each), and numpy finds every word and looks it up
among the stop words by its first 8 bytes (a little-endian integer, the
bytes past its end masked off), without a Python object per word:

- words: runs of non-blank bytes of P.BLANK_TABLE (the line's ``str.split()``);
- the words for the density: runs of non-blank bytes of P.WORD_TABLE
  (lower-case letters and apostrophes). A word of fewer than 8 bytes is
  its key (no word holds a NUL byte); one of 8 or more whose key is a stop
  word's is looked up whole (few: "although", "themselves").

A line whose WORD_TABLE bytes hold an apostrophe out of place (the stage
reads its words with a regular expression then) is left out: ``None`` in
its place. Per page this costs a few dozen numpy calls, so it pays from a
few thousand characters on (``AT_ONCE_MIN_CHARS``); tests/test_boundaries_fast.py
checks it equals the stage's per-line answer.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from pipeline.patterns import boundaries as P

AT_ONCE_MIN_CHARS = 2000  # (below, the per-line passes cost less than numpy's calls)

_KEY_BYTES = 8
_BLANK = ord(" ")
_PAD = b" " * _KEY_BYTES  # (read past a last short word, masked off; blank: ends every word)
_NONE = (1 << 64) - 1  # the key of 8 bytes 0xff: no word's (WORD_TABLE writes none)


def _key(word: bytes) -> int:
    """A word's first 8 bytes as a little-endian integer (zero past its end)."""
    return int.from_bytes(word[:_KEY_BYTES].ljust(_KEY_BYTES, b"\0"), "little")


def _slots(keys: list[int]) -> tuple[np.uint64, np.ndarray]:
    """(m, a table holding each key at its slot key % m, _NONE elsewhere):
    the first m from len(keys)**2 / 2 at which no two keys share a slot (a
    few tries; none share one once m passes the largest). A word is a stop
    word's key when ``table[key % m] == key``: one division and one lookup
    per word, where a binary search of the sorted keys takes eight steps."""
    m = max(1, len(keys) ** 2 // 2)
    while len({k % m for k in keys}) < len(keys):
        m += 1
    table = np.full(m, _NONE, np.uint64)
    for k in keys:
        table[k % m] = k
    return np.uint64(m), table


_MODULUS, _STOP_KEYS = _slots(sorted({_key(w) for w in P.ASCII_STOPWORDS}))
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(_KEY_BYTES + 1)], np.uint64)  # a word's bytes in its key
USABLE = not {0, 0xFF} & set(P.WORD_TABLE)  # (else the per-line way answers)


def prose_each(heads: list[str]) -> list[tuple[int, float] | None]:
    """(words, stop-word density) of each ASCII line sample, as the
    boundaries stage's _prose counts them; None for a line whose words it
    reads with its regular expression (an apostrophe out of place)."""
    if not heads:
        return []
    offsets, at = [], 1  # where each line starts in the joined text, and where a next one would
    for head in heads:
        offsets.append(at)
        at += len(head) + 1
    offsets.append(at)
    data = (" " + " ".join(heads)).encode("ascii")
    line_blanks = np.array(offsets, np.int64) - 1  # the blank before each line (and after the last)
    solid = np.frombuffer(data.translate(P.BLANK_TABLE), np.uint8) != _BLANK
    firsts = np.flatnonzero(solid[1:] > solid[:-1]).searchsorted(line_blanks).tolist()  # of each line's words
    words = [b - a for a, b in zip(firsts, firsts[1:])]

    found = data.translate(P.WORD_TABLE) + _PAD
    solid = np.frombuffer(found, np.uint8) != _BLANK
    # Where solid changes between a byte and the next: found starts and ends
    # blank, so these alternate: the blank before a word, the word's last byte.
    edges = np.flatnonzero(solid[1:] != solid[:-1])
    before = edges[0::2]
    lengths = edges[1::2] - before
    # The 8 bytes from each position (an unaligned view, no copy), read one past each word's blank.
    keys = np.ndarray((len(found) - _KEY_BYTES,), "<u8", found, 1, (1,))[before] \
        & _MASKS[np.minimum(lengths, _KEY_BYTES)]
    stop = _STOP_KEYS[keys % _MODULUS] == keys
    for i in np.flatnonzero(stop & (lengths >= _KEY_BYTES)).tolist():  # the key is the first 8 bytes only
        start = int(before[i]) + 1
        stop[i] = found[start:start + int(lengths[i])] in P.ASCII_STOPWORDS
    # Each line's first word: the first whose blank is at or after the one before the line.
    firsts = before.searchsorted(line_blanks).tolist()
    stops_before = np.zeros(len(stop) + 1, np.int64)
    np.cumsum(stop, out=stops_before[1:])
    stops = stops_before[firsts].tolist()
    out: list[tuple[int, float] | None] = []
    for i, n in enumerate(words):
        counted = firsts[i + 1] - firsts[i]
        out.append((n, (stops[i + 1] - stops[i]) / counted if counted else 0.0))
    if b"'" in found:
        for m in P.ODD_APOSTROPHE_BYTES.finditer(found):  # (no match runs across a blank: the same as per line)
            out[bisect_right(offsets, m.start()) - 1] = None
    return out
