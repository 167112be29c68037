"""Per-document CPU time of single stages, in one process, on a bench corpus.

    python bench/stage_time.py --raw bench/corpus/2000/raw --stage repair --stage clutter

Runs the pipeline once (one worker, no cache) to record every document as it
reaches each named stage, then times ``stage.apply`` alone over those inputs
(CPU time of this process, best of ``--repeat``): a figure for one stage that
the shared machine's load and the other stages do not blur. Printed, never
written to a version.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's pipeline, not an installed one

from pipeline import cli  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.stages import STAGES  # noqa: E402


def record_inputs(raw: Path, names: list[str]) -> dict[str, dict[str, object]]:
    """{stage: {document id: the document as the stage received it}} (the last
    time it did: the corpus statistics pass runs decode and repair too)."""
    seen: dict[str, dict[str, object]] = {name: {} for name in names}
    originals = {stage: stage.apply for stage in STAGES if stage.NAME in seen}
    for stage, apply in originals.items():
        def spy(doc, config, *stats, _apply=apply, _seen=seen[stage.NAME]):
            _seen[doc.id] = doc
            return _apply(doc, config, *stats)
        stage.apply = spy
    try:
        with tempfile.TemporaryDirectory() as clean:
            cli.main(["run", "--raw", str(raw), "--clean", clean, "--workers", "1", "--no-cache", "--quiet"])
    finally:
        for stage, apply in originals.items():
            stage.apply = apply
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=ROOT / "bench" / "corpus" / "2000" / "raw")
    parser.add_argument("--stage", action="append", required=True, help="a stage name (repeatable)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    stages = {stage.NAME: stage for stage in STAGES}
    inputs = record_inputs(args.raw, args.stage)
    for name in args.stage:
        stage, docs = stages[name], list(inputs[name].values())
        wants_stats = getattr(stage, "WANTS_STATS", False)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.process_time()
            for doc in docs:
                stage.apply(doc, Config(), None) if wants_stats else stage.apply(doc, Config())
            best = min(best, time.process_time() - started)
        print(f"{name:12s} {len(docs):6d} docs  {best / max(len(docs), 1) * 1000:.3f} ms/doc")


if __name__ == "__main__":
    main()
