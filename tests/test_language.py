"""The language stage: measuring (detect) apart from deciding (the keep gate)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import example, given, settings, strategies as st

from pipeline.config import Config
from pipeline.document import Document
from pipeline.patterns.language import (
    ASCII_WORD, ENGLISH_ONLY, ENGLISH_SHARED, FOREIGN_FUNCTION_WORDS, MAX_UNVOUCHED_SEGMENT, MIN_WORDS,
    PLAIN_ENGLISH_RULE, WORD,
)
from pipeline.patterns import language as patterns
from pipeline.process import clean_text
from pipeline.reasons import REASON_PATTERN
from pipeline.stages import language
from conftest import DEV_FILES, SEED_FILES, load_cases, outcome_of, rule_case_params

UDHR = {
    "en": "All human beings are born free and equal in dignity and rights. They are endowed with reason "
          "and conscience and should act towards one another in a spirit of brotherhood.",
    "fr": "Tous les êtres humains naissent libres et égaux en dignité et en droits. Ils sont doués de raison "
          "et de conscience et doivent agir les uns envers les autres dans un esprit de fraternité.",
    "de": "Alle Menschen sind frei und gleich an Würde und Rechten geboren. Sie sind mit Vernunft und "
          "Gewissen begabt und sollen einander im Geist der Brüderlichkeit begegnen.",
    "es": "Todos los seres humanos nacen libres e iguales en dignidad y derechos y, dotados como están de "
          "razón y conciencia, deben comportarse fraternalmente los unos con los otros.",
    "ru": "Все люди рождаются свободными и равными в своем достоинстве и правах. Они наделены разумом и "
          "совестью и должны поступать в отношении друг друга в духе братства.",
}
# Articles 9-12 of the Chinese UDHR, as in the dev set (072_…).
CHINESE = ("任何人不得加以任意逮捕、拘禁或放逐。\n\n人人完全平等地有权由一个独立而无偏倚的法庭进行公正的和公开的审讯,"
           "以确定他的权利和义务并判定对他提出的任何刑事指控。\n\n凡受刑事控告者,在未经获得辩护上所需的一切保证的公开审判而"
           "依法证实有罪以前,有权被视为无罪。\n\n任何人的任何行为或不行为,在其发生时依国家法或国际法均不构成刑事罪者,不得被判为"
           "犯有刑事罪。刑罚不得重于犯罪时适用的法律规定。\n\n任何人的私生活、家庭、住宅和通信不得任意干涉,他的荣誉和名誉不得"
           "加以攻击。人人有权享受法律保护,以免受这种干涉或攻击。")


def doc_with(text: str) -> Document:
    return Document("t", "t.txt", "", 0, text=text)


@pytest.mark.parametrize("code", sorted(UDHR))
def test_detect_measures_language_and_probability(code: str) -> None:
    got, prob = language.detect(UDHR[code], seed=0, limit=2000)
    assert got == code
    assert 0.5 < prob <= 1.0


def test_detect_short_chinese() -> None:
    # langdetect alone reads this Han-only text as Korean; the script check corrects it.
    assert language.detect(CHINESE, seed=0, limit=2000)[0] == "zh"


@pytest.mark.parametrize("code, text, expected", [
    ("ko", "中华人民共和国", "zh"),          # Han only: not Korean
    ("ko", "대한민국 中華", "ko"),            # Hangul present: Korean stays
    ("ja", "日本国憲法", "zh"),              # Han only: not Japanese
    ("ja", "にほんご 日本", "ja"),            # kana present: Japanese stays
    ("en", "hello 中文", "en"),              # other languages are never changed
])
def test_script_check(code: str, text: str, expected: str) -> None:
    assert language.script_checked(code, text) == expected


def test_detect_is_deterministic() -> None:
    text = UDHR["en"][:60] + " " + UDHR["fr"][:60]
    results = {language.detect(text, seed=0, limit=2000) for _ in range(5)}
    assert len(results) == 1


@pytest.mark.parametrize("text", ["12345 67890", "!!! ??? ...", "   "])
def test_nothing_to_judge_is_undetermined(text: str) -> None:
    assert language.detect(text, seed=0, limit=2000) == ("und", 0.0)


def test_sample_is_bounded_and_cut_at_a_space() -> None:
    text = "word " * 1000
    s = language.sample(text, 42)
    assert len(s) <= 42
    assert s.endswith("word")
    assert language.sample("short text", 42) == "short text"
    assert language.sample("x" * 100, 42) == "x" * 42  # no space: hard cut


def test_keeps_a_listed_language() -> None:
    doc = language.apply(doc_with(UDHR["en"]), Config())
    assert doc.rejection is None
    assert doc.language == "en"
    assert doc.language_confidence > 0.5


def test_rejects_an_unlisted_language_with_its_code() -> None:
    doc = language.apply(doc_with(UDHR["fr"]), Config())
    assert doc.rejection.reason == "language:fr"
    assert re.match(REASON_PATTERN, doc.rejection.reason)
    assert doc.language == "fr", "the measurement is kept on the rejected document"
    assert "fr" in doc.rejection.detail and "en" in doc.rejection.detail


def test_keep_languages_is_the_policy() -> None:
    config = Config(keep_languages=("en", "fr"))
    assert language.apply(doc_with(UDHR["fr"]), config).rejection is None
    assert language.apply(doc_with(UDHR["de"]), config).rejection.reason == "language:de"


def test_undetermined_is_rejected_as_und() -> None:
    doc = language.apply(doc_with("12345 67890 111"), Config())
    assert doc.rejection.reason == "language:und"
    assert re.match(REASON_PATTERN, doc.rejection.reason)


@pytest.mark.parametrize("text", ["", "  \n\n ", "\n"])
def test_empty_body_is_no_body(text: str) -> None:
    assert language.apply(doc_with(text), Config()).rejection.reason == "no_body"


def test_min_body_chars() -> None:
    text = UDHR["en"]
    assert language.apply(doc_with(text), Config(min_body_chars=len(text))).rejection is None
    assert language.apply(doc_with(text), Config(min_body_chars=len(text) + 1)).rejection.reason == "no_body"


def test_sample_size_changes_what_is_read() -> None:
    # An English opening followed by a long French body: a small sample sees English.
    text = UDHR["en"] + " " + " ".join([UDHR["fr"]] * 20)
    assert language.apply(doc_with(text), Config(language_sample_chars=len(UDHR["en"]))).language == "en"
    assert language.apply(doc_with(text), Config(language_sample_chars=len(text))).language == "fr"


def test_through_the_pipeline() -> None:
    kept = clean_text("A title\n\n" + UDHR["en"])
    assert (kept.rejection, kept.language) == (None, "en")
    assert clean_text("Un titre\n\n" + UDHR["fr"]).rejection.reason == "language:fr"
    assert clean_text("Only a title").rejection.reason == "no_body"


def test_language_does_not_edit_text() -> None:
    doc = doc_with(UDHR["en"])
    out = language.apply(doc, Config())
    assert out.text == doc.text and out.edits == ()
    assert replace(out, language=None, language_confidence=None) == doc


@pytest.mark.parametrize("text, prose", [
    ("Stocks fall as oil rises | Markets | Business\n\nThe Links: PM100CBS060 SEMIX353GB126V1", False),
    ("Home\nNews\nSport\nWeather", False),
    ("Yes.", False),  # too short to be an article
    ("Ten things to do this weekend | Life\n\nThe council approved the budget on Monday.", True),
    ("He said: \"We will build it.\" Then he left", True),  # a sentence ends mid-line
    ("网络空间是亿万民众共同的精神家园。没有网络安全就没有国家安全", True),
])
def test_reads_as_prose(text: str, prose: bool) -> None:
    assert language.reads_as_prose(text) is prose


def test_text_without_a_sentence_is_no_body() -> None:
    doc = language.apply(doc_with("Stocks fall as oil rises | Markets | Business\n\nTen things to do | Life"), Config())
    assert doc.rejection.reason == "no_body"


# ------------------------------------------- the cheap plain-English check

CASES = load_cases("language")
FOREIGN_CASES = [c for c in CASES if c["label"].startswith("foreign:")]
SENTENCES = {  # pieces the generated texts are made of
    "en": [s for c in CASES if c["plain"] for s in c["text"].replace("\n", " ").split(". ")],
    "foreign": [s for c in FOREIGN_CASES for s in c["text"].split("\n\n")[0].split(". ")],
    "other": [c["text"] for c in CASES if not c["plain"] and not c["label"].startswith(("foreign:", "English"))],
}


@pytest.mark.parametrize("case", rule_case_params(CASES))
def test_plain_english_case(case) -> None:
    assert language.plainly_english(case["text"]) is case["plain"]


def test_the_rule_has_a_positive_and_a_negative_case() -> None:
    for rule in {c["rule"] for c in CASES} | {PLAIN_ENGLISH_RULE}:
        assert {c["plain"] for c in CASES if c["rule"] == rule} == {True, False}


@pytest.mark.parametrize("case", FOREIGN_CASES[:-1], ids=lambda c: c["label"])
def test_foreign_cases_are_long_enough_that_their_words_decide(case) -> None:
    # (the last, Chinese, has no spaces to count words by: its script decides)
    assert language.english_evidence(case["text"]).words >= MIN_WORDS


def agrees_with_langdetect(text: str, limit: int, seed: int = 0) -> bool:
    """The language detect() gives is langdetect's on the same sample: the
    cheap check never decides a text langdetect reads as another language."""
    return language.detect(text, seed, limit)[0] == language.langdetect_reading(language.sample(text, limit), seed)[0]


def test_the_cheap_check_decides_what_langdetect_says_on_the_dev_set() -> None:
    """On real texts the estimate written (PLAIN_ENGLISH_CONFIDENCE) is also
    langdetect's probability, so detect() gives exactly what langdetect gives."""
    files = DEV_FILES or SEED_FILES
    decided = 0
    for path in files:
        for text in (path.read_text(encoding="utf-8", errors="replace"), outcome_of(path).doc.text):
            for limit in (2000, 600, 250):
                s = language.sample(text, limit)
                decided += language.plainly_english(s)
                assert language.detect(text, 0, limit) == language.langdetect_reading(s, 0), (path.name, limit)
    assert decided >= len(files)  # the check did decide: the test is not vacuous


