"""The first pass (pipeline.corpus_stats) mapped over an executor.

Workers do the per-document work (read, decode, repair, hash lines); this
process adds the results to one CorpusStats in input order. The result
equals ``corpus_stats.first_pass`` exactly (tests/test_stats_pass.py): line
counts and the report's examples are added in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import corpus_stats, process as process_mod
from pipeline.corpus import Input, read_input
from pipeline.corpus_stats import CorpusStats


@dataclass(frozen=True)
class Counts:
    """One document's contribution to the first pass."""

    lines: tuple[tuple[int, str], ...]  # (key, excerpt) of each distinct line, in text order


def repaired_text(inp: Input, shared) -> str | None:
    """The input decoded and repaired as the pipeline does; None when it is
    rejected before that (the second pass rejects it with its reason)."""
    from pipeline import cache
    data, rejected = read_input(inp, shared.raw_dir, shared.config)
    if rejected is not None:
        return None
    doc = cache.decoded_and_repaired(inp, data, shared)
    return doc.text if doc.rejection is None else None


def counts(text: str) -> Counts:
    return Counts(tuple(corpus_stats.distinct_keys(text)))


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
    return (None if text is None else counts(text)), tuple(times)


def add(stats: CorpusStats, c: Counts) -> None:
    """CorpusStats.add_text, from a worker's Counts. Until the report's
    examples are chosen, line by line (an example is a line reaching the
    threshold, the first ones in input order); then all the document's
    lines at once, in C (the main process must not be the bottleneck)."""
    stats.documents += 1
    if len(stats.examples) < corpus_stats.MAX_EXAMPLES:
        for k, excerpt in c.lines:
            stats.add_line(k, excerpt)
    elif c.lines:
        stats.lines_counted += len(c.lines)
        stats.lines.add_cells(stats.lines.cells_of([k for k, _ in c.lines]))


def first_pass(inputs: list[Input], shared, executor=None) -> CorpusStats:
    from pipeline.version import ProcessingError  # version imports this module

    config = shared.config
    stats = CorpusStats(config.repeat_min_docs, config.repeat_min_share)
    results = executor.map(work, inputs, shared) if executor is not None else (work(i, shared) for i in inputs)
    for inp, (c, times) in zip(inputs, results):
        if process_mod.on_stage_time is not None:  # decode and repair run here, not in the second pass
            for stage, seconds in times:
                process_mod.on_stage_time(stage, seconds)
        if isinstance(c, str):
            raise ProcessingError(f"processing {inp.path} raised {c}")
        if c is not None:
            add(stats, c)
    return stats
