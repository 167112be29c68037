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

The profiles (``Profiles``) are read as langdetect's ``load_profile`` reads
them, but an n-gram's row of 55 probabilities is computed the first time a
text has that n-gram, not for all 87,598 n-grams up front: a process pays
about 0.1 s instead of 0.5 s before its first detection (most documents never
need one: the plain-English check decides them), with the same rows.
"""

from __future__ import annotations

import json
import os

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

_NORMALISED: dict[str, str] = {}  # character -> NGram.normalize(character)

MAX_ROWS = 50_000  # n-gram rows kept as arrays per process (about 22 MB); then start again


class Profiles:
    """What a DetectorFactory holds after ``load_profile(directory)``
    (``langlist``, ``seed``, the n-grams and their probabilities), with each
    n-gram's probabilities built when first asked for."""

    def __init__(self, directory: str) -> None:
        names = os.listdir(directory)  # load_profile's order sets the languages' order
        self.langsize = len(names)  # load_profile's row length
        self.langlist: list[str] = []
        self._profiles: list[tuple[dict[str, int], list[int]]] = []  # (freq, n_words) per language
        for name in names:
            filename = os.path.join(directory, name)
            if name.startswith(".") or not os.path.isfile(filename):
                continue
            with open(filename, encoding="utf-8") as f:
                data = json.load(f)
            self.langlist.append(data["name"])
            self._profiles.append((data["freq"], data["n_words"]))
        self.ngrams = set().union(*(freq for freq, _ in self._profiles))  # every n-gram with a row
        self.word_lang_prob_map = self.ngrams  # Detector() reads it; FastDetector asks row()
        self.seed: int | None = None
        self._rows: dict[str, np.ndarray] = {}

    def set_seed(self, seed: int) -> None:
        self.seed = seed

    def row(self, ngram: str) -> np.ndarray:
        """load_profile's ``word_lang_prob_map[ngram]``, as a float64 array."""
        row = self._rows.get(ngram)
        if row is None:
            if len(self._rows) >= MAX_ROWS:
                self._rows = {}
            probs = [0.0] * self.langsize
            length = len(ngram)
            if 1 <= length <= 3:
                for index, (freq, n_words) in enumerate(self._profiles):
                    count = freq.get(ngram)
                    if count is not None:
                        probs[index] = 1.0 * count / n_words[length - 1]  # load_profile's arithmetic
            row = self._rows[ngram] = np.array(probs, dtype=np.float64)
        return row


class FastDetector(Detector):
    """``factory.create()`` of a factory loaded with the same profiles, with
    the fast inner loop (alpha left at its default)."""

    def __init__(self, profiles: Profiles) -> None:
        super().__init__(profiles)
        self._row = profiles.row

    def _extract_ngrams(self) -> list[str]:
        """langdetect's NGram.add_char and _extract_ngrams in one loop, with the
        per-character normalisation memoised (it is a function of the character)."""
        wmap = self.word_lang_prob_map
        norm = _NORMALISED
        result: list[str] = []
        append = result.append
        grams, capital = " ", False
        for ch in self.text:
            c = norm.get(ch)
            if c is None:
                c = norm[ch] = NGram.normalize(ch)
            last = grams[-1]
            if last == " ":
                grams, capital = " ", False
                if c == " ":
                    continue  # add_char returns; the only gram would be " "
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
            w = grams[-1:]
            if w != " " and w in wmap:
                append(w)
            if len(grams) >= 2:
                w = grams[-2:]
                if w in wmap:
                    append(w)
                if len(grams) >= 3:
                    w = grams[-3:]
                    if w in wmap:
                        append(w)
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
