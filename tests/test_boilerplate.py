"""The boilerplate stage: golden cases (tests/cases/boilerplate.json), the
line tests one by one, and run time on pathological lines."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.document import replay
from pipeline.stages import boilerplate
from conftest import assert_line_removals, make_doc, rule_case_params

HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases" / "boilerplate.json").read_text(encoding="utf-8"))
RULE_IDS = sorted({rule for rule, _, _ in boilerplate.RULES} | {boilerplate.TRAILING_BIO_RULE})


@pytest.mark.parametrize("case", rule_case_params(CASES))
def test_case(case):
    out = boilerplate.apply(make_doc(case["text"]), Config())
    assert [[e.rule, e.before.strip()] for e in out.edits] == case["removed"]
    kept = out.text.split("\n")
    for line in case["kept"]:
        assert line in kept


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_edits_are_well_formed(case):
    doc = make_doc(case["text"])
    out = boilerplate.apply(doc, Config())
    assert_line_removals(doc, out, "boilerplate")


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_has_a_positive_and_a_negative_case(rule):
    positive = [c for c in CASES if any(r == rule for r, _ in c["removed"])]
    negative = [c for c in CASES if c["rule"] == rule and not c["removed"]]
    assert positive and negative


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_idempotent(case):
    once = boilerplate.apply(make_doc(case["text"]), Config())
    twice = boilerplate.apply(make_doc(once.text), Config())
    assert twice.text == once.text


# ----------------------------------------------------------- the line tests


@pytest.mark.parametrize("test, yes, no", [
    (boilerplate.is_end_marker, ["- END -", "—END—", "END", "[ END ]"],
     ["The End of an era", "Weekend", "- END - of story"]),
    (boilerplate.is_caption_credit,
     ["A man walks past. Picture source: CCTV", "Photo by Li Tao", "Guangming Daily reporter Feng Qian"],
     ["Li Tao took the photo.", "The photo by Li Tao won a prize.", "A reporter asked about the photo."]),
    (boilerplate.is_source_line, ["Source: Xinhua", "Sources: agencies"], ["Sources said so.", "Source code is free."]),
    (boilerplate.is_funding_note, ["[This work was supported by the Science Fund project 12]"],
     ["The work was supported by the city.", "[This is a note about the project]"]),
    (boilerplate.is_credit_line, ["Li Na and Tom Cole contributed to this report."],
     ["Li Na contributed to the fund."]),
    (boilerplate.is_author_bio, ["Author: Li Na, lecturer at Wuhan University", "About the authors"],
     ["Author:Li Na Time:2020.01.01", "The author of the book, Li Na, is a lecturer."]),
    (boilerplate.is_trailing_bio, ["Li Na is an associate professor of law at Wuhan University."],
     ["Mr Li is a professor.", "He is a professor at Wuhan.", "Li Na is a reporter for the Daily."]),
])
def test_line_tests(test, yes, no):
    assert [t for t in yes if not test(t)] == []
    assert [t for t in no if test(t)] == []


def test_caption_rule_skips_long_paragraphs():
    body = "The council met again. " * 30 + "Photo: Reuters"
    assert not boilerplate.is_caption_credit(body)


# --------------------------------------------------------- pathological input


@pytest.mark.parametrize("char", ["|", ".", "-", " ", "a", "A ", "[", "Photo by A "])
def test_linear_time_on_a_megabyte_line(char):
    line = char * (1_000_000 // len(char))
    text = f"Title\n\n{line}\n\n{line[:399]}\n\n[{line[:3000]}]\n"
    start = time.perf_counter()
    boilerplate.apply(make_doc(text), Config())
    assert time.perf_counter() - start < 5.0


# --------------------------------------------------------------- properties

@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab AB.:|-[]()/\nPhotoSurceEND", max_size=300))
def test_any_text_replays_and_removes_whole_lines(text):
    doc = make_doc(text)
    out = boilerplate.apply(doc, Config())
    assert replay(doc.text, out.edits) == out.text
    for e in out.edits:
        assert e.start == 0 or doc.text[e.start - 1] == "\n"
        assert e.end == len(doc.text) or doc.text[e.end - 1] == "\n"


def reference_is_caption_credit(text: str) -> bool:
    """is_caption_credit without its credit-word shortcut."""
    from pipeline.patterns import boilerplate as P
    text = text.strip()
    return len(text) <= P.CAPTION_MAX_CHARS and any(p.search(text) for p in P.CAPTION_CREDITS)


CAPTION_PIECES = ["Photo", "PHOTOGRAPHED", "pictures", "Image", "Credit", "credits", "by", "Li Tao", "Xinhua",
                  "reporter", "Correspondent", "photojournalist", "source", ":", "/", "(", ")", "[", "]", ".",
                  ",", "provided to", "Zhang Duo", "News Agency", "ıMAGE", "İmage", "PıCTURE", "Photoſ"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(CAPTION_PIECES), max_size=10).map(" ".join)
       | st.lists(st.sampled_from(CAPTION_PIECES), max_size=10).map("".join) | st.text(max_size=60))
def test_is_caption_credit_equals_the_reference(text: str) -> None:
    assert boilerplate.is_caption_credit(text) == reference_is_caption_credit(text)


def test_is_caption_credit_equals_the_reference_on_dev_texts() -> None:
    from conftest import DEV_FILES, SEED_FILES
    for path in DEV_FILES or SEED_FILES:
        for line in path.read_text(encoding="utf-8").split("\n"):
            assert boilerplate.is_caption_credit(line) == reference_is_caption_credit(line)


# ------------------------------------------------- classify's remembered answers

def test_classify_answers_as_the_rules_do_on_the_corpus():
    from conftest import DEV_FILES, SEED_FILES
    for path in SEED_FILES + DEV_FILES:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        for line in lines + lines:  # (the second time from the cache)
            assert boilerplate.classify(line) == boilerplate.classify_uncached(line), line


def test_classify_holds_a_bounded_number_of_characters(monkeypatch):
    monkeypatch.setattr(boilerplate, "_CLASSIFIED_MAX_CHARS", 100)
    monkeypatch.setattr(boilerplate, "_classified", {})
    monkeypatch.setattr(boilerplate, "_classified_chars", 0)
    for i in range(50):
        assert boilerplate.classify(f"Source: Xinhua {i}") == boilerplate.classify_uncached(f"Source: Xinhua {i}")
        assert boilerplate._classified_chars <= 100
        assert sum(map(len, boilerplate._classified)) == boilerplate._classified_chars
    assert boilerplate.classify("Source: Xinhua 49") == ("boilerplate.source_line/v1", "source line")


def classify_slow(text: str):
    """boilerplate.classify_uncached() without its shortcut for long lines: every rule tried."""
    for rule, test, reason in boilerplate.RULES:
        if test(text):
            return rule, reason
    return None


# Long lines starting as a rule's match would, or almost: a funding note, a
# source, an author line, with brackets, blanks and other cases in front.
_STARTS = st.sampled_from(["", " ", "\t", "[", "(", "（", "【", "[ ", " ( ", "\xa0"])
_FIRST = st.sampled_from(["Source: Xinhua", "Sources：AP", "Article Source: X", "News source: Y", "Content Sources: Z",
                          "Funding: the plan", "Fund project: a grant", "Foundation item: a fund",
                          "This paper is a result of the project", "The study was funded by the foundation",
                          "Supported by the programme", "Sponsored by a grant", "Financed by the fund",
                          "Author: Li Tao, professor", "Authors：Wang Mo (director", "About the author",
                          "THIS ARTICLE IS THE RESULT OF a project", "source: lower", "ſource: long s", "Photo: X",
                          "The council voted", "Home", "Li Tao contributed to this story."])
_TAIL = st.lists(st.sampled_from(list("ab .,:;()[]/-") + ["project", " grant", " professor"]), max_size=20).map("".join)


@settings(max_examples=600, deadline=None)
@given(_STARTS, _FIRST, _TAIL, st.integers(min_value=380, max_value=520), st.sampled_from(["", ")", "]", "  ", " \t"]))
def test_classify_of_long_lines_equals_every_rule_tried(start, first, tail, length, end):
    text = start + first + (" " + tail) * max(1, (length - len(first)) // (len(tail) + 1)) + end
    assert boilerplate.classify_uncached(text) == classify_slow(text)


def test_classify_equals_every_rule_tried_on_the_dev_set():
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
    for path in sorted(dev.rglob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            assert boilerplate.classify_uncached(line) == classify_slow(line), line
