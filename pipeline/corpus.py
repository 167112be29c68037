"""Reading raw/: the list of inputs, their ids, and their bytes.

Every file under --raw is an input, except names starting with a dot (editor
and VCS files such as .gitkeep). Nothing is skipped silently: a FIFO, a
symlink to a directory or a file name that is not UTF-8 is an input too, and
becomes a rejection. Problems found before decoding (not a regular .txt file,
a symlink leaving --raw, too large, unreadable) become rejections with
stage ``read``.

An id is data, never a path: it is the raw path relative to --raw without
``.txt``, written into JSON (and escaped by whatever renders it, such as the
review page); no output file is named after an id.
"""

from __future__ import annotations

import hashlib
import os
import stat
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

from pipeline import unforked
from pipeline.config import Config
from pipeline.document import Document, Rejection


@dataclass(frozen=True)
class Input:
    id: str
    path: str  # relative to --raw, '/'-separated
    abspath: Path
    problem: str = ""  # found while listing (a name that is not UTF-8): rejected unread


def doc_id(relpath: str) -> str:
    return relpath[: -len(".txt")] if relpath.endswith(".txt") else relpath


def printable_path(rel: str) -> tuple[str, bool]:
    """The path as valid Unicode, and whether it already was. A name that is
    not UTF-8 arrives from the OS with surrogate escapes, which JSON cannot
    carry: the bad bytes are shown as \\xNN instead."""
    try:
        rel.encode("utf-8")
        return rel, True
    except UnicodeEncodeError:
        raw = rel.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "backslashreplace"), False


def list_inputs(raw_dir: Path) -> "Inputs":
    """Every input under raw_dir, sorted by id; ids are unique."""
    found: list[str | Input] = []  # the path alone for the usual input (compact), else the Input
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        # os.walk lists a symlink to a directory among dirnames and never enters
        # it: such a link is an input (rejected), not a silent gap.
        links = [d for d in dirnames if not d.startswith(".") and (Path(dirpath) / d).is_symlink()]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in links)
        # the directory's path relative to raw_dir, once (a Path per name costs ~5 us)
        under = Path(dirpath).relative_to(raw_dir).as_posix()
        prefix = "" if under == "." else under + "/"
        names = [name for name in filenames + links if not name.startswith(".")]
        paths = [prefix + name for name in names] if prefix else names
        if _all_utf8(paths):  # the usual directory: its paths are the inputs as listed
            found += paths
            continue
        for name, path in zip(names, paths):
            rel, ok = printable_path(path)
            if ok:
                found.append(rel)
            else:
                found.append(Input(doc_id(rel), rel, Path(dirpath) / name,
                                   f"{rel}: the file name is not valid UTF-8; rename the file"))
    if not all(_path(x).endswith(".txt") for x in found):  # rare: ids to tell apart
        found = [_compact(i, raw_dir) for i in _unique_ids([as_input(x, raw_dir) for x in found])]
    # Sorted by key_of. When every input is a .txt path (the usual corpus),
    # its id is its path without .txt and ids are unique: the id alone, cut
    # in C (itemgetter of a slice), orders them (a call of key_of per input
    # took ~9 of the listing's ~24 ms at 20k).
    usual = all(type(x) is str for x in found)
    found.sort(key=_ID_OF_TXT if usual else key_of)
    return Inputs(raw_dir, found)


_ID_OF_TXT = itemgetter(slice(None, -len(".txt")))  # doc_id of a path ending in .txt


