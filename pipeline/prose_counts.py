"""The boundaries stage's prose counts of a page's ASCII lines, all at once.

The stage judges every line of a page by (words, stop-word density) of its
sample (pipeline.stages.boundaries._prose). Per line that is a split into
words and a set lookup per word: most of the stage's time, and most of it
making one bytes object per word. Here the lines are joined and mapped
once, and numpy finds every word's start and end and looks each word up
among the stop words by its first 8 bytes (as a little-endian integer, the
bytes past its end masked), without a Python object per word:

- words: runs of non-blank bytes of P.BLANK_TABLE (the line's ``str.split()``);
- the line's words for the density: runs of non-blank bytes of P.WORD_TABLE
  (lower-case letters and apostrophes), of which the stop words are those
  whose 8-byte key and length are a stop word's. A word longer than 8
  bytes that matches so is looked up whole (few: "according", "themselves").

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


def _key(word: bytes) -> int:
    """A word's first 8 bytes as a little-endian integer (zero past its end)."""
    return int.from_bytes(word[:_KEY_BYTES].ljust(_KEY_BYTES, b"\0"), "little")


_STOPS = sorted(P.ASCII_STOPWORDS, key=_key)
_STOP_KEYS = np.array([_key(w) for w in _STOPS], np.uint64)
_STOP_LENGTHS = np.array([len(w) for w in _STOPS], np.int64)
_LAST = len(_STOPS) - 1
# A word's key keeps its first min(length, 8) bytes. The words hold no NUL
# byte, so for a word of at most 8 bytes key and length say which word it is;
# USABLE: no two stop words share a key (else the per-line way answers).
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(_KEY_BYTES + 1)], np.uint64)
USABLE = len(set(_STOP_KEYS.tolist())) == len(_STOPS) and b"\0" not in bytes(P.WORD_TABLE)


def prose_each(heads: list[str]) -> list[tuple[int, float] | None]:
    """(words, stop-word density) of each ASCII line sample, as the
    boundaries stage's _prose counts them; None for a line whose words it
    reads with its regular expression (an apostrophe out of place)."""
    n = len(heads)
    if not n:
        return []
    joined = " ".join(heads).encode("ascii")  # (a blank between lines: no word runs across)
    # Where each line starts in ``joined``, and where the last one ends.
    bounds = np.empty(n + 1, np.int64)
    bounds[0] = 0
    bounds[1:] = np.fromiter(map(len, heads), np.int64, n) + 1
    np.cumsum(bounds, out=bounds)
    bounds[n] -= 1

    # The str.split() count: each run of non-blank bytes starts a word.
    solid = np.frombuffer(joined.translate(P.BLANK_TABLE) + _PAD, np.uint8) != _BLANK
    starts = np.flatnonzero(solid[1:] > solid[:-1]) + 1
    words = np.diff(starts.searchsorted(bounds)).tolist()
    if solid[0]:
        words[0] += 1

    found = joined.translate(P.WORD_TABLE) + _PAD
    solid = np.frombuffer(found, np.uint8) != _BLANK
    edges = np.flatnonzero(solid[1:] != solid[:-1]) + 1  # every start then end of a word (the pad ends the last)
    if solid[0]:
        edges = np.concatenate((np.zeros(1, np.int64), edges))
    word_starts, lengths = edges[0::2], edges[1::2] - edges[0::2]
    # The 8 bytes from each position as an integer (an unaligned view: no copy), read at each word's start.
    at_every_byte = np.ndarray((len(found) - _KEY_BYTES + 1,), "<u8", found, 0, (1,))
    keys = at_every_byte[word_starts] & _MASKS[np.minimum(lengths, _KEY_BYTES)]
    at = np.minimum(_STOP_KEYS.searchsorted(keys), _LAST)
    stop = (_STOP_KEYS[at] == keys) & (_STOP_LENGTHS[at] == lengths)
    for i in np.flatnonzero(stop & (lengths > _KEY_BYTES)).tolist():  # 8 bytes and the length agree: the whole word?
        s = int(word_starts[i])
        stop[i] = found[s:s + int(lengths[i])] in P.ASCII_STOPWORDS
    per_line = word_starts.searchsorted(bounds)
    counted = np.diff(per_line).tolist()
    stops = np.diff(np.concatenate((np.zeros(1, np.int64), np.cumsum(stop)))[per_line]).tolist()
    out: list[tuple[int, float] | None] = [(w, s / c if c else 0.0) for w, s, c in zip(words, stops, counted)]
    if b"'" in found:
        line_starts = bounds[:-1].tolist()
        for m in P.ODD_APOSTROPHE_BYTES.finditer(found):  # (no match runs across a blank: the same as per line)
            out[bisect_right(line_starts, m.start()) - 1] = None
    return out
