"""Measure curate beside what the same corpus costs elsewhere, in one run.

    python bench/run.py --docs 20000 [--workers N] [--repeat 3] [--scale 5000,80000]
                        [--corpus-dir DIR] [--work-dir DIR]

On a corpus made by bench/generate.py (kept in bench/corpus/<docs>/, made
once), with the same number of worker processes for every contender:

- io floor: read every raw file, split it into paragraphs, write JSONL (one process);
- ftfy alone: ``ftfy.fix_text`` on every document with datatrove's options;
- datatrove: ``JsonlReader -> FTFYFormatter -> JsonlWriter`` (pip install -e '.[bench]');
- curate: ``curate run --workers N`` (all stages), from an empty clean/;
- curate re-run: the same, after 1% of the inputs changed (the per-document
  cache at work), and a check that its bytes equal a full run's: once on a
  copy of the inputs (every stat differs: every input is hashed again), once
  with the inputs changed in place (unchanged inputs are not read); once
  more after 1% of them are touched (timestamps only: no version is written);
  and after one input changed in place: what a re-run costs whatever changed
  (the interpreter and imports, the listing, the pass over every row, a new
  version's files written and hashed), beside which 1% changed is measured.

curate's modules are compiled to bytecode first, as an installed package's
are. Times are medians of ``--repeat`` runs (curate's are also listed one by
one, with their CPU time); peak RSS is the largest resident set
of the process tree (sampled every 50 ms). ``--scale`` runs curate on two
corpus sizes, then again on each after 1% of it changed, and prints the ratios
of their peak RSS (streaming: they should stay near 1). Figures are printed,
never written to a version.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from multiprocessing import Pool
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


CORPORA = HERE / "corpus"  # --corpus-dir


def corpus(docs: int) -> Path:
    out = CORPORA / str(docs)
    if not (out / "corpus.jsonl").exists():
        print(f"generating {docs} documents in {out} ...", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        generate(docs, out)
    return out


def shards(out: Path, n: int) -> Path:
    """corpus.jsonl split into n files, so each datatrove task has one."""
    d = out / f"jsonl-{n}"
    if not d.exists():
        tmp = out / f".jsonl-{n}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        files = [open(tmp / f"part-{i:03d}.jsonl", "w", encoding="utf-8") for i in range(n)]
        with open(out / "corpus.jsonl", encoding="utf-8") as f:
            for i, line in enumerate(f):
                files[i % n].write(line)
        for f in files:
            f.close()
        tmp.rename(d)
    return d


def _tree_rss(pid: int) -> int:
    """Resident set of pid and its descendants, in bytes (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class Run(NamedTuple):
    wall: float  # seconds
    peak: int  # the process tree's largest resident set, bytes
    err: str  # its stderr
    user: float  # CPU seconds of the process tree (the processes it waited for count)
    sys: float

    def cpu(self) -> str:
        return f"{self.wall:.2f} s (user {self.user:.2f}, sys {self.sys:.2f})"


def measured(cmd: list[str], **kw) -> Run:
    """A command run, timed and sampled. Its CPU time is what getrusage adds
    to this process's children while it runs (nothing else is started then)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return Run(wall, peak, err, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)


def io_floor(out: Path) -> None:
    """Read every raw file, split into paragraphs, write JSONL: the least any pipeline does."""
    with open(out / "floor.jsonl", "w", encoding="utf-8") as f:
        for path in sorted((out / "raw").iterdir()):
            text = path.read_bytes().decode("utf-8")
            paragraphs = [p for p in text.split("\n\n") if p.strip()]
            f.write(json.dumps({"id": path.stem, "paragraphs": paragraphs}, ensure_ascii=False) + "\n")
    (out / "floor.jsonl").unlink()


def _ftfy_one(path: str) -> int:
    import ftfy
    from datatrove.pipeline.formatters import FTFYFormatter  # noqa: F401 (same options below)
    config = ftfy.TextFixerConfig(fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False,
                                  fix_line_breaks=False, normalization=None)
    return len(ftfy.fix_text(Path(path).read_text(encoding="utf-8"), config=config))


def ftfy_alone(out: Path, workers: int) -> None:
    paths = [str(p) for p in sorted((out / "raw").iterdir())]
    with Pool(workers) as pool:
        sum(pool.imap(_ftfy_one, paths, chunksize=32))


DATATROVE = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.formatters import FTFYFormatter
from datatrove.pipeline.writers import JsonlWriter
src, dst, logs, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
LocalPipelineExecutor(
    pipeline=[JsonlReader(src), FTFYFormatter(), JsonlWriter(dst, compression=None)],
    tasks=n, workers=n, logging_dir=logs, skip_completed=False,
).run()
"""


def datatrove(out: Path, workers: int, work: Path) -> tuple[float, int]:
    shutil.rmtree(work, ignore_errors=True)
    run = measured([sys.executable, "-c", DATATROVE, str(shards(out, workers)),
                    str(work / "out"), str(work / "logs"), str(workers)])
    return run.wall, run.peak


def curate(raw: Path, clean: Path, workers: int, fresh: bool = True) -> Run:
    if fresh:
        shutil.rmtree(clean, ignore_errors=True)
    return measured([sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--clean", str(clean),
                     "--workers", str(workers)], cwd=ROOT)


STAGE_ROW = re.compile(r"^(\w+)\s+\d+\s+\d+\s+-?\d+\s+([\d.]+)$")


def stage_times(stderr: str) -> dict[str, float]:
    """The time column of curate's summary table (seconds of work, summed over workers)."""
    return {m[1]: float(m[2]) for line in stderr.splitlines() if (m := STAGE_ROW.match(line.strip()))}


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def touch_one_percent(raw: Path, src: Path | None = None, bytes_too: bool = True) -> None:
    """Every 100th document of raw changed (a sentence appended; with
    ``bytes_too`` False, only its timestamps); with src, raw is first made a
    copy of it (new files: new inodes and ctimes)."""
    if src is not None:
        shutil.rmtree(raw, ignore_errors=True)
        shutil.copytree(src, raw)
    for path in sorted(raw.iterdir())[::100]:
        if not bytes_too:
            os.utime(path)
            continue
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nThis paragraph was added to the document after the first run of the benchmark.\n")


def change_one(raw: Path) -> None:
    """One document of raw changed (a sentence appended): the second, which
    touch_one_percent leaves alone."""
    with open(sorted(raw.iterdir())[1], "a", encoding="utf-8") as f:
        f.write("\nThis paragraph was added to one document only.\n")


def data_bytes(clean: Path, version: str | None = None) -> dict[str, bytes]:
    """The data files of a version of clean (by default its latest)."""
    version = version or (clean / "LATEST").read_text().strip()
    return {n: (clean / version / n).read_bytes() for n in ("documents.jsonl", "records.jsonl", "rejected.jsonl")}


def main() -> None:
    global CORPORA
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is printed")
    parser.add_argument("--scale", default="", help="two corpus sizes, e.g. 5000,80000: peak RSS of each and their ratio")
    parser.add_argument("--skip", default="", help="contenders to leave out: io, ftfy, datatrove, rerun")
    parser.add_argument("--corpus-dir", type=Path, default=HERE / "corpus",
                        help="where corpora are found or generated (<dir>/<docs>/); an 80,000 one is ~700 MB")
    parser.add_argument("--work-dir", type=Path, default=HERE / "work", help="where the runs write their output")
    args = parser.parse_args()
    CORPORA = args.corpus_dir
    # An installed package has its bytecode (pip compiles it at install, as
    # datatrove's was); an editable install where PYTHONDONTWRITEBYTECODE is
    # set would compile every module of curate on every run (~60 ms a run).
    compileall.compile_dir(ROOT / "pipeline", quiet=1)
    skip = set(filter(None, args.skip.split(",")))
    out = corpus(args.docs)
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    mb = sum(p.stat().st_size for p in raw.iterdir()) / 1e6
    print(f"corpus: {args.docs} documents, {mb:.1f} MB; {args.workers} workers; medians of {args.repeat} runs")

    rows = []
    if "io" not in skip:
        rows.append(("io floor (1 process)", timed(lambda: io_floor(out), args.repeat), None))
    if "ftfy" not in skip:
        rows.append(("ftfy alone", timed(lambda: ftfy_alone(out, args.workers), args.repeat), None))
    dt = None
    if "datatrove" not in skip:
        runs = [datatrove(out, args.workers, work / "datatrove") for _ in range(args.repeat)]
        dt = statistics.median(w for w, _ in runs)
        rows.append(("datatrove ftfy", dt, max(p for _, p in runs)))
    runs = [curate(raw, work / "clean", args.workers) for _ in range(args.repeat)]
    median_run = sorted(runs)[len(runs) // 2]
    cur = median_run.wall
    rows.append(("curate (all stages)", cur, max(r.peak for r in runs)))

    print(f"{'':<24}{'wall s':>9}{'docs/s':>10}{'MB/s':>9}{'peak RSS MB':>13}")
    for name, wall, peak in rows:
        print(f"{name:<24}{wall:>9.2f}{args.docs / wall:>10.0f}{mb / wall:>9.2f}"
              f"{(f'{peak / 1e6:.0f}' if peak else '-'):>13}")
    print(f"\ncurate, each run: {', '.join(r.cpu() for r in runs)}")
    print("curate time per stage (s of work, summed over workers):")
    for stage, seconds in stage_times(median_run.err).items():
        print(f"  {stage:<14}{seconds:>8.2f}")
    if dt is not None:
        print(f"\nratio datatrove(ftfy only) / curate(all stages): {dt / cur:.2f}  (goal >= 1.0, floor 0.8)")

    if "rerun" not in skip:
        touched = work / "raw-touched"
        touch_one_percent(touched, raw)
        in_place = work / "raw-in-place"
        reruns, in_place_reruns, touched_reruns, one_reruns, unwritten = [], [], [], [], True
        for _ in range(args.repeat):
            curate(raw, work / "clean-inc", args.workers)  # full run: fills the cache
            reruns.append(curate(touched, work / "clean-inc", args.workers, fresh=False))
            # The same change in place: the unchanged inputs keep their stat (not read, not hashed).
            shutil.rmtree(in_place, ignore_errors=True)
            shutil.copytree(raw, in_place)  # copy2: mtimes kept, as files nobody is writing
            curate(in_place, work / "clean-in-place", args.workers)
            touch_one_percent(in_place)
            in_place_reruns.append(curate(in_place, work / "clean-in-place", args.workers, fresh=False))
            # 1% touched again, timestamps only: the output is the last version's, with nothing written.
            latest = (work / "clean-in-place" / "LATEST").read_text()
            touch_one_percent(in_place, bytes_too=False)
            touched_reruns.append(curate(in_place, work / "clean-in-place", args.workers, fresh=False))
            unwritten &= (work / "clean-in-place" / "LATEST").read_text() == latest
            change_one(in_place)
            one_reruns.append(curate(in_place, work / "clean-in-place", args.workers, fresh=False))
        curate(touched, work / "clean-full", args.workers)
        full = data_bytes(work / "clean-full")
        for name, these, clean, version in (("a copy of the inputs with 1% changed", reruns, "clean-inc", None),
                                            ("1% of the inputs changed in place", in_place_reruns, "clean-in-place",
                                             latest.strip())):  # (the one-input run came after it)
            rerun = statistics.median(r.wall for r in these)
            print(f"\nre-run on {name}: {rerun:.2f} s = {100 * rerun / cur:.1f}% of a full run"
                  f" (goal <= 5%); bytes equal to a full run: {data_bytes(work / clean, version) == full}")
            print(f"  each run: {', '.join(r.cpu() for r in these)}")
        rerun = statistics.median(r.wall for r in touched_reruns)
        print(f"\nre-run on 1% of the inputs touched (timestamps only): {rerun:.2f} s = {100 * rerun / cur:.1f}%"
              f" of a full run; no version written: {unwritten}")
        print(f"  each run: {', '.join(r.cpu() for r in touched_reruns)}")
        rerun = statistics.median(r.wall for r in one_reruns)
        print(f"\nre-run on one input changed in place: {rerun:.2f} s = {100 * rerun / cur:.1f}% of a full run"
              " (what a re-run costs before the work of what changed)")
        print(f"  each run: {', '.join(r.cpu() for r in one_reruns)}")

    if args.scale:
        small, large = (int(n) for n in args.scale.split(","))
        peaks, rerun_peaks = {}, {}
        for n in (small, large):
            raw_n, clean_n = work / f"raw-{n}", work / f"clean-{n}"  # a copy: the re-run's 1% are changed in it
            shutil.rmtree(raw_n, ignore_errors=True)
            shutil.copytree(corpus(n) / "raw", raw_n)
            peaks[n] = curate(raw_n, clean_n, args.workers).peak
            touch_one_percent(raw_n)
            rerun_peaks[n] = curate(raw_n, clean_n, args.workers, fresh=False).peak
            print(f"peak RSS at {n} documents: {peaks[n] / 1e6:.0f} MB;"
                  f" re-run after 1% changed: {rerun_peaks[n] / 1e6:.0f} MB")
            shutil.rmtree(raw_n)
            shutil.rmtree(clean_n)
        print(f"peak RSS ratio {large}/{small}: {peaks[large] / peaks[small]:.2f}  (goal <= 1.2);"
              f" re-run: {rerun_peaks[large] / rerun_peaks[small]:.2f}")


if __name__ == "__main__":
    main()
