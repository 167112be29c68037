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


def plain_lines(doc: Document) -> tuple[str, str]:
    """The reference of kept_lines: every object through dumps."""
    return (serialize.dumps(serialize.document_obj(doc, 7)) + "\n",
            "".join(serialize.dumps(r) + "\n" for r in serialize.record_objs(doc)))


def fast_lines(doc: Document) -> tuple[str, str]:
    records = serialize.record_objs(doc)
    document = serialize.document_obj(doc, 7)
    document_line, record_lines, typed = serialize.kept_lines(doc, document, records)
    assert serialize.kept_lines(doc, document) == (document_line, record_lines, typed)  # records made as needed
    if typed:  # the template wrote every record: each has the schema's keys, values of RECORD_TYPES
        types = dict(serialize.RECORD_TYPES)
        assert all(r.keys() == types.keys() and all(type(r[k]) in types[k] for k in r) for r in records)
    return document_line, record_lines


TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(['"', "\\", "\n", "\x7f", "\x00", "\u2028", "😀", "é"]),
               max_size=12)
ODD = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | TEXT  # values of any type


@st.composite
def documents(draw) -> Document:
    """A document whose records tile its text (or, when ``odd``, not quite:
    overlapping, out of place, or with values of unexpected types)."""
    pieces = draw(st.lists(st.tuples(TEXT, TEXT.filter(bool)), max_size=5))
    text, records, pos = "", [], 0
    for i, (gap, body) in enumerate(pieces):
        text += gap
        start = len(text)
        text += body
        attribution = draw(st.none() | TEXT)
        records.append(Record(i, draw(st.sampled_from(["paragraph", "quote", "heading"])), body, start, len(text),
                              attribution, draw(st.none() | st.just("2024-01")), draw(st.none() | st.integers(0, 9)),
                              draw(st.none() | st.integers(0, 9))))
    text += draw(TEXT)
    if records and draw(st.booleans()):  # something the template or the tiling does not expect
        i = draw(st.integers(0, len(records) - 1))
        field = draw(st.sampled_from(["seq", "kind", "text", "start", "end", "attribution", "attribution_date",
                                      "attribution_start", "attribution_end"]))
        records[i] = Record(**{**vars(records[i]), field: draw(ODD)})
    return Document(draw(TEXT), "d.txt", "0" * 64, 1, text=text, title=draw(st.none() | TEXT),
                    tags=tuple(draw(st.lists(TEXT, max_size=2))), records=tuple(records))


@settings(max_examples=500, deadline=None)
@given(documents())
def test_kept_lines_are_the_objects_dumped(doc):
    try:
        want = plain_lines(doc)
    except TypeError:  # a value JSON cannot hold: the fast path refuses it too
        try:
            fast_lines(doc)
        except TypeError:
            return
        raise AssertionError("serialised what dumps refuses")
    assert fast_lines(doc) == want


def test_kept_lines_on_a_text_with_every_escape():
    body = 'He said "no" \\ \x00\x1f\x7f\u2028 é 😀 tab\there'
    text = "Title line\n\n" + body + "\n\n—— someone, 2024\n\nlast"
    records = (Record(0, "paragraph", body, 12, 12 + len(body)),
               Record(1, "paragraph", "last", len(text) - 4, len(text), "someone", "2024", 1, 3))
    doc = Document('id "x"', "d.txt", "0" * 64, 1, text=text, records=records)
    assert fast_lines(doc) == plain_lines(doc)
    ascii_doc = Document("a", "a.txt", "0" * 64, 1, text="plain\x7f text", records=(Record(0, "paragraph", "plain\x7f text", 0, 11),))
    assert fast_lines(ascii_doc) == plain_lines(ascii_doc)


@given(st.text(alphabet="ab\n⏎…", max_size=300), st.integers(1, 150))
def test_a_report_excerpt_is_the_text_replaced_then_cut(text, limit):
    """report.excerpt cuts before it replaces newlines (a long removal is not copied whole)."""
    from pipeline import report
    replaced = text.replace("\n", "⏎")
    assert report.excerpt(text, limit) == (replaced if len(replaced) <= limit else replaced[: limit - 1] + "…")


EDIT_ODD = st.none() | st.booleans() | st.integers(-3, 3) | st.floats() | TEXT  # NaN and infinities too


@st.composite
def edits(draw) -> list[Edit]:
    """Edits of the types the stages make, now and then one value of another type."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        values = {"stage": draw(st.sampled_from(["repair", "clutter", "x\u2028"])),
                  "rule": draw(st.sampled_from(["repair.straight_quotes/v1", "clutter.teaser/v1"])),
                  "start": draw(st.integers(0, 10**6)), "end": draw(st.integers(0, 10**6)),
                  "before": draw(TEXT | st.text(min_size=60, max_size=90)), "after": draw(TEXT),
                  "reason": draw(TEXT), "score": draw(st.none() | st.floats(0, 1)), "step": draw(st.integers(0, 9))}
        if draw(st.integers(0, 4)) == 0:
            values[draw(st.sampled_from(sorted(values)))] = draw(EDIT_ODD)
        out.append(Edit(**values))
    return out


@settings(max_examples=500, deadline=None)
@given(edits())
def test_edits_json_is_the_edit_objects_dumped(edit_list):
    want = json.dumps([serialize.edit_obj(e) for e in edit_list], ensure_ascii=False, separators=(",", ":"))
    text, typed = serialize.edits_json(edit_list)
    assert text == want
    assert serialize.edits_json(edit_list) == (want, typed)  # the second time from remembered strings
    if typed:  # every edit has exactly the keys, each value of its EDIT_TYPES
        types = dict(serialize.EDIT_TYPES)
        assert all(vars(e).keys() == types.keys() and all(type(v) in types[k] for k, v in vars(e).items())
                   for e in edit_list)


def test_edits_json_on_real_edits():
    from tests.conftest import SEED_FILES, outcome_of
    checked = 0
    for path in SEED_FILES:
        doc = outcome_of(path).doc
        want = serialize.dumps([serialize.edit_obj(e) for e in doc.edits])
        assert serialize.edits_json(doc.edits) == (want, True)
        checked += len(doc.edits)
    assert checked > 100