def _all_utf8(paths: list[str]) -> bool:
    """True when every path is valid Unicode (printable_path's ok), tried at once."""
    try:
        "".join(paths).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Inputs(Sequence):
    """The inputs of a run in a few bytes each (a corpus of millions is listed
    in memory): the usual input is its UTF-8 path in one buffer, and its
    Input is made when asked for; unusual ones (a problem, an id that is not
    the path's) are kept whole."""

    def __init__(self, raw_dir: Path, items: list) -> None:
        self.raw_dir = raw_dir
        self._unusual: dict[int, Input] = {i: x for i, x in enumerate(items) if isinstance(x, Input)}
        # an unusual input takes no bytes: its end is the one before it
        encoded = [b"" if isinstance(x, Input) else x.encode("utf-8") for x in items] if self._unusual else \
            list(map(str.encode, items))
        self._paths = bytearray(b"".join(encoded))
        self._ends = array("Q", accumulate(map(len, encoded)))
        # kept where forked workers do not inherit them (they would count in each one's memory)
        self._paths, self._ends = unforked.copy(self._paths), unforked.copy(self._ends, "Q")

    def parts(self) -> tuple[bytes, bytes, dict[int, Input]]:
        """What ``from_parts`` makes the same Inputs of (to send it: pipeline.listing)."""
        return bytes(self._paths), bytes(self._ends.cast("B")), dict(self._unusual)

    @classmethod
    def from_parts(cls, raw_dir: Path, paths: bytes, ends: bytes, unusual: dict[int, Input]) -> "Inputs":
        inputs = cls.__new__(cls)
        inputs.raw_dir, inputs._unusual = raw_dir, unusual
        inputs._paths, inputs._ends = unforked.copy(paths), unforked.copy(ends, "Q")
        return inputs

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return as_input(self.listed(i), self.raw_dir)

    def listed(self, i: int) -> "str | Input":
        """Input i as it is listed: its path (a str) for the usual input, else
        its Input. Workers are sent this (a path pickles in a fraction of an
        Input's time, and makes its Input in one: ``as_input``)."""
        unusual = self._unusual.get(i)
        if unusual is not None:
            return unusual
        return str(self._paths[self._ends[i - 1] if i else 0 : self._ends[i]], "utf-8")

    def unusual(self) -> list[int]:
        """The ordinals of the unusual inputs (they have no path in ``packed``), in order."""
        if getattr(self, "_unusual_at", None) is None:
            self._unusual_at = sorted(self._unusual)
        return self._unusual_at

    def packed(self, start: int, stop: int) -> tuple[bytes, memoryview, int] | None:
        """The UTF-8 paths of inputs start..stop-1 as one bytes string, with
        each one's end (the offsets of the whole listing: ``ends``) and where
        the first starts (a re-run compares a batch of the cache's rows with
        them at once: pipeline.merged); None when one is unusual (no path kept)."""
        if self._unusual:
            unusual = self.unusual()
            at = bisect_left(unusual, start)
            if at < len(unusual) and unusual[at] < stop:
                return None
        base = self._ends[start - 1] if start else 0
        ends = self._ends[start:stop]
        return bytes(self._paths[base: ends[-1] if len(ends) else base]), ends, base

    def keys(self):
        """(id, path) of every input, in order, without making the Inputs (a re-run's pass)."""
        paths, ends, unusual, start = self._paths, self._ends, self._unusual, 0
        for i, end in enumerate(ends):
            inp = unusual.get(i)
            if inp is not None:
                yield inp.id, inp.path
            else:
                rel = str(paths[start:end], "utf-8")
                yield doc_id(rel), rel
            start = end


def _path(x: str | Input) -> str:
    return x if isinstance(x, str) else x.path


def as_input(x: str | Input, raw_dir: Path) -> Input:
    """The Input of an input as listed (``Inputs.listed``), or an Input."""
    return x if isinstance(x, Input) else Input(doc_id(x), x, raw_dir / x)


def key_of(x: str | Input) -> tuple[str, str]:
    """(id, path) of an input as listed (``Inputs.listed``), or of an Input."""
    return (doc_id(x), x) if isinstance(x, str) else (x.id, x.path)


def _compact(inp: Input, raw_dir: Path) -> str | Input:
    usual = not inp.problem and inp.id == doc_id(inp.path) and inp.abspath == raw_dir / inp.path
    return inp.path if usual else inp


def _unique_ids(inputs: list[Input]) -> list[Input]:
    """'notes' (no extension) and 'notes.txt' would share the id 'notes': the
    .txt file keeps it (its id must not depend on what else lies in raw/), the
    other input (always rejected) is told apart by a suffix."""
    taken = {i.id for i in inputs if i.path.endswith(".txt")}
    out = []
    for inp in inputs:
        if not inp.path.endswith(".txt") and inp.id in taken:
            new = f"{inp.id} (not .txt)"
            while new in taken:
                new += "~"
            taken.add(new)
            inp = Input(new, inp.path, inp.abspath, inp.problem)
        out.append(inp)
    return out


