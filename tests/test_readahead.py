"""pipeline.readahead: the last version's files asked for from the disk as a
likely re-run starts."""

import ctypes
import mmap
import os
import sys
import time

import pytest

from pipeline import cache, carry, launch, readahead


def test_the_files_asked_for_are_those_a_rerun_copies_and_the_caches():
    assert readahead.FILES == carry.FILES
    assert readahead.CACHE_FILE == cache.FILE


def _version(tmp_path, sizes):
    vdir = tmp_path / "v1"
    vdir.mkdir()
    for name, size in zip(readahead.FILES, sizes):
        (vdir / name).write_bytes(os.urandom(size))
    return vdir


def _asked(monkeypatch, vdir, **kw):
    """{file name: [(offset, length)]} of the calls ``ask`` makes."""
    names = {}
    real_open = os.open

    def opened(path, flags, *a):
        fd = real_open(path, flags, *a)
        names[fd] = os.path.basename(path)
        return fd
    calls = {}
    monkeypatch.setattr(os, "open", opened)
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: calls.setdefault(
        names[fd], []).append((offset, length, advice)), raising=False)
    readahead.ask(vdir, **kw)
    return calls


def test_every_byte_is_asked_for_within_the_budget(tmp_path, monkeypatch):
    sizes = [5000, 7001, 10, 3000, 0]
    calls = _asked(monkeypatch, _version(tmp_path, sizes), budget=1 << 20, step=1024)
    for name, size in zip(readahead.FILES, sizes):
        got = calls.get(name, [])
        assert all(advice == os.POSIX_FADV_WILLNEED for *_, advice in got) if hasattr(os, "POSIX_FADV_WILLNEED") \
            else True
        assert [(o, n) for o, n, _ in got] == [(o, min(1024, size - o)) for o in range(0, size, 1024)]


def test_past_the_budget_the_same_share_of_each_file_from_its_start(tmp_path, monkeypatch):
    sizes = [8000, 4000, 100, 2000, 0]
    calls = _asked(monkeypatch, _version(tmp_path, sizes), budget=7050, step=1000)
    share = 7050 / sum(sizes)
    asked = {name: sum(n for _, n, _ in calls.get(name, [])) for name in readahead.FILES}
    assert asked == {name: int(size * share) for name, size in zip(readahead.FILES, sizes)}
    assert sum(asked.values()) <= 7050
    for got in calls.values():
        assert got[0][0] == 0 and all(a[0] + a[1] == b[0] for a, b in zip(got, got[1:]))  # from the start, no gap


def test_the_cache_files_are_asked_for_first_and_whole_within_the_budget(tmp_path, monkeypatch):
    vdir = _version(tmp_path, [4000, 4000, 0, 2000, 0])
    db = tmp_path / "cache.sqlite"
    db.write_bytes(os.urandom(3000))
    calls = _asked(monkeypatch, vdir, budget=6000, step=1000, first=[db])
    assert list(calls)[0] == "cache.sqlite"  # (asked first)
    assert sum(n for _, n, _ in calls["cache.sqlite"]) == 3000
    share = 3000 / 10000  # what the budget leaves, shared by the version's files
    assert {name: sum(n for _, n, _ in got) for name, got in calls.items() if name != "cache.sqlite"} == \
        {"documents.jsonl": int(4000 * share), "records.jsonl": int(4000 * share), "report.json": int(2000 * share)}
    calls = _asked(monkeypatch, vdir, budget=2500, step=1000, first=[db])
    assert {name: sum(n for _, n, _ in got) for name, got in calls.items()} == {"cache.sqlite": 2500}


def test_a_missing_file_or_version_is_no_error(tmp_path):
    vdir = _version(tmp_path, [100, 100, 100])  # no report files
    readahead.ask(vdir)
    readahead.ask(tmp_path / "v9", first=[tmp_path / "no.sqlite"])
    assert readahead.start(tmp_path / "nothing", tmp_path / "nothing" / ".cache") is False  # no LATEST
    (tmp_path / "LATEST").write_text("../elsewhere\n")
    assert readahead.start(tmp_path, tmp_path / ".cache") is False


def _resident(path) -> float:
    """The share of path's pages in the page cache (mincore)."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)  # (writable for ctypes; never written)
    try:
        buf = (ctypes.c_char * size).from_buffer(m)
        pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vec = (ctypes.c_ubyte * pages)()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mincore(ctypes.c_void_p(ctypes.addressof(buf)), ctypes.c_size_t(size), vec) != 0:
            pytest.skip(f"mincore: errno {ctypes.get_errno()}")
        del buf
        return sum(v & 1 for v in vec) / pages
    finally:
        m.close()


def _evict(paths) -> None:
    """Written, on disk, then out of the page cache."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="posix_fadvise and mincore as Linux has them")
