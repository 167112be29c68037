"""pipeline.fastftfy gives what ftfy gives: its claims checked against the
installed ftfy, and its functions compared with ftfy's own.

The other half of the window argument, that every alternative of BADNESS_RE
consumes a trigger character, is tests/test_repair_fast.py's
``test_every_mojibake_alternative_needs_a_trigger``.
"""

from __future__ import annotations

import inspect
import re._parser as sre_parse

import ftfy
import pytest
from ftfy import badness, chardata, fixes
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import fastftfy
from pipeline.stages import repair
from conftest import DEV_FILES, SEED_FILES
from test_repair_fast import DAMAGE, damaged_text

ORIGINAL_FIXERS = {name: getattr(fixes, name) for name in fastftfy.TRANSLATE_FIXERS}


def _plain(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(ftfy, "is_bad", badness.is_bad)
    mp.setattr(fixes, "is_bad", badness.is_bad)
    for name, fixer in ORIGINAL_FIXERS.items():
        mp.setitem(ftfy.FIXERS, name, fixer)
    for name, modules in fastftfy.CLASS_FIRST.items():
        for module in modules:
            mp.setattr(module, name, fastftfy.ORIGINAL_REGEXES[name])


@pytest.fixture
def plain_ftfy(monkeypatch):
    """ftfy as installed, without fastftfy, for the length of a test."""
    _plain(monkeypatch)


def with_plain_ftfy(line: str):
    """fix_and_explain without fastftfy (for hypothesis tests, which cannot take a fixture)."""
    mp = pytest.MonkeyPatch()
    try:
        _plain(mp)
        return ftfy.fix_and_explain(line, repair.FTFY_CONFIG)
    finally:
        mp.undo()


# ------------------------------------------------------------------ claims

def test_the_stage_runs_with_fastftfy_installed() -> None:
    assert ftfy.is_bad is fastftfy.is_bad and fixes.is_bad is fastftfy.is_bad
    for name in fastftfy.TRANSLATE_FIXERS:
        assert ftfy.FIXERS[name] is not ORIGINAL_FIXERS[name]


def test_a_badness_match_is_short() -> None:
    lo, hi = sre_parse.parse(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags).getwidth()
    assert 1 <= lo and hi == fastftfy._BAD_WIDTH < 20


def ops_of(items):
    for op, av in items:
        yield op, av
        if op is sre_parse.BRANCH:
            for alternative in av[1]:
                yield from ops_of(alternative)
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            yield from ops_of(av[2])
        elif op is sre_parse.SUBPATTERN:
            yield from ops_of(av[3])
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            yield from ops_of(av[1])


def test_badness_has_no_lookaround_and_no_anchor_but_the_start() -> None:
    # So a match inside a window (search with pos and endpos) is a match in the text.
    tree = sre_parse.parse(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags)
    ops = list(ops_of(tree.data))
    assert not any(op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT, sre_parse.GROUPREF) for op, _ in ops)
    assert {av for op, av in ops if op is sre_parse.AT} <= {sre_parse.AT_BEGINNING}
    assert not badness.BADNESS_RE.flags & __import__("re").MULTILINE


def test_a_search_from_a_later_position_does_not_match_the_start_anchor() -> None:
    assert badness.BADNESS_RE.search("Ã ") and not badness.BADNESS_RE.search("xÃ ", 1)


def test_is_bad_is_a_search_of_badness_re() -> None:
    assert "BADNESS_RE.search(text)" in inspect.getsource(badness.is_bad)


@pytest.mark.parametrize("name, table", [
    ("fix_latin_ligatures", "LIGATURES"), ("fix_character_width", "WIDTH_MAP"),
    ("remove_control_chars", "CONTROL_CHARS")])
def test_each_skipped_fixer_is_one_translate(name: str, table: str) -> None:
    body = [line.strip() for line in inspect.getsource(getattr(fixes, name)).splitlines()]
    assert body[-1] == f"return text.translate({table})"
    assert fastftfy.TRANSLATE_FIXERS[name] is getattr(chardata, table)


def test_the_class_first_regexes_are_in_place() -> None:
    assert set(fastftfy.ORIGINAL_REGEXES) == set(fastftfy.CLASS_FIRST)
    for name, modules in fastftfy.CLASS_FIRST.items():
        for module in modules:
            faster = getattr(module, name)
            assert faster is not fastftfy.ORIGINAL_REGEXES[name]
            assert faster.pattern == fastftfy.class_first(fastftfy.ORIGINAL_REGEXES[name]).pattern
    # ftfy reaches them where install put them: the step that re-encodes a line
    # reads chardata's, the fixers read fixes' module globals.
    assert "chardata.ALTERED_UTF8_RE.search" in inspect.getsource(ftfy._fix_encoding_one_step_and_explain)
    assert "ALTERED_UTF8_RE.sub" in inspect.getsource(fixes.restore_byte_a0)
    assert "LOSSY_UTF8_RE.sub" in inspect.getsource(fixes.replace_lossy_sequences)


@pytest.mark.parametrize("pattern", [b"(a|b)c", b"a|\\x1a", b"[ab]c|*d", b"a|b"])
def test_class_first_refuses_what_it_cannot_rewrite(pattern: bytes) -> None:
    import re
    if pattern == b"a|b":
        assert fastftfy.class_first(re.compile(pattern)).pattern == b"[ab](?:(?<=a)|(?<=b))"
        return
    with pytest.raises((RuntimeError, re.error)):
        fastftfy.class_first(re.compile(pattern))


