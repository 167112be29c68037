"""Compiled validators built from the same schema files as pipeline.schemas,
in two tiers, which matters when every line of a large corpus is validated:

- ``lean``: a predicate compiled here from the schema, for the keywords our
  schemas use, that answers only "surely valid" (True) or "not sure" (False).
  Each check is stricter than JSON Schema's (``type(v) is int`` where an
  integer may also be 3.0, a pattern searched as jsonschema searches it), so
  True implies valid; no error messages, no copies: about twice as fast as
  fastjsonschema on a report entry. A schema with a keyword it does not know
  gets no lean predicate.
- fastjsonschema (about 20 times faster than jsonschema) answers when the
  lean predicate is not sure.

``residual`` is the lean predicate of an object whose keys and exact value
types its writer guarantees (pipeline.serialize's templates): only the
checks those types leave.

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

DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft fastjsonschema compiles


@lru_cache(maxsize=None)
def _fastjsonschema():
    """The fastjsonschema module, or None (optional: jsonschema alone gives
    the same answers, slower). Imported when a lean predicate is not sure:
    of real output they always are, and a run need not import it (~2 ms)."""
    try:
        import fastjsonschema
    except ImportError:
        return None
    return fastjsonschema


def _compiled(schema: dict) -> Callable[[object], object]:
    # The schemas use only keywords that mean the same in draft 2020-12 and
    # draft 7 ($defs is reached by JSON pointer), so the draft-7 compiler applies.
    schema = copy.deepcopy(schema)
    schema["$schema"] = DRAFT
    return _fastjsonschema().compile(schema)


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
_KNOWN = {"type", "pattern", "minLength", "minimum", "maximum", "items", "properties", "required",
          "additionalProperties"}
# The exact Python types of a surely valid value of each JSON type: stricter
# than JSON Schema's (3.0 is an integer there, a tuple an array for fastjsonschema).
_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "null": (type(None),), "array": (list,),
          "object": (dict,), "boolean": (bool,)}

Check = Callable[[object], bool]


def _node(schema: dict, defs: dict, refs: tuple = ()) -> tuple[frozenset, Check | None]:
    """(the exact types a surely valid value has, a predicate for the rest of
    the schema: None when the type says all)."""
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    keys = set(schema) - _ANNOTATIONS
    if "$ref" in keys:
        ref = schema["$ref"]
        if keys != {"$ref"} or not ref.startswith("#/$defs/") or ref in refs:  # recursive: not supported
            raise Unsupported(ref)
        return _node(defs[ref[len("#/$defs/"):]], defs, refs + (ref,))
    if "enum" in keys:
        values = schema["enum"]
        if keys != {"enum"} or not all(type(x) is str for x in values):
            raise Unsupported("enum")
        return frozenset({str}), frozenset(values).__contains__
    names = schema.get("type")
    names = [names] if isinstance(names, str) else names
    if not names or not keys <= _KNOWN or not all(n in _TYPES for n in names):
        raise Unsupported(str(sorted(keys)))
    types = frozenset(t for n in names for t in _TYPES[n])
    by_type: dict[type, Check] = {}  # a keyword applies to values of its type only
    if "pattern" in schema or "minLength" in schema:
        by_type[str] = _string(schema)
    if "minimum" in schema or "maximum" in schema:
        by_type[int] = by_type[float] = _bounds(schema.get("minimum"), schema.get("maximum"))
    if "items" in schema:
        by_type[list] = _items(*_node(schema["items"], defs, refs))
    if "object" in names:
        by_type[dict] = _members(schema, defs, refs)
    by_type = {t: f for t, f in by_type.items() if t in types}
    if not by_type:
        return types, None
    if len(by_type) == 1 and len(types) == 1:
        return types, next(iter(by_type.values()))
    get = by_type.get

    def by_its_type(v) -> bool:
        f = get(type(v))
        return f is None or f(v)
    return types, by_its_type


def _string(schema: dict) -> Check:
    shortest = int(schema.get("minLength", 0))
    if "pattern" not in schema:
        return lambda v: len(v) >= shortest
    matched = Matched(schema["pattern"])
    known = matched.known  # the same few values (rule ids) come again and again: a set lookup answers
    if not shortest:
        return lambda v: v in known or matched(v)
    return lambda v: len(v) >= shortest and (v in known or matched(v))


class Matched:
    """A pattern searched as jsonschema searches it (re.search), remembering
    the first few short values that matched in ``known``."""

    KEEP, SHORT = 1024, 64

    def __init__(self, pattern: str) -> None:
        self.search = re.compile(pattern).search
        self.known: set[str] = set()

    def __call__(self, v: str) -> bool:
        if self.search(v) is None:
            return False
        if len(v) <= self.SHORT and len(self.known) < self.KEEP:
            self.known.add(v)
        return True


def _bounds(low, high) -> Check:
    # NaN compares False: not sure, then
    if low is not None and high is not None:
        return lambda v: low <= v <= high
    return (lambda v: low <= v) if low is not None else (lambda v: v <= high)


def _items(types: frozenset, more: Check | None) -> Check:
    def items(v: list) -> bool:
        for x in v:
            if type(x) not in types or (more is not None and not more(x)):
                return False
        return True
    return items


def _members(schema: dict, defs: dict, refs: tuple) -> Check:
    props = schema.get("properties", {})
    required = frozenset(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    if isinstance(extra, dict):  # every other member's value is of this schema
        extra_types, extra_more = _node(extra, defs, refs)
    elif extra is not True and extra is not False:
        raise Unsupported("additionalProperties: " + repr(extra))
    spec = tuple((key, *_node(sub, defs, refs)) for key, sub in props.items())
    every = frozenset(props)
    if extra is False and required == every:  # exactly these keys (every output object of ours)
        def exactly(d: dict) -> bool:
            if d.keys() != every:
                return False
            for key, types, more in spec:
                v = d[key]
                if type(v) not in types or (more is not None and not more(v)):
                    return False
            return True
        return exactly

    def members(d: dict) -> bool:
        if (extra is False and not d.keys() <= every) or not d.keys() >= required:
            return False
        for key, types, more in spec:
            if key in d:
                v = d[key]
                if type(v) not in types or (more is not None and not more(v)):
                    return False
        return True
    if not isinstance(extra, dict):
        return members

    def members_and_others(d: dict) -> bool:  # every other member's value of the schema ``extra``
        for key, v in d.items():
            if key not in every and (type(v) not in extra_types or (extra_more is not None and not extra_more(v))):
                return False
        return members(d)
    return members_and_others


def lean(schema: dict) -> Check | None:
    """The schema's lean predicate (True: surely valid; False: not sure),
    or None when the schema uses a keyword it does not know."""
    try:
        types, more = _node(schema, schema.get("$defs", {}))
    except Unsupported:
        return None
    if more is None:
        return lambda v: type(v) in types
    return lambda v: type(v) in types and more(v)


@lru_cache(maxsize=None)
def lean_of(name: str) -> Callable[[object], bool] | None:
    from pipeline.schemas import schema
    return lean(schema(name))


@lru_cache(maxsize=None)
def lean_report_entry() -> Callable[[object], bool] | None:
    from pipeline.schemas import schema
    root = schema("report")
    return lean({"$defs": root["$defs"], **root["properties"]["documents"]["items"]})


# --- objects whose key set and value types the writer guarantees -----------
#
# serialize writes an edit or a record from a template only when its values
# are of exact types it expects (else through dumps); with its keys exactly
# the schema's properties, such an object needs only the checks its types
# leave: patterns, bounds, enums, lengths. ``residual`` compiles those alone
# from the same schema (tests/test_fastvalidate.py checks it answers as the
# lean predicate, and so as jsonschema, on such objects).

Types = tuple[tuple[str, tuple[type, ...]], ...]  # (key, its value's possible exact types), per key


def residual(schema: dict, given: Types) -> Check | None:
    """For an object (a dict, or anything ``[key]`` reads) with exactly the
    schema's properties as keys and each value of one of its ``given``
    types: True when it is surely valid (as the lean predicate says); it
    reads only the keys in its ``reads`` (those with checks left). None
    when the schema is not of an object with exactly those keys, or a given
    type is not one the lean predicate accepts for its key."""
    defs = schema.get("$defs", {})
    props = schema.get("properties", {})
    every = frozenset(props)
    if schema.get("type") != "object" or schema.get("additionalProperties", True) is not False \
            or frozenset(schema.get("required", ())) != every or set(schema) - _ANNOTATIONS - _KNOWN:
        return None
    types = dict(given)
    if len(types) != len(given) or types.keys() != every:
        return None
    try:
        nodes = {key: _node(sub, defs) for key, sub in props.items()}
    except Unsupported:
        return None
    if not all(frozenset(types[key]) <= nodes[key][0] for key in props):
        return None
    rest = tuple((key, more) for key, (_, more) in nodes.items() if more is not None)

    def surely(obj) -> bool:
        for key, more in rest:
            if not more(obj[key]):
                return False
        return True
    surely.reads = frozenset(key for key, _ in rest)  # the keys it reads: the others' types say all
    return surely


@lru_cache(maxsize=None)
def residual_of(name: str, given: Types) -> Check | None:
    """``residual`` of a schema of pipeline.schemas, or of "edit" (report.json's edits)."""
    from pipeline.schemas import schema
    if name == "edit":
        root = schema("report")
        return residual({"$defs": root["$defs"], **root["$defs"]["edit"]}, given)
    return residual(schema(name), given)


def _valid(validate: Callable[[object], object], obj: object) -> bool:
    try:
        validate(obj)
    except _fastjsonschema().JsonSchemaException:
        return False
    return True


def is_valid(name: str, obj: object) -> bool | None:
    """True or False from the compiled validators; None when not sure without fastjsonschema."""
    surely = lean_of(name)
    if surely is not None and surely(obj):
        return True
    return None if _fastjsonschema() is None else _valid(compiled(name), obj)


def is_valid_report_entry(entry: object) -> bool | None:
    surely = lean_report_entry()
    if surely is not None and surely(entry):
        return True
    return None if _fastjsonschema() is None else _valid(compiled_report_entry(), entry)
