"""pipeline.handover gives back the document it was handed, field for field."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import handover
from pipeline.config import Config
from pipeline.corpus import list_inputs, read_input
from pipeline.document import Document, Edit, Record

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


def test_a_spilled_document_comes_back_equal(tmp_path: Path) -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    config = Config()
    put = []
    try:
        for inp in list_inputs(raw):
            data, rejected = read_input(inp, raw, config)
            if rejected is None:
                doc, raw_text, stage = handover.decode_and_repair(inp, data, config)
                resumed = doc, len(raw_text), stage
                put.append((resumed, handover.put(tmp_path, *resumed)))
        assert put
        for resumed, where in put:
            assert handover.get(where) == resumed
    finally:
        handover.close_all()


def test_every_field_comes_back(tmp_path: Path) -> None:
    doc = Document("a/b", "a/b.txt", "0" * 64, 12, text="caf\u00e9 \ud800", encoding="utf-8", title="T",
                   subtitle=None, tags=("x", "y"), authors=("A",), editors=(), source="S", published="2024-01-02",
                   language="en", language_confidence=0.5,
                   edits=(Edit("repair", "repair.x/v1", 0, 1, "a", "b", "why", 0.25, 1),),
                   records=(Record(0, "quote", "q", 0, 1, "who", "2024", 2, 3),))
    rejected = doc.reject("no_body", "none")
    try:
        where = [handover.put(tmp_path, d, 3, stage) for d, stage in ((doc, ""), (rejected, "boundaries"))]
        assert handover.get(where[0]) == (doc, 3, "")
        assert handover.get(where[1]) == (rejected, 3, "boundaries")
        for (d, _), w in zip(((doc, ""), (rejected, "boundaries")), where):
            # built without __init__: the same fields, in the same order, as Document(...) sets them
            assert list(vars(handover.get(w)[0]).items()) == list(vars(d).items())
    finally:
        handover.close_all()


def test_what_cannot_be_read_back_is_none(tmp_path: Path) -> None:
    doc = Document("a", "a.txt", "0" * 64, 1, text="a")
    try:
        path, offset, length = handover.put(tmp_path, doc, 1, "")
        assert handover.get((path, offset, length - 1)) is None  # truncated
        assert handover.get((str(tmp_path / "gone.json"), 0, length)) is None
        Path(path).write_bytes(b"{" * length)
        handover.close_all()
        assert handover.get((path, offset, length)) is None
    finally:
        handover.close_all()


def test_text_with_line_breaks_and_lone_surrogates_comes_back(tmp_path: Path) -> None:
    """The text follows the entry's JSON line as UTF-8 (surrogates passed);
    an entry read short is not taken for a shorter text."""
    try:
        for text in ("x\n\udcff\u2028y", "\n\n", "", "caf\u00e9 \ud83d\ude00\r\n"):
            doc = Document("a\nb", "a\nb.txt", "0" * 64, 3, text=text, title="t\n")
            where = handover.put(tmp_path, doc, 7, "")
            assert handover.get(where) == (doc, 7, "")
            path, offset, length = where
            assert handover.get((path, offset, length - 1)) is None
    finally:
        handover.close_all()


def test_line_keys_come_back_to_the_corpus_statistics(tmp_path: Path) -> None:
    from pipeline import corpus_stats
    doc = Document("a", "a.txt", "0" * 64, 1, text="Home\n\nThe council voted.")
    keys = corpus_stats.line_keys(doc.text)
    try:
        where = handover.put(tmp_path, doc, len(doc.text), "", keys)
        corpus_stats._known.clear()
        assert handover.get(where) == (doc, len(doc.text), "")
        assert corpus_stats._known == dict(zip(["Home", "The council voted."], keys))
    finally:
        corpus_stats._known.clear()
        handover.close_all()


def _spilled_entry(location) -> tuple:
    """(tag, values, rest, text) of the entry at a handover location."""
    path, offset, length = location
    head, text = Path(path).read_bytes()[offset: offset + length].split(b"\n", 1)
    tag, values, *rest = json.loads(head)
    return tag, values, rest, text


def _spill_again(path: str, tag, values, rest, text: bytes) -> tuple:
    """The location of an entry with these values appended to the spill file."""
    entry = json.dumps([tag, values, *rest]).encode() + b"\n" + text
    with open(path, "ab") as f:
        at = f.tell()
        f.write(entry)
    return path, at, len(entry)


def test_an_entry_of_another_shape_is_none(tmp_path: Path) -> None:
    doc = Document("a", "a.txt", "0" * 64, 1, text="a")
    try:
        where = handover.put(tmp_path, doc, 1, "")
        tag, values, rest, text = _spilled_entry(where)
        for bad in ({str(i): v for i, v in enumerate(values)}, values[:-1], values + [None], "x", None):
            assert handover.get(_spill_again(where[0], tag, bad, rest, text)) is None
    finally:
        handover.close_all()


def test_an_edit_of_another_length_is_none(tmp_path: Path) -> None:
    edit = Edit("repair", "repair.x/v1", 0, 1, "a", "b", "r", None, 1)
    doc = Document("a", "a.txt", "0" * 64, 1, text="b", edits=(edit,))
    try:
        where = handover.put(tmp_path, doc, 1, "")
        assert handover.get(where)[0] == doc
        tag, values, rest, text = _spilled_entry(where)
        at_edits = list(handover._SPILLED).index("edits")
        edit = values[at_edits][0]
        for bad in (edit[:-1], edit[:-2], edit + [1], 5, None):
            values[at_edits] = [bad]
            assert handover.get(_spill_again(where[0], tag, values, rest, text)) is None
    finally:
        handover.close_all()
