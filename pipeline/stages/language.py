"""Stage language: measure the body's language, then gate.

Measuring and deciding are separate: ``detect`` writes the language and its
probability; ``apply`` rejects documents whose language is not kept.
Measuring is the plain-English check where it is conclusive (a tenth of a
millisecond) and langdetect everywhere else (about 2 ms). The check runs
whatever ``keep_languages`` says: a document's language does not depend on
the policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException

from pipeline.config import Config
from pipeline.fastlang import FastDetector, Profiles
from pipeline.document import Document
from pipeline.patterns import language as patterns
from pipeline.patterns.language import HAN, NEEDS_SCRIPT
from pipeline.patterns.punctuation import PROSE_MIN_CHARS, SENTENCE_BREAK

NAME = "language"
UNDETERMINED = "und"


@lru_cache(maxsize=1)
def _factory() -> Profiles:
    # Read once per process, and only by the first text langdetect reads.
    return Profiles(PROFILES_DIRECTORY)


def sample(text: str, limit: int) -> str:
    """A bounded sample of the text, cut at a space so no word is split."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


def detect(text: str, seed: int, limit: int) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of a bounded sample of the text; ("und",
    0.0) when there is nothing to judge."""
    code, prob, _ = measure(text, seed, limit)
    return code, prob


def measure(text: str, seed: int, limit: int) -> tuple[str, float, str]:
    """detect(), and what decided: plainly English text is decided by the
    cheap check (PLAIN_ENGLISH_RULE), with the documented estimate as its
    probability; every other text by langdetect ("langdetect")."""
    text = sample(text, limit)
    if plainly_english(text):
        return "en", patterns.PLAIN_ENGLISH_CONFIDENCE, patterns.PLAIN_ENGLISH_RULE
    return (*langdetect_reading(text, seed), "langdetect")


def langdetect_reading(text: str, seed: int) -> tuple[str, float]:
    """langdetect's (code, probability) for the whole of ``text``."""
    factory = _factory()
    factory.set_seed(seed)
    detector = FastDetector(factory)  # factory.create(), with the same results, faster
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    return script_checked(best.lang.split("-")[0], text), round(best.prob, 4)


def plainly_english(text: str) -> bool:
    """The cheap check (rule language.plain_english/v1, patterns.language):
    True only when the text is overwhelmingly English prose. False decides
    nothing: langdetect reads the text."""
    e = english_evidence(text)
    n = e.words
    return (n >= patterns.MIN_WORDS
            and e.only >= patterns.MIN_ONLY_SHARE * n
            and e.only + e.shared >= patterns.MIN_FUNCTION_SHARE * n
            and len(e.distinct_only) >= patterns.MIN_DISTINCT_ONLY
            and e.foreign <= patterns.MAX_FOREIGN_SHARE * n
            and e.non_ascii <= patterns.MAX_NON_ASCII_SHARE * e.letters
            and e.symbols <= patterns.MAX_SYMBOL_SHARE * e.characters
            and e.unvouched <= patterns.MAX_UNVOUCHED_SHARE * n
            and e.longest_unvouched <= patterns.MAX_UNVOUCHED_SEGMENT)


@dataclass
class Evidence:
    """What plainly_english counts in a text (word counts unless named)."""

    words: int = 0
    only: int = 0  # patterns.ENGLISH_ONLY
    shared: int = 0  # patterns.ENGLISH_SHARED
    foreign: int = 0  # patterns.FOREIGN_FUNCTION_WORDS
    letters: int = 0
    non_ascii: int = 0  # letters
    characters: int = 0  # other than spaces and line breaks
    symbols: int = 0  # characters of patterns.CODE_SYMBOL
    unvouched: int = 0  # words in segments that show no sign of English
    longest_unvouched: int = 0
    distinct_only: set[str] = field(default_factory=set)


