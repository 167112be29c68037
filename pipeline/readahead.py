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

After a re-run published a version, its files are asked for as well
(``after_run``, from pipeline.launch, as curate exits), for the next re-run:
that version went around the page cache, and the run that copies it next
found it on the disk. At 80k, a re-run after 1% changed in place of a
version written by a re-run, 3 s after it: 4.3 s; 3.4 with its files asked
for (medians of 3), read while the curator looks at the output. The budget
is then the version's whole size, up to a quarter of the memory available
(``idle_budget``). Reading them instead gave 2.2 s (here the CPU's first
copy of a page the disk brought in costs ~5 us: the VM backs it then), but
keeps a process busy for seconds after curate exits, in the way of
whatever runs next: not done.

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
MAX_FD = 1 << 16  # the descriptors a detached process closes (os.closerange: one close_range call on Linux)


def latest(clean_dir: Path) -> str | None:
    """The version clean_dir/LATEST names, None when there is none to read."""
    try:
        version = (clean_dir / "LATEST").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not version or "/" in version or version.startswith("."):
        return None
    return version


def after_run(clean_dir: Path, cache_root: Path, before: str | None) -> bool:
    """``start`` with ``idle_budget``, when LATEST names another version
    than ``before`` (the run published one); False when it did not ask."""
    now = latest(clean_dir)
    if now is None or now == before:
        return False
    return start(clean_dir, cache_root, idle_budget())


def idle_budget(meminfo: Path = Path("/proc/meminfo")) -> int:
    """What may be read ahead while nothing runs: a quarter of the memory
    available (Linux's MemAvailable), and at least BUDGET (all it is when
    that cannot be read)."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            name, _, value = line.partition(":")
            if name == "MemAvailable" and value.split()[1:] == ["kB"]:
                return max(BUDGET, int(value.split()[0]) * 1024 // 4)
    except (OSError, ValueError, UnicodeDecodeError):
        pass
    return BUDGET


def start(clean_dir: Path, cache_root: Path, budget: int = BUDGET) -> bool:
    """The files of clean_dir's latest version, and the cache files under
    cache_root before them, asked for by a grandchild process (``budget``
    bytes at most); False when there is nothing to ask for or no process
    was made. Call it before any thread starts here (it forks)."""
    if not hasattr(os, "posix_fadvise") or not hasattr(os, "fork"):
        return False
    version = latest(clean_dir)
    if version is None:
        return False
    try:
        child = os.fork()
    except OSError:  # no process (no memory, too many): no hint
        return False
    if child == 0:  # the child forks the one that asks, and ends: that one is nobody's to wait for
        try:
            if os.fork() == 0:
                _detached()
                ask(clean_dir / version, budget, first=sorted(cache_root.glob(f"*/{CACHE_FILE}")))
        finally:
            os._exit(0)
    try:
        os.waitpid(child, 0)
    except ChildProcessError:  # reaped already (a SIGCHLD handler of the caller's)
        pass
    return True


def _detached() -> None:
    """Hold none of the caller's files (a fork has them all): whoever reads
    the caller's output through a pipe sees its end when the caller exits,
    not when this process does (a bench waited for it, ~0.1 s a re-run)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, MAX_FD)  # (null with them, when it is not 0, 1 or 2)


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
