"""Invariants of the whole pipeline, on the seeds, on the dev set and on
generated text:

1. replaying the edit log on the decoded raw text gives the clean text;
2. cleaning is idempotent: title + text of a kept document comes back unchanged;
3. output bytes are deterministic (two runs, different hash seeds);
4. every output line validates against its schema;
5. kept + rejected = inputs, and every reason is from the fixed list;
6. for arbitrary text and bytes, `process` raises nothing and its output validates.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

from pipeline import schemas, serialize
from pipeline.config import Config
from pipeline.corpus import list_inputs
from pipeline.document import replay
from pipeline.process import Outcome, process
from pipeline.reasons import REASON_PATTERN
from conftest import CORPUS_FILES, DEV_RAW, RAW, curate, english_text, noisy_text, outcome_of, read_jsonl

# An edit as report.json writes it.
EDIT_VALIDATOR = Draft202012Validator({"$defs": schemas.schema("report")["$defs"], "$ref": "#/$defs/edit"})
HYPOTHESIS = settings(max_examples=100, deadline=None)
OUTPUT_FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md", "manifest.json")


def edit_trace(outcome: Outcome) -> list:
    return [(e.step, e.rule, e.before[:80], e.after[:80]) for e in outcome.doc.edits]


def check_outcome(outcome: Outcome) -> None:
    """The objects the writer would write for this outcome validate (raises SchemaViolation)."""
    doc = outcome.doc
    if doc.rejection is None:
        schemas.check("document", serialize.document_obj(doc, len(outcome.raw_text)), doc.id)
        for rec in serialize.record_objs(doc):
            schemas.check("record", rec, rec["id"])
            assert doc.text[rec["start"]:rec["end"]] == rec["text"]
    else:
        schemas.check("rejected", serialize.rejected_obj(doc, outcome.stage), doc.id)
    for e in doc.edits:
        EDIT_VALIDATOR.validate(serialize.edit_obj(e))


def check_replay(outcome: Outcome) -> None:
    if outcome.stage == "decode" or outcome.stage == "read":
        assert outcome.doc.edits == ()
        return
    assert replay(outcome.raw_text, outcome.doc.edits) == outcome.doc.text


def check_idempotent(outcome: Outcome) -> None:
    doc = outcome.doc
    if doc.rejection is not None:
        return
    again_text = (doc.title or "") + "\n\n" + doc.text
    again = process(doc.id, doc.source_file, again_text.encode("utf-8"), Config())
    why = f"second pass on {again_text[:2000]!r} made edits {edit_trace(again)}"
    assert again.doc.rejection is None, f"{again.doc.rejection}; {why}"
    assert again.doc.text == doc.text, why


# --- 1 and 2 on the corpus files ------------------------------------------------

@pytest.mark.parametrize("path", CORPUS_FILES)
def test_replay_gives_clean_text(path: Path) -> None:
    check_replay(outcome_of(path))


@pytest.mark.parametrize("path", CORPUS_FILES)
def test_idempotent(path: Path) -> None:
    check_idempotent(outcome_of(path))


@pytest.mark.parametrize("path", CORPUS_FILES)
def test_outcome_validates(path: Path) -> None:
    check_outcome(outcome_of(path))


# --- 3, 4, 5 on real runs ---------------------------------------------------------

CORPORA = [pytest.param(RAW, id="seeds"),
           pytest.param(DEV_RAW, id="dev", marks=pytest.mark.skipif(not DEV_RAW.is_dir(), reason=f"no dev set at {DEV_RAW}"))]


@pytest.fixture(scope="module", params=CORPORA)
def two_runs(request, tmp_path_factory) -> tuple[Path, Path, Path]:
    """(raw dir, version dir of run A, version dir of run B): two CLI runs into
    fresh directories with different hash seeds."""
    raw = request.param
    base = tmp_path_factory.mktemp("runs")
    dirs = []
    for name, seed in (("a", "1"), ("b", "2")):
        proc = curate("run", "--raw", str(raw), "--clean", str(base / name), env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        dirs.append(base / name / (base / name / "LATEST").read_text(encoding="utf-8").strip())
    return raw, dirs[0], dirs[1]


@pytest.mark.parametrize("name", OUTPUT_FILES)
def test_deterministic_output(two_runs, name: str) -> None:
    _, a, b = two_runs
    assert (a / name).read_bytes() == (b / name).read_bytes()


def test_every_output_line_validates(two_runs) -> None:
    _, vdir, _ = two_runs
    for name, schema in (("documents.jsonl", "document"), ("records.jsonl", "record"), ("rejected.jsonl", "rejected")):
        with open(vdir / name, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                assert line.endswith("\n")
                schemas.check(schema, json.loads(line), f"{name}:{n}")
    for name, schema in (("report.json", "report"), ("manifest.json", "manifest")):
        schemas.check(schema, json.loads((vdir / name).read_text(encoding="utf-8")), name)


def test_kept_plus_rejected_is_inputs(two_runs) -> None:
    raw, vdir, _ = two_runs
    input_ids = [i.id for i in list_inputs(raw)]
    kept = [d["id"] for d in read_jsonl(vdir / "documents.jsonl")]
    rejected = read_jsonl(vdir / "rejected.jsonl")
    assert len(set(kept)) == len(kept)
    assert not set(kept) & {r["id"] for r in rejected}
    assert sorted(kept + [r["id"] for r in rejected]) == sorted(input_ids)
    assert kept == sorted(kept), "documents.jsonl is in id order"
    for r in rejected:
        assert re.match(REASON_PATTERN, r["reason"]), r
    report = json.loads((vdir / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in report["documents"]] == input_ids
    summary = report["summary"]
    assert (summary["documents_in"], summary["kept"], summary["rejected"]) == (len(input_ids), len(kept), len(rejected))
    assert sum(summary["rejected_by_reason"].values()) == len(rejected)


def test_records_and_counts_agree_with_documents(two_runs) -> None:
    _, vdir, _ = two_runs
    docs = {d["id"]: d for d in read_jsonl(vdir / "documents.jsonl")}
    records = read_jsonl(vdir / "records.jsonl")
    report = {d["id"]: d for d in json.loads((vdir / "report.json").read_text(encoding="utf-8"))["documents"]}
    by_doc: dict[str, list[dict]] = {}
    for rec in records:
        by_doc.setdefault(rec["doc_id"], []).append(rec)
    assert set(by_doc) <= set(docs)
    assert len({r["id"] for r in records}) == len(records)
    for doc_id, doc in docs.items():
        recs = by_doc.get(doc_id, [])
        assert doc["counts"]["records"] == len(recs)
        assert doc["counts"]["chars"] == len(doc["text"])
        assert doc["counts"]["edits"] == len(report[doc_id]["edits"])
        assert [r["seq"] for r in recs] == list(range(len(recs)))
        end = 0
        for r in recs:
            assert r["id"] == f"{doc_id}#{r['seq']}"
            assert r["start"] >= end, "records are in order and do not overlap"
            assert doc["text"][r["start"]:r["end"]] == r["text"]
            if r["attribution_start"] is not None:
                assert doc["text"][r["attribution_start"]:r["attribution_end"]] == r["attribution"]
            end = r["end"]


def test_rerun_on_a_copy_gives_the_same_data(two_runs, tmp_path: Path) -> None:
    """Where the corpus lives does not matter: same inputs, same bytes."""
    raw, vdir, _ = two_runs
    copy = tmp_path / "elsewhere"
    shutil.copytree(raw, copy)
    proc = curate("run", "--quiet", "--raw", str(copy), "--clean", str(tmp_path / "clean"))
    assert proc.returncode == 0, proc.stderr
    for name in ("documents.jsonl", "records.jsonl", "rejected.jsonl"):
        assert (tmp_path / "clean" / "v1" / name).read_bytes() == (vdir / name).read_bytes()


# --- 1, 2, 6 on generated input ----------------------------------------------------

@HYPOTHESIS
@given(noisy_text)
def test_arbitrary_text(text: str) -> None:
    outcome = process("gen", "gen.txt", text.encode("utf-8"), Config())
    check_outcome(outcome)
    check_replay(outcome)


@HYPOTHESIS
@given(st.binary(max_size=500))
def test_arbitrary_bytes(raw: bytes) -> None:
    outcome = process("gen", "gen.txt", raw, Config())
    check_outcome(outcome)
    check_replay(outcome)


@HYPOTHESIS
@given(english_text)
def test_generated_articles(text: str) -> None:
    outcome = process("gen", "gen.txt", text.encode("utf-8"), Config())
    check_outcome(outcome)
    check_replay(outcome)
    check_idempotent(outcome)
