"""Inputs hashed again by a re-run (pipeline.rehash): what read_input reads,
the same from a forked child as from this process, and the same when the
child fails."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from pipeline import rehash, version
from pipeline.config import Config
from pipeline.corpus import list_inputs, read_input

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"


def _odd_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "a.txt").write_bytes(b"plain text\n" * 9)  # 99 bytes
    (raw / "sub" / "b.txt").write_bytes("caf\u00e9 au lait\n".encode())
    (raw / "empty.txt").write_bytes(b"")
    (raw / "big.txt").write_bytes(b"x" * 101)
    (raw / "notes.md").write_bytes(b"not a .txt")
    os.symlink(raw / "a.txt", raw / "link.txt")
    os.mkfifo(raw / "fifo.txt")
    (raw / "dir.txt").mkdir()
    return raw


def _expected(raw: Path, path: str, config: Config) -> bytes | None:
    inputs = {inp.path: inp for inp in list_inputs(raw)}
    if path not in inputs:
        return None
    data, rejected = read_input(inputs[path], raw, config)
    return hashlib.sha256(data).digest() if rejected is None else None


@pytest.mark.parametrize("fork_min, cores", [(10**9, 2), (1, 1), (1, 2)])
def test_digests_are_what_read_input_reads_from_here_or_a_child(tmp_path, monkeypatch, fork_min, cores) -> None:
    """Plain .txt files get the sha256 of read_input's bytes; anything else
    (too big, not .txt, a symlink, a FIFO, a directory, a file gone) gets
    None: then read_input reads it (a symlink inside --raw, say)."""
    raw = _odd_raw(tmp_path)
    config = Config(max_file_bytes=100)
    paths = ["a.txt", "sub/b.txt", "empty.txt", "big.txt", "notes.md", "link.txt", "fifo.txt", "dir.txt",
             "gone.txt"] * 3
    monkeypatch.setattr(rehash, "FORK_MIN", fork_min)
    got = rehash.digests(str(raw), paths, config.max_file_bytes, cores)
    assert [p for p, d in zip(paths, got) if d is not None] == ["a.txt", "sub/b.txt", "empty.txt"] * 3
    assert all(d == _expected(raw, p, config) for p, d in zip(paths, got) if d is not None)


def test_a_failed_child_leaves_its_half_to_this_process(tmp_path, monkeypatch) -> None:
    raw = _odd_raw(tmp_path)
    parent = os.getpid()
    real = rehash.plain_digest

    def fails_in_a_child(dir_fd, path, max_bytes):
        if os.getpid() != parent:
            raise OSError("the child fails")
        return real(dir_fd, path, max_bytes)

    monkeypatch.setattr(rehash, "FORK_MIN", 1)
    monkeypatch.setattr(rehash, "plain_digest", fails_in_a_child)
    paths = ["a.txt", "sub/b.txt", "big.txt", "a.txt"]
    got = rehash.digests(str(raw), paths, 100, 2)
    monkeypatch.setattr(rehash, "FORK_MIN", 10**9)
    assert got == rehash.digests(str(raw), paths, 100, 2)
    assert got[0] == _expected(raw, "a.txt", Config(max_file_bytes=100)) and got[2] is None


def test_a_re_run_on_a_copy_hashes_in_two_processes_and_writes_a_full_runs_bytes(tmp_path, monkeypatch) -> None:
    """Every stat new (a copy of --raw) and a few bytes changed: the run
    that hashes half of the inputs in a child writes what a full run writes;
    with no byte changed it writes no version."""
    if not DEV_RAW.is_dir():
        pytest.skip("no dev set")
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    shutil.copytree(DEV_RAW, raw)
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    monkeypatch.setattr(rehash, "FORK_MIN", 1)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    copy = tmp_path / "copy"
    shutil.copytree(raw, copy)
    n = len(list(copy.iterdir()))
    from pipeline.executors.local import LocalExecutor
    done = version.run(copy, clean, Config(), executor=LocalExecutor(2), cache_dir=clean / ".cache")
    assert done.version is None and done.inputs_done["hashed"] == n and forks
    for p in sorted(copy.iterdir())[::10]:
        p.write_text(p.read_text(encoding="utf-8") + "\nA paragraph added later.\n", encoding="utf-8")
    again = tmp_path / "again"
    shutil.copytree(copy, again)
    done = version.run(again, clean, Config(), executor=LocalExecutor(2), cache_dir=clean / ".cache")
    assert done.version == "v2" and done.inputs_done["hashed"] == n
    full = tmp_path / "full"
    version.run(again, full, Config())
    for f in ("documents.jsonl", "records.jsonl", "rejected.jsonl"):
        assert (clean / "v2" / f).read_bytes() == (full / "v1" / f).read_bytes(), f


def test_no_fork_means_every_digest_is_made_here(tmp_path, monkeypatch) -> None:
    raw = _odd_raw(tmp_path)
    paths = ["a.txt", "sub/b.txt", "big.txt", "a.txt"]
    serial = rehash.digests(str(raw), paths, 100, 1)

    def no_fork():
        raise OSError("no more processes")

    monkeypatch.setattr(rehash, "FORK_MIN", 1)
    monkeypatch.setattr(os, "fork", no_fork)
    open_fds = len(os.listdir("/proc/self/fd"))
    assert rehash.digests(str(raw), paths, 100, 2) == serial and serial[0] is not None
    assert len(os.listdir("/proc/self/fd")) == open_fds  # the pipe closed
