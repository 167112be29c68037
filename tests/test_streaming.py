"""Memory that does not grow with the corpus: the compact input list, lists
spilled to disk and streamed into JSON, and changes computed by merging two
versions' files. Each gives exactly what the in-memory way gave."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline import changes, corpus, spill
from pipeline.corpus import Input, doc_id, printable_path
from bad_inputs import make as make_bad_inputs
from two_versions import build

# ------------------------------------------------------------ spill.dump

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


def spilled(obj, tmp_dir, lists: list):
    """obj with some of its lists (the values of dict keys) as SpillLists."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(v, list) and len(k) % 2 == 0:  # about half of them
                s = spill.SpillList(tmp_dir)
                for item in v:  # items are plain JSON
                    s.append(item)
                lists.append(s)
                out[k] = s
            else:
                out[k] = spilled(v, tmp_dir, lists)
        return out
    if isinstance(obj, list):
        return [spilled(v, tmp_dir, lists) for v in obj]
    return obj


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=5), JSON, max_size=6), st.sampled_from([{"indent": 2}, {"separators": (",", ":")}, {}]))
def test_dump_writes_what_json_dumps_writes(obj, options):
    lists: list = []
    with_spills = spilled(obj, None, lists)
    out = io.StringIO()
    spill.dump(with_spills, out, **options)
    assert out.getvalue() == json.dumps(obj, ensure_ascii=False, **options)
    out = io.StringIO()
    spill.dump(with_spills, out, close=False, **options)  # (without the line break before the bracket)
    assert out.getvalue() == json.dumps(obj, ensure_ascii=False, **options)[:-1].rstrip("\n")
    assert spill.emptied(with_spills) == spilled_to_empty(obj, with_spills)


def spilled_to_empty(obj, with_spills):
    if isinstance(with_spills, spill.SpillList):
        return []
    if isinstance(obj, dict):
        return {k: spilled_to_empty(obj[k], with_spills[k]) for k in obj}
    if isinstance(obj, list):
        return [spilled_to_empty(a, b) for a, b in zip(obj, with_spills)]
    return obj


def test_a_spill_list_reads_back_in_order_and_compares_as_a_list(tmp_path):
    s = spill.SpillList(tmp_path)
    items = [{"path": f"a/{i}.txt", "sha256": None, "size": i} for i in range(2500)] + ["é\n\u2028", 3]
    for item in items:
        s.append(item)
    assert len(s) == len(items) and list(s) == items and list(s) == items  # read twice
    assert s[:50] == items[:50] and s == items and items == s and s != items[:-1]
    assert list(tmp_path.iterdir()) == []  # anonymous: never part of a version


# ------------------------------------------------------------ list_inputs