def test_a_foreign_sentence_inside_english_goes_to_langdetect() -> None:
    english = next(c["text"] for c in CASES if c["label"] == "English: council report")
    assert language.plainly_english(english)
    for sentence in SENTENCES["foreign"]:
        if len(sentence.split()) > MAX_UNVOUCHED_SEGMENT:
            assert not language.plainly_english(english + " " + sentence + ". " + english), sentence


_piece = st.one_of(
    st.sampled_from(SENTENCES["en"]),
    st.sampled_from(SENTENCES["en"]),
    st.sampled_from(SENTENCES["en"]),
    st.sampled_from(SENTENCES["foreign"]),
    st.sampled_from(SENTENCES["other"]).map(lambda t: t[:200]),
    st.lists(st.sampled_from(sorted(ENGLISH_ONLY | ENGLISH_SHARED | FOREIGN_FUNCTION_WORDS)), max_size=12).map(" ".join),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.text("abcdefghijklmnopqrstuvwxyz ", max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_piece, st.sampled_from([". ", " ", "\n", "\n\n", ", "])), min_size=1, max_size=40),
       st.sampled_from([2000, 800, 300]))
# A Spanish sentence run into an English fragment ("about" vouched for its segment): langdetect reads es.
@example([("The city council approved the new transport plan on Tuesday after a long debate, and officials said "
           "work would start next spring", ". "), ("a a a a a about", " "),
          ("Todos los seres humanos nacen libres e iguales en dignidad y derechos y, dotados como están de razón y "
           "conciencia, deben comportarse fraternalmente los unos con los otros.", ". ")], 2000)
