"""Work done in a forked child whose answer comes back as bytes through a
pipe (pipeline.listing, pipeline.rehash): the child makes its answer, sends
it and ends, with no cleanup of the parent's state (no atexit, no buffers
flushed); the parent reads the answer, then reaps the child. ``in_halves``
splits a list's work with one. Light to import: pipeline.launch forks the
listing child before the rest of curate loads."""

from __future__ import annotations

import os
from typing import Callable


def start(make: Callable[[], bytes]) -> tuple[int, int]:
    """A child sending ``make()``'s bytes: (its pid, the pipe's end to read).
    Raises OSError when no pipe or no child can be made."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:
        status = 1
        try:
            os.close(read)
            with open(write, "wb") as out:
                out.write(make())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def answer(child: tuple[int, int]) -> tuple[int, bytes]:
    """(the exit status, the bytes sent) of a child made by ``start``, once it ended."""
    pid, read = child
    try:
        with open(read, "rb") as f:
            data = f.read()
    finally:
        _, status = os.waitpid(pid, 0)
    return status, data


def in_halves(items: list, work: Callable[[list], bytes], width: int) -> bytes:
    """``work(items)``, ``width`` bytes an item, with the second half of the
    items done in a child meanwhile (it has only what the fork copied: make
    ``items`` before). When the child cannot start, fails, or sends another
    length, its half is done here: the answer is the same either way."""
    half = len(items) // 2
    try:
        child = start(lambda: work(items[half:]))
    except OSError:  # no pipe or no fork (no memory, too many processes)
        child = None
    ours = work(items[:half])
    if child is not None:
        status, theirs = answer(child)
        if status == 0 and len(theirs) == width * (len(items) - half):
            return ours + theirs
    return ours + work(items[half:])
