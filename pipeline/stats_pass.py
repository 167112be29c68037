"""The first pass (pipeline.corpus_stats) mapped over an executor.

Workers do the per-document work (read, decode, repair, hash lines and
words, find the sketch cells of the words); this process adds the results
to one CorpusStats in input order. The result equals
``corpus_stats.first_pass`` exactly (tests/test_stats_pass.py): line counts
and the report's examples are added in the same order, and the word sketch
is a sum, which does not depend on order.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from pipeline import corpus_stats, process as process_mod
from pipeline.corpus import Input, read_input
from pipeline.corpus_stats import CorpusStats


@dataclass(frozen=True)
class Counts:
    """One document's contribution to the first pass."""

    lines: tuple[tuple[int, str], ...]  # (key, excerpt) of each distinct line, in text order
    word_cells: array  # sketch cells of the distinct words (uint32)


def repaired_text(inp: Input, shared) -> str | None:
    """The input decoded and repaired as the pipeline does; None when it is
    rejected before that (the second pass rejects it with its reason)."""
    from pipeline import cache
    data, rejected = read_input(inp, shared.raw_dir, shared.config)
    if rejected is not None:
        return None
    doc = cache.decoded_and_repaired(inp, data, shared)
    return doc.text if doc.rejection is None else None


def counts(text: str, sketch: corpus_stats.CountMin) -> Counts:
    lines, word_keys = corpus_stats.distinct_keys(text)
    cells = array("I", (c for k in word_keys for c in sketch._cells(k)))
    return Counts(tuple(lines), cells)


_SKETCH = corpus_stats.CountMin.__new__(corpus_stats.CountMin)  # only its geometry: no table
_SKETCH.width, _SKETCH.depth = corpus_stats.SKETCH_WIDTH, corpus_stats.SKETCH_DEPTH


def work(inp: Input, shared) -> tuple[Counts | None | str, tuple]:
    """(the document's Counts, or None when it is rejected before repair, or
    the error a stage raised; the stage timings)."""
    times: list[tuple[str, float]] = []
    observer = process_mod.on_stage_time
    process_mod.on_stage_time = lambda stage, seconds: times.append((stage, seconds))
    try:
        text = repaired_text(inp, shared)
    except Exception as err:  # a bug: the caller names the input
        return f"{type(err).__name__}: {err}", ()
    finally:
        process_mod.on_stage_time = observer
    return (None if text is None else counts(text, _SKETCH)), tuple(times)


def add(stats: CorpusStats, c: Counts, word_table: np.ndarray) -> None:
    """CorpusStats.add_text, from a worker's Counts."""
    stats.documents += 1
    for k, excerpt in c.lines:
        stats.add_line(k, excerpt)
    np.add.at(word_table, np.frombuffer(c.word_cells, dtype=np.uint32), 1)


def first_pass(inputs: list[Input], shared, executor=None) -> CorpusStats:
    from pipeline.version import ProcessingError  # version imports this module

    config = shared.config
    stats = CorpusStats(config.repeat_min_docs, config.repeat_min_share)
    word_table = np.frombuffer(stats.words.table, dtype=np.uint32)  # the sketch's own memory
    assert (stats.words.width, stats.words.depth) == (_SKETCH.width, _SKETCH.depth)
    results = executor.map(work, inputs, shared) if executor is not None else (work(i, shared) for i in inputs)
    for inp, (c, times) in zip(inputs, results):
        if process_mod.on_stage_time is not None:  # decode and repair run here, not in the second pass
            for stage, seconds in times:
                process_mod.on_stage_time(stage, seconds)
        if isinstance(c, str):
            raise ProcessingError(f"processing {inp.path} raised {c}")
        if c is not None:
            add(stats, c, word_table)
    return stats
