"""The JSON Schemas: valid, documented, and in step with the code that writes them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pipeline import reasons, schemas, serialize, version
from pipeline.config import Config
from pipeline.document import Edit
from pipeline.process import process
from conftest import SEED_FILES

SCHEMA_FILES = sorted(schemas.SCHEMA_DIR.glob("*.schema.json"))


def walk_properties(node, path="#"):
    """Yield (path, name, subschema) for every property declared anywhere in a schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}/properties/{name}", name, sub
        for key, value in node.items():
            yield from walk_properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_properties(value, f"{path}/{i}")


def test_every_schema_file_is_known() -> None:
    assert sorted(p.name for p in SCHEMA_FILES) == sorted(f"{n}.schema.json" for n in schemas.NAMES)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema.get("description")
    assert schema.get("additionalProperties") is False, "unknown keys must be an error"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_property_has_a_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    props = list(walk_properties(schema))
    assert props
    missing = [p for p, _, sub in props if not (isinstance(sub, dict) and sub.get("description", "").strip())]
    assert missing == []


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_required_lists_every_property(path: Path) -> None:
    """Every key is always written (null when unknown), so required = properties."""
    def objects(node):
        if isinstance(node, dict):
            if "properties" in node:
                yield node
            for v in node.values():
                yield from objects(v)
        elif isinstance(node, list):
            for v in node:
                yield from objects(v)
    for obj in objects(json.loads(path.read_text(encoding="utf-8"))):
        assert sorted(obj.get("required", [])) == sorted(obj["properties"])


@pytest.fixture(scope="module")
def seed_outcomes():
    return [process(p.stem, p.name, p.read_bytes(), Config()) for p in SEED_FILES]


def test_document_key_order(seed_outcomes) -> None:
    for o in seed_outcomes:
        obj = serialize.document_obj(o.doc, len(o.raw_text))
        assert list(obj) == list(schemas.schema("document")["properties"])
        assert list(obj["counts"]) == list(schemas.schema("document")["properties"]["counts"]["properties"])


def test_record_key_order(seed_outcomes) -> None:
    records = [r for o in seed_outcomes for r in serialize.record_objs(o.doc)]
    if not records:
        pytest.skip("the records stage produced no records for the seeds")
    for rec in records:
        assert list(rec) == list(schemas.schema("record")["properties"])


def test_rejected_key_order() -> None:
    o = process("x", "x.txt", b"", Config())
    obj = serialize.rejected_obj(o.doc, o.stage)
    assert list(obj) == list(schemas.schema("rejected")["properties"])
    schemas.check("rejected", obj, "test")


def test_edit_key_order() -> None:
    obj = serialize.edit_obj(Edit("repair", "repair.space_run/v1", 0, 2, "  ", " ", "why", None, 1))
    assert list(obj) == list(schemas.schema("report")["$defs"]["edit"]["properties"])


def test_written_files_follow_schema_order(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    result = version.run(seed_raw, clean, Config())
    vdir = clean / result.version
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest) == list(schemas.schema("manifest")["properties"])
    report = json.loads((vdir / "report.json").read_text(encoding="utf-8"))
    assert list(report) == list(schemas.schema("report")["properties"])
    for entry in report["documents"]:
        assert list(entry) == list(schemas.schema("report")["properties"]["documents"]["items"]["properties"])


def test_reason_pattern_is_the_schemas() -> None:
    assert schemas.schema("rejected")["properties"]["reason"]["pattern"] == reasons.REASON_PATTERN


@pytest.mark.parametrize("reason", sorted(reasons.REASONS))
def test_every_listed_reason_matches_the_pattern(reason: str) -> None:
    example = reason.replace("<code>", "en")
    assert re.match(reasons.REASON_PATTERN, example)


@pytest.mark.parametrize("bad", ["", "language:", "language:EN", "Empty", "empty ", "other", "language:english"])
def test_pattern_rejects_unlisted_reasons(bad: str) -> None:
    assert not re.match(reasons.REASON_PATTERN, bad)


def test_check_names_every_problem() -> None:
    with pytest.raises(schemas.SchemaViolation) as err:
        schemas.check("rejected", {"id": 1, "extra": True}, "a test object")
    message = str(err.value)
    assert "a test object" in message and "rejected.schema.json" in message
    assert "extra" in message and "reason" in message
