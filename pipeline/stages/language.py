"""Stage language: measure the body's language with langdetect, then gate.

Measuring and deciding are separate: ``detect`` writes the language and its
probability; ``apply`` rejects documents whose language is not kept.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from pipeline.config import Config
from pipeline.fastlang import FastDetector
from pipeline.document import Document
from pipeline.patterns.language import HAN, NEEDS_SCRIPT
from pipeline.patterns.punctuation import PROSE_MIN_CHARS, SENTENCE_BREAK

NAME = "language"
UNDETERMINED = "und"


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    # Loading the profiles takes most of a second: once per process.
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def sample(text: str, limit: int) -> str:
    """A bounded sample of the text, cut at a space so no word is split."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


def detect(text: str, seed: int, limit: int) -> tuple[str, float]:
    """(ISO 639-1 code, probability); ("und", 0.0) when there is nothing to judge."""
    factory = _factory()
    factory.set_seed(seed)
    detector = FastDetector(factory)  # factory.create(), with the same results, faster
    text = sample(text, limit)
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    return script_checked(best.lang.split("-")[0], text), round(best.prob, 4)


def script_checked(code: str, text: str) -> str:
    """Han-only text read as Korean or Japanese is Chinese (see patterns.language)."""
    needed = NEEDS_SCRIPT.get(code)
    if needed and HAN.search(text) and not needed.search(text):
        return "zh"
    return code


def reads_as_prose(text: str) -> bool:
    """Some line holds a finished sentence: a text of headlines, tag lines,
    menus or link spam alone is no article."""
    return any(len(line) >= PROSE_MIN_CHARS and SENTENCE_BREAK.search(line)
               for line in text.split("\n"))


def apply(doc: Document, config: Config) -> Document:
    body = doc.text.strip()
    if len(body) < config.min_body_chars:
        return doc.reject("no_body", "nothing is left of the text after cleaning")
    code, prob = detect(body, config.language_seed, config.language_sample_chars)
    doc = replace(doc, language=code, language_confidence=prob)
    if code not in config.keep_languages:
        return doc.reject(f"language:{code}", f"detected {code} with probability {prob}; kept: {', '.join(config.keep_languages)}")
    if not reads_as_prose(body):
        return doc.reject("no_body", "no line of what is left holds a finished sentence "
                          "(only headlines, tags, menus or links)")
    return doc
