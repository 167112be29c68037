"""pipeline.listing: the inputs listed and stated by a child process are
those this process finds, and a child that fails changes nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

from pipeline import cache, cli, incremental, launch, listing, readahead, stat_keys, version
from pipeline.config import Config
from pipeline.corpus import list_inputs

SEED_RAW = Path(__file__).resolve().parents[1] / "raw"
DATA = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")


def _raw(tmp_path: Path) -> Path:
    """Inputs of every kind: old and racily recent files, a subdirectory, links,
    a FIFO, a name that is not UTF-8, two inputs sharing an id."""
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    for name in ("old.txt", "sub/old.txt", "recent.txt", "notes", "notes.txt"):
        (raw / name).write_text("A sentence of text.\n", encoding="utf-8")
    long_ago = time.time_ns() - 10 * stat_keys.RACY_NS
    for name in ("old.txt", "sub/old.txt", "notes", "notes.txt"):
        os.utime(raw / name, ns=(long_ago, long_ago))
    os.symlink(raw / "old.txt", raw / "link.txt")
    os.symlink(raw / "sub", raw / "dirlink.txt")
    os.mkfifo(raw / "fifo.txt")
    (raw / os.fsdecode(b"bad\xff.txt")).write_text("text\n", encoding="utf-8")
    return raw


def test_the_child_finds_the_inputs_and_stat_keys_found_here(tmp_path: Path) -> None:
    raw = _raw(tmp_path)
    ahead = listing.Ahead(raw)
    inputs, (run_start, keys) = ahead.result()
    here = list_inputs(raw)
    assert len(inputs) == len(here) > 5
    assert [inputs.listed(i) for i in range(len(inputs))] == [here.listed(i) for i in range(len(here))]
    assert list(inputs.keys()) == list(here.keys()) and inputs[2] == here[2]
    with stat_keys.stat_keys(os.fspath(raw), run_start) as stat_key:
        expected = [stat_key(here.listed(i)) for i in range(len(here))]
    got = [tuple(keys[4 * i: 4 * i + 4]) for i in range(len(inputs))]
    assert got == [key or stat_keys.NO_STAT for key in expected]
    assert sum(key is not None for key in expected) == 4  # old.txt, sub/old.txt, notes, notes.txt


def test_a_large_listing_states_half_its_inputs_in_a_child_of_its_own_with_the_same_keys(
        tmp_path: Path, monkeypatch) -> None:
    """listing.found with its stating split (SPLIT_AT) gives the bytes it gives
    unsplit; so does a split whose child fails (its half is stated here)."""
    raw = _raw(tmp_path)
    run_start = time.time_ns()
    whole = listing.found(raw, run_start)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(listing.os, "fork", lambda: forks.append(1) or real_fork())
    monkeypatch.setattr(listing, "SPLIT_AT", 2)
    monkeypatch.setattr(listing, "default_workers", lambda: 2)
    assert listing.found(raw, run_start) == whole and forks == [1]
    parent, real_stated = os.getpid(), listing._stated

    def failing_in_a_child(*args):
        if os.getpid() != parent:
            raise OSError("a child that fails")
        return real_stated(*args)
    monkeypatch.setattr(listing, "_stated", failing_in_a_child)
    assert listing.found(raw, run_start) == whole and forks == [1, 1]
    monkeypatch.setattr(listing.os, "fork", lambda: (_ for _ in ()).throw(OSError("no fork")))
    assert listing.found(raw, run_start) == whole
    monkeypatch.setattr(listing, "default_workers", lambda: 1)  # one core: no split
    monkeypatch.setattr(listing.os, "fork", lambda: forks.append(1) or real_fork())
    assert listing.found(raw, run_start) == whole and forks == [1, 1]


def test_a_failed_child_says_so_and_a_run_lists_here(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SEED_RAW, raw)
    clean, again = tmp_path / "clean", tmp_path / "again"
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    shutil.copytree(clean, again)
    (raw / sorted(os.listdir(raw))[0]).write_text("Another text, another sentence.\n", encoding="utf-8")
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")  # re-run, listed ahead

    def fails(raw_dir, run_start):
        raise OSError("no listing")
    monkeypatch.setattr(listing, "found", fails)
    assert listing.Ahead(raw).result() is None
    monkeypatch.setattr(listing, "found", lambda raw_dir, run_start: bytes(range(40)))  # not an answer
    assert listing.Ahead(raw).result() is None

    def no_fork():
        raise OSError("no fork")
    with monkeypatch.context() as m:
        m.setattr(os, "fork", no_fork)
        assert listing.start(raw) is None
    done = version.run(raw, again, Config(), cache_dir=again / ".cache")  # re-run, listed here
    assert done.version == "v2" and done.inputs_done["decoded"] == 1
    for name in DATA:
        assert (clean / "v2" / name).read_bytes() == (again / "v2" / name).read_bytes()


def test_a_child_whose_answer_is_not_taken_ends(tmp_path: Path) -> None:
    ahead = listing.Ahead(_raw(tmp_path))
    ahead.close()
    ahead.close()  # (twice: nothing more)
    assert ahead._read is None


def test_the_first_pass_with_stat_keys_found_ahead_flags_what_it_flags_without(tmp_path: Path) -> None:
    """Plan.first_pass comparing the keys listing found with the cache's rows
    (no tuple made for an unchanged input) flags and decodes the inputs it
    flags and decodes stating them itself: unchanged, appended to, the same
    bytes with a new stat, new, removed, with --rehash too."""
    raw = tmp_path / "raw"
    shutil.copytree(SEED_RAW, raw)
    names = sorted(os.listdir(raw))
    day_ago = time.time_ns() - 86_400 * 10**9
    for name in names:
        os.utime(raw / name, ns=(day_ago, day_ago))
    clean = tmp_path / "clean"
    version.run(raw, clean, Config(), cache_dir=clean / ".cache")
    with open(raw / names[0], "a", encoding="utf-8") as f:
        f.write("\nOne more sentence, appended.\n")
    os.utime(raw / names[1], ns=(day_ago + 10**9, day_ago + 10**9))  # a new stat, the same bytes
    (raw / names[2]).unlink()
    (raw / "new.txt").write_text("A new input with a sentence.\n", encoding="utf-8")
    (cached,) = (clean / ".cache").glob(f"*/{cache.FILE}")
    for rehash in (False, True):
        found = []
        for ahead in (True, False):
            directory = tmp_path / f"cache-{rehash}-{ahead}"
            shutil.copytree(cached.parent, directory)
            (tmp_path / f"spill-{rehash}-{ahead}").mkdir()
            store = cache.Store(directory)
            try:
                listed = listing.Ahead(raw).result() if ahead else None
                inputs, stated = listed if listed is not None else (list_inputs(raw), None)
                spill_dir = tmp_path / f"spill-{rehash}-{ahead}"
                plan = incremental.Plan(inputs, raw, Config(), store, None, rehash, spill_dir, stated)
                plan.first_pass()
                found.append((bytes(plan.flags), plan.counts, plan.first_change))
            finally:
                store.close()
        assert found[0] == found[1]
        hashed = len(names) - 1 if rehash else 2  # (not the removed one)
        assert found[0][1]["decoded"] == 2 and found[0][1]["hashed"] == hashed


# -- started before the rest of curate loads (pipeline.launch) -----------------

def _rerun_setup(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    shutil.copytree(SEED_RAW, raw)
    clean = tmp_path / "clean"
    version.run(raw, clean, Config(), cache_dir=clean / version.CACHE_DIR)
    with open(raw / sorted(os.listdir(raw))[0], "a", encoding="utf-8") as f:
        f.write("\nOne more sentence, appended.\n")
    return raw, clean


def test_a_listing_is_started_early_only_for_a_local_re_run(tmp_path: Path, monkeypatch) -> None:
    """... and the last version's files are asked for then (pipeline.readahead)."""
    raw, clean = _rerun_setup(tmp_path)
    asked = []
    monkeypatch.setattr(readahead, "start", lambda clean_dir, cache_root: asked.append((clean_dir, cache_root)))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # (no ./raw, the default --raw)
    run = ["run", "--raw", str(raw), "--clean", str(clean)]
    for argv in ([], ["show", "x"], [*run, "--no-cache"], [*run, "--executor", "ray"], [*run, "--executor=ray"],
                 ["run", "--raw", str(raw), "--clean", str(tmp_path / "new")],  # no cache yet
                 ["run", "--ra", str(raw), "--clean", str(clean)],  # an abbreviation: not read here
                 ["run", "--raw", str(raw), "--clean"]):  # not arguments: the run's parser says so
        assert launch.early_listing(argv) is None, argv
    assert asked == []
    monkeypatch.chdir(tmp_path)
    for argv, raw_dir in ((run, raw), (["run", f"--raw={raw}", "--workers", "1", "--clean", str(clean)], raw),
                          (["run", "--clean", str(clean)], Path("raw"))):  # the default, ./raw
        ahead = launch.early_listing(argv)
        assert ahead is not None and ahead.raw_dir == raw_dir, argv
        inputs, _ = ahead.result()
        assert list(inputs.keys()) == list(list_inputs(raw).keys())
    assert asked == [(clean, clean / launch.CACHE_DIR)] * 3