# A Dutch sentence run into an English one: langdetect reads nl.
@example([("Alle mensen worden vrij en gelijk in waardigheid en rechten geboren", " "),
          ("Her lawyer told reporters that the evidence against his client was thin and that the hearing had been "
           "unfair from the start", ". ")], 2000)
def test_the_cheap_check_decides_no_text_langdetect_reads_otherwise(pieces, limit) -> None:
    # Only the language: on made-up mixtures (an English sentence run into a
    # foreign one without a full stop) langdetect can be less sure than the
    # estimate, e.g. ("en", 0.8571).
    text = "".join(p + sep for p, sep in pieces)
    assert agrees_with_langdetect(text, limit)


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_word_is_word_in_ascii_text(text: str) -> None:
    assert ASCII_WORD.findall(text) == WORD.findall(text)


def test_a_rejection_says_what_decided() -> None:
    english = next(c["text"] for c in CASES if c["label"] == "English: council report")
    config = Config(keep_languages=("fr",))
    by_check = language.apply(doc_with(english), config).rejection
    assert by_check.reason == "language:en" and PLAIN_ENGLISH_RULE in by_check.detail
    by_langdetect = language.apply(doc_with(UDHR["de"]), config).rejection
    assert by_langdetect.detail == "detected de with probability 1.0; kept: fr"