def read_input(inp: Input, raw_dir: Path, config: Config) -> tuple[bytes, Document | None]:
    """The input's bytes, or a rejected Document explaining why it cannot be read.

    Reading stays inside raw_dir: a symlink whose target is outside it is not
    opened unless ``config.allow_symlinks_outside``; a regular file is opened
    with O_NOFOLLOW, so it cannot be swapped for a link between the check and
    the read. Only regular files are read (a FIFO would block the run), and
    never more than max_file_bytes + 1 bytes.
    """
    if _PLAIN_FIRST and not inp.problem and inp.path.endswith(".txt"):
        # The usual input first: opened with O_NOFOLLOW as a plain file is,
        # it is no symlink, and no lstat is needed to tell. A symlink (which
        # O_NOFOLLOW refuses) or an error goes the way below, which says why.
        try:
            fd = os.open(inp.abspath, PLAIN_OPEN)
        except OSError:
            pass
        else:
            return _read_open(inp, fd, config)
    if inp.problem:
        return _rejected(inp, "unsupported_file", inp.problem)
    link = inp.abspath.is_symlink()
    if link:
        try:
            target = inp.abspath.resolve(strict=True)
        except (OSError, RuntimeError) as err:  # dangling, or a loop of links
            return _rejected(inp, "unreadable", f"{inp.path} is a symlink that leads nowhere: {getattr(err, 'strerror', None) or err}")
        if not target.is_relative_to(raw_dir.resolve()) and not config.allow_symlinks_outside:
            return _rejected(inp, "unsafe_path", f"{inp.path} is a symlink to {target}, outside --raw "
                                                 "(not read; allow it with --follow-symlinks)")
        if target.is_dir():
            return _rejected(inp, "unsupported_file", f"{inp.path} is a symlink to a directory; directories are not followed")
    if not inp.path.endswith(".txt"):
        return _rejected(inp, "unsupported_file", f"{inp.path} is not a .txt file")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (0 if link else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(inp.abspath, flags)
    except OSError as err:
        return _rejected(inp, "unreadable", f"{inp.path}: {err.strerror or err}")
    return _read_open(inp, fd, config)


def _rejected(inp: Input, reason: str, detail: str, data: bytes = b"") -> tuple[bytes, Document]:
    sha = hashlib.sha256(data).hexdigest() if data else ""
    doc = Document(inp.id, inp.path, sha, len(data), rejection=Rejection(reason, detail))
    return data, doc


def _read_open(inp: Input, fd: int, config: Config) -> tuple[bytes, Document | None]:
    """read_input's end: the bytes of the input open as ``fd`` (closed here)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _rejected(inp, "unsupported_file", f"{inp.path} is not a regular file (a FIFO, socket or device)")
        if st.st_size > config.max_file_bytes:
            return _rejected(inp, "too_large", f"{inp.path} has {st.st_size} bytes; max_file_bytes is {config.max_file_bytes}")
        data = _read_limited(inp.abspath, fd, config.max_file_bytes + 1, st.st_size)
        if len(data) > config.max_file_bytes:  # it grew while we read it
            return _rejected(inp, "too_large", f"{inp.path} has more than {config.max_file_bytes} bytes (max_file_bytes)")
    except OSError as err:
        return _rejected(inp, "unreadable", f"{inp.path}: {err.strerror or err}")
    finally:
        os.close(fd)
    return data, None


_PLAIN_FIRST = hasattr(os, "O_NOFOLLOW")  # (the fast path relies on the flag: POSIX only)


# Opening a plain input without reading it through a symlink (it may lead
# outside --raw) or blocking on a FIFO: prefetch, incremental.plain_sha256.
PLAIN_OPEN = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


def prefetch(inputs: Iterable[Input | str], raw_dir: Path | None = None) -> None:
    """Ask the kernel to start reading these inputs' bytes now
    (POSIX_FADV_WILLNEED), so that they are in memory by the time
    ``read_input`` reads them: a worker calls it for the chunks queued behind
    the one it processes, and reading a cold corpus (one small file after
    another, each a wait on the disk) overlaps the processing instead of
    adding to it (measured at 20k: 24.4 s from a dropped page cache, 18.9 s
    warm, before this). A hint only: what it cannot open is skipped (read_input
    says why), a symlink is not followed (O_NOFOLLOW: it may lead outside
    --raw), and only regular files are hinted. An input may be given as
    listed (``Inputs.listed``): a str is a path relative to ``raw_dir``."""
    if not hasattr(os, "posix_fadvise"):  # not POSIX (Windows)
        return
    raw = os.fspath(raw_dir) if raw_dir is not None else None
    for inp in inputs:
        if isinstance(inp, str):
            path = inp
            where = os.path.join(raw, inp)  # the file raw_dir / inp names, without a Path
        else:
            path, where = inp.path, inp.abspath
            if inp.problem:
                continue
        if not path.endswith(".txt"):
            continue
        try:
            fd = os.open(where, PLAIN_OPEN)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _read_limited(path: Path, fd: int, limit: int, size: int) -> bytes:
    """At most ``limit`` bytes of the open file (``path`` names it in errors),
    whose stat said ``size``. It is read with os.read, asking for size + 1
    bytes (the + 1 sees the end, or growth): a buffered ``read(limit)``
    allocates ``limit`` bytes (10 MB) per file first, which cost several times
    the read itself."""
    chunks, total = [], 0
    want = min(limit, size + 1)
    while total < limit and (chunk := os.read(fd, want)):
        chunks.append(chunk)
        total += len(chunk)
        want = min(limit - total, 1 << 20)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
