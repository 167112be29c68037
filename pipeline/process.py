"""Run every stage on one input: the per-document pipeline, a pure function."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Callable

from pipeline.config import Config
from pipeline.document import Document
from pipeline.stages import STAGES

# Optional observer of (stage name, seconds) for the run summary (set by
# pipeline.progress.timing); timings are printed, never written to data files.
on_stage_time: Callable[[str, float], None] | None = None


@dataclass(frozen=True)
class Outcome:
    doc: Document
    raw_text: str  # the decoded raw text ("" when decoding failed)
    stage: str  # the stage that rejected the document, or "" when kept
    # pipeline.dedup.Fingerprint of a kept document, from its worker: derived
    # from doc.text and the config, so it takes no part in comparing outcomes
    fingerprint: object = field(default=None, compare=False)


def process(doc_id: str, source_file: str, raw: bytes, config: Config, stats=None, resume=None) -> Outcome:
    """``stats``: the corpus statistics of the first pass (pipeline.corpus_stats),
    given to the stages that want them (``WANTS_STATS``); None runs without."""
    doc = Document(
        id=doc_id,
        source_file=source_file,
        source_sha256=hashlib.sha256(raw).hexdigest(),
        source_size=len(raw),
        raw=raw,
    )
    raw_text, done = "", 0
    if resume is not None:  # (doc, raw_text, n): the first n stages' output, from pipeline.cache
        doc, raw_text, done = resume
    for stage in STAGES[done:]:
        started = time.perf_counter()
        doc = stage.apply(doc, config, stats) if getattr(stage, "WANTS_STATS", False) else stage.apply(doc, config)
        if on_stage_time is not None:
            on_stage_time(stage.NAME, time.perf_counter() - started)
        if stage.NAME == "decode":
            raw_text = doc.text
        if doc.rejection is not None:
            return Outcome(doc, raw_text, stage.NAME)
    return Outcome(doc, raw_text, "")


def clean_text(text: str, config: Config | None = None) -> Document:
    """Convenience for tests and notebooks: clean a text given as a string."""
    return process("text", "text.txt", text.encode("utf-8"), config or Config()).doc
