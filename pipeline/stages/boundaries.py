"""Stage boundaries: find where the article body starts and ends in a page
saved as text, and remove what lies outside it (site navigation before,
related headlines, comments and footers after).

The body is one contiguous run of prose, so the stage looks for boundaries
rather than judging lines one by one:

1. every content line gets a *goodness* in [0, 1] from separate signals:
   length, stop-word density and sentence shape (the jusText idea), and
   penalties for a capitalised menu/headline shape, site furniture
   (copyright, bullets, separators), a line printed twice in the page, and a
   line that recurs across the corpus (the CCNet idea; from the first pass);
2. a line's value in the search is ``(goodness - config.body_threshold)``
   weighted by its length plus a fixed cost, so a menu of many short lines
   adds up to a large negative;
3. the lines split into clusters wherever ``MAX_GAP_LINES`` non-prose lines
   follow one another; inside each cluster the best contiguous run is found
   (maximum subarray), and the best run wins, preferring runs below the
   page's echo of the title (position) and runs sharing the title's words;
4. neighbouring runs on the same topic as the body (TF-IDF cosine) join it,
   so an article split by a block of pictures or an advertisement is kept
   whole, while comments and unrelated headlines stay outside.

Texts without anything outside the body (most plain articles) are left as
they are: a line is only removed if the run reaching it is worse than the
body run, and an article's own short last paragraph is a sentence, so it
counts for the body. Each removal carries a score: 1 - goodness for a line
that is not prose; a prose-like line removed for its position alone (a
teaser, a comment) scores exactly at the threshold, so the change report
lists it "to review".
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Callable, NamedTuple

import numpy as np

from pipeline import prose_counts
from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import Line, content_lines, merge, removal
from pipeline.patterns import boundaries as P
# Lines the boilerplate stage removes under its own rule (end markers, Source:
# lines, credits) are left to it: its reason says more than "outside the body".
from pipeline.stages.boilerplate import classify as boilerplate_rule
from pipeline.stages.header import is_subtitle

NAME = "boundaries"
WANTS_STATS = True  # apply() takes the corpus statistics of the first pass


# ----------------------------------------------------------------- line signals


def sample(text: str) -> str:
    """The part of a line its shape is measured on: the first SAMPLE_CHARS
    characters, so a megabyte-long line costs no more than a paragraph."""
    return text[: P.SAMPLE_CHARS]


def word_count(text: str) -> int:
    """Words in the line; for a line longer than the sample, extrapolated from it."""
    head = sample(text)
    return _extrapolated(_shape(head)[0], head, text)


def _extrapolated(n: int, head: str, text: str) -> int:
    """The words of the line from the n words of its sample ``head``."""
    return n if len(head) == len(text) else round(n * len(text) / len(head))


def as_ascii(head: str) -> str | None:
    """The line with its typographic punctuation as ASCII stand-ins, if that
    makes it ASCII (most non-ASCII lines of English): the signals below read
    it through their byte tables, and the stand-ins leave them the same."""
    return head if head.isascii() else _with_standins(head)  # (an ASCII line is known at once: no memo)


@lru_cache(maxsize=4096)
def _with_standins(head: str) -> str | None:
    for typographic, standin in P.ASCII_STANDINS:
        head = head.replace(typographic, standin)
    return head if head.isascii() else None


@lru_cache(maxsize=4096)
def _shape(head: str) -> tuple[int, int, int]:
    """(words, words starting with a capital, words starting with a lower-case
    letter) of ``head.split()``, the word count and capitals of a line."""
    ascii_head = as_ascii(head)
    if ascii_head is not None:
        # Every word follows a blank once one is put in front: count the
        # pairs "blank, first letter" in the line mapped to its letter shapes.
        shape = b" " + ascii_head.encode("ascii").translate(P.SHAPE_TABLE)
        upper, lower = shape.count(b" U"), shape.count(b" l")
        return upper + lower + shape.count(b" x"), upper, lower
    ws = head.split()
    initials = [w[0] for w in ws if w[0].isalpha()]
    upper = sum(1 for c in initials if c.isupper())
    return len(ws), upper, len(initials) - upper


def words(text: str) -> tuple[str, ...]:
    """Lower-case words of (the sample of) a line. The stage asks this of a
    line several times (shape, title echo, topic bags), so each document's
    answers are kept until ``apply`` starts on the next document."""
    return _words(sample(text))


@lru_cache(maxsize=4096)
def _words(head: str) -> tuple[str, ...]:
    ascii_head = as_ascii(head)
    if ascii_head is not None:
        # Letters lower-cased and apostrophes kept, all else blank: the blank-
        # separated runs are the words unless an apostrophe is out of place.
        found = ascii_head.encode("ascii").translate(P.WORD_TABLE).decode("ascii")
        if "'" in found and P.ODD_APOSTROPHE.search(found):
            return tuple(P.WORD_ASCII.findall(found))
        return tuple(found.split())
    # One lower() and replace() over the joined words, not one per word: the
    # words hold no newline, and lower-casing never looks across a non-letter.
    found = P.WORD.findall(head)
    return tuple("\n".join(found).lower().replace("’", "'").split("\n")) if found else ()


def normalised(text: str) -> str:
    """The line as compared for repetition: lower-case words and numbers, every
    digit as 0, so a template printed with different numbers ("Rating: 36
    Votes", "2 days ago") repeats too."""
    return _normalised(sample(text))


def normalised_once(text: str) -> str:
    """normalised() of a line asked once, not kept (the first pass's lines)."""
    return _normalise(sample(text))


def normalised_utf8(text: str) -> bytes:
    """normalised_once(text) as UTF-8 (what corpus_stats.key hashes): an
    ASCII line's is never decoded to a string."""
    head = sample(text)
    ascii_head = as_ascii(head)
    return _ascii_tokens(ascii_head) if ascii_head is not None else _normalise(head).encode("utf-8")


def normalised_utf8_each(texts: list[str], at_once_from: int | None = None) -> list[bytes]:
    """normalised_utf8 of each line (lines hold no line break). The ASCII
    lines are mapped together: one translate of them joined, and the runs of
    blanks squeezed by one numpy mask, cost a fraction of the per-line
    passes of _ascii_tokens on a page of long lines (``at_once_from``: the
    fewest characters for which they are mapped together; for the tests).
    When no line is longer than its sample, their heads (as_ascii) are made
    at once too, from the lines joined: a stand-in is one character for one."""
    joined = "\n".join(texts)
    heads: list[str | None] | None = None
    if len(joined) <= P.SAMPLE_CHARS or max(map(len, texts)) <= P.SAMPLE_CHARS:  # every line is its sample
        joined = joined if joined.isascii() else _with_standins_all(joined)
        heads = None if joined is None else texts  # (read below for "not None" only)
    if heads is None:  # a line longer than its sample, or not ASCII even with the stand-ins: one at a time
        heads = [as_ascii(sample(t)) for t in texts]
        joined = "\n".join([h or "" for h in heads])
    if len(joined) < (_EACH_MIN_CHARS if at_once_from is None else at_once_from) or joined.count("\n") != len(texts) - 1:  # (a short page: per line is cheaper)
        return [normalised_utf8(t) for t in texts]
    mapped = np.frombuffer(joined.encode("ascii").translate(P.TOKEN_TABLE_LINES), np.uint8)
    # A blank is kept only after a non-blank (a line break included): one
    # blank between tokens, at most one at either end of a line (stripped).
    not_blank = mapped != _BLANK
    keep = not_blank.copy()
    keep[1:] |= not_blank[:-1]
    squeezed = mapped[keep].tobytes().split(b"\n")
    return [found.strip(b" ") if head is not None else _normalise(sample(text)).encode("utf-8")
            for found, head, text in zip(squeezed, heads, texts)]


def _with_standins_all(text: str) -> str | None:
    """as_ascii of a text, not memoised (a page, asked once)."""
    for typographic, standin in P.ASCII_STANDINS:
        text = text.replace(typographic, standin)
    return text if text.isascii() else None


_BLANK = ord(" ")
_EACH_MIN_CHARS = 500  # (below, the per-line passes cost less than numpy's calls)


def _ascii_tokens(ascii_head: str) -> bytes:
    # Tokens lower-cased with digits as 0, one blank between them: the same
    # as _normalise's regular expressions, in C over bytes (each replace
    # halves every run of blanks: a few passes, far cheaper than a regex).
    found = ascii_head.encode("ascii").translate(P.TOKEN_TABLE)
    while b"  " in found:
        found = found.replace(b"  ", b" ")
    return found.strip(b" ")


def _normalise(head: str) -> str:
    ascii_head = as_ascii(head)
    if ascii_head is not None:
        return _ascii_tokens(ascii_head).decode("ascii")
    # Tokens hold no space, so masking digits once over the joined line is the same.
    head = head.lower()
    return P.DIGIT.sub("0", " ".join((P.TOKEN_ASCII if head.isascii() else P.TOKEN).findall(head)))


_normalised = lru_cache(maxsize=4096)(_normalise)


def stopword_density(text: str) -> float:
    """Share of the line's words that are function words (0 for no words)."""
    return _stopword_density(sample(text))


@lru_cache(maxsize=4096)
def _stopword_density(head: str) -> float:
    # Kept like the words: a later round judges the lines left again.
    ascii_head = as_ascii(head)
    if ascii_head is not None:
        # The words of _words as bytes, counted among the stop words as
        # bytes: no string made per word (the words themselves are asked
        # only of pages with several runs: title echo, topic).
        found = ascii_head.encode("ascii").translate(P.WORD_TABLE)
        if b"'" not in found or not P.ODD_APOSTROPHE_BYTES.search(found):
            ws = found.split()
            return sum(map(P.ASCII_STOPWORDS.__contains__, ws)) / len(ws) if ws else 0.0
    ws = _words(head)
    return sum(map(P.STOPWORDS.__contains__, ws)) / len(ws) if ws else 0.0


def ends_sentence(text: str) -> bool:
    """The line ends like a finished sentence (an ellipsis is a cut, not an end)."""
    core = text.rstrip()
    if core.endswith(P.ELLIPSES):
        return False
    core = core.rstrip(P.CLOSERS).rstrip()
    return bool(core) and core[-1] in P.SENTENCE_END


def sentence_shape(text: str) -> float:
    """1 for a line that reads as one or more complete sentences, 0 for a
    label, a headline or a teaser cut short."""
    n = word_count(text)
    if n < P.MIN_SENTENCE_WORDS or not ends_sentence(text):
        return 0.0
    return 1.0


def capitalised_share(text: str) -> float:
    """Share of capitalised words: menus ("Car Reviews") and title-case
    headlines are mostly capitals; a sentence starts with one."""
    _, upper, lower = _shape(sample(text))
    return _capitalised_share(upper, lower)


def _capitalised_share(upper: int, lower: int) -> float:
    if upper + lower < P.MIN_CAPITALISED_WORDS:
        return 1.0 if upper and not lower else 0.0
    return upper / (upper + lower)


def is_furniture(text: str) -> bool:
    """A copyright line, a breadcrumb or a bulleted link: site furniture."""
    if text.isascii():  # (known without reading it) of the marks, only "|" is ASCII
        return P.ASCII_FURNITURE in text
    return any(c in text for c in P.FURNITURE)  # a few substring searches, in C


def goodness(text: str, repeated_in_page: bool = False, repeated_in_corpus: bool = False) -> float:
    """How much the line reads as article prose, in [0, 1]."""
    g = _goodness_once(text)[0]
    if repeated_in_page:
        g *= P.REPEATED_IN_PAGE
    if repeated_in_corpus:
        g *= P.REPEATED_IN_CORPUS
    return g


def _goodness_once(text: str) -> tuple[float, int]:
    """(goodness of the line printed once, its word_count): judge reads both."""
    # (word_count, stopword_density, sentence_shape and capitalised_share
    # inline: the sample measured once; the stage asks this of every line)
    head = sample(text)
    words, density = _prose(head)
    n = _extrapolated(words, head, text)
    length = min(1.0, n / P.FULL_LENGTH_WORDS)
    density = min(1.0, density / P.PROSE_DENSITY)
    if n >= P.MIN_SENTENCE_WORDS and ends_sentence(text):
        g = max(P.SHORT_SENTENCE_FLOOR * density, math.sqrt(length) * density)
    else:
        # A heading, a list item, a teaser: short ones are not prose; a long
        # line of prose cut mid-sentence still is (what follows it decides).
        g = P.UNFINISHED_FACTOR * length * density
        if text.rstrip().endswith(P.ELLIPSES):
            g *= 0.5
        _, upper, lower = _shape(head)  # (capitals: only here, so not measured for a sentence)
        if _capitalised_share(upper, lower) >= P.CAPITALISED_SHARE:
            g *= 0.5
    if is_furniture(text) and n < P.FULL_LENGTH_WORDS:
        g *= P.FURNITURE_FACTOR
    return g, n


def _prose(head: str) -> tuple[int, float]:
    """(words, stop-word density) of a sample, kept for the document at hand
    (judge counts a long page's lines at once: know_prose)."""
    known = _prose_known.get(head)
    if known is None:
        if len(_prose_known) >= _PROSE_KNOWN_MAX:  # (asked outside apply, which empties it per document)
            _prose_known.clear()
        known = _prose_known[head] = _prose_of(head)
    return known


_prose_known: dict[str, tuple[int, float]] = {}  # (emptied by forget_lines)
_PROSE_KNOWN_MAX = 65536


def know_prose(heads: list[str]) -> None:
    """Count the prose signals of a page's line samples: when their ASCII
    ones are long enough together, at once (pipeline.prose_counts, the same
    numbers); _prose then answers from what is known."""
    if not prose_counts.USABLE:
        return
    fresh, ascii_heads, chars = [], [], 0
    for head in heads:
        if head not in _prose_known:
            ascii_head = as_ascii(head)
            if ascii_head is not None:
                fresh.append(head)
                ascii_heads.append(ascii_head)
                chars += len(ascii_head)
    if chars < prose_counts.AT_ONCE_MIN_CHARS:
        return  # (a short page: per line is cheaper)
    if len(_prose_known) + len(fresh) > _PROSE_KNOWN_MAX:
        _prose_known.clear()
    for head, counts in zip(fresh, prose_counts.prose_each(ascii_heads)):
        if counts is not None:
            _prose_known[head] = counts


def _prose_of(head: str) -> tuple[int, float]:
    """(words, stop-word density) of a sample: _shape's first count and
    _stopword_density, with one encode of an ASCII line for both and one
    count for the words (the capitals are asked of few lines)."""
    ascii_head = as_ascii(head)
    if ascii_head is None:
        return _shape(head)[0], _stopword_density(head)
    data = ascii_head.encode("ascii")
    blanks = data.translate(P.BLANK_TABLE)
    words = blanks.count(b" w") + blanks.startswith(b"w")  # a word starts after each blank, and at the start
    found = data.translate(P.WORD_TABLE)
    # The words of _words as bytes (its regular expression where an
    # apostrophe is out of place), no string made per word
    odd = b"'" in found and P.ODD_APOSTROPHE_BYTES.search(found)
    ws = P.WORD_ASCII_BYTES.findall(found) if odd else found.split()
    return words, sum(map(P.ASCII_STOPWORDS.__contains__, ws)) / len(ws) if ws else 0.0


def title_echo(lines: list[Line], title: str | None) -> int | None:
    """Index of the first line repeating the title (pages print the headline
    above the article; the saved title often adds the site's name)."""
    tw = set(words(title or ""))
    if len(tw) < 2:
        return None
    for i, line in enumerate(lines):
        lw = set(words(line.text))
        if len(lw) >= 2 and len(lw & tw) >= P.TITLE_ECHO_COVERAGE * len(tw) and len(lw - tw) <= 1:
            return i
    return None


def uniform_idf(word: str) -> float:
    return 1.0


def cosine(a: Counter, b: Counter, idf: Callable[[str], float] = uniform_idf) -> float:
    """TF-IDF cosine of two bags of words. Every word weighs the same by
    default (function words are left out of the bags): a corpus idf made
    each document's outcome depend on all the others without improving the
    dev set, and one from the page itself would change once it is cleaned."""
    if idf is uniform_idf:  # the weights are the counts themselves
        wa, wb = a, b
    else:
        wa = {w: c * idf(w) for w, c in a.items()}
        wb = {w: c * idf(w) for w, c in b.items()}
    if len(wb) < len(wa):
        wa, wb = wb, wa  # the dot product walks the smaller bag
    dot = sum(v * wb[w] for w, v in wa.items() if w in wb)
    na = math.sqrt(sum(v * v for v in wa.values()))
    nb = math.sqrt(sum(v * v for v in wb.values()))
    return dot / (na * nb) if na and nb else 0.0


def topic_bag(texts: list[str]) -> Counter:
    return Counter(chain.from_iterable(map(topic_words, texts)))


def topic_words(text: str) -> tuple[str, ...]:
    """The words of a line that say what it is about (no function words)."""
    return _topic_words(sample(text))


@lru_cache(maxsize=4096)
def _topic_words(head: str) -> tuple[str, ...]:
    return tuple([w for w in _words(head) if len(w) > 2 and w not in P.STOPWORDS])


# ----------------------------------------------------------------- the search


@dataclass(frozen=True)
class Run:
    start: int  # index into the content lines
    end: int  # exclusive
    value: float


def best_run(values: list[float], lo: int, hi: int) -> Run | None:
    """Maximum-sum contiguous run of values[lo:hi] (None when all are negative)."""
    # (the best run so far as three numbers: a prose page improves it at
    # almost every line, and a Run is made once, at the end)
    best, best_start, best_end, cur, cur_start = 0.0, 0, 0, 0.0, lo
    for i in range(lo, hi):
        if cur <= 0:
            cur, cur_start = 0.0, i
        cur += values[i]
        if cur > best:
            best, best_start, best_end = cur, cur_start, i + 1
    return Run(best_start, best_end, best) if best_end else None


def clusters(good: list[bool | None]) -> list[tuple[int, int]]:
    """Spans of lines separated by MAX_GAP_LINES or more non-prose lines in a
    row (``None`` marks a neutral line, which neither counts nor breaks a gap)."""
    spans, start, gap, gap_start = [], 0, 0, 0
    for i, g in enumerate(good):
        if g is None:
            continue
        if g:
            if gap >= P.MAX_GAP_LINES:
                if gap_start > start:
                    spans.append((start, gap_start))
                start = i
            gap = 0
        else:
            if gap == 0:
                gap_start = i
            gap += 1
    if gap >= P.MAX_GAP_LINES:
        if gap_start > start:
            spans.append((start, gap_start))
    elif start < len(good):
        spans.append((start, len(good)))
    return spans


_new_tuple = tuple.__new__


class Judged(NamedTuple):  # (a tuple: one per line and round, made faster than a frozen dataclass)
    line: Line
    goodness: float
    neutral: bool = False  # left to the boilerplate stage: no evidence either way
    repeated: bool = False  # printed more than once in the page
    list_item: bool = False  # a short line under a sentence ending in a colon: goes with that sentence
    words: int | None = None  # word_count(line.text), known from its goodness (None: not yet)


def introduces_list(text: str) -> bool:
    """A sentence ending in a colon ("The plan includes:"): short lines after
    it are the items of a list, not a menu."""
    return text.rstrip().endswith((":", "：")) and sentence_shape(text) > 0 and stopword_density(text) > 0


def item_shape(text: str) -> tuple[bool, bool]:
    """What items of one list share: their first character's case (or a
    bullet/number) and whether they are in title case."""
    first = text.lstrip()[:1]
    return first.isupper() or not first.isalpha(), capitalised_share(text) >= P.CAPITALISED_SHARE


def is_list_item(text: str, first_item: str | None) -> bool:
    """A short unfinished line shaped like the list's first item (the list
    ends where lines of another shape, such as title-case headlines, begin)."""
    if word_count(text) >= P.FULL_LENGTH_WORDS or ends_sentence(text):
        return False
    return first_item is None or item_shape(text) == item_shape(first_item)


def repetition(texts: list[str], by_key: bool = False) -> tuple[list[bool], list[bool]]:
    """(has words, printed more than once in the page) of each line: lines
    are the same when their normalised forms are. ``by_key``: compare the
    lines' corpus keys first (the second pass has most of them from the
    first), normalising only lines that share a key; equal forms have equal
    keys, and a key shared by different forms counts as different."""
    if not by_key:
        norms = [normalised(t) for t in texts]
        counts = Counter(norms)
        return [bool(n) for n in norms], [bool(n) and counts[n] > 1 for n in norms]
    keys, in_page = _keyed_repetition(texts)
    return [k is not None for k in keys], in_page


def _keyed_repetition(texts: list[str]) -> tuple[list[int | None], list[bool]]:
    """(line_key of each line, whether it is printed more than once in the page)."""
    from pipeline.corpus_stats import line_key  # (that module imports this one)
    keys = [line_key(t) for t in texts]
    in_page = [False] * len(texts)
    if len(set(keys)) < len(keys):
        counts = Counter(keys)
        shared = {i: normalised(t) for i, (t, k) in enumerate(zip(texts, keys)) if k is not None and counts[k] > 1}
        norm_counts = Counter(shared.values())
        for i, norm in shared.items():
            in_page[i] = norm_counts[norm] > 1
    return keys, in_page


def judge(lines: list[Line], stats=None) -> list[Judged]:
    texts = [l.text for l in lines]
    if stats is None:
        repeated = repetition(texts)[1]
        in_corpus = [False] * len(texts)
    else:
        # repetition(texts, by_key=True), and the lines with words asked of
        # the corpus statistics all at once, by the same keys, in line order
        keys, repeated = _keyed_repetition(texts)
        answers = iter(stats.repeated_keys([k for k in keys if k is not None]))
        in_corpus = [k is not None and next(answers) for k in keys]
    know_prose([sample(t) for t in texts])  # (each line's _goodness_once reads them)
    out = []
    in_list, first_item = False, None
    for line, text, in_page, corpus in zip(lines, texts, repeated, in_corpus):
        in_list = in_list and is_list_item(text, first_item)
        first_item = (first_item or text) if in_list else None
        g, n = _goodness_once(text)  # goodness(text, in_page, corpus), with the words
        if in_page:
            g *= P.REPEATED_IN_PAGE
        if corpus:
            g *= P.REPEATED_IN_CORPUS
        # (Judged(...) without the Python frame of a named tuple's constructor)
        out.append(_new_tuple(Judged, (line, g, boilerplate_rule(text) is not None, in_page, in_list, n)))
        in_list = in_list or introduces_list(text)
    return out


def find_body(judged: list[Judged], title: str | None, threshold: float,
              idf: Callable[[str], float] = uniform_idf) -> tuple[int, int] | None:
    """(start, end) of the body among the judged lines, or None to keep all."""
    lines = [j.line for j in judged]
    values, good = [], []  # (one pass, each judged line unpacked once)
    for line, goodness, neutral, _, list_item, n in judged:
        if neutral or list_item:
            values.append(0.0)
            good.append(None)
        else:
            values.append((goodness - threshold) * ((word_count(line.text) if n is None else n) + P.LINE_COST_WORDS))
            good.append(goodness >= threshold)
    runs = [r for lo, hi in clusters(good) if (r := best_run(values, lo, hi))]
    if not runs:
        return None
    if len(runs) == 1:
        # The only run is the body whatever its rank and position, and there
        # is no other run to join it (most pages: no title or topic needed).
        start, end = runs[0].start, runs[0].end
    else:
        start, end = grow(choose_body(runs, lines, title, idf), runs, judged, idf)
    while end < len(judged) and judged[end].list_item:
        end += 1  # a list closing the body stays with the sentence introducing it
    # A few lines at either edge (a byline, a date, a closing credit) are not
    # worth a cut: only page material of some extent is removed. This also
    # keeps the stage idempotent once later stages have removed lines.
    if sum(1 for j in judged[:start] if not j.neutral) < P.MIN_CUT_LINES:
        start = 0
    if sum(1 for j in judged[end:] if not j.neutral) < P.MIN_CUT_LINES:
        end = len(judged)
    return start, end


def choose_body(runs: list[Run], lines: list[Line], title: str | None, idf: Callable[[str], float]) -> Run:
    """The run that is the article's body, by its value, its topic and its position."""
    echo = title_echo(lines, title)
    title_bag = topic_bag([title or ""])

    def rank(r: Run) -> float:
        affinity = cosine(topic_bag([l.text for l in lines[r.start:r.end]]), title_bag, idf)
        return r.value * (0.5 + affinity)

    ranks = [rank(r) for r in runs]  # each run's bag and cosine, once
    # Position: the article follows the page's echo of its title, and comes
    # before the comments and related stories: the first substantial run at
    # or below the echo is the body.
    strongest = max(ranks)
    below = [r for r, v in zip(runs, ranks) if echo is not None and r.end > echo and v >= P.SUBSTANTIAL_RUN * strongest]
    return below[0] if below else runs[ranks.index(strongest)]


def grow(body: Run, runs: list[Run], judged: list[Judged], idf: Callable[[str], float]) -> tuple[int, int]:
    """Join the body with neighbouring runs on its topic (TF-IDF cosine) across
    a short gap: an article split by a share box, a newsletter sign-up or an
    embedded post stays whole."""
    start, end = body.start, body.end
    bag = topic_bag([j.line.text for j in judged[start:end]])

    def gap(lo: int, hi: int) -> int:
        return sum(1 for j in judged[lo:hi] if not j.neutral)

    def joins(r: Run, lo: int, hi: int) -> bool:
        # The longer the gap, the closer to the body's topic the run must be.
        n = gap(lo, hi)
        need = P.ON_TOPIC_COSINE * max(1, n) / P.MAX_JOIN_GAP_LINES
        return n <= P.MAX_JOIN_GAP_LINES and cosine(topic_bag([j.line.text for j in judged[r.start:r.end]]), bag, idf) >= need

    for r in sorted(runs, key=lambda r: r.start):
        if r.start >= end and joins(r, end, r.start):
            end = r.end
    for r in sorted(runs, key=lambda r: -r.start):
        if r.end <= start and joins(r, r.end, start):
            start = r.start
    return start, end


def review_threshold(config: Config) -> float:
    """Where the decision flips on the scale of the edits' score (1 - goodness)."""
    return 1.0 - config.body_threshold


def removal_score(goodness: float, config: Config) -> float:
    """How sure the removal of a line outside the body is: sure for furniture
    (1 - goodness), at the threshold for prose removed for its position."""
    return round(max(1.0 - goodness, review_threshold(config)), 4)


MAX_ROUNDS = 3


def forget_lines() -> None:
    """Empty the per-line memos: each document's are kept until the next starts."""
    _with_standins.cache_clear()
    _words.cache_clear()
    _topic_words.cache_clear()
    _stopword_density.cache_clear()
    _shape.cache_clear()
    _prose_known.clear()
    _normalised.cache_clear()  # (also asked by the corpus statistics, for the same lines)


def apply(doc: Document, config: Config, stats=None) -> Document:
    """Cut until nothing more is cut: a cut can change what is left (a line
    printed twice is no longer repeated once one copy is gone), and cleaning
    the clean text again must change nothing."""
    forget_lines()  # the lines of a later round are lines of this document: their memos stay
    for _ in range(MAX_ROUNDS):
        before = doc.text
        doc = cut(doc, config, stats)
        if doc.text == before:
            break
    return doc


def cut(doc: Document, config: Config, stats=None) -> Document:
    """One round: remove what lies outside the body."""
    lines = content_lines(doc.text)
    judged = judge(lines, stats)
    found = find_body(judged, doc.title, config.body_threshold)
    if found is None:
        return doc
    start, end = found
    if 0 < start < end - 1 and is_subtitle(lines[start].text.strip(), [l.text.strip() for l in lines[start + 1:start + 4]],
                                           doc.title or ""):
        # Once the navigation is gone the header stage would take this
        # standfirst-shaped line for a subtitle; it goes with the page's top
        # instead, so cleaning the clean text again changes nothing.
        start += 1
    edits = []
    for i, j in enumerate(judged):
        if start <= i < end or j.neutral:
            continue
        where = "before" if i < start else "after"
        rule = f"boundaries.{where}_body/v1"
        why = (f"{'navigation' if where == 'before' else 'page material'} {where} the article body, "
               f"line goodness {j.goodness:.2f}")
        edits.append(removal(doc.text, j.line, NAME, rule, why, removal_score(j.goodness, config)))
    return doc.with_edits(merge(edits))
