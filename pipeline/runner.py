"""The per-input work of a run, as executors ship it to workers: read the
input, process it (or take it from the cache), and send back only what the
writer needs: the ``Result`` (serialised output lines and a few counts,
pipeline.result), and the stage timings.

This is the one function the run loop maps over the inputs; it depends only
on its input and ``Shared``, so where it runs never changes the output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline import cache, dedup, process as process_mod, result
from pipeline.config import Config
from pipeline.corpus import Input, read_input
from pipeline.process import Outcome, process
from pipeline.result import Result
from pipeline.schemas import SchemaViolation


@dataclass(frozen=True)
class Shared:
    """What every input's work needs, sent to each worker once."""

    raw_dir: Path
    config: Config
    stats: object = None  # corpus statistics of the first pass (pipeline.corpus_stats), if any
    cache_dir: Path | None = None  # per-document cache (pipeline.cache), if any


@dataclass(frozen=True)
class Done:
    result: Result | None
    times: tuple[tuple[str, float], ...]  # (stage, seconds), for the run summary
    error: str | None = None  # a stage raised: the input is named by the caller
    schema_violation: bool = False  # the error is an output the schemas refuse


def work(inp: Input, shared: Shared) -> Done:
    times: list[tuple[str, float]] = []
    observer = process_mod.on_stage_time
    process_mod.on_stage_time = lambda stage, seconds: times.append((stage, seconds))
    try:
        outcome = _outcome(inp, shared)
        return Done(result.of(outcome, shared.config, _fingerprint(outcome, shared.config, times)), tuple(times))
    except SchemaViolation as err:  # output that does not match the schemas: nothing is published
        return Done(None, (), str(err), schema_violation=True)
    except Exception as err:  # a bug: the caller names the input that triggers it
        return Done(None, (), f"{type(err).__name__}: {err}")
    finally:
        process_mod.on_stage_time = observer


def _outcome(inp: Input, shared: Shared) -> Outcome:
    data, rejected = read_input(inp, shared.raw_dir, shared.config)
    if rejected is not None:
        return Outcome(rejected, "", "read")
    if (outcome := cache.cached_outcome(inp, data, shared)) is not None:
        return outcome
    doc, raw_text, stage = cache.cached_stages(inp, data, shared)
    if doc.rejection is not None:
        return Outcome(doc, raw_text, stage)
    # the remaining stages, after those the cache holds
    recorder = cache.Recorder(shared.stats) if shared.stats is not None else None
    outcome = process(inp.id, inp.path, data, shared.config, recorder, resume=(doc, raw_text, len(cache.CACHED_STAGES)))
    cache.store_outcome(inp, data, shared, outcome, recorder)
    return outcome


def _fingerprint(outcome: Outcome, config: Config, times: list) -> dedup.Fingerprint | None:
    """A kept document's duplicate fingerprint, computed here (in the worker)
    so that the run's main process only looks it up; timed as dedup work."""
    if outcome.doc.rejection is not None:
        return None
    started = time.perf_counter()
    fp = dedup.fingerprint(outcome.doc.text, config)
    times.append((dedup.STAGE, time.perf_counter() - started))
    return fp


def results(inputs: list[Input], shared: Shared, executor=None) -> Iterator[Result]:
    """Every input's Result, in input order. Stage timings are passed on to
    ``pipeline.process.on_stage_time`` in this process, wherever they ran.
    Raises ``ProcessingError`` naming the input when a stage raised."""
    from pipeline.version import ProcessingError  # version imports this module

    results = executor.map(work, inputs, shared) if executor is not None else (work(i, shared) for i in inputs)
    for inp, done in zip(inputs, results):
        if done.schema_violation:
            raise SchemaViolation(done.error)
        if done.error is not None:
            raise ProcessingError(f"processing {inp.path} raised {done.error}")
        if process_mod.on_stage_time is not None:
            for stage, seconds in done.times:
                process_mod.on_stage_time(stage, seconds)
        yield done.result
