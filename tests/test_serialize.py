"""The fast paths of pipeline.serialize equal the plain ones they replace."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from pipeline import serialize
from pipeline.document import Document, Edit, Record

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_dumps_is_json_dumps(obj):
    assert serialize.dumps(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def test_dumps_refuses_what_json_refuses():
    for bad in (object(), {1: object()}, [b"x"]):
        try:
            serialize.dumps(bad)
        except TypeError:
            continue
        raise AssertionError(f"{bad!r} was serialised")


def test_edit_obj_has_every_key_in_order():
    e = Edit("repair", "repair.space_run/v1", 3, 5, "  ", " ", "why", 0.5, 2)
    assert serialize.edit_obj(e) == {key: getattr(e, key) for key in serialize.EDIT_KEYS}
    assert tuple(serialize.edit_obj(e)) == serialize.EDIT_KEYS


def test_record_objs_follow_the_schema_order():
    doc = Document("d", "d.txt", "0" * 64, 1, records=(Record(0, "paragraph", "t", 0, 1),
                                                         Record(1, "quote", "q", 2, 3, "who", "2024", 4, 5)))
    want = [serialize.ordered("record", {"id": f"d#{r.seq}", "doc_id": "d",
                                         **{n: getattr(r, n) for n in serialize.RECORD_FIELDS}})
            for r in doc.records]
    got = serialize.record_objs(doc)
    assert got == want and [list(g) for g in got] == [list(w) for w in want]
