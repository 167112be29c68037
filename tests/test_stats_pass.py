"""The first pass on an executor equals corpus_stats.first_pass exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import corpus_stats, stats_pass
from pipeline.config import Config
from pipeline.corpus import list_inputs
from pipeline.executors import make
from pipeline.runner import Shared

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


def test_parallel_first_pass_equals_the_sequential_one(tmp_path: Path) -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    config = Config(repeat_min_docs=2)  # more repeated lines, so examples are chosen
    inputs = list_inputs(raw)
    want = corpus_stats.first_pass(inputs, raw, config)
    for executor, spill_dir in ((None, None), (make("local", 2), tmp_path), (make("local", 3), tmp_path)):
        got = stats_pass.first_pass(inputs, Shared(raw, config, spill_dir=spill_dir), executor)
        assert (got.documents, got.lines_counted) == (want.documents, want.lines_counted)
        assert got.lines.table == want.lines.table
        assert list(got.examples.items()) == list(want.examples.items())
        assert got.summary() == want.summary()


@pytest.mark.parametrize("batch", [1, 7, stats_pass.Adder.BATCH])
def test_first_pass_equals_the_sequential_one_once_the_examples_are_chosen(tmp_path: Path, monkeypatch,
                                                                           batch: int) -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    monkeypatch.setattr(corpus_stats, "MAX_EXAMPLES", 1)  # chosen early: the rest is added in bulk
    monkeypatch.setattr(stats_pass.Adder, "BATCH", batch)  # keys counted a document at a time, a few, or all at the end
    config = Config(repeat_min_docs=2)
    inputs = list_inputs(raw)
    want = corpus_stats.first_pass(inputs, raw, config)
    got = stats_pass.first_pass(inputs, Shared(raw, config), None)
    assert len(got.examples) == 1
    assert got.lines.table == want.lines.table and got.summary() == want.summary()
