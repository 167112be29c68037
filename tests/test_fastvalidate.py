"""The compiled validators agree with jsonschema, on a real version's
objects and on invalid variants of them (fields dropped, retyped, broken)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import fastvalidate, schemas, version
from pipeline.config import Config

pytest.importorskip("fastjsonschema")

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


@pytest.fixture(scope="module")
def objects(tmp_path_factory) -> dict[str, list]:
    raw = tmp_path_factory.mktemp("raw")
    for p in sorted((DEV_RAW if DEV_RAW.is_dir() else SEED_RAW).glob("*.txt"))[:40]:
        shutil.copy(p, raw / p.name)
    (raw / "empty.txt").write_bytes(b"")
    clean = tmp_path_factory.mktemp("clean")
    version.run(raw, clean, Config())
    v = clean / "v1"
    out = {name: [json.loads(line) for line in open(v / f"{name.replace('document', 'documents').replace('record', 'records')}.jsonl")]
           for name in ("document", "record")}
    out["rejected"] = [json.loads(line) for line in open(v / "rejected.jsonl")]
    out["manifest"] = [json.loads((v / "manifest.json").read_text())]
    report = json.loads((v / "report.json").read_text())
    out["report_entry"] = report["documents"]
    out["report"] = [{**report, "documents": report["documents"][:3]}]
    return out


def slow_valid(name: str, obj) -> bool:
    if name == "report_entry":
        return not list(schemas._report_entry_validator().iter_errors(obj))
    return schemas.validator(name).is_valid(obj)


def fast_valid(name: str, obj) -> bool:
    return fastvalidate.is_valid_report_entry(obj) if name == "report_entry" else fastvalidate.is_valid(name, obj)


BAD_VALUES = [None, "", "x", -1, 1.5, True, [], {}, "2020-13-45", "Z" * 64, ["x"], [1], {"a": 1}]


def variants(obj):
    """obj with one field (at any depth) dropped, or replaced by a bad value, or an extra key."""
    if isinstance(obj, dict):
        for k in obj:
            dropped = dict(obj)
            del dropped[k]
            yield dropped
            for bad in BAD_VALUES:
                yield {**obj, k: bad}
            for sub in variants(obj[k]):
                yield {**obj, k: sub}
        yield {**obj, "unexpected": 1}
    elif isinstance(obj, list) and obj:
        yield from ([sub] + obj[1:] for sub in variants(obj[0]))
        yield obj + [None]


@pytest.mark.parametrize("name", ["document", "record", "rejected", "manifest", "report", "report_entry"])
def test_fast_and_slow_validators_agree(objects, name: str) -> None:
    checked = invalid = 0
    for obj in objects[name][:5]:
        assert fast_valid(name, obj) and slow_valid(name, obj)
        for variant in variants(obj):
            slow = slow_valid(name, variant)
            assert fast_valid(name, variant) == slow, (name, variant)
            checked += 1
            invalid += not slow
            if checked > 3000:
                break
    assert invalid > 10  # the variants did reach invalid objects


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
                    max_leaves=10),
       st.sampled_from(["document", "record", "rejected", "report_entry"]))
def test_agree_on_arbitrary_json(obj, name: str) -> None:
    assert fast_valid(name, obj) == slow_valid(name, obj)


def test_check_still_names_every_problem(objects) -> None:
    bad = copy.deepcopy(objects["document"][0])
    bad["id"] = 5
    del bad["text"]
    with pytest.raises(schemas.SchemaViolation, match="id.*5 is not of type|text"):
        schemas.check("document", bad, "here")
