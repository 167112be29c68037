"""The clutter stage's fast paths give exactly what the plain code gives.

tests/clutter_reference.py is the stage before them: every line test run
wherever it is asked, words found by regex one by one, the body's counts added
word by word. The stage must produce the same document on the dev set (as the
text reaches clutter), the seeds, the golden cases and generated text; and
each rewritten line test must answer as the old one did.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import content_lines
from pipeline.patterns import boilerplate as BP
from pipeline.patterns import clutter as P
from pipeline.stages import STAGES, boilerplate, clutter
import clutter_reference as reference
from conftest import DEV_FILES, SEED_FILES, make_doc

HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases" / "clutter.json").read_text(encoding="utf-8"))


def as_text(counts: Counter) -> Counter:
    """The stage's word counts (keyed by UTF-8 bytes) keyed by text, as the reference's."""
    return Counter({w.decode(): c for w, c in counts.items()})


def assert_same_clutter(text: str, threshold: float = 0.5) -> None:
    doc, config = make_doc(text), Config(clutter_threshold=threshold)
    assert clutter.apply(doc, config) == reference.apply(doc, config)


def reaching_clutter(path: Path) -> str:
    """The text as the pipeline hands it to clutter (no corpus statistics)."""
    raw = path.read_bytes()
    doc = Document(path.stem, path.name, "", len(raw), raw=raw)
    for stage in STAGES[:STAGES.index(clutter)]:
        doc = stage.apply(doc, Config(), None) if getattr(stage, "WANTS_STATS", False) else stage.apply(doc, Config())
        if doc.rejection is not None:
            break
    return doc.text


@pytest.mark.parametrize("path", SEED_FILES + DEV_FILES, ids=lambda p: p.stem)
def test_the_stage_equals_the_reference_on_the_corpus(path: Path) -> None:
    assert_same_clutter(reaching_clutter(path))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["label"])
def test_the_stage_equals_the_reference_on_the_golden_cases(case: dict) -> None:
    assert_same_clutter(case["text"], case.get("threshold", 0.5))


# Lines of every kind the stage tells apart, and words that lower oddly.
LINES = st.sampled_from([
    "Body text about buses and depots.", "The council said buses will use charging depots.",
    "Headline | tag | tag", "Headline ｜ tag", "A | b", "- END -", "Related articles", "You may also like:",
    "The Links: AB12345 CD67890", "PM100CBS060 SEMIX353GB126V1 FF300R12KE3", "AB-123 CD-456 xyz",
    "A cut teaser ...", "A teaser cut…", "Short headline", "Is AI a threat?", "“Is it?”", "Source: Agency",
    "Photo: Xinhua/Li Tao", "Li Tao is a professor at Fudan University", "Chess prodigy wins national title",
    "ΣΑΣ'a ΟΔΟΣ Σ", "İstanbul İzmir", "Straße STRASSE", "café CAFÉ naïve", "ﬁnance ﬂow", "2019-01-21 AB12C",
    "a b c d e f g h i j k l m n o p",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen http://x.y/z",
    "@handle", "#tag", "", "Buses—and depots — “quoted” ‘words’ • · «x» �", "Ça—va é—té",
]) | st.text(alphabet=" |｜.-…—“”abcXYZ19ΣİéＡ\t\u00a0\u3000\ufffd", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=25), st.sampled_from([0.3, 0.5, 0.7]))
def test_the_stage_equals_the_reference_on_generated_text(lines: list[str], threshold: float) -> None:
    assert_same_clutter("\n".join(lines), threshold)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=25).map("\n\n".join))
def test_the_stage_equals_the_reference_on_paragraphs(text: str) -> None:
    assert_same_clutter(text)


line_text = LINES | st.text(max_size=60)


@settings(max_examples=500, deadline=None)
@given(line_text)
def test_line_tests_answer_as_before(text: str) -> None:
    for name in ("is_link_spam", "is_tag_line", "is_headline", "is_cut"):
        assert getattr(clutter, name)(text) == getattr(reference, name)(text), name
    # as line_facts asks, with what it found for the whole text
    assert clutter.is_link_spam(text, clutter.code_runs(text)) == reference.is_link_spam(text)
    n = clutter.few_words(text)
    assert clutter.is_headline(text, n) == reference.is_headline(text)
    assert clutter.is_cut(text, n) == reference.is_cut(text)
    assert as_text(clutter.words(text)) == reference.words(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text, max_size=8))
def test_the_body_bag_and_drift_are_the_same_numbers(texts: list[str]) -> None:
    fast, slow = clutter.Bag(), reference.Bag()
    for text in texts:
        bag = clutter.words(text)
        assert clutter.drift(bag, fast) == reference.drift(reference.words(text), slow)
        fast.add(bag)
        slow.add(reference.words(text))
        assert (as_text(fast.counts), fast.norm2, fast.total) == (slow.counts, slow.norm2, slow.total)
        assert clutter.norm2(fast.counts) == clutter.dot(fast.counts, fast.counts) == fast.norm2


@pytest.mark.parametrize("text", ["ΣΑΣ'a", "ΟΔΟΣ'Σ", "İstanbul", "ﬁnance", "Straße", "a’s café", "KΣ"])
def test_words_of_non_ascii_text_are_found_word_by_word(text: str) -> None:
    assert as_text(clutter.words(text)) == reference.words(text)


def test_ascii_and_non_ascii_texts_count_a_word_under_one_key() -> None:
    # ASCII text is split as bytes, other text word by word: a shared word must match
    assert set(clutter.words("Depots and buses")) & set(clutter.words("Dépôts and buses"))



@pytest.mark.parametrize("breaker", list(P.WORD_BREAKERS))
def test_word_breakers_part_words_as_a_space_does(breaker: str) -> None:
    assert P.WORD.findall(f"abc{breaker}def") == P.WORD.findall("abc def") == ["abc", "def"]


def test_a_part_number_needs_a_code_run() -> None:
    assert clutter.is_link_spam("AB123 CD456") and not clutter.is_link_spam("AB12 CD45")


def original_is_source_line(text: str) -> bool:
    return len(text.split()) <= BP.SOURCE_MAX_WORDS and BP.SOURCE_LINE.match(text) is not None


@settings(max_examples=300, deadline=None)
@given(st.one_of(line_text, st.sampled_from(["Source: Xinhua", "Sources: " + "word " * 30, "Article Source:x"])))
def test_source_line_answers_as_before(text: str) -> None:
    # boilerplate.is_source_line now tries its anchored pattern before splitting
    assert boilerplate.is_source_line(text) == original_is_source_line(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text, max_size=6))
def test_the_words_of_a_joined_text_are_the_words_of_its_parts(texts: list[str]) -> None:
    # Topic counts the body above a block in one go, from its joined text.
    assert clutter.words(" ".join(texts)) == sum((clutter.words(t) for t in texts), Counter())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(line_text, st.booleans()), min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_topic_drift_is_the_eager_drift_in_any_order(blocks: list[tuple[str, bool]], rng) -> None:
    texts, in_body = [t for t, _ in blocks], [b for _, b in blocks]
    eager, body = [], reference.Bag()
    for text, member in blocks:
        eager.append(reference.drift(reference.words(text), body))
        if member:
            body.add(reference.words(text))
    topic = clutter.Topic([[clutter.TextLine(0, text)] for text in texts], in_body)
    order = list(range(len(blocks)))
    rng.shuffle(order)
    assert {i: topic.drift(i) for i in order} == dict(enumerate(eager))


@settings(max_examples=200, deadline=None)
@given(st.lists(line_text, max_size=6))
def test_bag_remove_takes_back_an_add(texts: list[str]) -> None:
    bag = clutter.Bag.of(clutter.words("buses depots council buses"))
    norm2, total = bag.norm2, bag.total
    for t in texts:
        bag.add(clutter.words(t))
    for t in reversed(texts):
        bag.remove(clutter.words(t))
    assert (bag.norm2, bag.total) == (norm2, total)
    assert +bag.counts == clutter.words("buses depots council buses")


SHAPE_NAMES = ["link spam", "related label", "tag syntax", "duplicated line", "ends in ellipsis",
               "cut mid-sentence", "headline"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=len(SHAPE_NAMES), max_size=len(SHAPE_NAMES)),
       st.floats(min_value=0.0, max_value=1.0))
def test_a_score_never_exceeds_its_highest_score(values: list[float], drift: float) -> None:
    # trailing_region skips the drifts (cannot_reach) on this bound
    shape = dict(zip(SHAPE_NAMES, values))
    assert clutter.combine({**shape, "off-topic": drift}) <= clutter.combine({**shape, "off-topic": 1.0})


# Texts with part-number characters, line breaks, and characters of 2, 3 and
# 4 UTF-8 bytes, and a lone surrogate.
CODE_TEXT = line_text | st.text(alphabet="AZ09-az |\n\tÉ€\U0001f600\ud800", max_size=40) | st.lists(
    st.sampled_from(["PM100CBS060", "AB-12", "X1Y2Z3", "ABCDE", "12345", "word", " ", "\n", "A1B2C3D4E5F6"]),
    max_size=12).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(CODE_TEXT)
def test_code_runs_are_found_as_the_regex_finds_them(text: str) -> None:
    assert bool(clutter.code_runs(text)) == (P.CODE_RUN.search(text) is not None)
    # the count read from the text's UTF-8 bytes (as before: one "?" per character beyond ASCII counts the same)
    assert clutter.code_runs(text) == text.encode("utf-8", "surrogatepass").translate(P.CODE_MARKS).count(b"XXXXX")
    tokens = text.split()
    part_numbers = sum(1 for t in tokens if len(t) <= clutter.MAX_TOKEN_CHARS and P.PART_NUMBER.match(t))
    assert part_numbers <= clutter.code_runs(text)  # is_link_spam's bound
    lines = text.split("\n")
    by_line = {i: clutter.code_runs(t) for i, t in enumerate(lines) if clutter.code_runs(t)}
    assert clutter.code_runs_by_line(text) == by_line


def test_a_code_run_needs_five_code_characters_in_a_row() -> None:
    assert clutter.code_runs_by_line("AB-12\nAB 12X\nx\nÉAB12Cé ABCDEFGHIJ") == {0: 1, 3: 3}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "  ", "\t", "\u3000", "\u00a0", "ab", "."]), max_size=8).map("".join),
       st.lists(st.sampled_from(["a", "b", " ", "  ", "\t", "\u3000", "\u00a0", "ab", "."]), max_size=8).map("".join))
def test_same_as_is_equality_of_normalised_lines(a: str, b: str) -> None:
    assert clutter.Facts(a).same_as(clutter.Facts(b)) == (clutter.normalise(a) == clutter.normalise(b))


def line_answers(text: str) -> dict[str, bool]:
    """Every line test, asked of the line directly (the slow path of Facts)."""
    return {"end_marker": boilerplate.is_end_marker(text), "link_spam": clutter.is_link_spam(text),
            "related_label": clutter.is_related_label(text),
            "boilerplate": boilerplate.classify_uncached(text) is not None, "headline": clutter.is_headline(text),
            "tag_line": clutter.is_tag_line(text), "ends_in_ellipsis": clutter.ends_in_ellipsis(text),
            "cut": clutter.is_cut(text)}


@settings(max_examples=500, deadline=None)
@given(line_text.filter(lambda t: t.strip()))
def test_facts_answer_as_the_line_tests(text: str) -> None:
    # Facts skips a test where the line's length, its few words or the whole
    # text (no tag separator) already answer it.
    expected = line_answers(text)
    tags = any(sep in text for sep in P.TAG_SEPARATORS)
    for f in (clutter.Facts(text), clutter.Facts(text, clutter.code_runs(text), tags)):
        assert {name: getattr(f, name) for name in expected} == expected


@pytest.mark.parametrize("path", SEED_FILES + DEV_FILES, ids=lambda p: p.stem)
def test_facts_answer_as_the_line_tests_on_the_corpus(path: Path) -> None:
    text = reaching_clutter(path)
    lines = content_lines(text)
    facts = clutter.line_facts(lines, text)
    for line in lines:
        f = facts[line.index]
        assert {name: getattr(f, name) for name in line_answers(line.text)} == line_answers(line.text)


@settings(max_examples=500, deadline=None)
@given(line_text.filter(lambda t: t.strip() and "\n" not in t))  # a line, as content_lines makes them
def test_a_lone_line_shape_is_its_signals_and_scores(text: str) -> None:
    # lone_line_shape is made once per combination of facts, shared by the blocks
    line = clutter.TextLine(0, text)
    facts = {0: clutter.Facts(text)}
    shape = clutter.lone_line_shape(facts[0])
    expected = reference.structural_signals([content_lines(text)[0]])
    assert shape.signals == expected
    assert shape.score == reference.combine(expected)
    assert shape.highest == reference.combine({**expected, "off-topic": 1.0})
    assert clutter.structural_signals([line], facts) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text, max_size=6), line_text, line_text)
def test_drift_from_parts_is_the_drift_with_the_part_added(texts: list[str], extra: str, block: str) -> None:
    body = clutter.Bag.of(clutter.words(" ".join(texts)))
    whole = clutter.Bag.of(clutter.words(" ".join([*texts, extra])))
    expected = clutter.drift(clutter.words(block), whole)
    assert clutter.drift_from_parts(clutter.words(block), body, clutter.words(extra)) == expected
    slow = reference.Bag()
    for text in [*texts, extra]:
        slow.add(reference.words(text))
    assert expected == reference.drift(reference.words(block), slow)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text.filter(lambda t: t.strip() and "\n" not in t), min_size=2, max_size=5))
def test_a_many_line_shape_is_its_signals_and_scores(texts: list[str]) -> None:
    # many_line_shape is made once per combination of signals, shared by the blocks
    lines = content_lines("\n".join(texts))
    facts = clutter.line_facts(lines)
    shape = clutter.many_line_shape(lines, facts)
    expected = reference.structural_signals(lines)
    assert shape.signals == expected
    assert shape.score == reference.combine(expected)
    assert shape.highest == reference.combine({**expected, "off-topic": 1.0})
