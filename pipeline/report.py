"""The change report, built from the stages' edits (never by diffing texts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Iterator

from pipeline import to_review
from pipeline.process import Outcome
from pipeline.stages import STAGES

EXCERPT = 100


class Tally:
    """Corpus-level counts, accumulated one outcome at a time (bounded memory)."""

    def __init__(self) -> None:
        self.documents_in = 0
        self.kept = 0
        self.rejected_by_reason: Counter[str] = Counter()
        self.chars_in = 0
        self.chars_out = 0
        self.records = 0
        self.stage_docs: Counter[str] = Counter()
        self.stage_edits: Counter[str] = Counter()
        self.stage_removed: Counter[str] = Counter()
        self.rule_edits: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, outcome: Outcome) -> None:
        self.add_contribution(contribution(outcome))

    def add_contribution(self, c: list) -> None:
        """Count one document from its ``contribution`` (kept in the cache)."""
        self.documents_in += 1
        if c[0] is not None:
            self.rejected_by_reason[c[0]] += 1
            return
        _, chars_in, chars_out, records, rules = c
        self.kept += 1
        self.chars_in += chars_in
        self.chars_out += chars_out
        self.records += records
        for stage in {r[0] for r in rules}:
            self.stage_docs[stage] += 1
        for stage, rule, edits, removed in rules:
            self.stage_edits[stage] += edits
            self.stage_removed[stage] += removed
            self.rule_edits[stage][rule] += edits

    def summary(self) -> dict:
        return {
            "documents_in": self.documents_in,
            "kept": self.kept,
            "rejected": sum(self.rejected_by_reason.values()),
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "records": self.records,
        }

    def stages(self) -> list[dict]:
        return [
            {
                "stage": s.NAME,
                "documents_changed": self.stage_docs[s.NAME],
                "edits": self.stage_edits[s.NAME],
                "chars_removed": self.stage_removed[s.NAME],
                "edits_by_rule": dict(sorted(self.rule_edits[s.NAME].items())),
            }
            for s in STAGES
        ]


def contribution(outcome: Outcome) -> list:
    """What one outcome adds to a Tally, as JSON data: [reason] for a rejected
    document, else [None, chars in, chars out, records, [[stage, rule, edits,
    chars removed], ...]]. Sums only, so adding it equals adding the outcome."""
    doc = outcome.doc
    if doc.rejection is not None:
        return [doc.rejection.reason]
    rules: dict[tuple[str, str], list] = {}
    for e in doc.edits:
        r = rules.setdefault((e.stage, e.rule), [e.stage, e.rule, 0, 0])
        r[2] += 1
        r[3] += len(e.before) - len(e.after)
    return [None, len(outcome.raw_text), len(doc.text), len(doc.records), list(rules.values())]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(text: str) -> str:
    return excerpt(text).replace("|", "\\|").replace("`", "'")


def markdown(head: dict, documents: Iterable[dict] = ()) -> Iterator[str]:
    """report.md, line by line: summary, stages, changes, then every document
    (pipeline.version writes the documents' part from ``document_markdown``)."""
    s, c = head["summary"], head["changes"]
    yield f"# Change report: {head['version']}"
    yield ""
    yield f"Parent version: {head['parent'] or 'none'}"
    yield ""
    yield "## Corpus"
    yield ""
    yield "| documents in | kept | rejected | characters in | characters out | records |"
    yield "| ---: | ---: | ---: | ---: | ---: | ---: |"
    yield f"| {s['documents_in']} | {s['kept']} | {s['rejected']} | {s['chars_in']} | {s['chars_out']} | {s['records']} |"
    yield ""
    if s["rejected_by_reason"]:
        yield "Rejected by reason: " + ", ".join(f"`{r}` {n}" for r, n in s["rejected_by_reason"].items())
        yield ""
    yield "## Stages"
    yield ""
    yield "| stage | documents changed | edits | characters removed | edits by rule |"
    yield "| --- | ---: | ---: | ---: | --- |"
    for st in head["stages"]:
        rules = ", ".join(f"`{r}` {n}" for r, n in st["edits_by_rule"].items()) or "-"
        yield f"| {st['stage']} | {st['documents_changed']} | {st['edits']} | {st['chars_removed']} | {rules} |"
    yield ""
    yield f"## Changes since {head['parent'] or 'nothing (first version)'}"
    yield ""
    for key in ("documents_added", "documents_removed", "documents_changed"):
        ids = c[key]
        shown = ", ".join(f"`{i}`" for i in ids[:50]) + (" …" if len(ids) > 50 else "")
        yield f"- {key.replace('_', ' ')}: {len(ids)}" + (f" ({shown})" if ids else "")
    for key in ("records_added", "records_removed", "records_changed"):
        yield f"- {key.replace('_', ' ')}: {c[key]}"
    yield ""
    yield from to_review.markdown(head)  # corpus repetition, removals to review
    yield "## Documents"
    for d in documents:
        yield from document_markdown(d)


def document_markdown(d: dict) -> Iterator[str]:
    """The lines of report.md for one document entry of report.json."""
    yield ""
    status = "kept" if d["status"] == "kept" else f"rejected: `{d['reason']}`"
    yield f"### `{d['id']}` ({status})"
    yield ""
    if not d["edits"]:
        yield "No edits."
        return
    yield "| stage | rule | removed or changed | reason |"
    yield "| --- | --- | --- | --- |"
    yield from _edit_rows(d["edits"])


def _edit_rows(edits: list[dict]) -> Iterator[str]:
    """One row per removal; small character fixes are counted per rule instead."""
    small: Counter[tuple[str, str, str]] = Counter()
    rows = []
    for e in edits:
        if len(e["before"]) <= 3 and len(e["after"]) <= 3:
            small[(e["stage"], e["rule"], e["reason"])] += 1
            continue
        change = _cell(e["before"]) if not e["after"] else f"{_cell(e['before'])} → {_cell(e['after'])}"
        score = f" (score {e['score']:.2f})" if e["score"] is not None else ""
        rows.append(f"| {e['stage']} | `{e['rule']}` | {change} | {_cell(e['reason'])}{score} |")
    yield from rows
    for (stage, rule, reason), n in small.items():
        yield f"| {stage} | `{rule}` | {n} × small character fix | {_cell(reason)} |"
