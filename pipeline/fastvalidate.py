"""Compiled validators built from the same schema files as pipeline.schemas,
in two tiers, which matters when every line of a large corpus is validated:

- ``lean``: a predicate compiled here from the schema, for the keywords our
  schemas use, that answers only "surely valid" (True) or "not sure" (False).
  Each check is stricter than JSON Schema's (``type(v) is int`` where an
  integer may also be 3.0, a pattern searched as jsonschema searches it), so
  True implies valid; no error messages, no copies: about 4 times faster than
  fastjsonschema on a report entry. A schema with a keyword it does not know
  gets no lean predicate.
- fastjsonschema (about 20 times faster than jsonschema) answers when the
  lean predicate is not sure.

They only answer "valid or not"; when an object is invalid, pipeline.schemas
asks jsonschema for the full list of problems, so messages do not change.
tests/test_fastvalidate.py checks that they agree with jsonschema on valid
and invalid objects. Without fastjsonschema installed, ``is_valid`` returns
None when the lean predicate is not sure, and jsonschema decides.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Callable

try:
    import fastjsonschema
except ImportError:  # optional: jsonschema alone gives the same answers, slower
    fastjsonschema = None

DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft fastjsonschema compiles


def _compiled(schema: dict) -> Callable[[object], object]:
    # The schemas use only keywords that mean the same in draft 2020-12 and
    # draft 7 ($defs is reached by JSON pointer), so the draft-7 compiler applies.
    schema = copy.deepcopy(schema)
    schema["$schema"] = DRAFT
    return fastjsonschema.compile(schema)


@lru_cache(maxsize=None)
def compiled(name: str) -> Callable[[object], object]:
    from pipeline.schemas import schema
    return _compiled(schema(name))


@lru_cache(maxsize=None)
def compiled_report_entry() -> Callable[[object], object]:
    from pipeline.schemas import schema
    root = schema("report")
    return _compiled({"$defs": root["$defs"], **root["properties"]["documents"]["items"]})


class Unsupported(Exception):
    """A schema keyword the lean compiler does not know."""


# Keywords that constrain nothing (annotations; $defs holds what $ref names).
_ANNOTATIONS = {"description", "title", "$id", "$schema", "$comment", "default", "examples", "$defs"}
_TYPE_TESTS = {  # each as strict as or stricter than JSON Schema's type
    "string": "type({v}) is str", "integer": "type({v}) is int", "number": "(type({v}) is int or type({v}) is float)",
    "null": "{v} is None", "boolean": "({v} is True or {v} is False)", "array": "type({v}) is list",
    "object": "type({v}) is dict",
}


class _Lean:
    """Python source of a predicate, made from a schema: statements that
    ``return False`` as soon as the value is not surely valid."""

    def __init__(self, defs: dict) -> None:
        self.defs = defs
        self.lines: list[str] = []
        self.consts: dict[str, object] = {}
        self.names = 0
        self.refs: list[str] = []  # $refs being expanded (a recursive schema is not supported)

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def const(self, value) -> str:
        name = self.name("K")
        self.consts[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, schema: dict, v: str, depth: int) -> None:
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        keys = set(schema) - _ANNOTATIONS
        if "$ref" in keys:
            ref = schema["$ref"]
            if keys != {"$ref"} or not ref.startswith("#/$defs/") or ref in self.refs:
                raise Unsupported(ref)
            self.refs.append(ref)
            self.node(self.defs[ref[len("#/$defs/"):]], v, depth)
            self.refs.pop()
            return
        if "enum" in keys:
            values = schema["enum"]
            if keys != {"enum"} or not all(type(x) is str for x in values):
                raise Unsupported("enum")
            self.emit(depth, f"if type({v}) is not str or {v} not in {self.const(frozenset(values))}: return False")
            return
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        known = {"type", "pattern", "minLength", "minimum", "maximum", "items", "properties", "required",
                 "additionalProperties"}
        if not types or not keys <= known or not all(t in _TYPE_TESTS for t in types):
            raise Unsupported(str(sorted(keys)))
        for i, t in enumerate(types):  # one branch per type the value may have
            self.emit(depth, f"{'if' if i == 0 else 'elif'} {_TYPE_TESTS[t].format(v=v)}:")
            self.emit(depth + 1, "pass")
            self.constraints(schema, t, v, depth + 1)
        self.emit(depth, "else: return False")

    def constraints(self, schema: dict, t: str, v: str, depth: int) -> None:
        if t == "string":
            if "pattern" in schema:  # as jsonschema matches it: re.search
                self.emit(depth, f"if not {self.const(re.compile(schema['pattern']).search)}({v}): return False")
            if "minLength" in schema:
                self.emit(depth, f"if len({v}) < {int(schema['minLength'])}: return False")
        elif t in ("integer", "number"):
            for key, op in (("minimum", "<"), ("maximum", ">")):
                if key in schema:  # NaN compares False: not sure, then
                    bound = schema[key]
                    bound = repr(bound) if type(bound) is int else self.const(bound)
                    self.emit(depth, f"if not ({v} {'>=' if op == '<' else '<='} {bound}): return False")
        elif t == "array" and "items" in schema:
            item = self.name("v")
            self.emit(depth, f"for {item} in {v}:")
            self.node(schema["items"], item, depth + 1)
        elif t == "object":
            self.members(schema, v, depth)

    def members(self, schema: dict, v: str, depth: int) -> None:
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        if extra is not False and extra is not True:
            raise Unsupported("additionalProperties as a schema")
        if not extra and required == set(props):
            self.emit(depth, f"if {v}.keys() != {self.const(frozenset(props))}: return False")
        else:
            if not extra:
                self.emit(depth, f"if not {v}.keys() <= {self.const(frozenset(props))}: return False")
            if required:
                self.emit(depth, f"if not {v}.keys() >= {self.const(frozenset(required))}: return False")
        for key, sub in props.items():
            member = self.name("v")
            if key in required:
                self.emit(depth, f"{member} = {v}[{key!r}]")
                self.node(sub, member, depth)
            else:
                self.emit(depth, f"if {key!r} in {v}:")
                self.emit(depth + 1, f"{member} = {v}[{key!r}]")
                self.node(sub, member, depth + 1)


def lean(schema: dict) -> Callable[[object], bool] | None:
    """The schema's lean predicate (True: surely valid; False: not sure),
    or None when the schema uses a keyword it does not know."""
    gen = _Lean(schema.get("$defs", {}))
    try:
        gen.node(schema, "obj", 1)
    except Unsupported:
        return None
    source = "def surely_valid(obj):\n" + "\n".join(gen.lines) + "\n    return True\n"
    scope = dict(gen.consts)
    exec(compile(source, "<lean schema>", "exec"), scope)  # source made above from the schema
    return scope["surely_valid"]


@lru_cache(maxsize=None)
def lean_of(name: str) -> Callable[[object], bool] | None:
    from pipeline.schemas import schema
    return lean(schema(name))


@lru_cache(maxsize=None)
def lean_report_entry() -> Callable[[object], bool] | None:
    from pipeline.schemas import schema
    root = schema("report")
    return lean({"$defs": root["$defs"], **root["properties"]["documents"]["items"]})


def _valid(validate: Callable[[object], object], obj: object) -> bool:
    try:
        validate(obj)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def is_valid(name: str, obj: object) -> bool | None:
    """True or False from the compiled validators; None when not sure without fastjsonschema."""
    surely = lean_of(name)
    if surely is not None and surely(obj):
        return True
    return None if fastjsonschema is None else _valid(compiled(name), obj)


def is_valid_report_entry(entry: object) -> bool | None:
    surely = lean_report_entry()
    if surely is not None and surely(entry):
        return True
    return None if fastjsonschema is None else _valid(compiled_report_entry(), entry)
