"""The per-input work of the second pass, as executors ship it to workers:
take the repaired document the first pass left (or read, decode and repair the
input), run the remaining stages, and send back only what the writer needs: a
``pipeline.result.Result`` (output lines, counts), the questions the stages
asked the corpus statistics (for the cache), and the stage timings.

This is the one function the run loop maps over the inputs; it depends only
on its input and ``Shared``, so where it runs never changes the output.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline import cache, corpus, dedup, executors, handover, process as process_mod, result as result_mod
from pipeline.config import Config
from pipeline.corpus import Input, read_input
from pipeline.process import Outcome, process
from pipeline.schemas import SchemaViolation


@dataclass(frozen=True)
class Shared:
    """What every input's work needs, sent to each worker once."""

    raw_dir: Path
    config: Config
    stats: object = None  # corpus statistics of the first pass (pipeline.corpus_stats), if any
    spill_dir: Path | None = None  # where first-pass workers leave repaired documents (pipeline.handover)

    def prefetch(self, chunk: list) -> None:
        """Start reading the raw files this chunk of items will read (a local
        worker calls it as a chunk arrives, ahead of its turn): a first-pass
        item is an input (as listed: ``corpus.Inputs.listed``); a second-pass
        one an (input, handover location) pair, whose raw file is read only
        when it has no location."""
        corpus.prefetch((item if not isinstance(item, tuple) else item[0] for item in chunk
                         if not isinstance(item, tuple) or item[1] is None), self.raw_dir)


@dataclass(frozen=True)
class Done:
    result: result_mod.Result | None  # None on error
    questions: cache.Questions | None  # asked of the corpus statistics; None: not cacheable
    times: tuple[tuple[str, float], ...]  # (stage, seconds), for the run summary
    error: str | None = None  # a stage raised: the input is named by the caller
    invalid: bool = False  # the error is an output that does not match its schema


def outcome(inp: Input, spilled: handover.Location | None, shared: Shared, recorder=None) -> Outcome:
    """The input's outcome, starting from its spilled repaired document if any."""
    resumed = handover.get(spilled) if spilled is not None else None  # (doc, raw chars, stage)
    if resumed is None:
        data, rejected = read_input(inp, shared.raw_dir, shared.config)
        if rejected is not None:
            return Outcome(rejected, "", "read")
        doc, raw_text, stage = handover.decode_and_repair(inp, data, shared.config)
        resumed = doc, len(raw_text), stage
    doc, raw_chars, stage = resumed
    if doc.rejection is not None:
        return Outcome(dataclasses.replace(doc, raw=b""), "", stage, raw_chars)
    out = process(inp.id, inp.path, b"", shared.config, recorder, resume=(doc, raw_chars, len(handover.first_stages())))
    # decode dropped the bytes already: two dataclass copies per document saved
    return out if not out.doc.raw else dataclasses.replace(out, doc=dataclasses.replace(out.doc, raw=b""))


def work(item: tuple[Input | str, handover.Location | None], shared: Shared) -> Done:
    """The Done of an (input, spilled location) item; the input as listed
    (``corpus.Inputs.listed``) or an Input."""
    listed, spilled = item
    inp = corpus.as_input(listed, shared.raw_dir)
    times: list[tuple[str, float]] = []
    observer = process_mod.on_stage_time
    process_mod.on_stage_time = lambda stage, seconds: times.append((stage, seconds))
    try:
        recorder = cache.Recorder(shared.stats) if shared.stats is not None else None
        out = outcome(inp, spilled, shared, recorder)
        result = result_mod.of(out, shared.config, _fingerprint(out, shared.config, times))
        questions = None if recorder is not None and recorder.opaque else \
            recorder.questions() if recorder is not None else cache.Questions(b"", b"", b"", cache.NO_YES, -1)
    except SchemaViolation as err:  # a bug too, reported as such by the caller
        return Done(None, None, (), str(err), invalid=True)
    except Exception as err:  # a bug: the caller names the input that triggers it
        return Done(None, None, (), f"{type(err).__name__}: {err}")
    finally:
        process_mod.on_stage_time = observer
    return Done(result, questions, tuple(times))


def _fingerprint(outcome: Outcome, config: Config, times: list) -> dedup.Fingerprint | None:
    """A kept document's duplicate fingerprint, computed here (in the worker)
    so that the run's main process only looks it up; timed as dedup work."""
    if outcome.doc.rejection is not None:
        return None
    started = time.perf_counter()
    fp = dedup.fingerprint(outcome.doc.text, config)
    times.append((dedup.STAGE, time.perf_counter() - started))
    return fp


def results(items, shared: Shared, executor=None) -> Iterator[Done]:
    """The Done of every item ((input, spilled location), the input as
    listed or an Input: ``work``), in order. Stage
    timings are passed on to ``pipeline.process.on_stage_time`` in this
    process, wherever they ran. Raises ``ProcessingError`` naming the input
    when a stage raised."""
    from pipeline.version import ProcessingError  # version imports this module

    for (inp, _), d in executors.paired(executor, work, items, shared):
        if d.invalid:
            raise SchemaViolation(d.error)
        if d.error is not None:
            raise ProcessingError(f"processing {corpus.key_of(inp)[1]} raised {d.error}")
        if process_mod.on_stage_time is not None:
            for stage, seconds in d.times:
                process_mod.on_stage_time(stage, seconds)
        yield d
