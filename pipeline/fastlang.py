"""langdetect's detector with its inner loop on numpy arrays: the same
probabilities, bit for bit, several times faster.

langdetect (pure Python) spends its time in ``_update_lang_prob``: for each
sampled n-gram, a Python loop multiplies 55 language probabilities. Here that
loop is one numpy multiplication of float64 arrays: IEEE arithmetic element by
element, the same operations in the same order, so the same bits. The random
stream is consumed exactly as langdetect consumes it (``choice`` on a list of
the same length, ``gauss`` once per trial), and the two sums that set the
result (``sum(prob)`` when normalising, the average over trials) stay Python
sums in the original order. tests/test_fastlang.py compares both detectors
on the dev set and on generated text.

The profiles (``Profiles``) hold what langdetect's ``load_profile`` reads,
but an n-gram's row of 55 probabilities is computed the first time a text
has that n-gram, not for all 87,598 n-grams up front: a process paid about
0.1 s instead of 0.5 s before its first detection (most documents never
need one: the plain-English check decides them), with the same rows. The
counts are read as arrays kept between runs (pipeline.kept_profiles): ~20
ms instead of ~60 to parse the JSON, in each worker of a re-run.

The n-grams of a text are langdetect's ``NGram.add_char`` loop's, but taken a
word at a time (the loop restarts at every space) and memoised per word
(``word_ngrams``): a text's frequent words cost a dict look-up instead of a
Python step per character. tests/test_fastlang.py keeps the character loop as
the reference.
"""

from __future__ import annotations

import re
from bisect import bisect_left

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from pipeline import kept_profiles


class _Normalised(dict):
    """str.translate's table for NGram.normalize, filled as characters come."""

    def __missing__(self, code: int) -> str:
        normal = self[code] = NGram.normalize(chr(code))
        return normal


_SPACE_RUN = re.compile(" {2,}")
# cleaning_text's counts: its "Latin" characters are 'A' <= ch <= 'z'
# (ASCII, so the same bytes of the UTF-8 encoding); its "non-Latin" ones are
# those from U+0300 on (its test against 'Latin Extended Additional' compares
# unicode_block's number with a name: never equal, so it excludes nothing).
_NOT_LATIN_BYTES = bytes(b for b in range(256) if not ord("A") <= b <= ord("z"))
_FROM_U0300 = re.compile("[\u0300-\U0010ffff]")
_LATIN = re.compile("[A-z]")
_NORMALISED = _Normalised()  # code point -> NGram.normalize(its character)
_WORD_NGRAMS: dict[tuple[str, bool], list[str]] = {}  # (word, space after) -> word_ngrams
MAX_WORDS = 20_000  # words kept in _WORD_NGRAMS per process (about 8 MB); then start again
MAX_MEMO_WORD = 40  # longer "words" (text without spaces: Chinese, Japanese) are not kept


def word_ngrams(word: str, space_after: bool, ngrams: dict[str, str]) -> list[str]:
    """The n-grams langdetect's NGram.add_char loop takes from one word of
    normalised text (no space in it), in order, with ``ngrams`` those that
    have a profile row (Profiles.ngrams: each n-gram's own string is kept).

    The loop's state restarts at every space (its buffer becomes " "), so a
    word's n-grams depend on the word alone and on whether a space follows it
    (the n-grams that end in that space). Within the word the buffer at
    character i is the last three characters of " " + word up to i; and
    the loop's ``capital`` flag is set exactly when the character and the one
    before it are both upper case (it is cleared by every character that is
    not, and at the restart), so those positions give no n-gram."""
    padded = " " + word + " " if space_after else " " + word
    result: list[str] = []
    append = result.append
    known = ngrams.get
    upper = [c.isupper() for c in padded]
    for i in range(1, len(padded)):
        if upper[i] and upper[i - 1]:
            continue
        c = padded[i]
        if c != " " and (w := known(c)) is not None:
            append(w)
        if (w := known(padded[i - 1:i + 1])) is not None:
            append(w)
        if i >= 2 and (w := known(padded[i - 2:i + 1])) is not None:
            append(w)
    return result


MAX_ROWS = 50_000  # n-gram rows kept as arrays per process (about 22 MB); then start again


