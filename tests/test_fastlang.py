"""The fast detector gives langdetect's probabilities exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from functools import lru_cache

from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from pipeline.fastlang import FastDetector
from pipeline.stages.language import _factory, sample

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


@lru_cache(maxsize=1)
def langdetect_factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def probabilities(cls, text: str, seed: int = 0):
    """cls on its profiles: FastDetector on the stage's (pipeline.fastlang.
    Profiles), langdetect's Detector on langdetect's own DetectorFactory."""
    factory = _factory() if cls is FastDetector else langdetect_factory()
    factory.set_seed(seed)
    detector = cls(factory)
    detector.append(text)
    try:
        return [(p.lang, p.prob) for p in detector.get_probabilities()]
    except LangDetectException as err:
        return str(err)


def test_same_as_langdetect_on_the_dev_set() -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    for path in sorted(raw.glob("*.txt")):
        text = sample(path.read_text(encoding="utf-8", errors="replace"), 2000)
        assert probabilities(FastDetector, text) == probabilities(Detector, text), path.name


@pytest.mark.parametrize("seed", [0, 7])
def test_same_as_langdetect_on_mixed_scripts(seed: int) -> None:
    text = "Hello World ЗДРАВСТВУЙ мир 你好世界 こんにちは カタカナ 안녕하세요 مرحبا ș ț Ễ naïve café ß ÆØÅ"
    assert probabilities(FastDetector, text, seed) == probabilities(Detector, text, seed)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
       | st.lists(st.sampled_from(["the", "The", "AND", "über", "ça", "ÉTÉ", "мир", "中文", " ", "  ", "\n", "x1",
                                   "ș", "Ễ", "ア", "あ", "ㄅ", "가", "ی", "'", "-"]), max_size=80).map(" ".join))
def test_same_as_langdetect_on_any_text(text: str) -> None:
    assert probabilities(FastDetector, text) == probabilities(Detector, text)


def test_profiles_are_langdetects() -> None:
    ours, theirs = _factory(), langdetect_factory()
    assert ours.langlist == theirs.langlist
    assert ours.ngrams.keys() == theirs.word_lang_prob_map.keys()
    assert all(ngram == same for ngram, same in ours.ngrams.items())
    for ngram, probs in theirs.word_lang_prob_map.items():
        assert ours.row(ngram).tolist() == probs, ngram


def reference_ngrams(text: str, ngrams) -> list[str]:
    """FastDetector._extract_ngrams as written before its word memo: langdetect's
    NGram.add_char loop, character by character."""
    from langdetect.utils.ngram import NGram
    result: list[str] = []
    grams, capital = " ", False
    for ch in text:
        c = NGram.normalize(ch)
        last = grams[-1]
        if last == " ":
            grams, capital = " ", False
            if c == " ":
                continue
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += c
        if c.isupper():
            if last.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        for n in (1, 2, 3):
            w = grams[-n:] if len(grams) >= n else None
            if w and w != " " and w in ngrams:
                result.append(w)
    return result


def fast_ngrams(text: str) -> list[str]:
    detector = FastDetector(_factory())
    detector.text = text
    return detector._extract_ngrams()


_ngram_text = (st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
               | st.lists(st.sampled_from(["the", "The", "THE", "aBC", "ABc", "AbC", "über", "ÜBER", "ça", "ÉTÉ",
                                           "мир", "МИР", "中文", "ア", "あ", "가", " ", "  ", "\n", "x1", "I", "A",
                                           "ș", "Ễ", ".", "-", "word" * 12]), max_size=60).map("".join))


@settings(max_examples=500, deadline=None)
@given(_ngram_text)
def test_word_memo_gives_the_character_loops_ngrams(text: str) -> None:
    expected = reference_ngrams(text, _factory().ngrams)
    assert fast_ngrams(text) == expected
    assert fast_ngrams(text) == expected  # again, from the memo


def test_word_memo_gives_the_character_loops_ngrams_on_the_dev_set() -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    for path in sorted(raw.glob("*.txt")):
        text = sample(path.read_text(encoding="utf-8", errors="replace"), 2000)
        assert fast_ngrams(text) == reference_ngrams(text, _factory().ngrams), path.name


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", " ", "  ", "   ", "\n", "\t", "é", "ễ", "A\u0301", "http://x.org/a?b=c ",
                                 "me@example.com", "中", "-"]), max_size=80).map("".join),
       st.sampled_from([10000, 5, 1, 0]))
def test_append_is_langdetects(text: str, limit: int) -> None:
    ours, theirs = FastDetector(_factory()), Detector(langdetect_factory())
    for detector in (ours, theirs):
        detector.max_text_length = limit
        detector.append(text)
        detector.append(" " + text)  # a second append starts a new run
    assert ours.text == theirs.text


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=60)
       | st.lists(st.sampled_from(["a", "Z", "[", "`", "@", "{", " ", "\u02ff", "\u0300", "\u1e00", "\u1eff", "\u1f00",
                                   "é", "中", "мир", "\U0001f600", "\ud800"]), max_size=60).map("".join))
def test_cleaning_text_is_langdetects(text: str) -> None:
    ours, theirs = FastDetector(_factory()), Detector(langdetect_factory())
    ours.text = theirs.text = text
    ours.cleaning_text()
    theirs.cleaning_text()
    assert ours.text == theirs.text
