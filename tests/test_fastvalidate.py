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


def lean_valid(name: str, obj) -> bool:
    surely = fastvalidate.lean_report_entry() if name == "report_entry" else fastvalidate.lean_of(name)
    return surely(obj)


LEAN = ["document", "record", "rejected", "report_entry"]  # the schemas of what every document writes


@pytest.mark.parametrize("name", LEAN)
def test_lean_says_valid_only_of_valid_objects(objects, name: str) -> None:
    """The lean predicate's True implies jsonschema's valid; on real output
    it says True (else it would only cost time)."""
    checked = surely = 0
    for obj in objects[name][:5]:
        assert lean_valid(name, obj)
        for variant in variants(obj):
            if lean_valid(name, variant):
                assert slow_valid(name, variant), (name, variant)
                surely += 1
            checked += 1
    assert checked > 100 and surely < checked


@pytest.mark.parametrize("name", LEAN)
def test_lean_is_sure_of_every_real_object(objects, name: str) -> None:
    assert all(lean_valid(name, obj) for obj in objects[name])


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
                    max_leaves=10),
       st.sampled_from(LEAN))
def test_lean_is_never_wrong_on_arbitrary_json(obj, name: str) -> None:
    assert not lean_valid(name, obj) or slow_valid(name, obj)


def test_lean_knows_its_keywords_and_is_stricter_where_unsure() -> None:
    assert fastvalidate.lean({"type": "string", "format": "email"}) is None  # unknown keyword: no lean predicate
    assert fastvalidate.lean({"type": "object", "additionalProperties": {"type": "string"}}) is None
    integer = fastvalidate.lean({"type": "integer", "minimum": 0})
    assert integer(3) and not integer(3.0) and not integer(True) and not integer(-1)  # 3.0 is valid: not sure
    rule = fastvalidate.lean({"type": "string", "pattern": "^[a-z]+/v[0-9]+$"})
    assert rule("abc/v1") and not rule("abc/v") and not rule(["abc/v1"])
    assert rule("abc/v1\n") == bool(schemas.validator("record").__class__({"pattern": "^[a-z]+/v[0-9]+$"}).is_valid("abc/v1\n"))
    obj = fastvalidate.lean({"type": "object", "required": ["a"], "properties": {"a": {"enum": ["x"]}, "b": {"type": "null"}}})
    assert obj({"a": "x"}) and obj({"a": "x", "b": None, "c": 1}) and not obj({"a": "y"}) and not obj({"b": None})


def test_check_still_names_every_problem(objects) -> None:
    bad = copy.deepcopy(objects["document"][0])
    bad["id"] = 5
    del bad["text"]
    with pytest.raises(schemas.SchemaViolation, match="id.*5 is not of type|text"):
        schemas.check("document", bad, "here")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab/v01._\n", max_size=12), max_size=20),
       st.sampled_from(["^[a-z_]+\\.[a-z0-9_]+/v[0-9]+$", "^[ab]{2,3}$", "a/v"]))
def test_a_remembered_match_answers_as_the_search_does(values, pattern):
    """Matched remembers short values that matched: asked again (or first), it
    answers as re.search does, as jsonschema's pattern does."""
    import re
    matched = fastvalidate.Matched(pattern)
    for v in values + values:
        assert (v in matched.known or matched(v)) == (re.search(pattern, v) is not None)
