"""The JSON Schemas in schemas/, compiled once; key order comes from them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pipeline import fastvalidate

# jsonschema is imported when a compiled validator finds a problem (to name
# it): importing it costs more than a re-run of a few changed documents.

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
NAMES = ("document", "record", "rejected", "manifest", "report")


class SchemaViolation(Exception):
    """An output object does not match its schema: a bug in the pipeline."""


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    with open(SCHEMA_DIR / f"{name}.schema.json", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def validator(name: str):
    from jsonschema import Draft202012Validator
    return Draft202012Validator(schema(name))


def field_order(name: str) -> tuple[str, ...]:
    return tuple(schema(name)["properties"])


@lru_cache(maxsize=None)
def _report_entry_validator():
    from jsonschema import Draft202012Validator
    # report.json is written one document entry at a time, so each entry is
    # validated against the schema of report.documents[] on its own.
    root = schema("report")
    return Draft202012Validator({"$defs": root["$defs"], **root["properties"]["documents"]["items"]})


def check_report_entry(entry: dict, edit_types: fastvalidate.Types | None = None) -> None:
    """Raise SchemaViolation when one document entry of report.json is invalid.
    ``edit_types``: each edit of the entry is known to have exactly the edit
    schema's keys, each value of one of these exact types (only the checks
    they leave are made: fastvalidate.residual)."""
    if edit_types is not None and _typed_edits_valid(entry, edit_types):
        return
    if fastvalidate.is_valid_report_entry(entry):
        return  # the compiled validator agrees with jsonschema (tests/test_fastvalidate.py)
    errors = list(_report_entry_validator().iter_errors(entry))
    if errors:
        raise SchemaViolation(f"report entry {entry.get('id')}: " + "; ".join(e.message for e in errors))


def _typed_edits_valid(entry: dict, edit_types: fastvalidate.Types) -> bool:
    surely = fastvalidate.lean_report_entry()
    return surely is not None and type(entry) is dict and type(entry.get("edits")) is list \
        and surely({**entry, "edits": []}) and typed_surely_valid("edit", edit_types, entry["edits"])


def typed_surely_valid(name: str, types: fastvalidate.Types, objs, missing: frozenset = frozenset()) -> bool:
    """True when every object written from ``objs`` is surely valid against
    ``name`` ("edit": report.json's edits). Each written object has exactly
    the schema's keys, each value of one of its ``types``; each of ``objs``
    holds its values but those of the keys in ``missing`` (a record's id and
    doc_id, say, that its Record lacks): False when the check reads one."""
    rest = fastvalidate.residual_of(name, types)
    if rest is None or rest.reads & missing:
        return False
    try:
        return all(map(rest, objs))
    except KeyError:  # not holding what it said: not sure
        return False


def check(name: str, obj: dict, where: str) -> None:
    """Raise SchemaViolation naming every problem of obj against schema `name`."""
    if fastvalidate.is_valid(name, obj):
        return  # the compiled validator agrees with jsonschema (tests/test_fastvalidate.py)
    errors = sorted(validator(name).iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "; ".join(f"{e.json_path}: {e.message}" for e in errors)
        raise SchemaViolation(f"{where} does not match {name}.schema.json: {problems}")