def english_evidence(text: str) -> Evidence:
    e = Evidence()
    # Per segment only its vouching is judged, by set operations in C; the
    # word counts are taken once, over the words of every segment.
    only_words, shared_words = patterns.ENGLISH_ONLY, patterns.ENGLISH_SHARED
    foreign_words = patterns.FOREIGN_FUNCTION_WORDS
    plain = ascii_plain(text)
    segments = segment_words(text, plain)
    # (filtered in C: cheaper than counting every word in a Counter)
    function_words = list(filter(FUNCTION_WORDS.__contains__, chain.from_iterable(segments)))
    only = list(filter(only_words.__contains__, function_words))
    e.words = sum(map(len, segments))
    e.distinct_only = set(only)
    e.only = len(only)
    # (most texts hold no foreign word: one pass in C says so)
    e.foreign = 0 if foreign_words.isdisjoint(function_words) else len(
        list(filter(foreign_words.__contains__, function_words)))
    e.shared = len(function_words) - e.only - e.foreign  # the three sets are disjoint
    for words in segments:
        # (a segment can hold a foreign word only when the text does: most texts hold none)
        if len(words) >= patterns.SEGMENT_MIN_WORDS and (
                (e.foreign and not foreign_words.isdisjoint(words))
                or (only_words.isdisjoint(words) and len(shared_words.intersection(words)) < 2)):
            e.unvouched += len(words)
            e.longest_unvouched = max(e.longest_unvouched, len(words))
    e.characters = len(text) - text.count(" ") - text.count("\n")
    e.symbols = len(text.encode("utf-8", "surrogatepass").translate(None, patterns.NOT_CODE_SYMBOL_BYTES))
    if not text.isascii():  # (the common case costs nothing)
        if plain is not None:  # its letters are plain's ASCII letters: no word breaker is a letter
            e.letters = len(plain.encode("ascii").translate(None, patterns.NOT_ASCII_LETTER_BYTES))
        else:
            e.letters = len("".join(patterns.WORD.findall(text)))
            e.non_ascii = len(patterns.NON_ASCII_LETTER.findall(text))
    return e


FUNCTION_WORDS = patterns.ENGLISH_ONLY | patterns.ENGLISH_SHARED | patterns.FOREIGN_FUNCTION_WORDS


def ascii_plain(text: str) -> str | None:
    """The text with patterns.WORD_BREAKERS as spaces, when that leaves it
    ASCII (most texts); else None."""
    if not text.isascii():
        for c in patterns.WORD_BREAKERS:
            if c in text:
                text = text.replace(c, " ")
    return text if text.isascii() else None


def segment_words(text: str, plain: str | None) -> list[list[str]]:
    """The lowered words (patterns.WORD) of each segment of the text
    (patterns.SEGMENT_BREAK parts it), maybe with empty segments between.
    ``plain``: ascii_plain(text)."""
    if plain is not None:  # the same words, by str methods
        return [segment.split() for segment in plain.translate(patterns.ASCII_SEGMENTS).split("\n") if segment]
    # Word by word in the lowered text (lowering can change a text's length).
    return [patterns.WORD.findall(segment) for segment in patterns.SEGMENT_BREAK.split(text.lower())]


def script_checked(code: str, text: str) -> str:
    """Han-only text read as Korean or Japanese is Chinese (see patterns.language)."""
    needed = NEEDS_SCRIPT.get(code)
    if needed and HAN.search(text) and not needed.search(text):
        return "zh"
    return code


def reads_as_prose(text: str) -> bool:
    """Some line holds a finished sentence: a text of headlines, tag lines,
    menus or link spam alone is no article."""
    # The breaks found in the whole text are those found line by line (no
    # break spans a line; the line break after one matches as its space
    # would), and the first is mostly in the first line: the text is not
    # split into lines.
    for found in SENTENCE_BREAK.finditer(text):
        at = found.start()
        end = text.find("\n", at)
        if (len(text) if end < 0 else end) - (text.rfind("\n", 0, at) + 1) >= PROSE_MIN_CHARS:
            return True
    return False


def apply(doc: Document, config: Config) -> Document:
    body = doc.text.strip()
    if len(body) < config.min_body_chars:
        return doc.reject("no_body", "nothing is left of the text after cleaning")
    code, prob, how = measure(body, config.language_seed, config.language_sample_chars)
    doc = doc.replaced(language=code, language_confidence=prob)
    if code not in config.keep_languages:
        found = (f"detected {code} with probability {prob}" if how == "langdetect"
                 else f"detected {code} by {how} (its probability {prob} is an estimate)")
        return doc.reject(f"language:{code}", f"{found}; kept: {', '.join(config.keep_languages)}")
    if not reads_as_prose(body):
        return doc.reject("no_body", "no line of what is left holds a finished sentence "
                          "(only headlines, tags, menus or links)")
    return doc
