"""Executors only decide where documents are processed: the same bytes for
any number of workers, results in input order, a stage's error names its input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import version
from pipeline.config import Config
from pipeline.executors import default_workers, make
from pipeline.executors import local
from pipeline.executors.local import LocalExecutor

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


def _square_plus(item: int, shared: int) -> int:
    return item * item + shared


def _fail_on_three(item: int, shared: object) -> int:
    if item == 3:
        raise ValueError("three")
    return item


def test_local_map_keeps_input_order_for_any_workers() -> None:
    want = [i * i + 7 for i in range(500)]
    for workers in (1, 2, 3):
        assert list(LocalExecutor(workers, chunk=7).map(_square_plus, range(500), 7)) == want


def test_the_first_chunks_are_small_so_the_first_result_comes_soon() -> None:
    assert [len(c) for c in local.ramped(range(40), 8)] == [1, 2, 4, 8, 8, 8, 8, 1]
    assert [x for c in local.ramped(range(40), 8) for x in c] == list(range(40))
    assert list(local.ramped([], 8)) == []


def test_local_map_consumes_inputs_lazily() -> None:
    """Bounded in-flight work: a consumer that stops early has not made the
    pool read the whole (here endless) input."""
    def endless():
        i = 0
        while True:
            yield i
            i += 1
    results = LocalExecutor(2, chunk=4).map(_square_plus, endless(), 0)
    assert [next(results) for _ in range(10)] == [i * i for i in range(10)]
    results.close()


def test_worker_errors_reach_the_caller() -> None:
    with pytest.raises(ValueError, match="three"):
        list(LocalExecutor(2, chunk=1).map(_fail_on_three, range(6), None))


def _exit_on_three(item: int, shared: object) -> int:
    if item == 3:
        import os
        os._exit(3)  # as a worker killed (out of memory) would end
    return item


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    from pipeline.executors.local import WorkerDied
    with pytest.raises(WorkerDied, match="ended unexpectedly"):
        list(LocalExecutor(2, chunk=1).map(_exit_on_three, range(6), None))


def test_large_results_come_back_whole_and_in_order() -> None:
    """Results bigger than a pipe's buffer, from workers that finish out of order."""
    got = list(LocalExecutor(3, chunk=2).map(_big, range(40), None))
    assert got == [_big(i, None) for i in range(40)]


def _big(item: int, shared: object) -> str:
    import time
    time.sleep(0.001 * (item % 5))
    return str(item) * 300_000


class _Hinted:
    """A shared object with a prefetch hint that leaves a file per chunk it
    saw (workers are other processes), or raises."""

    def __init__(self, log_dir: Path | None) -> None:
        self.log_dir = log_dir

    def prefetch(self, chunk: list) -> None:
        if self.log_dir is None:
            raise RuntimeError("a broken hint")
        (self.log_dir / f"{min(chunk)}-{max(chunk)}").touch()


def _plus_one(item: int, shared: object) -> int:
    return item + 1


def test_workers_give_each_chunk_to_the_prefetch_hint_and_survive_a_broken_one(tmp_path: Path) -> None:
    got = list(LocalExecutor(2, chunk=10).map(_plus_one, range(100), _Hinted(tmp_path)))
    assert got == list(range(1, 101))
    # the first chunks ramp up (1, 2, 4, 8 items), then hold 10
    starts = [0, 1, 3, 7] + list(range(15, 100, 10)) + [100]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{a}-{b - 1}" for a, b in zip(starts, starts[1:]))
    assert list(LocalExecutor(2, chunk=10).map(_plus_one, range(100), _Hinted(None))) == list(range(1, 101))


def test_make_knows_the_executors() -> None:
    assert make("local", 3).workers == 3
    assert make("local").workers == default_workers()
    with pytest.raises(ValueError, match="unknown executor"):
        make("spark")


def _sample_raw(tmp_path: Path, n: int = 24) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    source = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    for p in sorted(source.glob("*.txt"))[:n]:
        shutil.copy(p, raw / p.name)
    for p in sorted(SEED_RAW.glob("*.txt")):  # the seed files too, and a duplicate of one
        shutil.copy(p, raw / f"seed-{p.name}")
    first = sorted(SEED_RAW.glob("*.txt"))[0]
    shutil.copy(first, raw / f"zz-copy-{first.name}")
    (raw / "empty.txt").write_bytes(b"")
    return raw


def data_bytes(vdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(vdir.iterdir()) if p.name != "manifest.json"}


def test_output_bytes_do_not_depend_on_workers(tmp_path: Path) -> None:
    raw = _sample_raw(tmp_path)
    runs = {}
    for workers in (1, 2, 3):
        clean = tmp_path / f"clean{workers}"
        version.run(raw, clean, Config(), executor=make("local", workers))
        runs[workers] = data_bytes(clean / "v1")
        assert (clean / "v1" / "manifest.json").read_bytes() == (tmp_path / "clean1" / "v1" / "manifest.json").read_bytes()
    assert runs[1] == runs[2] == runs[3]
    assert runs[1]["documents.jsonl"]  # something was kept


def _sleep(item: int, shared: object) -> int:
    import time
    time.sleep(30)
    return item


def test_workers_end_when_a_run_is_killed() -> None:
    import os
    import signal
    import subprocess
    import time

    pid = os.fork()
    if pid == 0:  # a run, killed below while its workers are busy
        try:
            next(LocalExecutor(2).map(_sleep, range(4), None))
        finally:
            os._exit(0)
    deadline = time.monotonic() + 10
    workers: list[str] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    assert len(workers) == 2
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)

    def running(w: str) -> bool:
        try:
            with open(f"/proc/{w}/status") as f:
                return "zombie" not in f.read()
        except FileNotFoundError:
            return False
    deadline = time.monotonic() + 5
    while any(running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(w) for w in workers)
