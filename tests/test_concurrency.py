"""Concurrent runs on one clean/: they never interleave. The later ones say
that they wait and then number their version after the earlier one's; never
two versions with the same number, never a corrupt LATEST."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from pipeline import version
from bad_inputs import article
from test_atomic import check_clean, verify_version

RUNS = 3


def _raw(tmp_path: Path, n: int = 30) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(n):
        (raw / f"doc{i:03d}.txt").write_text(article(f"concurrent {i}"), encoding="utf-8")
    return raw


def _start_together(commands: list[list[str]]) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", *cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for cmd in commands]
    done = []
    for cmd, p in zip(commands, procs):
        out, err = p.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(cmd, p.returncode, out, err))
    return done


def test_runs_with_different_configs_queue_up(tmp_path: Path) -> None:
    """Each run has its own config, so each writes a version: v1..vN, each
    the parent of the next, LATEST the last; the waiting ones say so."""
    raw, clean = _raw(tmp_path), tmp_path / "clean"
    commands = []
    for seed in range(RUNS):
        config = tmp_path / f"seed{seed}.toml"
        config.write_text(f"language_seed = {seed}\n", encoding="utf-8")
        commands.append(["run", "--raw", str(raw), "--clean", str(clean), "--config", str(config)])
    started = time.monotonic()
    results = _start_together(commands)
    seconds = time.monotonic() - started
    for r in results:
        assert r.returncode == 0, r.stderr
    names, latest = check_clean(clean)
    assert names == [f"v{i}" for i in range(1, RUNS + 1)]
    assert latest == names[-1]
    manifests = [verify_version(clean / n) for n in names]
    assert [m["parent"] for m in manifests] == [None, *names[:-1]]
    assert len({m["config_hash"] for m in manifests}) == RUNS, "each run wrote its own config's version"
    waited = [r for r in results if "waiting for another run" in r.stderr]
    assert len(waited) >= 1, [r.stderr for r in results]
    print(f"\n{RUNS} concurrent runs in {seconds:.1f} s; {len(waited)} said they wait")


def test_identical_concurrent_runs_write_one_version(tmp_path: Path) -> None:
    raw, clean = _raw(tmp_path, 10), tmp_path / "clean"
    results = _start_together([["run", "--raw", str(raw), "--clean", str(clean)]] * 2)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    names, latest = check_clean(clean)
    assert names == ["v1"] and latest == "v1"
    assert sum("nothing changed since v1" in r.stderr for r in results) == 1
    assert [p.name for p in clean.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_run_waits_while_the_lock_is_held(tmp_path: Path) -> None:
    """The lock alone, held by this process: the run waits, says so, and
    proceeds as soon as it is released."""
    raw, clean = _raw(tmp_path, 3), tmp_path / "clean"
    clean.mkdir()
    with version.locked(clean, on_wait=lambda: None):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--clean", str(clean)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        err = ""
        while "waiting for another run" not in err and time.monotonic() < deadline:
            time.sleep(0.2)
            assert proc.poll() is None, "the run did not wait for the lock"
            err += _available(proc)
        assert version.versions(clean) == [], "nothing written while the lock is held"
    out, rest = proc.communicate(timeout=120)
    assert proc.returncode == 0, err + rest
    assert version.versions(clean) == ["v1"]


def _available(proc: subprocess.Popen) -> str:
    """What the process has written to stderr since the last call (without blocking)."""
    chunks = []
    fd = proc.stderr.fileno()
    while select.select([fd], [], [], 0)[0]:
        data = os.read(fd, 4096)
        if not data:
            break
        chunks.append(data.decode("utf-8", "replace"))
    return "".join(chunks)
