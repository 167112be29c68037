"""The last version's files read ahead into the page cache, as a likely
re-run starts (pipeline.launch).

A re-run copies most of its parent version's bytes (pipeline.rerun_files).
A version written by a re-run went around the page cache (hashed.DirectFile),
so the next re-run read its parent from the disk as it copied it, one read
at a time in each file (~0.8 GB/s here), and waited for each. Asked for at
once, the disk reads them (~2 GB/s) while curate is imported and the first
pass runs, when it has nothing else to do. At 20k, the parent's files not
cached, medians of 6-8 re-runs: 0.79 s -> 0.64 after one input changed,
1.03 s -> 0.84 after 1% changed (0.72 s either way when they are cached).

A hint, asked for by a process of its own (forked twice: nobody waits for
it, and it ends in ~70 ms): on a thread here, each of its calls waited for
the interpreter lock, which the imports held, and a re-run of a cached
parent took ~30 ms more. A file that is not there, or a system without
posix_fadvise or fork, changes nothing.

At most BUDGET bytes are asked for, the same share of each file, from its
start (the copy reads each file from its start on): pages read far ahead of
the copy would push other pages out of the cache, or be pushed out before
they are used. Past that, the copy reads the rest with the kernel's own
readahead.
"""

from __future__ import annotations

import os
from pathlib import Path

# The files a re-run copies from its parent (pipeline.carry.FILES: not
# imported here, where curate is not imported yet; a test keeps them equal)
FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")
BUDGET = 1 << 30  # bytes asked for at most, over all the files
# Bytes asked for at once: a call reads at most the device's readahead
# size (read_ahead_kb; 8 MiB here), often less elsewhere; a smaller step
# reads all of it wherever that is at least 1 MiB.
STEP = 1 << 20


def start(clean_dir: Path) -> bool:
    """The files of clean_dir's latest version asked for by a grandchild
    process; False when there is nothing to ask for or no process was made.
    Call it before any thread starts here (it forks)."""
    if not hasattr(os, "posix_fadvise") or not hasattr(os, "fork"):
        return False
    try:
        version = (clean_dir / "LATEST").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not version or "/" in version or version.startswith("."):
        return False
    try:
        child = os.fork()
    except OSError:  # no process (no memory, too many): no hint
        return False
    if child == 0:  # the child forks the one that asks, and ends: that one is nobody's to wait for
        try:
            if os.fork() == 0:
                ask(clean_dir / version)
        finally:
            os._exit(0)
    try:
        os.waitpid(child, 0)
    except ChildProcessError:  # reaped already (a SIGCHLD handler of the caller's)
        pass
    return True


def ask(version_dir: Path, budget: int = BUDGET, step: int = STEP) -> None:
    """Ask the system to read the start of each file of version_dir (the same
    share of each, ``budget`` bytes in all) into the page cache, ``step``
    bytes a call. It returns once the reads are asked for, not done."""
    fds = []
    try:
        for name in FILES:
            try:
                fds.append(os.open(version_dir / name, os.O_RDONLY))
            except OSError:
                continue
        sizes = [os.fstat(fd).st_size for fd in fds]
        share = min(1.0, budget / max(1, sum(sizes)))
        for fd, size in zip(fds, sizes):
            end = int(size * share)
            for offset in range(0, end, step):
                os.posix_fadvise(fd, offset, min(step, end - offset), os.POSIX_FADV_WILLNEED)
    except OSError:  # a hint: the copy reads what was not asked for
        pass
    finally:
        for fd in fds:
            os.close(fd)