# the bytes the two regexes look at, and some others
reencoded = st.lists(st.sampled_from([b"\xc2", b"\xc3", b"\xc5", b"\xce", b"\xd0", b"\xd9", b"\xdf", b"\xe0", b"\xe2",
                                      b"\xe3", b"\xed", b"\xef", b"\xf0", b"\xf4", b"\x80", b"\x85", b"\x9f", b"\xa0",
                                      b"\xaf", b"\xb0", b"\xbf", b" ", b"?", b"\x1a", b"a", b"\n"]),
                     max_size=40).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(reencoded | st.binary(max_size=40))
def test_class_first_regexes_find_what_ftfys_find(data: bytes) -> None:
    for name in fastftfy.CLASS_FIRST:
        original, faster = fastftfy.ORIGINAL_REGEXES[name], getattr(fixes, name)
        assert [m.span() for m in faster.finditer(data)] == [m.span() for m in original.finditer(data)]
        assert (faster.search(data) is None) == (original.search(data) is None)
    assert fixes.restore_byte_a0(data) == with_plain(fixes.restore_byte_a0, data)
    assert fixes.replace_lossy_sequences(data) == with_plain(fixes.replace_lossy_sequences, data)


def with_plain(function, *args):
    mp = pytest.MonkeyPatch()
    try:
        _plain(mp)
        return function(*args)
    finally:
        mp.undo()


def test_install_refuses_an_ftfy_it_does_not_know(monkeypatch) -> None:
    monkeypatch.setattr(ftfy, "is_bad", lambda text: False)
    with pytest.raises(RuntimeError):
        fastftfy.install()


# ----------------------------------------------------------------- results

bad_text = st.lists(st.one_of(st.sampled_from(DAMAGE), st.sampled_from(["a", " ", "the ", "x" * 9, "\n"]),
                              st.characters(exclude_categories=("Cs",))), max_size=60).map("".join)


@settings(max_examples=3000, deadline=None)
@given(bad_text | st.text(max_size=40))
def test_is_bad_equals_ftfys(text: str) -> None:
    assert fastftfy.is_bad(text) == badness.is_bad(text)
    dense = fastftfy._DENSE
    try:
        fastftfy._DENSE = 1  # the windows, however dense the triggers
        assert fastftfy.is_bad(text) == badness.is_bad(text)
    finally:
        fastftfy._DENSE = dense


@pytest.mark.parametrize("text", ["é" * 1000, ("x" * 20 + "é") * 100, ("x" * 40 + "é") * 100 + "Ã ", "a" * 999 + "Ã "])
def test_is_bad_on_dense_and_sparse_triggers(text: str) -> None:
    assert fastftfy.is_bad(text) == badness.is_bad(text)


@settings(max_examples=500, deadline=None)
@given(bad_text)
def test_the_skipping_fixers_equal_ftfys(text: str) -> None:
    for name, fixer in ORIGINAL_FIXERS.items():
        assert ftfy.FIXERS[name](text) == fixer(text)


def test_the_skipping_fixers_act_on_every_table_character() -> None:
    for name, table in fastftfy.TRANSLATE_FIXERS.items():
        for c in map(chr, table):
            assert ftfy.FIXERS[name]("a" + c) == ORIGINAL_FIXERS[name]("a" + c), (name, hex(ord(c)))


@settings(max_examples=500, deadline=None)
@given(damaged_text)
def test_fix_and_explain_equals_plain_ftfys(text: str) -> None:
    for line in text.split("\n"):
        assert ftfy.fix_and_explain(line, repair.FTFY_CONFIG) == with_plain_ftfy(line)


def corpus_lines() -> list[str]:
    lines = []
    for path in SEED_FILES + DEV_FILES:
        lines += path.read_text(encoding="utf-8", errors="replace").split("\n")
    return lines


def test_fix_and_explain_equals_plain_ftfys_on_the_corpus(plain_ftfy) -> None:
    lines = [line for line in corpus_lines() if not line.isascii()]
    plain = [ftfy.fix_and_explain(line, repair.FTFY_CONFIG) for line in lines]
    fixed = [text for text, _ in plain]
    for line in lines + fixed:
        assert fastftfy.is_bad(line) == badness.is_bad(line)
    fastftfy_results = []
    with pytest.MonkeyPatch.context() as mp:  # fastftfy back in place
        mp.setattr(ftfy, "is_bad", fastftfy.is_bad)
        mp.setattr(fixes, "is_bad", fastftfy.is_bad)
        for name, table in fastftfy.TRANSLATE_FIXERS.items():
            mp.setitem(ftfy.FIXERS, name, fastftfy._skipping_translate(ORIGINAL_FIXERS[name], table))
        for name, modules in fastftfy.CLASS_FIRST.items():
            for module in modules:
                mp.setattr(module, name, fastftfy.class_first(fastftfy.ORIGINAL_REGEXES[name]))
        fastftfy_results = [ftfy.fix_and_explain(line, repair.FTFY_CONFIG) for line in lines]
    assert fastftfy_results == plain


TABLE_CHARS = sorted({chr(c) for table in fastftfy.TRANSLATE_FIXERS.values() for c in table})
table_text = st.lists(st.sampled_from(TABLE_CHARS[:40] + TABLE_CHARS[-40:] + ["\ufeff", "a", " ", "é", "\u2019"]),
                      max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(table_text, table_text)
def test_the_skipping_fixers_equal_ftfys_one_after_the_other(text: str, other: str) -> None:
    # One scan serves the three fixers on the same text; another text (an
    # equal one too, another object) is scanned again.
    for t in (text, other, "".join(list(text)), text):
        for name, fixer in ORIGINAL_FIXERS.items():
            assert ftfy.FIXERS[name](t) == fixer(t), name
        assert fastftfy.table_chars(t) == {c for c in t if c in TABLE_CHARS}
