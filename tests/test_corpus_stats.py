"""The first pass (pipeline.corpus_stats): count-min sketches of line and
word hashes, bounded memory, repetition across documents, and its summary in
the change report."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline import corpus_stats
from pipeline.corpus_stats import CorpusStats, CountMin, distinct_keys, from_texts, key
from pipeline.lines import content_lines
from pipeline.stages.boundaries import normalised


def test_count_min_never_counts_too_low():
    cm = CountMin(width=64, depth=3)  # tiny, so collisions happen
    rng = random.Random(0)
    truth: dict[int, int] = {}
    for _ in range(2000):
        k = key(str(rng.randrange(300)))
        truth[k] = truth.get(k, 0) + 1
        cm.add(k)
    assert all(cm.estimate(k) >= n for k, n in truth.items())


def test_memory_is_fixed_whatever_the_corpus():
    small = from_texts(["one line\nanother line"], Config())
    big = from_texts(["\n".join(f"line {i} of document with word{i}" for i in range(5000))], Config())
    assert small.lines.bytes == CountMin().bytes
    assert len(small.lines.table) == len(CountMin().table)
    assert big.documents == 1


def test_a_line_counts_once_per_document():
    stats = from_texts(["Share\nShare\nShare\nA paragraph of its own."], Config())
    assert stats.line_documents("Share") == 1
    assert not stats.is_repeated("Share")


def test_repeated_across_documents():
    texts = [f"Story number {i} about its own subject.\nShare this article\nPrivacy policy" for i in range(10)]
    stats = from_texts(texts, Config(repeat_min_docs=3, repeat_min_share=0.2))
    assert stats.threshold() == 3  # max(3, ceil(0.2 * 10))
    assert stats.is_repeated("Share this article") and stats.is_repeated("privacy POLICY")
    assert stats.line_documents("Story number 4 about its own subject.") == 10  # digits masked: one template


def test_share_raises_the_bar_on_big_corpora():
    stats = CorpusStats(min_docs=3, min_share=0.1)
    for i in range(100):
        stats.add_text(f"unique {chr(97 + i % 26)}{i} text\n" + ("Common footer" if i < 5 else "other"))
    assert stats.threshold() == 10
    assert not stats.is_repeated("Common footer")  # 5 of 100 documents: below 10%


def test_summary_lists_a_few_repeated_lines_without_keeping_texts():
    texts = [f"Article {i}\nSubscribe to our newsletter" for i in range(5)]
    s = from_texts(texts, Config()).summary()
    assert s["documents"] == 5 and s["repeated_min_documents"] == 3
    assert {"text": "Subscribe to our newsletter", "documents": 5} in s["repeated_examples"]
    assert s["sketch_bytes"] > 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=300))
def test_adding_cells_at_once_equals_adding_keys_one_by_one(keys):
    one, many = CountMin(width=1 << 10), CountMin(width=1 << 10)  # small: cells repeat
    for k in keys:
        one.add(k)
    many.add_cells(many.cells_of(keys))
    assert one.table == many.table


def distinct_keys_slow(text: str) -> list[tuple[int, str]]:
    """distinct_keys as first written, through content_lines (the reference)."""
    out, seen = [], set()
    for line in content_lines(text)[:corpus_stats.MAX_LINES_PER_DOC]:
        norm = normalised(line.text)
        if norm and key(norm) not in seen:
            seen.add(key(norm))
            out.append((key(norm), line.text.strip()[:corpus_stats.EXCERPT_CHARS]))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "\t", "\x0b", "\xa0", "Share", "share!", "Story 1", "Story 2", "\r", "a\x1cb"]),
                max_size=40))
def test_distinct_keys_equal_the_reference(lines):
    text = "\n".join(lines)
    assert distinct_keys(text) == distinct_keys_slow(text)


def test_distinct_keys_read_the_first_lines_only(monkeypatch):
    monkeypatch.setattr(corpus_stats, "MAX_LINES_PER_DOC", 3)
    text = "\n\n".join(f"line {chr(97 + i)}" for i in range(6))
    assert distinct_keys(text) == distinct_keys_slow(text) and len(distinct_keys(text)) == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "\t", "\xa0", "Share", "share!", "Story 1", "Story 2", "a\x1cb"]), max_size=30))
def test_handed_over_keys_answer_as_computed_ones(lines):
    text = "\n".join(lines)
    keys = corpus_stats.line_keys(text)
    assert corpus_stats.distinct_keys_of(corpus_stats.counted_lines(text), keys) == distinct_keys(text) \
        == distinct_keys_slow(text)
    corpus_stats._known.clear()
    computed = [corpus_stats.line_key(line) for line in lines]
    corpus_stats.remember(text, keys)
    assert [corpus_stats.line_key(line) for line in lines] == computed
    assert computed == [key(normalised(line)) if normalised(line) else None for line in lines]


def test_keys_of_another_text_are_not_taken():
    corpus_stats._known.clear()
    corpus_stats.remember("a\nb", [1])  # two lines, one key
    corpus_stats.remember("a\nb", [1, "x"])  # not a key
    assert corpus_stats._known == {}
    corpus_stats.remember("a\n\nb", [1, None])
    assert corpus_stats._known == {"a": 1, "b": None}
    corpus_stats._known.clear()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=50))
def test_cells_of_equal_cells(keys):
    cm = CountMin()
    assert list(cm.cells_of(keys)) == [c for k in keys for c in cm.cells(k)]