def reference_inputs(raw_dir: Path) -> list[Input]:
    """list_inputs as it was: every Input object built, then sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        links = [d for d in dirnames if not d.startswith(".") and (Path(dirpath) / d).is_symlink()]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in links)
        for name in filenames + links:
            if name.startswith("."):
                continue
            abspath = Path(dirpath) / name
            rel, ok = printable_path(abspath.relative_to(raw_dir).as_posix())
            problem = "" if ok else f"{rel}: the file name is not valid UTF-8; rename the file"
            found.append(Input(doc_id(rel), rel, abspath, problem))
    return sorted(corpus._unique_ids(found), key=lambda i: (i.id, i.path))


def test_the_compact_input_list_equals_the_list_of_inputs(tmp_path, seed_raw):
    make_bad_inputs(tmp_path / "bad")  # odd names, links, non-.txt files, ids that collide
    for raw in (tmp_path / "bad" / "raw", seed_raw):
        inputs = corpus.list_inputs(raw)
        want = reference_inputs(raw)
        assert list(inputs) == want
        assert [inputs[i] for i in range(-len(want), 0)] == want and inputs[1:3] == want[1:3]
        assert [corpus.as_input(inputs.listed(i), raw) for i in range(len(want))] == want  # as workers make them


def test_an_input_costs_a_few_dozen_bytes(tmp_path):
    raw = tmp_path / "raw"
    for d in range(10):
        (raw / f"part{d}").mkdir(parents=True)
        for i in range(500):
            (raw / f"part{d}" / f"{i:07d}.txt").write_bytes(b"")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        inputs = corpus.list_inputs(raw)
        per_input = (tracemalloc.get_traced_memory()[0] - before) / len(inputs)
    finally:
        tracemalloc.stop()
    assert len(inputs) == 5000 and per_input < 60  # an Input object alone is ~450 bytes


# ------------------------------------------------------------ changes


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return build(tmp_path_factory.mktemp("two"))


def as_lists(c: dict) -> dict:
    return {k: (list(v) if isinstance(v, spill.SpillList) else v) for k, v in c.items()}


def test_merged_changes_equal_the_dict_comparison(two, tmp_path):
    v1, v2 = two.clean / "v1", two.clean / "v2"
    for new, old in ((v2, v1), (v1, v2), (v2, None), (v1, v1)):
        merged = as_lists(changes._merged(new, old, tmp_path))
        assert merged == as_lists(changes._with_dicts(new, old, tmp_path))
    c = as_lists(changes.compare(v2, v1, tmp_path))
    assert c["documents_changed"] == [two.edited] and len(c["documents_added"]) == 1
    assert len(c["documents_removed"]) == 1 and c["records_changed"] >= 1


def test_files_out_of_id_order_are_compared_with_dicts(two, tmp_path):
    v1, v2 = two.clean / "v1", two.clean / "v2"
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for name in ("documents.jsonl", "records.jsonl"):
        lines = (v2 / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (shuffled / name).write_text("".join(reversed(lines)), encoding="utf-8")
    with pytest.raises(changes.OutOfOrder):
        changes._merged(shuffled, v1, tmp_path)
    assert as_lists(changes.compare(shuffled, v1, tmp_path)) == as_lists(changes.compare(v2, v1, tmp_path))


def written(vdir: Path, tmp_path: Path) -> changes.Written:
    """changes.Written fed the version's documents as a run writes them."""
    out = changes.Written(tmp_path)
    records = {}
    for line in (vdir / "records.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)["doc_id"]
        records[doc] = records.get(doc, 0) + 1
    for line in (vdir / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)["id"]
        out.add(doc, records.get(doc, 0))
    return out


def test_changes_learned_while_writing_equal_the_files_compared(two, tmp_path):
    for vdir in (two.clean / "v1", two.clean / "v2"):
        got = written(vdir, tmp_path).changes()
        assert list(got) == list(changes.compare(vdir, None, tmp_path))
        assert as_lists(got) == as_lists(changes.compare(vdir, None, tmp_path))
        assert got["documents_added"] and got["records_added"]


def test_documents_written_out_of_id_order_leave_it_to_compare(tmp_path):
    out = changes.Written(tmp_path)
    for doc in ("b", "a", "c"):
        out.add(doc, 1)
    assert out.changes() is None
    twice = changes.Written(tmp_path)
    twice.add("a", 1)
    twice.add("a", 1)
    assert twice.changes() is None  # compare's dicts count an id once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.booleans())
def test_a_line_s_leading_keys_are_read_as_json_reads_them(doc_id, text, reordered):
    obj = {"text": text, "id": doc_id, "doc_id": doc_id + "x"} if reordered else {"id": doc_id, "doc_id": doc_id + "x", "text": text}
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert changes.head(line, ("id", "doc_id")) == {"id": doc_id, "doc_id": doc_id + "x"}


SCALARS = st.none() | st.integers() | st.text(max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(SCALARS, SCALARS, SCALARS), max_size=5),
       st.sampled_from([{"indent": 2}, {"separators": (",", ":")}, {}]))
def test_flat_dicts_dump_as_json_dumps_writes_their_dicts(rows, options):
    keys = ("path", "sha2\t56", "size")
    items = [dict(zip(keys, row)) for row in rows]
    flat = spill.FlatDicts(keys)
    for row in rows:
        flat.append_values(*row)
    obj = {"a": [1, {"b": flat}], "c": flat}
    out = io.StringIO()
    spill.dump(obj, out, **options)
    assert out.getvalue() == json.dumps({"a": [1, {"b": items}], "c": items}, ensure_ascii=False, **options)
    assert list(flat) == items and flat == items


