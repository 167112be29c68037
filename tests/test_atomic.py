"""Atomic versions: `curate run` killed with SIGKILL at random moments never
leaves a half-written version or a bad LATEST, and the next run repairs what
the killed one left and gives the same data as an uninterrupted run."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline import schemas, version
from pipeline.config import Config
from bad_inputs import article

DATA_FILES = version.DATA_FILES
KILLS = 20
PARALLEL = 2  # killed runs at a time (each on its own clean/)
SEED = 20261123


def verify_version(vdir: Path) -> dict:
    """A complete version: a valid manifest naming it, and exactly the files
    the manifest lists, with its sha256 and line counts. Returns the manifest."""
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    schemas.check("manifest", manifest, f"{vdir}/manifest.json")
    assert manifest["version"] == vdir.name
    assert sorted(p.name for p in vdir.iterdir()) == sorted([*manifest["outputs"], "manifest.json"])
    for name, stats in manifest["outputs"].items():
        data = (vdir / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stats["sha256"], f"{vdir.name}/{name} sha256"
        assert data.count(b"\n") == stats["lines"], f"{vdir.name}/{name} lines"
    counts = manifest["counts"]
    assert counts["kept"] == manifest["outputs"]["documents.jsonl"]["lines"]
    assert counts["rejected"] == manifest["outputs"]["rejected.jsonl"]["lines"]
    return manifest


def check_clean(clean: Path) -> tuple[list[str], str | None]:
    """clean/ holds only complete versions (and temporary leftovers of a
    killed run, which are not versions); LATEST names one of them."""
    names = version.versions(clean)
    for name in names:
        verify_version(clean / name)
    others = {p.name for p in clean.iterdir()} - set(names) - {"LATEST", ".lock", version.CACHE_DIR}
    assert all(n.startswith((version.TMP_PREFIX, version.LATEST_TMP_PREFIX)) for n in others), others
    latest = None
    if (clean / "LATEST").exists():
        latest = (clean / "LATEST").read_text(encoding="utf-8")
        assert latest.endswith("\n") and latest[:-1] in names, (latest, names)
        latest = latest[:-1]
    else:
        assert not names or names == ["v1"], "LATEST is absent only before the first version is complete"
    return names, latest


def data_bytes(vdir: Path) -> dict[str, bytes]:
    return {name: (vdir / name).read_bytes() for name in DATA_FILES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """A raw/ that takes about a second to process; a clean/ holding v1 made
    from part of it (so the killed runs write v2); the data of v2 made by an
    uninterrupted run."""
    root = tmp_path_factory.mktemp("atomic")
    raw = root / "raw"
    raw.mkdir()
    for i in range(40):
        (raw / f"doc{i:03d}.txt").write_text(article(f"atomic {i}", paragraphs=6), encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    base = root / "base"
    version.run(raw, base, Config(max_file_bytes=3000))  # v1: a different config, most inputs too_large
    reference = root / "reference"
    shutil.copytree(base, reference)
    result = version.run(raw, reference, Config())
    assert result.version == "v2"
    return {"root": root, "raw": raw, "base": base, "reference": data_bytes(reference / "v2")}


def _start(raw: Path, clean: Path) -> subprocess.Popen:
    # A session of its own, so the workers it forks can be cleaned up after the test.
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--quiet", "--raw", str(raw), "--clean", str(clean)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _end_session(proc: subprocess.Popen) -> None:
    """SIGKILL whatever the killed run left running (forked workers)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_sigkill_at_random_moments(corpus) -> None:
    root, raw = corpus["root"], corpus["raw"]
    # How long an uninterrupted run lasts, start-up included.
    probe = root / "probe"
    shutil.copytree(corpus["base"], probe)
    started = time.monotonic()
    proc = _start(raw, probe)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    duration = time.monotonic() - started

    rng = random.Random(SEED)
    moments = [rng.uniform(0.5, 1.3) * duration for _ in range(KILLS)]
    seen: Counter[str] = Counter()
    for batch in range(0, KILLS, PARALLEL):
        runs = []
        for k in range(batch, min(batch + PARALLEL, KILLS)):
            clean = root / f"kill{k:02d}"
            shutil.copytree(corpus["base"], clean)
            runs.append((k, clean, _start(raw, clean), time.monotonic() + moments[k]))
        for k, clean, proc, at in sorted(runs, key=lambda r: r[3]):
            time.sleep(max(0.0, at - time.monotonic()))
            proc.send_signal(signal.SIGKILL)  # the run's process only, as `kill -9 PID` does
            proc.wait(timeout=60)
            proc.stderr.close()
        for k, clean, proc, at in runs:
            names, latest = check_clean(clean)
            leftovers = sorted(p.name for p in clean.iterdir() if p.name.startswith("."))
            state = ("finished" if proc.returncode == 0 else
                     "published, LATEST not yet updated" if names == ["v1", "v2"] and latest == "v1" else
                     "killed after publishing" if names == ["v1", "v2"] else
                     "killed while building" if any(n.startswith(version.TMP_PREFIX) for n in leftovers) else
                     "killed before building")
            seen[state] += 1
            assert names in (["v1"], ["v1", "v2"]), names
            if "v2" in names:
                assert data_bytes(clean / "v2") == corpus["reference"]
                assert verify_version(clean / "v2")["parent"] == "v1"

            # The next run repairs and completes: the same data as an uninterrupted run
            # (while workers orphaned by the kill may still be alive: they hold no lock).
            result = version.run(raw, clean, Config())
            _end_session(proc)
            assert version.versions(clean) == ["v1", "v2"], state
            assert result.latest == "v2" and (clean / "LATEST").read_text(encoding="utf-8") == "v2\n"
            assert data_bytes(clean / "v2") == corpus["reference"], state
            assert [p.name for p in clean.iterdir() if p.name.startswith(".") and p.name not in (".lock", version.CACHE_DIR)] == [], state
            check_clean(clean)
            shutil.rmtree(clean)
    print(f"\n{KILLS} SIGKILLs over a {duration:.2f} s run: {dict(seen)}")
    assert seen["killed while building"] >= 1, seen  # the kills did land inside the build