class Profiles:
    """What a DetectorFactory holds after ``load_profile(directory)``
    (``langlist``, ``seed``, the n-grams and their probabilities), with each
    n-gram's probabilities built when first asked for. The profiles are read
    as arrays (pipeline.kept_profiles: kept between runs, not parsed again)."""

    def __init__(self, directory: str) -> None:
        table = kept_profiles.load(directory)
        self.langsize = table.langsize  # load_profile's row length
        self.langlist: list[str] = table.langlist
        # Every n-gram with a row, mapped to one string object for it: the
        # word memo (word_ngrams) keeps these, not a copy per word.
        self.ngrams: dict[str, str] = dict(zip(table.ngrams, table.ngrams))
        self._sorted = table.ngrams  # (an n-gram's index found by bisection: a row is made once)
        self._starts, self._langs, self._counts = table.starts, table.langs, table.counts
        self._n_words = table.n_words
        self.word_lang_prob_map = self.ngrams  # Detector() reads it; FastDetector asks row()
        self.seed: int | None = None
        self._rows: dict[str, np.ndarray] = {}

    def set_seed(self, seed: int) -> None:
        self.seed = seed

    def row(self, ngram: str) -> np.ndarray:
        """load_profile's ``word_lang_prob_map[ngram]``, as a float64 array:
        1.0 * count / n_words[len(ngram) - 1] of each language that counts
        it (IEEE division of the same doubles), 0.0 elsewhere."""
        row = self._rows.get(ngram)
        if row is None:
            if len(self._rows) >= MAX_ROWS:
                self._rows = {}
            row = np.zeros(self.langsize, np.float64)
            length = len(ngram)
            index = bisect_left(self._sorted, ngram)
            if 1 <= length <= 3 and index < len(self._sorted) and self._sorted[index] == ngram:
                start, end = self._starts[index], self._starts[index + 1]
                langs = self._langs[start:end]
                row[langs] = self._counts[start:end].astype(np.float64) / self._n_words[langs, length - 1]
            self._rows[ngram] = row
        return row


class FastDetector(Detector):
    """``factory.create()`` of a factory loaded with the same profiles, with
    the fast inner loop (alpha left at its default)."""

    def __init__(self, profiles: Profiles) -> None:
        super().__init__(profiles)
        self._row = profiles.row

    def append(self, text: str) -> None:
        """langdetect's append: its character loop keeps the first space of
        each run of spaces (and nothing before the cut at max_text_length), as
        one substitution does."""
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += _SPACE_RUN.sub(" ", text[:self.max_text_length])

    def cleaning_text(self) -> None:
        """langdetect's cleaning_text (drop the Latin letters of text that is
        mostly not Latin), its character loops done by bytes.translate and re."""
        text = self.text
        latin = len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_LATIN_BYTES))
        non_latin = 0 if text.isascii() else _FROM_U0300.subn("", text)[1]
        if latin * 2 < non_latin:
            self.text = _LATIN.sub("", text)

    def _extract_ngrams(self) -> list[str]:
        """langdetect's NGram.add_char and _extract_ngrams: the n-grams of the
        text in its order, each word's read from a memo (see word_ngrams)."""
        words = self.text.translate(_NORMALISED).split(" ")
        last = len(words) - 1
        memo = _WORD_NGRAMS
        if len(memo) >= MAX_WORDS:
            memo.clear()
        result: list[str] = []
        extend = result.extend
        for index, word in enumerate(words):
            if word:
                key = (word, index < last)  # (a word at the end of the text has no space after it)
                grams = memo.get(key)
                if grams is None:
                    grams = word_ngrams(word, index < last, self.word_lang_prob_map)
                    if len(word) <= MAX_MEMO_WORD:
                        memo[key] = grams
                extend(grams)
        return result

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()  # every one is in word_lang_prob_map
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        scratch = np.empty(len(self.langlist), dtype=np.float64)
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weight = alpha / self.BASE_FREQ
            i = 0
            while True:
                np.add(self._row(self.random.choice(ngrams)), weight, out=scratch)  # weight + lang_prob_map[i]
                np.multiply(prob, scratch, out=prob)  # prob[i] *= ...
                if i % 5 == 0:
                    sump = sum(prob.tolist())  # Python's sum, in order, as langdetect
                    np.divide(prob, sump, out=prob)
                    if prob.max() > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            for j, p in enumerate(prob.tolist()):
                self.langprob[j] += p / self.n_trial
