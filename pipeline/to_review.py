"""Removals to review: scored removals whose score lies within
``config.review_margin`` of their stage's decision threshold. The change
report lists them (report.json ``review``, report.md "To review"): these are
the decisions a small change of threshold would flip, so a person checks them
first.

A stage that scores its removals says where its threshold lies with
``review_threshold(config)`` (on the scale of its edits' ``score``).
Memory is bounded: at most ``config.review_max_items`` are listed; all are
counted.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterator

from pipeline.config import Config
from pipeline.stages import STAGES

EXCERPT = 100


def thresholds(config: Config) -> dict[str, float]:
    """Stage name -> the score at which its decision flips."""
    out = {}
    for stage in STAGES:
        fn: Callable[[Config], float] | None = getattr(stage, "review_threshold", None)
        if fn is not None:
            out[stage.NAME] = fn(config)
    return out


_last: tuple = (None, {})  # (config, its thresholds): every document of a run asks with the same Config


def _thresholds_of(config: Config) -> dict[str, float]:
    """thresholds(config), not to be changed, computed once per Config."""
    global _last
    if _last[0] is not config:
        _last = config, thresholds(config)
    return _last[1]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The text with its whitespace runs made single spaces, cut to ``limit``."""
    if len(text) > 4 * limit:  # a long removal: its start, collapsed, is a prefix of the whole collapsed
        start = " ".join(text[: 4 * limit].split())
        if len(start) > limit:
            return start[: limit - 1] + "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def near_threshold(doc, config: Config) -> tuple[tuple[str, str, float, float, str], ...]:
    """(stage, rule, score, threshold, excerpt) of each of a kept document's
    removals within ``config.review_margin`` of its stage's threshold."""
    scored = [e for e in doc.edits if e.score is not None]  # most edits have no score
    if not scored:
        return ()
    limits, margin, out = _thresholds_of(config), config.review_margin, []
    for e in scored:
        t = limits.get(e.stage)
        if t is None or abs(e.score - t) > margin:
            continue
        out.append((e.stage, e.rule, e.score, round(t, 4), excerpt(e.before)))
    return tuple(out)


class Review:
    """Collects the removals near their threshold, one outcome at a time."""

    def __init__(self, config: Config) -> None:
        self.margin = config.review_margin
        self.max_items = config.review_max_items
        self.thresholds = thresholds(config)
        self.count = 0
        self.by_rule: Counter[str] = Counter()
        self.items: list[dict] = []

    def add(self, result) -> None:
        """Count a document's removals near their threshold (``pipeline.result.Result``)."""
        for stage, rule, score, threshold, text in result.near_threshold:
            self.count += 1
            self.by_rule[rule] += 1
            if len(self.items) < self.max_items:
                self.items.append({"id": result.id, "stage": stage, "rule": rule, "score": score,
                                   "threshold": threshold, "text": text})

    def add_items(self, doc_id: str, near) -> None:
        """List a document's removals near their threshold without counting
        them (a re-run's counts start from the parent's, ``state``)."""
        for stage, rule, score, threshold, text in near:
            if len(self.items) == self.max_items:
                return
            self.items.append({"id": doc_id, "stage": stage, "rule": rule, "score": score,
                               "threshold": threshold, "text": text})

    def remove_counts(self, near) -> None:
        """Take back the counts of a document's removals near their threshold."""
        for _, rule, *_ in near:
            self.count -= 1
            self.by_rule[rule] -= 1
            if not self.by_rule[rule]:
                del self.by_rule[rule]

    @property
    def full(self) -> bool:
        return len(self.items) >= self.max_items

    def state(self) -> dict:
        """The counts (not the items), as JSON values."""
        return {"count": self.count, "by_rule": dict(sorted(self.by_rule.items()))}

    def set_counts(self, state: dict) -> None:
        self.count = state["count"]
        self.by_rule = Counter(state["by_rule"])

    def summary(self) -> dict:
        return {
            "margin": self.margin,
            "thresholds": dict(sorted(self.thresholds.items())),
            "count": self.count,
            "by_rule": dict(sorted(self.by_rule.items())),
            "items": self.items,
        }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def markdown(head: dict) -> Iterator[str]:
    """The report.md sections on the first pass and on removals to review."""
    corpus = head.get("corpus")
    if corpus:
        yield "## Corpus repetition (first pass)"
        yield ""
        yield (f"{corpus['documents']} documents, {corpus['lines_counted']} distinct lines counted as hashes "
               f"({corpus['sketch_bytes']} bytes of sketches); a line in {corpus['repeated_min_documents']} "
               "or more documents counts as repeated boilerplate.")
        yield ""
        if corpus["repeated_examples"]:
            yield "| repeated line | documents |"
            yield "| --- | ---: |"
            for ex in corpus["repeated_examples"]:
                yield f"| {_cell(ex['text'])} | {ex['documents']} |"
            yield ""
    review = head.get("review")
    if review:
        yield "## To review"
        yield ""
        yield (f"{review['count']} removals scored within {review['margin']} of their stage's threshold "
               f"({', '.join(f'{s} {t:.2f}' for s, t in review['thresholds'].items())})"
               + (f"; the first {len(review['items'])} are listed." if len(review["items"]) < review["count"] else "."))
        yield ""
        if review["items"]:
            yield "| document | rule | score | removed |"
            yield "| --- | --- | ---: | --- |"
            for it in review["items"]:
                yield f"| `{it['id']}` | `{it['rule']}` | {it['score']:.2f} | {_cell(it['text'])} |"
            yield ""