HOLD_LOCK_AND_FORK = """
import os, sys, time
from pathlib import Path
from pipeline import version
with version.locked(Path(sys.argv[1]), lambda: None):
    if os.fork() == 0:  # a worker, like the local executor's, sharing the lock file
        time.sleep(120)
        os._exit(0)
    print("locked", flush=True)
    time.sleep(120)
"""


def test_the_lock_dies_with_the_run_not_with_its_workers(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK_AND_FORK, str(clean)], stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        assert proc.stdout.readline() == "locked\n"
        with pytest.raises(RuntimeError, match="held"):
            with version.locked(clean, on_wait=lambda: (_ for _ in ()).throw(RuntimeError("held"))):
                pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        entered = []
        with version.locked(clean, on_wait=lambda: (_ for _ in ()).throw(RuntimeError("still held"))):
            entered.append(True)
        assert entered, "the orphaned worker must not keep the lock"
    finally:
        _end_session(proc)
        proc.stdout.close()


# --- what the next run repairs, state by state -------------------------------------

def _version_dir(clean: Path, name: str, parent: str | None) -> None:
    vdir = clean / name
    vdir.mkdir(parents=True)
    (vdir / "manifest.json").write_text(json.dumps({"version": name, "parent": parent}), encoding="utf-8")


def test_recover_removes_temporary_leftovers(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    (clean / ".tmp-abc123").mkdir(parents=True)
    (clean / ".tmp-abc123" / "documents.jsonl").write_text("{}\n", encoding="utf-8")
    os.chmod(clean / ".tmp-abc123" / "documents.jsonl", 0o444)
    (clean / ".LATEST.4242").write_text("v9\n", encoding="utf-8")
    done = version.recover(clean)
    assert sorted(p.name for p in clean.iterdir()) == []
    assert done == ["removed .LATEST.4242", "removed .tmp-abc123"]


def test_recover_points_latest_at_a_version_published_just_before_the_kill(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    _version_dir(clean, "v1", None)
    _version_dir(clean, "v2", "v1")
    (clean / "LATEST").write_text("v1\n", encoding="utf-8")
    version.recover(clean)
    assert (clean / "LATEST").read_text(encoding="utf-8") == "v2\n"


def test_recover_publishes_a_first_version_without_latest(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    _version_dir(clean, "v1", None)
    version.recover(clean)
    assert (clean / "LATEST").read_text(encoding="utf-8") == "v1\n"


def test_recover_leaves_a_deliberate_latest_alone(tmp_path: Path) -> None:
    """LATEST set back to v1 by hand while v3 (made from v2) exists: not a
    killed run's doing, so it stays."""
    clean = tmp_path / "clean"
    _version_dir(clean, "v1", None)
    _version_dir(clean, "v2", "v1")
    _version_dir(clean, "v3", "v2")
    (clean / "LATEST").write_text("v1\n", encoding="utf-8")
    assert version.recover(clean) == []
    assert (clean / "LATEST").read_text(encoding="utf-8") == "v1\n"


def test_a_killed_run_leftover_is_removed_by_the_next_run(tmp_path: Path, seed_raw: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    (clean / ".tmp-killed").mkdir()
    (clean / ".tmp-killed" / "records.jsonl").write_text("half a line", encoding="utf-8")
    (clean / ".LATEST.99999").write_text("v", encoding="utf-8")
    result = version.run(seed_raw, clean, Config())
    assert result.version is None and result.latest == "v1"
    assert sorted(p.name for p in clean.iterdir()) == [".lock", "LATEST", "v1"]
