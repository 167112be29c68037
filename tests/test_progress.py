"""`curate run`: a progress bar on a terminal only, and the summary table;
timings are printed, never written into the data files."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from pipeline import process, progress
from pipeline.config import Config
from conftest import REPO, curate

DATA_FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md")


def test_bar_shows_documents_and_mb_per_second() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = progress.Bar(out, every=0.1, clock=lambda: now[0])
    for i in range(1, 11):
        now[0] = i * 0.5
        bar(i, 10, 1_000_000)
    bar.finish()
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    assert "10/10 documents" in last and "2.0 docs/s" in last and "2.00 MB/s" in last
    assert "[" + "#" * progress.WIDTH + "]" in last


def test_bar_redraws_at_most_every_interval_but_always_at_the_end() -> None:
    out = io.StringIO()
    bar = progress.Bar(out, every=10.0, clock=lambda: 1.0)
    for i in range(1, 101):
        bar(i, 100, 10)
    assert out.getvalue().count("\r") == 2  # the first and the last


def test_stage_times_are_collected_and_the_hook_restored() -> None:
    with progress.timing(progress.StageTimes()) as times:
        process.process("t", "t.txt", b"Title\n\nThe people said the road would be built this year.\n", Config())
    assert process.on_stage_time is None
    assert {"decode", "repair", "records"} <= set(times.seconds) and all(s >= 0 for s in times.seconds.values())


def run_on_a_tty(args: list[str], cwd: Path) -> str:
    """Run curate with stderr on a pseudo-terminal; return what it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_run_on_a_terminal_shows_the_bar_and_the_summary_table(seed_raw: Path, tmp_path: Path) -> None:
    err = run_on_a_tty(["run", "--raw", str(seed_raw), "--clean", str(tmp_path / "a")], REPO)
    assert "docs/s" in err and "MB/s" in err and f"{len(list(seed_raw.iterdir()))}/" in err
    assert "time (s)" in err and "chars removed" in err
    for stage in ("repair", "header", "layout"):
        assert f"\n{stage} " in err.replace("\r\n", "\n")


def test_not_a_terminal_no_bar_but_the_table_and_quiet_nothing(seed_raw: Path, tmp_path: Path) -> None:
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(tmp_path / "a"))
    assert proc.returncode == 0
    assert "docs/s" not in proc.stderr and "\r" not in proc.stderr
    assert "time (s)" in proc.stderr and "kept" in proc.stderr
    quiet = run_on_a_tty(["run", "--quiet", "--raw", str(seed_raw), "--clean", str(tmp_path / "b")], REPO)
    assert quiet == ""
    for name in DATA_FILES:  # timing never reaches the data: the two versions are byte-identical
        assert (tmp_path / "a" / "v1" / name).read_bytes() == (tmp_path / "b" / "v1" / name).read_bytes()
