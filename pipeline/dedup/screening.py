"""Kept documents screened against the duplicate index, in id order: a
duplicate's Result is rejected as ``duplicate``, with a detail naming the
document kept (``detail``; ``kept_id`` reads the name back)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from pipeline import result
from pipeline.config import Config
from pipeline.dedup.index import DuplicateIndex, Match
from pipeline.result import Result

STAGE = "dedup"  # the `stage` of a duplicate's rejection (and of the fingerprint's time: pipeline.runner)


def detail(match: Match, config: Config) -> str:
    """The rejection detail of a duplicate of ``match.kept_id``."""
    if match.exact:
        return f"duplicate of {match.kept_id}: the same text after normalisation"
    return (f"near duplicate of {match.kept_id}: estimated Jaccard similarity "
            f"{match.similarity:.2f} of {config.duplicate_shingle_words}-word shingles "
            f"(threshold {config.duplicate_threshold})")


_KEPT_ID = re.compile(r"(?:near )?duplicate of (.*): (?:the same text after normalisation|estimated Jaccard "
                      r"similarity [0-9.]+ of [0-9]+-word shingles \(threshold [^()]*\))", re.DOTALL)


def kept_id(detail_text: str) -> str | None:
    """The id a ``detail`` names (the suffix is matched at the end: an id may hold anything)."""
    m = _KEPT_ID.fullmatch(detail_text)
    return m.group(1) if m else None


def rejected(res: Result, detail: str) -> Result:
    """The Result of a kept document found to duplicate another."""
    return result.rejected(res, "duplicate", STAGE, detail)


SCREEN_BATCH = 64  # results screened at once: 4 executor chunks (at 20k, 16: 0.42 s, 64: 0.35-0.40 s, 256: no better)


def screened(results: Iterable[Result], index: DuplicateIndex,
             batch: int = SCREEN_BATCH) -> Iterator[tuple[Result, Result]]:
    """(result, ``screen(result, index)``) of each result, in order; the kept
    ones are looked up ``batch`` at a time (DuplicateIndex.find_batch)."""
    results = iter(results)
    while chunk := list(itertools.islice(results, batch)):
        matches = index.find_batch([(res.id, res.fingerprint) if res.kept else None for res in chunk])
        for res, match in zip(chunk, matches):
            yield res, res if match is None else rejected(res, detail(match, index.config))


def screen(res: Result, index: DuplicateIndex) -> Result:
    """The Result, rejected as ``duplicate`` when its text duplicates a
    document kept earlier in the run; rejected documents pass through
    untouched. The fingerprint was made by the worker (pipeline.runner)."""
    if not res.kept:
        return res
    match = index.find_fingerprint(res.id, res.fingerprint)
    return res if match is None else rejected(res, detail(match, index.config))
