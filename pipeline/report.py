"""The change report, built from the stages' edits (never by diffing texts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Iterator

from pipeline import to_review
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
        # (stage, rule) -> [edits, characters removed]; summed per stage by ``stages``
        # (a list's items added to cost half what three Counters' do, per rule of every document)
        self.rules: dict[tuple[str, str], list[int]] = {}

    def add(self, result) -> None:
        """Count one document (``pipeline.result.Result``)."""
        self.add_counts(result.reason, result.chars_in, result.chars_out, result.records, result.rule_edits)

    def add_counts(self, reason: str | None, chars_in: int, chars_out: int, records: int, rule_edits) -> None:
        """Count one document from its fields (``remove_counts`` takes them back)."""
        self.documents_in += 1
        if reason is not None:
            self.rejected_by_reason[reason] += 1
            return
        self.kept += 1
        self.chars_in += chars_in
        self.chars_out += chars_out
        self.records += records
        if not rule_edits:
            return
        rules = self.rules
        for stage, rule, edits, removed in rule_edits:
            total = rules.get((stage, rule))
            if total is None:
                rules[(stage, rule)] = [edits, removed]
            else:
                total[0] += edits
                total[1] += removed
        stage_docs = self.stage_docs
        for stage in {e[0] for e in rule_edits}:
            stage_docs[stage] += 1

    def remove_counts(self, reason: str | None, chars_in: int, chars_out: int, records: int, rule_edits) -> None:
        """Take back one document's counts (a re-run starts from the parent's
        totals, ``state``, and takes back the documents it does not copy)."""
        self.documents_in -= 1
        if reason is not None:
            self.rejected_by_reason[reason] -= 1
            if not self.rejected_by_reason[reason]:
                del self.rejected_by_reason[reason]
            return
        self.kept -= 1
        self.chars_in -= chars_in
        self.chars_out -= chars_out
        self.records -= records
        rules = self.rules
        for stage, rule, edits, removed in rule_edits or ():
            total = rules[(stage, rule)]
            total[0] -= edits
            total[1] -= removed
            if not total[0]:  # every document's count of a rule is at least 1: no document left has it
                del rules[(stage, rule)]
        for stage in {e[0] for e in rule_edits or ()}:
            self.stage_docs[stage] -= 1

    def state(self) -> dict:
        """Every count, as JSON values (``from_state`` makes the same Tally)."""
        return {"documents_in": self.documents_in, "kept": self.kept,
                "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
                "chars_in": self.chars_in, "chars_out": self.chars_out, "records": self.records,
                "stage_docs": dict(sorted((k, v) for k, v in self.stage_docs.items() if v)),
                "rules": sorted([stage, rule, n, removed] for (stage, rule), (n, removed) in self.rules.items())}

    @classmethod
    def from_state(cls, state: dict) -> "Tally":
        t = cls()
        t.documents_in, t.kept = state["documents_in"], state["kept"]
        t.rejected_by_reason.update(state["rejected_by_reason"])
        t.chars_in, t.chars_out, t.records = state["chars_in"], state["chars_out"], state["records"]
        t.stage_docs.update(state["stage_docs"])
        t.rules = {(stage, rule): [n, removed] for stage, rule, n, removed in state["rules"]}
        return t

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
        edits: Counter[str] = Counter()
        removed: Counter[str] = Counter()
        by_rule: dict[str, Counter[str]] = defaultdict(Counter)
        for (stage, rule), (n, chars) in self.rules.items():
            edits[stage] += n
            removed[stage] += chars
            by_rule[stage][rule] += n
        return [
            {
                "stage": s.NAME,
                "documents_changed": self.stage_docs[s.NAME],
                "edits": edits[s.NAME],
                "chars_removed": removed[s.NAME],
                "edits_by_rule": dict(sorted(by_rule[s.NAME].items())),
            }
            for s in STAGES
        ]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    # cut before replacing (one character for one): a long removal is not copied whole
    return text.replace("\n", "⏎") if len(text) <= limit else text[: limit - 1].replace("\n", "⏎") + "…"


def _cell(text: str) -> str:
    return excerpt(text).replace("|", "\\|").replace("`", "'")


def markdown(head: dict, documents: Iterable[dict]) -> Iterator[str]:
    """report.md, line by line: summary, stages, changes, then every document."""
    yield from markdown_head(head)
    for d in documents:
        yield ""
        status = "kept" if d["status"] == "kept" else f"rejected: `{d['reason']}`"
        yield f"### `{d['id']}` ({status})"
        yield ""
        yield document_markdown(d["edits"])[:-1]


def document_markdown(edits: list[dict]) -> str:
    """The lines of report.md under a document's heading (each ending in a newline)."""
    if not edits:
        return "No edits.\n"
    lines = ["| stage | rule | removed or changed | reason |", "| --- | --- | --- | --- |", *_edit_rows(edits)]
    return "\n".join(lines) + "\n"


def markdown_head(head: dict) -> Iterator[str]:
    """report.md up to its "Documents" heading, line by line."""
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


def _edit_rows(edits: list[dict]) -> Iterator[str]:
    """One row per removal; small character fixes are counted per rule instead."""
    small: dict[tuple[str, str, str], int] = {}  # (a dict: a Counter's += costs twice as much)
    rows = []
    for e in edits:
        before, after = e["before"], e["after"]
        if len(before) <= 3 and len(after) <= 3:
            key = (e["stage"], e["rule"], e["reason"])
            small[key] = small.get(key, 0) + 1
            continue
        change = _cell(before) if not after else f"{_cell(before)} → {_cell(after)}"
        score = f" (score {e['score']:.2f})" if e["score"] is not None else ""
        rows.append(f"| {e['stage']} | `{e['rule']}` | {change} | {_cell(e['reason'])}{score} |")
    yield from rows
    for (stage, rule, reason), n in small.items():
        yield f"| {stage} | `{rule}` | {n} × small character fix | {_cell(reason)} |"
