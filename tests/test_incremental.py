"""The run's per-input state is compact: packed by input ordinal, inputs made
when asked for; it must give back exactly what was put."""

from __future__ import annotations

from array import array
from pathlib import Path

from pipeline.corpus import Inputs
from pipeline.incremental import _Locations, _Subset


def test_locations_give_back_what_was_put() -> None:
    where = _Locations(5)
    where.put(1, ("/tmp/a/1.jsonl", 0, 10))
    where.put(3, ("/tmp/a/2.jsonl", 2**40, 7))
    where.put(4, ("/tmp/a/1.jsonl", 10, 0))
    assert [where.get(i) for i in range(5)] == [
        None, ("/tmp/a/1.jsonl", 0, 10), None, ("/tmp/a/2.jsonl", 2**40, 7), ("/tmp/a/1.jsonl", 10, 0)]
    assert where.files == ["/tmp/a/1.jsonl", "/tmp/a/2.jsonl"]


def test_a_subset_is_the_inputs_at_its_ordinals() -> None:
    inputs = Inputs(Path("/raw"), [f"d{i}.txt" for i in range(6)])
    subset = _Subset(inputs, array("I", [0, 2, 5]))
    assert len(subset) == 3
    assert [i.path for i in subset] == ["d0.txt", "d2.txt", "d5.txt"]
    assert list(subset) == [inputs[0], inputs[2], inputs[5]] == subset[:]
