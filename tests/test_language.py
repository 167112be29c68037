"""The language stage: measuring (detect) apart from deciding (the keep gate)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from pipeline.config import Config
from pipeline.document import Document
from pipeline.process import clean_text
from pipeline.reasons import REASON_PATTERN
from pipeline.stages import language

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