def reference_english_evidence(text: str) -> language.Evidence:
    """english_evidence as written before its set operations: word by word."""
    from pipeline.patterns import language as patterns
    e = language.Evidence()
    word = patterns.ASCII_WORD if text.isascii() else patterns.WORD
    for segment in patterns.SEGMENT_BREAK.split(text.lower()):
        words = word.findall(segment)
        only = [w for w in words if w in patterns.ENGLISH_ONLY]
        shared = [w for w in words if w in patterns.ENGLISH_SHARED]
        foreign = sum(w in patterns.FOREIGN_FUNCTION_WORDS for w in words)
        e.words += len(words)
        e.only += len(only)
        e.shared += len(shared)
        e.foreign += foreign
        e.distinct_only.update(only)
        if len(words) >= patterns.SEGMENT_MIN_WORDS and (foreign or (not only and len(set(shared)) < 2)):
            e.unvouched += len(words)
            e.longest_unvouched = max(e.longest_unvouched, len(words))
    e.characters = len(text) - text.count(" ") - text.count("\n")
    e.symbols = len(patterns.CODE_SYMBOL.findall(text))
    if not text.isascii():
        e.letters = len("".join(patterns.WORD.findall(text)))
        e.non_ascii = len(patterns.NON_ASCII_LETTER.findall(text))
    return e


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_piece, st.sampled_from([". ", " ", "\n", "\n\n", ", "])), min_size=1, max_size=40))
def test_english_evidence_equals_the_word_by_word_count(pieces) -> None:
    text = "".join(p + sep for p, sep in pieces)
    assert language.english_evidence(text) == reference_english_evidence(text)


def test_the_function_word_sets_are_disjoint() -> None:
    # english_evidence counts the shared words as the function words that are
    # neither English-only nor foreign: right only while no word is in two sets.
    from pipeline.patterns import language as patterns
    assert not patterns.ENGLISH_ONLY & patterns.ENGLISH_SHARED
    assert not patterns.ENGLISH_ONLY & patterns.FOREIGN_FUNCTION_WORDS
    assert not patterns.ENGLISH_SHARED & patterns.FOREIGN_FUNCTION_WORDS
    assert language.FUNCTION_WORDS == patterns.ENGLISH_ONLY | patterns.ENGLISH_SHARED | patterns.FOREIGN_FUNCTION_WORDS


@pytest.mark.parametrize("path", DEV_FILES or SEED_FILES, ids=lambda p: p.stem[:12])
def test_english_evidence_equals_the_word_by_word_count_on_dev_texts(path) -> None:
    for text in (path.read_text(encoding="utf-8"), outcome_of(path).doc.text):
        assert language.english_evidence(text) == reference_english_evidence(text)


# Text made ASCII by turning the word breakers into spaces takes the fast way
# (str.translate and split); it must find what the regexes find.
_ascii_or_breakers = st.text(
    st.sampled_from("abcXYZ .!?;:\n()[]\"|'-,0_\t" + patterns.WORD_BREAKERS), max_size=80)


@settings(max_examples=500, deadline=None)
@given(st.lists(_piece | _ascii_or_breakers, min_size=1, max_size=12).map(" ".join))
def test_english_evidence_with_word_breakers_equals_the_word_by_word_count(text) -> None:
    assert language.english_evidence(text) == reference_english_evidence(text)


@pytest.mark.parametrize("breaker", list(patterns.WORD_BREAKERS))
def test_a_word_breaker_parts_words_as_a_space_does(breaker: str) -> None:
    text = f"Abc{breaker}Def"
    assert not patterns.SEGMENT_BREAK.search(breaker) and breaker.lower() == breaker
    assert WORD.findall(text.lower()) == WORD.findall("abc def") == ["abc", "def"]
    assert language.segment_words(text, language.ascii_plain(text)) == [["abc", "def"]]
    assert language.english_evidence(text).letters == 6


def test_code_symbols_are_counted_in_any_script() -> None:
    text = "a=b <é> {ü} [x]_\\/|#*+~^@$%&() €"
    assert language.english_evidence(text).symbols == len(patterns.CODE_SYMBOL.findall(text)) == 22


def reference_reads_as_prose(text: str) -> bool:
    """reads_as_prose as written before it searched the whole text: line by line."""
    from pipeline.patterns.punctuation import PROSE_MIN_CHARS, SENTENCE_BREAK
    return any(len(line) >= PROSE_MIN_CHARS and SENTENCE_BREAK.search(line) for line in text.split("\n"))


_prose_piece = st.sampled_from([
    "A sentence that ends here.", "Short.", "No end here at all, none", "Quoted end.”", "Ends with a close.)",
    "中文句子结束。", "Ellipsis…", "Dots...", "x" * 19 + ".", "x" * 18 + ".", "a.b", "Why? ", "\t!", "", " ",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_prose_piece | st.text(st.sampled_from("ab .!?…。\n\t\"”)'"), max_size=30), max_size=8),
       st.sampled_from(["\n", "\n\n", " ", ""]))
def test_reads_as_prose_answers_as_line_by_line(pieces, sep) -> None:
    text = sep.join(pieces)
    assert language.reads_as_prose(text) == reference_reads_as_prose(text)
