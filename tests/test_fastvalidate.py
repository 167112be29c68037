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


LEAN = ["document", "record", "rejected", "report_entry", "manifest", "report"]  # every schema


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
    assert fastvalidate.lean({"type": "object", "additionalProperties": {"type": "string", "format": "email"}}) is None
    others = fastvalidate.lean({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}},
                                "additionalProperties": {"type": "string", "pattern": "^[a-z]+$"}})
    assert others({"n": 1}) and others({"n": 1, "a": "xy"}) and not others({"n": 1, "a": "x1"})
    assert not others({"n": 1, "a": 2}) and not others({"n": "1", "a": "x"}) and not others({"a": "x"})
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


# --- residual: objects whose keys and value types the writer guarantees -----

from pipeline import serialize  # noqa: E402

TYPED = {"edit": serialize.EDIT_TYPES, "record": serialize.RECORD_TYPES}


def lean_edit():
    root = schemas.schema("report")
    return fastvalidate.lean({"$defs": root["$defs"], **root["$defs"]["edit"]})


def full_lean(name: str):
    return lean_edit() if name == "edit" else fastvalidate.lean_of(name)


def slow_edit_valid(obj) -> bool:
    return slow_valid("report_entry", {"id": "d", "status": "kept", "reason": None, "edits": [obj]})


def test_the_writers_types_have_a_residual():
    """Else result.of would check every edit and record in full (right, but slow)."""
    for name, types in TYPED.items():
        assert fastvalidate.residual_of(name, types) is not None


def test_residual_on_real_objects(objects):
    rest = fastvalidate.residual_of("record", serialize.RECORD_TYPES)
    assert all(rest(r) for r in objects["record"])
    edit_rest = fastvalidate.residual_of("edit", serialize.EDIT_TYPES)
    edits = [e for entry in objects["report_entry"] for e in entry["edits"]]
    assert len(edits) > 20 and all(edit_rest(e) for e in edits)


_VALUES = {str: st.sampled_from(["", "x", "repair.x/v1", "a.b/v", "2024", "2024-01-02", "2024-1", "heading",
                                 "paragraph", "quote", "Quote", "repair.straight_quotes/v1\n"]) | st.text(max_size=6),
           int: st.integers(-2, 3) | st.integers(),
           float: st.floats(),
           type(None): st.none()}


@st.composite
def typed_objects(draw, name: str):
    """An object with exactly the keys of ``name``, each value of one of its given types."""
    return {key: draw(st.sampled_from(types).flatmap(_VALUES.__getitem__)) for key, types in TYPED[name]}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(TYPED)).flatmap(lambda name: st.tuples(st.just(name), typed_objects(name))))
def test_residual_answers_as_the_lean_predicate_on_typed_objects(case):
    name, obj = case
    surely = fastvalidate.residual_of(name, TYPED[name])(obj)
    assert surely == full_lean(name)(obj)
    if surely:
        assert (slow_edit_valid(obj) if name == "edit" else slow_valid("record", obj))


def test_residual_needs_the_exact_keys_and_types_the_lean_predicate_accepts():
    edit = dict(serialize.EDIT_TYPES)
    assert fastvalidate.residual_of("edit", tuple({**edit, "step": (bool,)}.items())) is None  # bool: not sure
    assert fastvalidate.residual_of("edit", tuple({**edit, "score": (str,)}.items())) is None
    assert fastvalidate.residual_of("edit", tuple((k, t) for k, t in edit.items() if k != "reason")) is None
    assert fastvalidate.residual_of("edit", tuple({**edit, "extra": (str,)}.items())) is None
    assert fastvalidate.residual({"type": "object", "properties": {"a": {"type": "string"}}}, (("a", (str,)),)) is None


def test_typed_checks_still_find_problems(objects):
    good = objects["record"][0]
    assert schemas.typed_surely_valid("record", serialize.RECORD_TYPES, [good])
    assert not schemas.typed_surely_valid("record", serialize.RECORD_TYPES, [good, {**good, "seq": -1}])
    fields = {k: v for k, v in good.items() if k not in ("id", "doc_id")}  # as a Record holds them
    assert schemas.typed_surely_valid("record", serialize.RECORD_TYPES, [fields], frozenset({"id", "doc_id"}))
    assert not schemas.typed_surely_valid("record", serialize.RECORD_TYPES, [fields], frozenset({"seq"}))
    assert not schemas.typed_surely_valid("record", serialize.RECORD_TYPES, [{"seq": 1}])  # holds too little
    entry = objects["report_entry"][0]
    bad_entry = {**entry, "edits": [{**e, "rule": "not a rule"} for e in entry["edits"]]}
    assert bad_entry["edits"]
    schemas.check_report_entry(entry, serialize.EDIT_TYPES)
    with pytest.raises(schemas.SchemaViolation, match="rule|not a rule"):
        schemas.check_report_entry(bad_entry, serialize.EDIT_TYPES)


def test_result_of_still_refuses_an_invalid_record_or_edit():
    """Written from the templates (typed), a record or edit that breaks a
    constraint its types leave open is still a SchemaViolation."""
    from pipeline import result
    from pipeline.document import Document, Edit, Record
    from pipeline.process import Outcome
    text = "A paragraph."
    good = Document("d", "d.txt", "0" * 64, 12, text=text, encoding="utf-8", language="en", language_confidence=1.0,
                    records=(Record(0, "paragraph", text, 0, len(text)),),
                    edits=(Edit("repair", "repair.x/v1", 0, 1, "a", "b", "why", None, 1),))
    result.of(Outcome(good, "", ""), Config())
    for bad in (good.replaced(records=(Record(0, "chapter", text, 0, len(text)),)),
                good.replaced(records=(Record(-1, "paragraph", text, 0, len(text)),)),
                good.replaced(edits=(Edit("repair", "Repair X", 0, 1, "a", "b", "why", None, 1),)),
                good.replaced(edits=(Edit("repair", "repair.x/v1", 0, 1, "a", "b", "why", None, 0),))):
        with pytest.raises(schemas.SchemaViolation):
            result.of(Outcome(bad, "", ""), Config())
