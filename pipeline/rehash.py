"""The inputs a re-run hashes again (pipeline.incremental's first pass):
those whose stat changed since the cache's last run, to learn whether their
bytes did.

After a copy of --raw or a fresh checkout every inode and ctime is new, and
every input is hashed: 20,000 files cost ~0.3 s of opening, reading and
hashing in one process. With FORK_MIN of them or more and two cores, a
forked child hashes the second half and sends the digests back through a
pipe while this process hashes the first (threads would not do: each file
is small, and the GIL changes hands at every one). If the child fails, this
process hashes its half too: the answer is the same either way.

A file is opened relative to a descriptor of --raw (the kernel walks one
name) and read as pipeline.corpus.read_input reads it (``plain_digest``).
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_mod

from pipeline import forked
from pipeline.corpus import PLAIN_OPEN

FORK_MIN = 2000  # inputs to hash: with fewer, a fork costs more than the half it saves
DIGEST = 32  # bytes of a sha256
_NONE = b"\0" * (DIGEST + 1)  # a child's answer for a file that is not plain: a flag byte 0, then zeros


def plain_digest(dir_fd: int | None, path: str, max_bytes: int) -> bytes | None:
    """The sha256 of the input at ``path`` (relative to ``dir_fd``, or
    absolute) when it is a .txt regular file (not a symlink) of at most
    ``max_bytes``, read as read_input reads it (the same bytes), in a few
    system calls; None for any other input (read_input then says what it is)."""
    if not path.endswith(".txt"):
        return None
    try:
        fd = os.open(path, PLAIN_OPEN, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat_mod.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, max(st.st_size - size, 0) + 1):  # +1: to see the end (or growth)
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                return None
        return hashlib.sha256(b"".join(chunks)).digest()
    except OSError:
        return None
    finally:
        os.close(fd)


def digests(raw: str, paths: list[str], max_bytes: int, cores: int) -> list[bytes | None]:
    """``plain_digest`` of each of ``paths`` (usual inputs as listed, relative to ``raw``)."""
    dir_fd = os.open(raw, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if len(paths) < FORK_MIN or cores < 2:
            return [plain_digest(dir_fd, p, max_bytes) for p in paths]
        answer = forked.in_halves(paths, lambda some: b"".join(
            b"\1" + d if d is not None else _NONE for d in (plain_digest(dir_fd, p, max_bytes) for p in some)),
            DIGEST + 1)
        return [answer[k + 1:k + 1 + DIGEST] if answer[k] else None for k in range(0, len(answer), DIGEST + 1)]
    finally:
        os.close(dir_fd)
