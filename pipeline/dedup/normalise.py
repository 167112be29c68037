"""The normalised text the index's two checks (exact and near) compare:
NFKC, case folded, words only (punctuation, quotes and line breaks do not
make texts differ), joined by single spaces."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from pipeline import ascii_words

_WORD = re.compile(r"\w+")


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