def test_start_brings_the_latest_versions_files_and_the_caches_into_the_page_cache(tmp_path):
    vdir = _version(tmp_path, [3 << 20, 2 << 20, 4096, 1 << 20, 1 << 20])
    (tmp_path / "LATEST").write_text("v1\n")
    db = tmp_path / launch.CACHE_DIR / "key" / readahead.CACHE_FILE
    db.parent.mkdir(parents=True)
    db.write_bytes(os.urandom(1 << 20))
    paths = [db] + [vdir / name for name in readahead.FILES]
    _evict(paths)
    if max(map(_resident, paths)) > 0.5:
        pytest.skip("this file system keeps the pages cached")
    assert readahead.start(tmp_path, tmp_path / launch.CACHE_DIR) is True
    deadline = time.monotonic() + 10  # the reads are asked for, not waited for
    while min(map(_resident, paths)) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert min(map(_resident, paths)) == 1


def test_a_child_reaped_by_someone_else_is_no_error(tmp_path, monkeypatch):
    _version(tmp_path, [100] * 5)
    (tmp_path / "LATEST").write_text("v1\n")
    real_waitpid = os.waitpid

    def reaped_elsewhere(pid, options):
        real_waitpid(pid, options)  # (reaped, as a SIGCHLD handler would)
        raise ChildProcessError(10, "No child processes")
    monkeypatch.setattr(os, "waitpid", reaped_elsewhere)
    assert readahead.start(tmp_path, tmp_path / ".cache") is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="posix_fadvise and mincore as Linux has them")
def test_start_asks_for_its_budget_only(tmp_path):
    """The budget goes to the process that asks: a fifth of the files' bytes
    brings in about a fifth of each file, not all of it."""
    vdir = _version(tmp_path, [1 << 20] * 5)
    (tmp_path / "LATEST").write_text("v1\n")
    paths = [vdir / name for name in readahead.FILES]
    _evict(paths)
    if max(map(_resident, paths)) > 0.1:
        pytest.skip("this file system keeps the pages cached")
    assert readahead.start(tmp_path, tmp_path / ".cache", budget=1 << 20) is True
    deadline = time.monotonic() + 10
    while min(map(_resident, paths)) < 0.19 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # (what else it would read, read by now)
    assert 0.19 <= min(map(_resident, paths)) and max(map(_resident, paths)) <= 0.5


def test_after_a_run_the_version_it_published_is_asked_for_with_the_idle_budget(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(readahead, "start", lambda clean, cache_root, budget: asked.append((clean, budget)) or True)
    monkeypatch.setattr(readahead, "idle_budget", lambda: 12345)
    assert readahead.after_run(tmp_path, tmp_path / ".cache", None) is False  # no LATEST: nothing published
    (tmp_path / "LATEST").write_text("v1\n")
    assert readahead.after_run(tmp_path, tmp_path / ".cache", "v1") is False  # nothing changed
    assert asked == []
    assert readahead.after_run(tmp_path, tmp_path / ".cache", None) is True
    (tmp_path / "LATEST").write_text("v2\n")
    assert readahead.after_run(tmp_path, tmp_path / ".cache", "v1") is True
    assert asked == [(tmp_path, 12345)] * 2


@pytest.mark.parametrize("text,budget", [
    ("MemTotal:       24000000 kB\nMemAvailable:   16000000 kB\n", 16000000 * 1024 // 4),
    ("MemAvailable:     100000 kB\n", readahead.BUDGET),  # little memory: the budget of a run's start
    ("MemTotal:       24000000 kB\n", readahead.BUDGET),  # (an old kernel: no MemAvailable)
    ("MemAvailable: lots\n", readahead.BUDGET),
    (None, readahead.BUDGET),  # not Linux
])
def test_the_idle_budget_is_a_quarter_of_the_memory_available(tmp_path, text, budget):
    meminfo = tmp_path / "meminfo"
    if text is not None:
        meminfo.write_text(text)
    assert readahead.idle_budget(meminfo) == budget



def test_the_process_that_asks_holds_none_of_the_callers_files(tmp_path):
    """The caller's output ends when the caller does: a pipe from it is not
    held open by the process that asks (here made to take 3 s)."""
    import subprocess
    _version(tmp_path, [100] * 5)
    (tmp_path / "LATEST").write_text("v1\n")
    code = ("import sys, time; from pathlib import Path; from pipeline import readahead; "
            "readahead.ask = lambda *a, **k: time.sleep(3); "
            f"print(readahead.start(Path({str(tmp_path)!r}), Path({str(tmp_path)!r}) / '.cache'))")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "True", out.stderr
    assert time.monotonic() - started < 2.5
