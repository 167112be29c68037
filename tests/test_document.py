"""The hand-written __init__ of Edit, Record, Line, Document and Result: the same objects as the
generated one; Document.replaced and _stepped: what dataclasses.replace gives."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from pipeline.document import Document, Edit, Record, Rejection
from pipeline.result import Result
from pipeline.lines import Line
from pipeline.stages.header import HeaderLine


def generated(cls):
    """The class as plain @dataclass(frozen=True) builds it (generated __init__)."""
    return dataclasses.dataclass(frozen=True)(type(cls.__name__, (), {
        "__annotations__": dict(cls.__annotations__),
        **{f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}}))


@pytest.mark.parametrize("cls", [Edit, Record, Line, HeaderLine, Document, Result])
def test_the_signature_is_the_generated_one(cls):
    def params(init):  # (annotations aside)
        return [(p.name, p.kind, p.default) for p in inspect.signature(init).parameters.values()]
    assert params(cls.__init__) == params(generated(cls).__init__)


@pytest.mark.parametrize("cls, args, kwargs", [
    (Edit, ("repair", "r/v1", 1, 2, "a", "b", "why"), {}),
    (Edit, ("repair", "r/v1", 1, 2, "a", "b", "why", 0.5, 3), {}),
    (Edit, ("repair", "r/v1", 1, 2, "a", "b"), {"reason": "why", "step": 2}),
    (Record, (0, "quote", "text", 0, 4), {"attribution": "x", "attribution_end": 9}),
    (Record, (0, "paragraph", "text", 0, 4), {}),
    (Line, (3, 5, 9, "abcd"), {}),
    (Line, (), {"index": 3, "start": 5, "end": 9, "text": "abcd"}),
    (HeaderLine, ("header.title/v1", "why"), {}),
    (HeaderLine, ("header.byline/v1", "why", None, True, ("A",), ("B",), "src"), {}),
    (HeaderLine, ("header.date/v1",), {"reason": "why", "later_date": True, "source": "s"}),
    (Document, ("d", "d.txt", "0" * 64, 3), {}),
    (Document, ("d", "d.txt", "0" * 64, 3, b"abc", "abc", "utf-8", "T", "S", ("t",), ("A",), ("E",), "src",
                "2020-01-02", "en", 0.5, (Edit("repair", "r/v1", 1, 2, "a", "b", "why"),),
                (Record(0, "paragraph", "abc", 0, 3),), Rejection("short", "x")), {}),
    (Document, ("d", "d.txt"), {"source_sha256": "0", "source_size": 3, "text": "abc", "rejection": None}),
    (Result, ("d", "d.txt", "0" * 64, 3, None, None, "", 1, 1, 1, (), (), b"l", b"", b"", b"[]", b"m"),
     {}),
    (Result, ("d", "d.txt", "0" * 64, 3, "short", "x", "header", 0, 0, 0, (("repair", "r/v1", 1, 0),), (),
              b"", b"", b"r", b"[]", b"m"), {"fingerprint": (1, 2)}),
])
def test_the_object_is_the_generated_ones(cls, args, kwargs):
    ours, theirs = cls(*args, **kwargs), generated(cls)(*args, **kwargs)
    assert vars(ours) == vars(theirs) and list(vars(ours)) == list(vars(theirs))
    assert repr(ours) == repr(theirs).replace(theirs.__class__.__qualname__, cls.__qualname__)
    assert hash(ours) == hash(cls(*args, **kwargs))
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert dataclasses.replace(ours) == ours
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.start = 0


@pytest.mark.parametrize("cls", [Edit, Record, Line, HeaderLine, Document, Result])
def test_missing_or_unknown_arguments_fail_as_they_did(cls):
    with pytest.raises(TypeError):
        cls()
    with pytest.raises(TypeError):
        cls(*range(20))


def test_an_edit_stepped_is_the_edit_replaced() -> None:
    from pipeline.document import _stepped
    edit = Edit("repair", "r/v1", 1, 2, "a", "b", "why", 0.5)
    assert _stepped(edit, 4) == dataclasses.replace(edit, step=4) and edit.step == 0
    assert list(vars(_stepped(edit, 4))) == list(vars(edit))


def test_document_replaced_is_dataclasses_replace() -> None:
    from pipeline.document import Document
    doc = Document("d", "d.txt", "0", 3, raw=b"abc", text="abc", authors=("A",))
    for changes in ({"raw": b""}, {"text": "x", "encoding": "utf-8"}, {"records": (Record(0, "paragraph", "x", 0, 1),)}):
        ours, theirs = doc.replaced(**changes), dataclasses.replace(doc, **changes)
        assert ours == theirs and list(vars(ours)) == list(vars(theirs))
    assert doc.reject("empty", "why") == dataclasses.replace(doc, rejection=__import__(
        "pipeline.document", fromlist=["Rejection"]).Rejection("empty", "why"))
    with pytest.raises(TypeError):
        doc.replaced(colour="red")


def test_with_edits_without_an_edit_is_the_document_with_its_fields() -> None:
    # The shortcut for no edits gives what applying none gives: the same text and log.
    from pipeline.document import Document, apply_edits
    doc = Document("d", "d.txt", "0", 3, text="abc").with_edits([Edit("repair", "r/v1", 0, 1, "a", "", "why")])
    assert doc.with_edits([]) == doc
    assert doc.with_edits((), title="T") == dataclasses.replace(doc, title="T", text=apply_edits(doc.text, ()))
    assert list(vars(doc.with_edits((), title="T"))) == list(vars(doc))
    assert doc.with_edits(iter([])).edits == doc.edits and doc.with_edits([]).text == "bc"