_SHA = st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64),
                 st.text("0123456789abcdefABCDEF", min_size=63, max_size=65), st.text(max_size=70))
_SIZE = st.one_of(st.integers(min_value=-3, max_value=2**40), st.floats(allow_nan=False, allow_infinity=False),
                  st.none(), st.text(max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.text(), st.integers(), st.none()), _SHA, _SIZE), max_size=4))
@example([("a.txt", "0" * 64, 3), ("b.txt", None, 0)])  # (valid)
@example([("a.txt", "0" * 64, 3), ("b.txt", "A" * 64, 1)])  # an upper-case digest after a valid entry
@example([("a.txt", "0" * 63, 3)])
@example([("a.txt", None, -1)])
@example([("a.txt", None, 1.0)])
@example([("a.txt", None, 7), (3, None, 7)])
@example([("a\tb\nc", None, 7)])
def test_inputs_plainly_valid_are_valid_by_the_schema(tmp_path_factory, entries):
    """The manifest's inputs found valid from their JSON text pass the schema
    (pipeline.version._check_manifest's fast path); the others are checked by it."""
    import jsonschema
    from pipeline import rerun, version
    inputs = spill.FlatDicts(rerun.MANIFEST_INPUT, tmp_path_factory.mktemp("spill"))
    for entry in entries:
        inputs.append_values(*entry)
    manifest = {"inputs": [dict(zip(rerun.MANIFEST_INPUT, e)) for e in entries]}
    plain = all(type(p) is str and (s is None or (len(s) == 64 and set(s) <= set("0123456789abcdef")))
                and type(n) is int and n >= 0 for p, s, n in entries)
    assert version.plainly_valid_inputs(inputs) == plain
    if plain:  # valid: the schema says so of the entries alone (the rest of a manifest is checked apart)
        schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "manifest.schema.json").read_text())
        jsonschema.validate(manifest["inputs"], schema["properties"]["inputs"])
    inputs.close()


def test_the_inputs_of_a_run_are_plainly_valid(tmp_path, seed_raw):
    from pipeline import version
    from pipeline.config import Config
    version.run(seed_raw, tmp_path / "clean", Config())
    manifest = json.loads((tmp_path / "clean" / "v1" / "manifest.json").read_text(encoding="utf-8"))
    inputs = spill.FlatDicts(("path", "sha256", "size"), tmp_path)
    for entry in manifest["inputs"]:
        inputs.append(entry)
    assert manifest["inputs"] and version.plainly_valid_inputs(inputs)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(SCALARS | st.just("%s %d %%"), SCALARS, SCALARS), max_size=7),
       st.sampled_from([{"indent": 2}, {"separators": (",", ":")}, {}]), st.sampled_from([1, 40, 1 << 20]))
def test_flat_dicts_formatted_a_batch_at_a_time_dump_as_json_dumps(rows, options, batch):
    """FlatDicts.write_json formats its lines a batch at a time (%-formatting
    of the entry's text): the same text for any batch, keys and values
    holding '%' included."""
    keys = ("pa%sth", "sha%%256", "size")
    items = [dict(zip(keys, row)) for row in rows]
    flat = spill.FlatDicts(keys)
    for row in rows:
        flat.append_values(*row)
    out = io.StringIO()
    before, spill.WRITE_BATCH = spill.WRITE_BATCH, batch
    try:
        spill.dump({"c": flat, "d": 1}, out, **options)
    finally:
        spill.WRITE_BATCH = before
    assert out.getvalue() == json.dumps({"c": items, "d": 1}, ensure_ascii=False, **options)


def test_flat_dicts_lines_of_other_values_than_keys_are_written_as_joined():
    """(Not written by append_values: lines with fewer or more values than
    keys are written entry by entry, each key with the value in its place.)"""
    flat = spill.FlatDicts(("a", "b"))
    flat.extend_lines(['"x"\t1\t2\n', '"y"\n', '"z"\t3\n'])
    out = io.StringIO()
    flat.write_json(out, ",", ":", None, 0)
    assert out.getvalue() == '[{"a":"x","b":1},{"a":"y"},{"a":"z","b":3}]'
