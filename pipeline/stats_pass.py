"""The first pass (pipeline.corpus_stats) mapped over an executor.

Workers do the per-document work (read, hash, decode, repair, hash lines);
this process adds the results to one CorpusStats in input order. The result
equals ``corpus_stats.first_pass`` exactly (tests/test_stats_pass.py): line
counts and the report's examples are added in the same order.
pipeline.incremental runs it on the inputs that changed since the last run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pipeline import corpus_stats, executors, handover, process as process_mod
from pipeline.corpus import Input, as_input, key_of, read_input
from pipeline.corpus_stats import CorpusStats


@dataclass(frozen=True)
class Counts:
    """One document's contribution to the first pass."""

    sha256: str
    lines: tuple[tuple[int, str], ...] | None  # (key, excerpt) of each distinct line, in text order;
    # None: rejected before its lines are counted (decode, repair)
    spill: handover.Location | None = None  # where the repaired document waits for the second pass


@dataclass(frozen=True)
class FirstDone:
    counts: Counts | None  # None: rejected when read (the second pass rejects it with its reason)
    times: tuple  # (stage, seconds)
    error: str | None = None  # a stage raised: the caller names the input


def counts(text: str) -> tuple[tuple[int, str], ...]:
    return tuple(corpus_stats.distinct_keys(text))


def work(listed: Input | str, shared) -> FirstDone:
    """The FirstDone of an input, as listed (``corpus.Inputs.listed``) or an Input."""
    inp = as_input(listed, shared.raw_dir)
    times: list[tuple[str, float]] = []
    observer = process_mod.on_stage_time
    process_mod.on_stage_time = lambda stage, seconds: times.append((stage, seconds))
    try:
        data, rejected = read_input(inp, shared.raw_dir, shared.config)
        if rejected is not None:
            return FirstDone(None, ())
        sha256 = hashlib.sha256(data).hexdigest()
        doc, raw_text, stage = handover.decode_and_repair(inp, data, shared.config, sha256)
        keys = lines = None
        if doc.rejection is None:
            texts = corpus_stats.counted_lines(doc.text)
            keys = corpus_stats.keys_of(texts)
            lines = tuple(corpus_stats.distinct_keys_of(texts, keys))  # counts(doc.text)
        # The keys go with the document: the second pass asks them again (boundaries).
        where = handover.put(shared.spill_dir, doc, len(raw_text), stage, keys) if shared.spill_dir is not None else None
        return FirstDone(Counts(sha256, lines, where), tuple(times))
    except Exception as err:  # a bug: the caller names the input
        return FirstDone(None, (), f"{type(err).__name__}: {err}")
    finally:
        process_mod.on_stage_time = observer


class Adder:
    """CorpusStats.add_text of each document in input order, from a worker's
    lines. Until the report's examples are chosen, line by line (an example
    is a line reaching the threshold, the first ones in input order); then
    the keys of many documents wait and are counted at once, in C (the main
    process must not be the bottleneck). A count does not depend on the
    order of its adds, and nothing reads one before ``flush``."""

    BATCH = 1 << 16  # keys counted at once

    def __init__(self, stats: CorpusStats) -> None:
        self.stats = stats
        self.keys: list[int] = []

    def add(self, lines) -> None:
        stats = self.stats
        stats.documents += 1
        if len(stats.examples) < corpus_stats.MAX_EXAMPLES:
            for k, excerpt in lines:
                stats.add_line(k, excerpt)
        elif lines:
            stats.lines_counted += len(lines)
            self.keys += [k for k, _ in lines]
            if len(self.keys) >= self.BATCH:
                self.flush()

    def flush(self) -> CorpusStats:
        """The statistics with every line added so far counted."""
        if self.keys:
            self.stats.lines.add_cells(self.stats.lines.cells_of(self.keys))
            self.keys = []
        return self.stats


def results(inputs, shared, executor=None):
    """(input, FirstDone) of every input (as listed, ``corpus.Inputs.listed``,
    or an Input), in order; raises ProcessingError naming the input when a
    stage raised, and passes stage timings on."""
    from pipeline.version import ProcessingError  # version imports this module

    for inp, d in executors.paired(executor, work, inputs, shared):
        if process_mod.on_stage_time is not None:  # decode and repair run here, not in the second pass
            for stage, seconds in d.times:
                process_mod.on_stage_time(stage, seconds)
        if d.error is not None:
            raise ProcessingError(f"processing {key_of(inp)[1]} raised {d.error}")
        yield inp, d


def first_pass(inputs: list[Input], shared, executor=None) -> CorpusStats:
    """The first pass over every input, with no cache."""
    config = shared.config
    adder = Adder(CorpusStats(config.repeat_min_docs, config.repeat_min_share))
    for _, d in results(inputs, shared, executor):
        if d.counts is not None and d.counts.lines is not None:
            adder.add(d.counts.lines)
    return adder.flush()
