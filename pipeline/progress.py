"""`curate run` on a terminal: a progress bar while it runs and a summary table
at the end. Timings are measured here, around the stages, and only printed:
they never enter a data file, which must stay byte-identical across runs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

from pipeline import process

WIDTH = 28


class Bar:
    """One line redrawn in place: documents done, documents and MB per second."""

    def __init__(self, out: TextIO, every: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.every, self.clock = out, every, clock
        self.started = clock()
        self.last = -every
        self.nbytes = 0
        self.drawn = False

    def __call__(self, done: int, total: int, nbytes: int) -> None:
        self.nbytes += nbytes
        now = self.clock()
        if done != total and now - self.last < self.every:
            return
        self.last = now
        self.out.write("\r" + self.line(done, total, now - self.started))
        self.out.flush()
        self.drawn = True

    def line(self, done: int, total: int, elapsed: float) -> str:
        frac = done / total if total else 1.0
        filled = int(frac * WIDTH)
        rate = done / elapsed if elapsed > 0 else 0.0
        mb = self.nbytes / 1e6 / elapsed if elapsed > 0 else 0.0
        return (f"  [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} documents  "
                f"{rate:.1f} docs/s  {mb:.2f} MB/s")

    def finish(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()


class StageTimes:
    """Seconds spent in each stage, summed over documents."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def __call__(self, stage: str, seconds: float) -> None:
        self.seconds[stage] += seconds


@contextmanager
def timing(times: StageTimes) -> Iterator[StageTimes]:
    """Let pipeline.process report stage times to `times` while inside."""
    previous = process.on_stage_time
    process.on_stage_time = times
    try:
        yield times
    finally:
        process.on_stage_time = previous


def summary_table(summary: dict, stages: list[dict], seconds: dict[str, float], total: float) -> list[str]:
    """kept, rejected by reason, characters removed and time per stage."""
    s = summary
    lines = [
        f"inputs {s['documents_in']}  kept {s['kept']}  rejected {s['rejected']}  records {s['records']}  "
        f"characters {s['chars_in']} -> {s['chars_out']}  ({total:.1f} s)",
        "",
        f"{'kept':<24}{s['kept']:>10}",
        f"{'rejected':<24}{s['rejected']:>10}",
    ]
    for reason, n in s["rejected_by_reason"].items():
        lines.append(f"{'  ' + reason:<24}{n:>10}")
    lines.append("")
    lines.append(f"{'stage':<14}{'documents':>10}{'edits':>9}{'chars removed':>15}{'time (s)':>10}")
    for st in stages:
        sec = seconds.get(st["stage"], 0.0)
        lines.append(f"{st['stage']:<14}{st['documents_changed']:>10}{st['edits']:>9}"
                     f"{st['chars_removed']:>15}{sec:>10.2f}")
    lines.append(f"{'total':<14}{'':>10}{sum(s['edits'] for s in stages):>9}"
                 f"{sum(s['chars_removed'] for s in stages):>15}{total:>10.2f}")
    return lines