def test_the_command_asks_for_what_a_re_run_published_as_it_exits(tmp_path: Path, monkeypatch) -> None:
    """launch.entry hands cli.entry what to call before its quick exit: for
    a re-run, readahead.after_run with LATEST as it was when it started."""
    raw, clean = _rerun_setup(tmp_path)
    handed, after = [], []
    monkeypatch.setattr(cli, "entry", lambda ahead, then=None: handed.append((ahead, then)))
    monkeypatch.setattr(readahead, "start", lambda clean_dir, cache_root: True)
    monkeypatch.setattr(readahead, "after_run", lambda *a: after.append(a))
    monkeypatch.setattr(sys, "argv", ["curate", "run", "--raw", str(raw), "--clean", str(clean)])
    launch.entry()
    (ahead, then), = handed
    ahead.close()
    (clean / "LATEST").write_text("v9\n")  # (what the run would publish)
    then()
    assert after == [(clean, clean / launch.CACHE_DIR, "v1")]
    monkeypatch.setattr(sys, "argv", ["curate", "run", "--raw", str(raw), "--clean", str(clean), "--no-cache"])
    launch.entry()
    assert handed[1] == (None, None)  # not a re-run: nothing to call


def test_a_run_takes_the_listing_started_early_and_equals_one_without(tmp_path: Path, monkeypatch) -> None:
    raw, clean = _rerun_setup(tmp_path)
    shutil.copytree(clean, tmp_path / "clean-2")
    started = []
    real_start = listing.start
    monkeypatch.setattr(listing, "start", lambda raw_dir: started.append(raw_dir) or real_start(raw_dir))
    ahead = launch.early_listing(["run", "--raw", str(raw), "--clean", str(clean)])
    assert started == [raw]
    taken = []
    real_result = listing.Ahead.result
    monkeypatch.setattr(listing.Ahead, "result", lambda self: taken.append(self) or real_result(self))
    assert cli.main(["run", "--raw", str(raw), "--clean", str(clean), "--quiet"], ahead=ahead) == 0
    assert taken == [ahead] and started == [raw]  # its listing, not another
    assert cli.main(["run", "--raw", str(raw), "--clean", str(tmp_path / "clean-2"), "--quiet"]) == 0
    assert started == [raw, raw]  # (listed by the run itself, as before)
    for name in DATA[:3]:
        assert (clean / "v2" / name).read_bytes() == (tmp_path / "clean-2" / "v2" / name).read_bytes()


def test_a_listing_of_another_directory_or_made_before_a_wait_for_the_lock_is_not_used(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    raw, clean = _rerun_setup(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(raw, other)
    (other / "extra.txt").write_text("Not an input of the run.\n", encoding="utf-8")
    taken = []
    real_result = listing.Ahead.result
    monkeypatch.setattr(listing.Ahead, "result", lambda self: taken.append(self) or real_result(self))
    stale = listing.start(other)
    done = version.run(raw, clean, Config(), cache_dir=clean / version.CACHE_DIR, ahead=stale)
    assert stale not in taken and stale._read is None  # closed, its child waited for
    assert done.summary["documents_in"] == len(os.listdir(raw))

    @contextlib.contextmanager
    def waited(clean_dir, on_wait):
        on_wait()  # as when another run held the lock
        yield
    monkeypatch.setattr(version, "locked", waited)
    with open(raw / sorted(os.listdir(raw))[1], "a", encoding="utf-8") as f:
        f.write("\nAnother sentence.\n")
    early = listing.start(raw)
    version.run(raw, clean, Config(), cache_dir=clean / version.CACHE_DIR, ahead=early)
    assert early not in taken and early._read is None and len(taken) == 2  # each run listed again
