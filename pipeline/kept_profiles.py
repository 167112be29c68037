"""langdetect's language profiles as arrays, kept between runs.

langdetect's profiles are 55 JSON files (2.2 MB) of n-gram counts. Reading
them (json, then a dict of the 87,598 n-grams) took ~60 ms, in every worker
process that met a text the plain-English check does not decide: in a
re-run after 1% changed, each of the two workers paid it for a few hundred
documents. Here what pipeline.fastlang.Profiles needs of them is kept in a
file beside the package's bytecode (``__pycache__``, as
pipeline.compiled_regexes keeps its programs), read back in a few ms:

- the languages, in load_profile's order (the directory's listing);
- every n-gram, once, in sorted order (found by bisection), and for each
  the languages that count it and their counts: ``langs[starts[i]:starts[i
  + 1]]`` and ``counts[...]`` of n-gram i;
- each language's ``n_words`` (words of length 1, 2 and 3).

The file is keyed by the sha256 of the profiles' names and bytes, read each
time (~3 ms): profiles that changed are read from their JSON again, and the
file written anew. It holds numbers and text only (nothing in it is run or
unpickled), and the sha256 of what follows its head: one that does not read
as written is ignored, one that cannot be written (a read-only install)
costs only the time saved.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import NamedTuple

import numpy as np

from pipeline import kept_files

FORMAT = 1
MAGIC = b"curate: langdetect profiles\n"
SEPARATOR = "\0"  # between the n-grams in the file (none holds it: else the file is not written)
_INT = np.dtype("<i8")


class Table(NamedTuple):
    """The profiles of a directory, as Profiles uses them."""

    langsize: int  # entries of the directory (load_profile's row length)
    langlist: list[str]  # the languages, in the directory's order
    ngrams: list[str]  # every n-gram counted by some language, sorted
    starts: np.ndarray  # n-gram i is counted by langs[starts[i]:starts[i + 1]] ...
    langs: np.ndarray  # ... (a language's index in langlist) ...
    counts: np.ndarray  # ... that many times
    n_words: np.ndarray  # (languages, 3): each one's words of length 1, 2 and 3


def cache_file() -> str:
    return kept_files.path_of(f"langdetect-profiles.{FORMAT}.bin")


def load(directory: str, path: str | None = None) -> Table:
    """The profiles of ``directory``: from the kept file (``path``, by
    default ``cache_file()``) when it was made from the same names and
    bytes, else from their JSON (and the file written)."""
    path = cache_file() if path is None else path
    names = os.listdir(directory)  # load_profile's order sets the languages' order
    files = []
    key = hashlib.sha256(f"{FORMAT} {len(names)}\n".encode())
    for name in names:
        filename = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isfile(filename):
            continue
        with open(filename, "rb") as f:
            data = f.read()
        files.append(data)
        key.update(f"{len(name.encode('utf-8', 'surrogateescape'))} {len(data)}\n".encode())
        key.update(name.encode("utf-8", "surrogateescape") + data)
    digest = key.hexdigest()
    table = _read(path, digest, len(names))
    if table is None:
        table = _parsed(len(names), files)
        _write(path, digest, table)
    return table


def _parsed(langsize: int, files: list[bytes]) -> Table:
    """The Table of the profiles' JSON texts, as load_profile reads them."""
    langlist, n_words, keys, langs, counts = [], [], [], [], []
    for index, data in enumerate(files):
        profile = json.loads(data.decode("utf-8"))
        words = profile["n_words"]
        if len(words) != 3:
            raise ValueError(f"the langdetect profile of {profile['name']!r} counts {len(words)} word lengths, not 3")
        langlist.append(profile["name"])
        n_words.append(words)
        freq = profile["freq"]
        keys += freq
        counts += freq.values()
        langs.append(np.full(len(freq), index, np.int64))
    if SEPARATOR in "".join(keys):  # (numpy's strings end at their first NUL)
        ngrams = sorted(set(keys))
        ordinals = np.fromiter(map(dict(zip(ngrams, range(len(ngrams)))).__getitem__, keys), np.int64, len(keys))
    else:  # sorted as Python sorts them (by code point), in C
        unique, ordinals = np.unique(np.array(keys, dtype=str), return_inverse=True)
        ngrams = unique.tolist()
    order = np.argsort(ordinals, kind="stable")  # by n-gram, then language (the order they were read)
    starts = np.zeros(len(ngrams) + 1, np.int64)
    np.cumsum(np.bincount(ordinals, minlength=len(ngrams)), out=starts[1:])
    langs = np.concatenate(langs) if langs else np.zeros(0, np.int64)
    return Table(langsize, langlist, ngrams, starts, langs[order], np.array(counts, np.int64)[order],
                 np.array(n_words, np.int64).reshape(-1, 3))


def _read(path: str, digest: str, langsize: int) -> Table | None:
    """The Table kept at ``path`` for these profiles; None: none, or not as written."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(MAGIC):
            return None
        end = data.index(b"\n", len(MAGIC))
        head = json.loads(data[len(MAGIC):end])
        if head.get("format") != FORMAT or head.get("key") != digest or head.get("langsize") != langsize \
                or hashlib.sha256(memoryview(data)[end + 1:]).hexdigest() != head.get("payload"):
            return None
        langlist, n, m, text = head["langlist"], head["ngrams"], head["entries"], head["text"]
        languages = len(langlist)
        at = end + 1
        arrays = []
        for count in (3 * languages, n + 1, m, m):
            arrays.append(np.frombuffer(data, _INT, count, at).astype(np.int64))
            at += count * _INT.itemsize
        n_words, starts, langs, counts = arrays
        ngrams = data[at:at + text].decode("utf-8").split(SEPARATOR) if n else []
        if at + text != len(data) or len(ngrams) != n or starts[0] != 0 or starts[-1] != m \
                or (np.diff(starts) < 1).any() or ((langs < 0) | (langs >= languages)).any():
            return None
        return Table(langsize, langlist, ngrams, starts, langs, counts, n_words.reshape(-1, 3))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(path: str, digest: str, table: Table) -> None:
    """The Table kept at ``path`` (written whole, then renamed into place); nothing when it cannot be."""
    if any(SEPARATOR in ngram for ngram in table.ngrams):
        return
    text = SEPARATOR.join(table.ngrams).encode("utf-8")
    payload = b"".join(np.ascontiguousarray(values, _INT).tobytes()
                       for values in (table.n_words.ravel(), table.starts, table.langs, table.counts)) + text
    head = {"format": FORMAT, "key": digest, "langsize": table.langsize, "langlist": table.langlist,
            "ngrams": len(table.ngrams), "entries": len(table.langs), "text": len(text),
            "payload": hashlib.sha256(payload).hexdigest()}
    kept_files.write(path, MAGIC + json.dumps(head, ensure_ascii=False).encode("utf-8") + b"\n" + payload)
