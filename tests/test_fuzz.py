"""Fuzzing beyond tests/test_invariants.py (which runs `process` on arbitrary
text and bytes): every stage on its own, on arbitrary text, raises nothing
and its edits replay; bytes shaped like each encoding the decoder meets; the
idempotence of kept documents made of damaged text; whole runs over corpora
of random files with random names."""

from __future__ import annotations

import codecs
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import schemas, version
from pipeline.config import Config
from pipeline.corpus import list_inputs
from pipeline.document import Document, replay
from pipeline.process import process
from pipeline.reasons import REASON_PATTERN
from pipeline.stages import STAGES
from conftest import english_text, noisy_text, read_jsonl
from test_invariants import check_idempotent, check_outcome, check_replay

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT_STAGES = [s for s in STAGES if s.NAME != "decode"]


def apply_stage(stage, doc: Document) -> Document:
    if getattr(stage, "WANTS_STATS", False):
        return stage.apply(doc, Config(), None)
    return stage.apply(doc, Config())


@FUZZ
@given(st.sampled_from(TEXT_STAGES), st.one_of(noisy_text, english_text))
def test_every_stage_on_arbitrary_text(stage, text: str) -> None:
    """A stage never raises; its edits replay to its text; its records index it."""
    doc = Document("gen", "gen.txt", "0", len(text), text=text)
    out = apply_stage(stage, doc)
    assert isinstance(out, Document)
    assert replay(text, out.edits) == out.text, stage.NAME
    for r in out.records:
        assert out.text[r.start:r.end] == r.text


@FUZZ
@given(st.binary(max_size=300))
def test_decode_on_arbitrary_bytes(raw: bytes) -> None:
    out = STAGES[0].apply(Document("gen", "gen.txt", "0", len(raw), raw=raw), Config())
    assert out.rejection is not None or out.encoding
    if out.rejection is not None:
        assert re.match(REASON_PATTERN, out.rejection.reason)


_encoded = st.one_of(
    st.tuples(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\x89PNG\r\n\x1a\n", b""]),
              st.binary(max_size=200)).map(b"".join),
    st.tuples(st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "gb18030", "cp1252", "latin-1", "utf-32"]),
              st.one_of(noisy_text, english_text)).map(lambda p: p[1].encode(p[0], "ignore")),
    st.tuples(english_text, st.binary(min_size=1, max_size=3), english_text)  # UTF-8 with bad bytes inside
      .map(lambda p: p[0].encode() + p[1] + p[2].encode()),
)


@FUZZ
@given(_encoded)
def test_bytes_in_every_encoding(raw: bytes) -> None:
    outcome = process("gen", "gen.txt", raw, Config())
    check_outcome(outcome)
    check_replay(outcome)


@FUZZ
@given(english_text, noisy_text, english_text)
def test_damaged_articles_are_idempotent(head: str, damage: str, tail: str) -> None:
    """English with arbitrary damage in the middle: mostly kept, so idempotence
    is checked on the hard cases too."""
    outcome = process("gen", "gen.txt", (head + "\n\n" + damage + "\n\n" + tail).encode("utf-8"), Config())
    check_outcome(outcome)
    check_replay(outcome)
    check_idempotent(outcome)


# File names: any character a POSIX file name may hold (no '/', no NUL, no
# surrogates), not starting with a dot, at most 200 bytes.
_name = (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=40)
         .filter(lambda n: not n.startswith(".") and len(n.encode()) <= 200))
_content = st.one_of(english_text.map(str.encode), noisy_text.map(str.encode), st.binary(max_size=200))
_corpus = st.dictionaries(st.tuples(_name, st.sampled_from([".txt", ".txt", ".md", ""])).map("".join),
                          _content, min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpus)
def test_whole_runs_on_random_corpora(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw, clean = Path(tmp) / "raw", Path(tmp) / "clean"
        raw.mkdir()
        for name, data in files.items():
            (raw / name).write_bytes(data)
        result = version.run(raw, clean, Config())
        vdir = clean / result.latest
        ids = [i.id for i in list_inputs(raw)]
        assert len(ids) == len(set(ids)) == len(files)
        kept = [d["id"] for d in read_jsonl(vdir / "documents.jsonl")]
        rejected = read_jsonl(vdir / "rejected.jsonl")
        assert sorted(kept + [r["id"] for r in rejected]) == sorted(ids)
        for name, schema in (("documents.jsonl", "document"), ("records.jsonl", "record"), ("rejected.jsonl", "rejected")):
            for n, obj in enumerate(read_jsonl(vdir / name), 1):
                schemas.check(schema, obj, f"{name}:{n}")
        for name, schema in (("report.json", "report"), ("manifest.json", "manifest")):
            schemas.check(schema, json.loads((vdir / name).read_text(encoding="utf-8")), name)
        # Ids never become paths: nothing new beside raw/ and clean/, and clean/
        # holds the version (files with fixed names), LATEST and dot-files only.
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["clean", "raw"]
        assert sorted(p.name for p in clean.iterdir() if not p.name.startswith(".")) == ["LATEST", "v1"]
        assert {p.name for p in vdir.iterdir()} == {"documents.jsonl", "records.jsonl", "rejected.jsonl",
                                                     "manifest.json", "report.json", "report.md"}
