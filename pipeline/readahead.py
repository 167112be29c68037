"""The last version's files read ahead into the page cache, as a likely
re-run starts (pipeline.launch), and the cache's file before them.

A re-run copies most of its parent version's bytes (pipeline.rerun_files).
A version written by a re-run went around the page cache (hashed.DirectFile),
so the next re-run read its parent from the disk as it copied it, one read
at a time in each file (~0.8 GB/s here), and waited for each. Asked for at
once, the disk reads them (~2 GB/s) while curate is imported and the first
pass runs, when it has nothing else to do. At 20k, the parent's files not
cached, medians of 6-8 re-runs: 0.79 s -> 0.64 after one input changed,
1.03 s -> 0.84 after 1% changed (0.72 s either way when they are cached).
The cache's file (pipeline.cache, 51 MB at 20k) is read before them, by the
main process, a page at a time: when it was not cached either (after a
reboot, say), asking for it first too took a re-run after 1% changed from
0.905 s to 0.86 (medians of 8).

A hint, asked for by a process of its own (forked twice: nobody waits for
it, and it ends in ~70 ms): on a thread here, each of its calls waited for
the interpreter lock, which the imports held, and a re-run of a cached
parent took ~30 ms more. A file that is not there, or a system without
posix_fadvise or fork, changes nothing.

At most BUDGET bytes are asked for: the cache's file whole, then the same
share of each of the version's files, from its start (the copy reads each
file from its start on): pages read far ahead of the copy would push other
pages out of the cache, or be pushed out before they are used. Past that,
the copy reads the rest with the kernel's own readahead (at 80k, the
parent's 1.5 GB not cached, one input changed: 3.06 s without asking, 2.19
with 1 GiB asked for, 2.20 with all of it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

# The files a re-run copies from its parent (pipeline.carry.FILES: not
# imported here, where curate is not imported yet; a test keeps them equal)
FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")
CACHE_FILE = "cache.sqlite"  # in <clean>/.cache/<key>/ (pipeline.cache.FILE; one key dir: the others are removed)
BUDGET = 1 << 30  # bytes asked for at most, over all the files
# Bytes asked for at once: a call reads at most the device's readahead
# size (read_ahead_kb; 8 MiB here), often less elsewhere; a smaller step
# reads all of it wherever that is at least 1 MiB.
STEP = 1 << 20


def start(clean_dir: Path, cache_root: Path) -> bool:
    """The files of clean_dir's latest version, and the cache files under
    cache_root before them, asked for by a grandchild process; False when
    there is nothing to ask for or no process was made. Call it before any
    thread starts here (it forks)."""
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
                ask(clean_dir / version, first=sorted(cache_root.glob(f"*/{CACHE_FILE}")))
        finally:
            os._exit(0)
    try:
        os.waitpid(child, 0)
    except ChildProcessError:  # reaped already (a SIGCHLD handler of the caller's)
        pass
    return True


def ask(version_dir: Path, budget: int = BUDGET, step: int = STEP, first: Sequence[Path] = ()) -> None:
    """Ask the system to read into the page cache the files ``first`` (whole,
    as far as ``budget`` goes), then the start of each file of version_dir
    (the same share of each, ``budget`` bytes in all), ``step`` bytes a call.
    It returns once the reads are asked for, not done."""
    firsts, theirs = _opened(first), _opened(version_dir / name for name in FILES)
    try:
        ends = []
        for fd in firsts:
            ends.append(min(os.fstat(fd).st_size, budget - sum(ends)))
        sizes = [os.fstat(fd).st_size for fd in theirs]
        share = min(1.0, (budget - sum(ends)) / max(1, sum(sizes)))
        ends += [int(size * share) for size in sizes]
        for fd, end in zip(firsts + theirs, ends):
            for offset in range(0, end, step):
                os.posix_fadvise(fd, offset, min(step, end - offset), os.POSIX_FADV_WILLNEED)
    except OSError:  # a hint: the copy reads what was not asked for
        pass
    finally:
        for fd in firsts + theirs:
            os.close(fd)


def _opened(paths) -> list[int]:
    """Descriptors of those of ``paths`` that open."""
    fds = []
    for path in paths:
        try:
            fds.append(os.open(path, os.O_RDONLY))
        except OSError:
            continue
    return fds
