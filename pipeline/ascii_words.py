"""Texts that are ASCII but for a few quotes and dashes, as ASCII bytes.

Both duplicate checks (pipeline.dedup: the corpus index; pipeline.stages.dedup:
repeated paragraphs) compare words: runs of ``\\w`` after NFKC and case
folding. For a text whose non-ASCII characters are all separators (typographic
quotes, dashes, spaces: ``is_separator``), those words are the runs of
[A-Za-z0-9_] lower-cased once each run of separators is a space, which
bytes.translate finds in C, without NFKC or a regex over the whole text.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

_WORD = re.compile(r"\w+")
_ERRORS = "pipeline.ascii_words.separators"  # codec error handler, registered below


class _NotOnlySeparators(Exception):
    """A non-ASCII character that is not a separator: the regex path decides."""


@functools.lru_cache(maxsize=4096)
def is_separator(char: str) -> bool:
    """A non-ASCII character that the words treat as a plain word break: no
    word character before or after NFKC and case folding, and nothing that
    could combine with a neighbour (a punctuation mark, symbol or space)."""
    if unicodedata.category(char)[0] not in "PSZ" or unicodedata.combining(char):
        return False
    return not _WORD.search(char) and not _WORD.search(unicodedata.normalize("NFKC", char).casefold())


def _separators_as_space(err: UnicodeEncodeError) -> tuple[str, int]:
    """Called by ``str.encode`` for each run of non-ASCII characters."""
    if all(map(is_separator, err.object[err.start:err.end])):
        return " ", err.end
    raise _NotOnlySeparators


codecs.register_error(_ERRORS, _separators_as_space)


def encoded(text: str) -> bytes | None:
    """The text in ASCII, each run of separators a space; None when it holds
    another non-ASCII character."""
    try:
        return text.encode("ascii", _ERRORS)
    except _NotOnlySeparators:
        return None
