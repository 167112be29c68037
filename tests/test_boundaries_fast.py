"""The fast paths of the boundaries stage equal the code they replaced, kept
here as the reference: the byte-table signals of ASCII lines (normalised
line, words, word count and capitals) and the body search that skips the
title and topic when there is a single run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import prose_counts
from pipeline.config import Config
from pipeline.lines import content_lines
from pipeline.patterns import boundaries as P
from pipeline.stages import boundaries as B


def normalised_slow(text: str) -> str:
    """B.normalised() as first written: the \\w tokens joined, digits masked."""
    head = B.sample(text).lower()
    return P.DIGIT.sub("0", " ".join((P.TOKEN_ASCII if head.isascii() else P.TOKEN).findall(head)))


def words_slow(text: str) -> tuple[str, ...]:
    return tuple(m.group().lower().replace("’", "'") for m in P.WORD.finditer(B.sample(text)))


def word_count_slow(text: str) -> int:
    head = B.sample(text)
    n = len(head.split())
    return n if len(head) == len(text) else round(n * len(text) / len(head))


def capitalised_share_slow(text: str) -> float:
    ws = [w for w in B.sample(text).split() if w[:1].isalpha()]
    if len(ws) < P.MIN_CAPITALISED_WORDS:
        return 1.0 if ws and all(w[:1].isupper() for w in ws) else 0.0
    return sum(1 for w in ws if w[:1].isupper()) / len(ws)


def best_run_slow(values, lo, hi):
    """B.best_run() as first written: a Run made at each improvement."""
    best, cur, cur_start = None, 0.0, lo
    for i in range(lo, hi):
        if cur <= 0:
            cur, cur_start = 0.0, i
        cur += values[i]
        if cur > 0 and (best is None or cur > best.value):
            best = B.Run(cur_start, i + 1, cur)
    return best


@settings(max_examples=500, deadline=None)
@given(st.lists(st.floats(-50, 50) | st.sampled_from([0.0, -0.0, 1.0, -1.0]), max_size=30), st.data())
def test_best_run_equals_the_reference(values, data):
    lo = data.draw(st.integers(0, len(values)))
    hi = data.draw(st.integers(lo, len(values)))
    assert B.best_run(values, lo, hi) == best_run_slow(values, lo, hi)


def find_body_slow(judged, title, threshold, idf=B.uniform_idf):
    """B.find_body() before the single-run shortcut: every run ranked."""
    lines = [j.line for j in judged]
    values = [0.0 if j.neutral or j.list_item else (j.goodness - threshold) * (B.word_count(j.line.text) + P.LINE_COST_WORDS)
              for j in judged]
    good = [None if j.neutral or j.list_item else j.goodness >= threshold for j in judged]
    runs = [r for lo, hi in B.clusters(good) if (r := best_run_slow(values, lo, hi))]
    if not runs:
        return None
    echo = B.title_echo(lines, title)
    title_bag = B.topic_bag([title or ""])

    def rank(r):
        return r.value * (0.5 + B.cosine(B.topic_bag([l.text for l in lines[r.start:r.end]]), title_bag, idf))

    ranks = [rank(r) for r in runs]
    strongest = max(ranks)
    below = [r for r, v in zip(runs, ranks) if echo is not None and r.end > echo and v >= P.SUBSTANTIAL_RUN * strongest]
    body = below[0] if below else runs[ranks.index(strongest)]
    start, end = B.grow(body, runs, judged, idf)
    while end < len(judged) and judged[end].list_item:
        end += 1
    if sum(1 for j in judged[:start] if not j.neutral) < P.MIN_CUT_LINES:
        start = 0
    if sum(1 for j in judged[end:] if not j.neutral) < P.MIN_CUT_LINES:
        end = len(judged)
    return start, end


def signals(text: str) -> tuple:
    B.forget_lines()  # no memo from another case
    return (B.normalised(text), B.words(text), B.word_count(text), B.capitalised_share(text), B.stopword_density(text),
            B.normalised_utf8(text))


def goodness_slow(text: str, repeated_in_page: bool = False, repeated_in_corpus: bool = False) -> float:
    """B.goodness() as first written, from the signals one by one."""
    n = B.word_count(text)
    length = min(1.0, n / P.FULL_LENGTH_WORDS)
    density = min(1.0, B.stopword_density(text) / P.PROSE_DENSITY)
    if B.sentence_shape(text):
        g = max(P.SHORT_SENTENCE_FLOOR * density, math.sqrt(length) * density)
    else:
        g = P.UNFINISHED_FACTOR * length * density
        if text.rstrip().endswith(P.ELLIPSES):
            g *= 0.5
        if B.capitalised_share(text) >= P.CAPITALISED_SHARE:
            g *= 0.5
    if B.is_furniture(text) and n < P.FULL_LENGTH_WORDS:
        g *= P.FURNITURE_FACTOR
    if repeated_in_page:
        g *= P.REPEATED_IN_PAGE
    if repeated_in_corpus:
        g *= P.REPEATED_IN_CORPUS
    return g


def goodness_both(text: str) -> tuple:
    B.forget_lines()
    return tuple(B.goodness(text, a, b) for a in (False, True) for b in (False, True))


def goodness_both_slow(text: str) -> tuple:
    B.forget_lines()
    return tuple(goodness_slow(text, a, b) for a in (False, True) for b in (False, True))


def stopword_density_slow(text: str) -> float:
    ws = words_slow(text)
    return sum(1 for w in ws if w in P.STOPWORDS) / len(ws) if ws else 0.0


def signals_slow(text: str) -> tuple:
    return (normalised_slow(text), words_slow(text), word_count_slow(text), capitalised_share_slow(text),
            stopword_density_slow(text), normalised_slow(text).encode("utf-8"))


def keys_slow(lines: list[str]) -> list[int | None]:
    """corpus_stats.keys_of() as first written: the key of each normalised line."""
    from pipeline import corpus_stats
    return [corpus_stats.key(n) if (n := normalised_slow(line)) else None for line in lines]


# Every ASCII character, and the characters Python's classes treat specially
# (Unicode spaces and digits, a Kelvin sign that lower-cases to ASCII, dotted
# capital I, title-case letters, curly apostrophes, the typographic
# punctuation read through ASCII stand-ins).
ASCII = st.characters(min_codepoint=0, max_codepoint=127)
TRICKY = st.sampled_from(list("aZ9_' ’'\t\x1c\x1f\x0b\x85\xa0\u2003\u212aİıǅ٣²Σς-.,") +
                         [typographic for typographic, _ in P.ASCII_STANDINS])
LINES = st.text(alphabet=ASCII | TRICKY, max_size=120) | st.text(alphabet=ASCII, max_size=120) | st.text(max_size=60)


@settings(max_examples=1000, deadline=None)
@given(LINES)
def test_signals_equal_the_reference(text):
    assert signals(text) == signals_slow(text)


GOODNESS_LINES = LINES | st.builds(lambda ws, end: " ".join(ws) + end,
                                   st.lists(st.sampled_from(["The", "council", "voted", "of", "a", "Home", "©", "|"]),
                                            max_size=30),
                                   st.sampled_from(["", ".", "...", "…", ":", "?\"", " "]))


@settings(max_examples=1000, deadline=None)
@given(GOODNESS_LINES)
def test_goodness_equals_the_reference(text):
    assert goodness_both(text) == goodness_both_slow(text)


def test_goodness_equals_the_reference_on_the_dev_set():
    for text in dev_texts():
        for line in text.splitlines():
            assert goodness_both(line) == goodness_both_slow(line), line


@pytest.mark.parametrize("text", [
    "", " ", "'", "''", "a'", "'a", "a''b", "rock'n'roll", "it's", "'tis the dogs' bone", "a'b'c d'e",
    "Rating: 36 Votes", "x_y 1_2", "\x1cA\x1db\x1e c\x1f", "A" * (P.SAMPLE_CHARS + 7), "Ab " * 2000,
    "\u212aelvin", "İstanbul 2024", "Straße  ǅemal", "٣ days", "It’s “quoted” — 20\xa0km…", "’tis rock’n’roll",
    "dogs’ ‘bone’ – Ünder", "a\ufffdb", "a" + "-" * 700 + "b", "x, " * 300 + "!", " ?" * 3 + "y" + "." * 5 + "z  ",
])
def test_signals_equal_the_reference_on_edge_cases(text):
    assert signals(text) == signals_slow(text)


def dev_texts() -> list[str]:
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(dev.rglob("*.txt"))]
    assert texts, "the dev set is beside the repo"
    return texts


def test_signals_equal_the_reference_on_the_dev_set():
    for text in dev_texts():
        for line in text.splitlines():
            assert signals(line) == signals_slow(line), line


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=8))
def test_line_keys_equal_the_reference(lines):
    from pipeline import corpus_stats
    assert corpus_stats.keys_of(lines) == keys_slow(lines)


def test_line_keys_equal_the_reference_on_the_dev_set():
    from pipeline import corpus_stats
    for text in dev_texts():
        lines = corpus_stats.counted_lines(text)
        assert corpus_stats.keys_of(lines) == keys_slow(lines)


def test_body_search_equals_the_reference_on_the_dev_set():
    config = Config()
    for text in dev_texts():
        title = text.split("\n", 1)[0]
        B.forget_lines()
        judged = B.judge(content_lines(text))
        assert B.find_body(judged, title, config.body_threshold) == find_body_slow(judged, title, config.body_threshold)


PAGE_LINES = st.sampled_from([
    "Home", "Sport", "Weather", "© 2031 Courier", "Share this article", "Rating: 3 votes", "The plan includes:",
    "a lending library", "Police appeal for witnesses after bridge collision",
    "The council voted on Thursday to reopen the old station as a library, ending a long debate.",
    "Residents said the library in the old station would give students a quiet place to work.",
    "I think the choir is a fine idea and I hope that they keep singing on the bridge every week.",
    "The bakery on the corner won a regional award for its bread, the owner said on Monday.",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(PAGE_LINES, max_size=40), st.sampled_from([None, "Library for old station", "Bakery wins award"]),
       st.sampled_from([0.2, 0.4, 0.7]))
def test_body_search_equals_the_reference(lines, title, threshold):
    B.forget_lines()
    judged = B.judge(content_lines("\n".join(lines)))
    assert B.find_body(judged, title, threshold) == find_body_slow(judged, title, threshold)



@pytest.mark.parametrize("typographic, standin", P.ASCII_STANDINS)
def test_standins_are_of_the_same_kind(typographic, standin):
    for c in (typographic, standin):
        assert not P.TOKEN.fullmatch(c) and not c.isalpha() and c.lower() == c
    assert typographic.isspace() == standin.isspace()
    assert (typographic in "'’") == (standin == "'")  # the apostrophe of a word
    assert standin.isascii() and not typographic.isascii()


def test_ascii_furniture_is_every_ascii_mark():
    assert set(P.ASCII_FURNITURE) == {c for c in P.FURNITURE if c.isascii()}


@settings(max_examples=500, deadline=None)
@given(LINES | st.text(alphabet=st.sampled_from(sorted(P.FURNITURE) + list("ab |")), max_size=20))
def test_furniture_equals_the_reference(text):
    assert B.is_furniture(text) == any(c in text for c in P.FURNITURE)


REPEATING = st.lists(st.sampled_from(["Share", "share!", "Story 1", "Story 2", "  Story 3 ", "", "—", "a\x1cb", "Home",
                                      "Rating: 36 Votes", "Rating: 12 votes"]), max_size=30)


def repetition_slow(texts):
    norms = [normalised_slow(t) for t in texts]
    return [bool(n) for n in norms], [bool(n) and norms.count(n) > 1 for n in norms]


@settings(max_examples=300, deadline=None)
@given(REPEATING, st.booleans())
def test_repetition_by_key_equals_by_form(texts, handed_over):
    from pipeline import corpus_stats
    B.forget_lines()
    if handed_over:  # keys as the first pass hands them over
        corpus_stats.remember("\n".join(texts), corpus_stats.line_keys("\n".join(texts)))
    assert B.repetition(texts, by_key=True) == B.repetition(texts) == repetition_slow(texts)


def test_a_key_shared_by_different_forms_is_no_repetition(monkeypatch):
    from pipeline import corpus_stats
    monkeypatch.setattr(corpus_stats, "key", lambda norm: 7)  # every line collides
    corpus_stats.remember("", [])
    texts = ["Home", "Sport", "home!"]
    assert B.repetition(texts, by_key=True) == ([True] * 3, [True, False, True])
    corpus_stats._known.clear()


@pytest.mark.parametrize("text", ["The council voted on the plan of the city. " * 200, "Home Sport " * 900 + "...",
                                  "Ab " * 2000 + ".", "of the " * 1500 + "x:", "© " + "a " * P.SAMPLE_CHARS])
def test_goodness_of_lines_longer_than_the_sample_equals_the_reference(text):
    assert len(text) > P.SAMPLE_CHARS
    assert goodness_both(text) == goodness_both_slow(text)


LONG_LINES = st.lists(LINES | st.builds(lambda parts: "".join(parts), st.lists(LINES, max_size=40)), max_size=12)


@settings(max_examples=500, deadline=None)
@given(LONG_LINES)
def test_normalised_lines_of_a_page_at_once_equal_the_reference(lines):
    # (at_once_from=0: the numpy path, even for a page it leaves to the per-line one)
    assert B.normalised_utf8_each(lines, at_once_from=0) == [normalised_slow(t).encode("utf-8") for t in lines] \
        == B.normalised_utf8_each(lines)


def test_normalised_lines_of_a_page_at_once_equal_the_reference_on_the_dev_set():
    from pipeline import corpus_stats
    for text in dev_texts():
        lines = corpus_stats.counted_lines(text)
        assert B.normalised_utf8_each(lines, at_once_from=0) == [normalised_slow(t).encode("utf-8") for t in lines]


@pytest.mark.parametrize("lines", [[], [""], ["", ""], [" "], ["a\nb", "c"], ["A" * (P.SAMPLE_CHARS + 9), " x  y "],
                                   ["It’s “20\xa0km”", "İstanbul", "  ,, a ", "\x1c\x1d"], ["x, " * 300 + "!"] * 3])
def test_normalised_lines_of_a_page_at_once_on_edge_cases(lines):
    assert B.normalised_utf8_each(lines, at_once_from=0) == [normalised_slow(t).encode("utf-8") for t in lines]


@pytest.mark.parametrize("lines", [
    ["It’s “20\xa0km” away…", "Home — News – Sport", "\ufffd‘quoted’"] * 20,  # ASCII with the stand-ins: at once
    ["It’s “20\xa0km” away…", "Café au lait"] * 20,  # one line is not: each line's head alone
    ["It’s “a” " * 400, "x — y"] * 2, ["a b " * 800, "c"] * 2,  # a line longer than its sample
    ["a\nb", "It’s “c”" * 100],  # a line break in a line: per line
])
def test_normalised_lines_of_a_page_with_stand_ins_equal_the_reference(lines):
    assert B.normalised_utf8_each(lines) == [normalised_slow(t).encode("utf-8") for t in lines]
    assert B.normalised_utf8_each(lines, at_once_from=0) == [normalised_slow(t).encode("utf-8") for t in lines]


@settings(max_examples=1000, deadline=None)
@given(LINES | GOODNESS_LINES)
def test_prose_signals_equal_the_reference(text):
    head = B.sample(text)
    B.forget_lines()
    words, density = B._prose(head)
    assert (words, density) == (word_count_slow(head), stopword_density_slow(head))


def test_prose_signals_equal_the_reference_on_the_dev_set():
    for text in dev_texts():
        for line in text.splitlines():
            B.forget_lines()
            assert B._prose(B.sample(line)) == (word_count_slow(B.sample(line)), stopword_density_slow(line)), line


def judge_slow(lines, stats=None):
    """B.judge() as first written: each line asked of the statistics on its own, its goodness from the signals."""
    from pipeline.stages.boilerplate import classify
    has_words, repeated = B.repetition([l.text for l in lines], by_key=stats is not None)
    out = []
    in_list, first_item = False, None
    for line, worded, in_page in zip(lines, has_words, repeated):
        in_corpus = worded and stats is not None and stats.is_repeated(line.text)
        in_list = in_list and B.is_list_item(line.text, first_item)
        first_item = (first_item or line.text) if in_list else None
        out.append(B.Judged(line, goodness_slow(line.text, in_page, in_corpus), classify(line.text) is not None, in_page,
                            in_list))
        in_list = in_list or B.introduces_list(line.text)
    return out


def judged_equal(text: str, stats) -> None:
    """judge() equals judge_slow() on a page, with the statistics as they are
    and through two cache recorders, which end with the same questions."""
    from pipeline import cache
    lines = content_lines(text)
    for asked in (None, stats):
        B.forget_lines()
        fast = B.judge(lines, asked)
        B.forget_lines()
        assert [j[:5] for j in fast] == [j[:5] for j in judge_slow(lines, asked)]
        assert [j.words for j in fast] == [word_count_slow(l.text) for l in lines]
    fast_recorder, slow_recorder = cache.Recorder(stats), cache.Recorder(stats)
    B.forget_lines()
    assert [j[:5] for j in B.judge(lines, fast_recorder)] == [j[:5] for j in judge_slow(lines, slow_recorder)]
    assert B.judge(lines, fast_recorder)[:1] == B.judge(lines, fast_recorder)[:1]  # a later round: answers kept
    assert fast_recorder.questions() == slow_recorder.questions() and not fast_recorder.opaque


def dev_stats():
    from pipeline import corpus_stats
    stats = corpus_stats.CorpusStats(min_docs=2)
    # (a third of the pages twice: some lines repeated in the corpus, most not)
    for text in dev_texts() + dev_texts()[::3] + ["Share this article\nHome\nThe plan includes:\nSport"] * 3:
        stats.add_text(text)
    return stats


def test_judge_equals_the_reference_on_the_dev_set():
    stats = dev_stats()
    for text in dev_texts():
        judged_equal(text, stats)


@settings(max_examples=300, deadline=None)
@given(st.lists(PAGE_LINES | LINES, max_size=30))
def test_judge_equals_the_reference(lines):
    judged_equal("\n".join(lines), DEV_STATS)


DEV_STATS = dev_stats()


@pytest.mark.parametrize("text", ["", " ", "'", "''", "a'", "'a", "a''b", "rock'n'roll", "it's", "'tis the dogs' bone",
                                  "a'b'c d'e", "It’s “quoted” — 20\xa0km…", "’tis rock’n’roll", "dogs’ ‘bone’ – Ünder",
                                  "\x1cA\x1db\x1e c\x1f", "of the 'the' of", "İstanbul 2024", "x, " * 300 + "!"])
def test_prose_signals_equal_the_reference_on_edge_cases(text):
    B.forget_lines()
    assert B._prose(B.sample(text)) == (word_count_slow(text), stopword_density_slow(text))


# --- a page's prose signals at once (pipeline.prose_counts) -------------------


def prose_each_checked(lines: list[str]) -> None:
    """prose_each of the lines' ASCII samples equals the reference of each, but
    for a line with an apostrophe out of place (None), and judge's memo of
    them (know_prose, then _prose) equals the reference of every line."""
    assert prose_counts.USABLE
    heads = [B.sample(t) for t in lines]
    ascii_heads = [(h, B.as_ascii(h)) for h in heads]
    ascii_heads = [(h, a) for h, a in ascii_heads if a is not None]
    got = prose_counts.prose_each([a for _, a in ascii_heads])
    assert len(got) == len(ascii_heads)
    for (head, ascii_head), counts in zip(ascii_heads, got):
        found = ascii_head.encode("ascii").translate(P.WORD_TABLE)
        odd = b"'" in found and P.ODD_APOSTROPHE_BYTES.search(found) is not None
        assert counts == (None if odd else (word_count_slow(head), stopword_density_slow(head))), head
    B.forget_lines()
    at_once = prose_counts.AT_ONCE_MIN_CHARS
    prose_counts.AT_ONCE_MIN_CHARS = 0  # (any page at once)
    try:
        B.know_prose(heads)
    finally:
        prose_counts.AT_ONCE_MIN_CHARS = at_once
    assert [B._prose(h) for h in heads] == [(word_count_slow(h), stopword_density_slow(h)) for h in heads]


@settings(max_examples=500, deadline=None)
@given(LONG_LINES | st.lists(GOODNESS_LINES, max_size=30))
def test_prose_signals_of_a_page_at_once_equal_the_reference(lines):
    prose_each_checked(lines)


@pytest.mark.parametrize("lines", [
    [], [""], ["a"], ["a", "the"], ["themselves according ourselves"], ["themselvesx accordinx ourselve accordion"],
    # words of 8 bytes and more: their key is their first 8 bytes ("accordin" is the key of "according")
    ["accordin accordina according yourself yourselfs yourselves althoug although althoughs", "although"],
    ["The", " the ", "THE THE the-the", "of, the. a! i"],  # words at a line's start and end, and repeated
    ["rock'n'roll", "it's", "'tis the dogs' bone", "a'b'c d'e", "isn't", "'", "x '"],  # apostrophes in and out of place
    ["\x1cA\x1db\x1e c\x1f", "\t\x0bthe\x0c", "a" * 3000, "the " * 750, "x, " * 1000],  # blanks of str.split, long lines
    ["It’s “quoted” — 20\xa0km…", "Café au lait", "dogs’ ‘bone’ – Ünder"],  # stand-ins; one line not ASCII even then
])
def test_prose_signals_of_a_page_at_once_on_edge_cases(lines):
    prose_each_checked(lines)


def test_prose_signals_of_a_page_at_once_on_the_dev_set():
    for text in dev_texts():
        prose_each_checked([line.text for line in content_lines(text)])


def test_judge_of_a_long_page_equals_the_reference():
    """A page long enough for know_prose to count it at once judges as before."""
    lines = content_lines("\n".join(["Home | News | Sport", "Share this"] +
                                    ["The council voted on Thursday to reopen the old station as a library, "
                                     "ending a long debate about it's future."] * 40 + ["Related: more stories"] * 3))
    assert sum(len(line.text) for line in lines) >= prose_counts.AT_ONCE_MIN_CHARS
    B.forget_lines()
    B.know_prose([B.sample(line.text) for line in lines])
    assert B._prose_known.keys() == {B.sample(line.text) for line in lines}  # (all counted at once)
    B.forget_lines()
    assert [j[:5] for j in B.judge(lines)] == [j[:5] for j in judge_slow(lines)]
