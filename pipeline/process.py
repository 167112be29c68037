"""Run every stage on one input: the per-document pipeline, a pure function."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
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
    raw_text: str  # the decoded raw text ("" when decoding failed, or when not at hand: raw_chars)
    stage: str  # the stage that rejected the document, or "" when kept
    raw_chars: int | None = None  # len(raw_text), when the raw text itself is not at hand (pipeline.handover)

    @property
    def chars_in(self) -> int:
        """The length of the decoded raw text."""
        return len(self.raw_text) if self.raw_chars is None else self.raw_chars


def process(doc_id: str, source_file: str, raw: bytes, config: Config, stats=None, resume=None) -> Outcome:
    """``stats``: the corpus statistics of the first pass (pipeline.corpus_stats),
    given to the stages that want them (``WANTS_STATS``); None runs without."""
    raw_text = ""
    if resume is not None:  # (doc, raw chars, n): the first n stages' output, from pipeline.handover
        doc, raw_chars, done = resume  # (no document of ``raw`` made, nor its hash: resume replaces it)
    else:
        doc = Document(
            id=doc_id,
            source_file=source_file,
            source_sha256=hashlib.sha256(raw).hexdigest(),
            source_size=len(raw),
            raw=raw,
        )
        raw_chars, done = None, 0
    for stage in STAGES[done:]:
        started = time.perf_counter()
        doc = stage.apply(doc, config, stats) if getattr(stage, "WANTS_STATS", False) else stage.apply(doc, config)
        if on_stage_time is not None:
            on_stage_time(stage.NAME, time.perf_counter() - started)
        if stage.NAME == "decode":
            raw_text = doc.text
        if doc.rejection is not None:
            return Outcome(doc, raw_text, stage.NAME, raw_chars)
    return Outcome(doc, raw_text, "", raw_chars)


def clean_text(text: str, config: Config | None = None) -> Document:
    """Convenience for tests and notebooks: clean a text given as a string."""
    return process("text", "text.txt", text.encode("utf-8"), config or Config()).doc
