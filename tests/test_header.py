"""The header stage, on golden cases (tests/cases/header.json), on the seed
articles, and on the shared dev set when it is beside the repo."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.document import Document
from pipeline.stages import decode, header, repair
from conftest import assert_line_removals, make_doc, rule_case_params

HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases" / "header.json").read_text(encoding="utf-8"))
DEV = HERE.parent.parent / "shared" / "eval" / "dev"


@pytest.mark.parametrize("case", rule_case_params(CASES))
def test_case(case):
    doc = make_doc(case["text"])
    out = header.apply(doc, Config())
    for field, want in case["expect"].items():
        got = getattr(out, field)
        assert (list(got) if isinstance(got, tuple) else got) == want, field
    removed = [[e.rule, e.before.strip()] for e in out.edits if e.rule != "header.title/v1"]
    assert removed == case["removed"]
    kept = out.text.split("\n")
    for line in case["kept"]:
        assert line in kept


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_edits_are_well_formed(case):
    doc = make_doc(case["text"])
    out = header.apply(doc, Config())
    assert_line_removals(doc, out, "header")


def test_every_rule_has_a_positive_and_a_negative_case():
    rules = {c["rule"] for c in CASES}
    for rule in rules:
        kinds = {c["label"].startswith("negative") for c in CASES if c["rule"] == rule and "xfail" not in c}
        assert kinds == {True, False}, rule


def test_empty_text_is_left_alone():
    doc = make_doc("")
    assert header.apply(doc, Config()) == doc


def prepared(raw: bytes) -> Document:
    doc = Document(id="t", source_file="t.txt", source_sha256="0", source_size=len(raw), raw=raw)
    return repair.apply(decode.apply(doc, Config()), Config())


SEEDS = {
    "000": dict(published="2019-01-21"),
    "001": dict(published="2022-09-06"),
    "002": dict(published=None, tags=("Viewpoint",), subtitle=None),
    "003": dict(published="2024-04-16", authors=("Ye Benqian", "Wang Sijie"), tags=("Community",)),
    "004": dict(published=None, subtitle="President's speech last year pointed to need for technological breakthroughs"),
}


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed(prefix):
    path = next((HERE.parent / "raw").glob(f"{prefix}_*.txt"))
    out = header.apply(prepared(path.read_bytes()), Config())
    for field, want in SEEDS[prefix].items():
        assert getattr(out, field) == want, field
    if prefix == "002":
        assert out.title.startswith("Building a secure")


def _words(s: str) -> str:
    return " ".join(re.findall(r"\w+", s.lower()))


@pytest.mark.skipif(not DEV.is_dir(), reason="shared/eval/dev is not beside the repo")
def test_dev_set_dates_and_body_lines():
    """Gold dates are read, and no line of a gold body leaves the text."""
    wrong, body_removed = [], []
    for gold_path in sorted((DEV / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        doc = prepared((DEV / "raw" / f"{gold['id']}.txt").read_bytes())
        before = len(doc.edits)
        out = header.apply(doc, Config())
        if gold["kind"] in ("seed", "composite", "clean") and out.published != gold["published"]:
            wrong.append((gold["id"], gold["published"], out.published))
        body = {_words(b) for b in gold["body"]}
        body_removed += [(gold["id"], e.rule, line) for e in out.edits[before:]
                         for line in e.before.split("\n") if line.strip() and _words(line) in body]
    assert wrong == []
    assert body_removed == []


@pytest.mark.parametrize("line", [
    "By " + "Jane Doe, " * 20_000 + "5 March 2021",
    "By Jane Doe | " + "Published: 5 March 2021 | " * 20_000,
    "Editor: " + "Jane Doe and " * 20_000 + "John Roe",
    "Date: " + " " * 100_000 + "2021-03-05 x",
])
def test_long_header_shaped_lines_are_fast(line):
    doc = make_doc(f"Title\n\n{line}\n\nThe committee met on Tuesday to discuss the budget.\n")
    start = time.perf_counter()
    header.apply(doc, Config())
    assert time.perf_counter() - start < 2.0


# ------------------------------------------- the body-line prefilter (exact)

def reference_read_body_line(text: str):
    """read_body_line without the ANY_BODY_LINE prefilter: each pattern tried."""
    names = header.read_author_block(text)
    if names is not None:
        return header.HeaderLine("header.author_block/v1", "author line moved to authors", authors=tuple(names))
    names = header.read_editor_line(text)
    if names is not None:
        return header.HeaderLine("header.editor/v1", "editor line moved to editors (not authors)",
                                 editors=tuple(names))
    value = header.read_source(text)
    if value is not None:
        return header.HeaderLine("header.source/v1", "source line moved to the source field", source=value)
    return None


_BODY_PIECES = ["Author", "authors", "Editor", "editors", "Responsible editor", "chief  editor", "in charge",
                "Edited by", "editing by", "Source", "sources", ":", "：", " ", "[", "]", "（", "）", "【", "】",
                "(", ")", "Jane Doe", "and", "&", ";", ",", ".", "John", "x", "\t", "Guangming Online"]


@given(st.lists(st.sampled_from(_BODY_PIECES), max_size=10).map("".join) | st.text(max_size=40))
@settings(max_examples=1500, deadline=None)
def test_read_body_line_equals_the_reference(text):
    text = text.strip()
    assert header.read_body_line(text) == reference_read_body_line(text)


def test_read_body_line_equals_the_reference_on_the_corpus():
    from conftest import DEV_FILES, SEED_FILES
    for path in SEED_FILES + DEV_FILES:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            assert header.read_body_line(line) == reference_read_body_line(line), line
