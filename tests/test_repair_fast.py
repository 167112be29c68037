"""The repair stage's fast paths give exactly what the plain passes give.

``reference_apply`` below is the stage as it was before the fast paths: every
pass searches the whole text in every round, ftfy runs on every line but
printable ASCII. The stage must produce the same document (text, edits,
steps) on the dev set, the seeds, the golden cases and generated text.

The ftfy skip rests on claims about the installed ftfy, proved here against
its own tables and regex (so an ftfy upgrade that breaks one fails a test):
a line that is NFC and holds none of ``FTFY_TRIGGER_RE``'s characters comes
out of ``ftfy.fix_and_explain`` unchanged.
"""

from __future__ import annotations

import inspect
import re
import re._parser as sre_parse
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import ftfy
import pytest
from ftfy import badness, chardata, fixes
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.document import Document, Edit, apply_edits
from pipeline.patterns import spacing, unicode
from pipeline.stages import decode, repair
from conftest import DEV_FILES, SEED_FILES, load_cases, make_doc, noisy_text
import space_runs_reference as runs_reference

NAME = repair.NAME


# ------------------------------------------------------- the reference stage


def reference_pass(pattern: re.Pattern, rule: str, reason: str,
                   replace: Callable[[str], str] = lambda s: "") -> Callable[[str], Iterator[Edit]]:
    def run(text: str) -> Iterator[Edit]:
        for m in pattern.finditer(text):
            after = replace(m.group())
            if after != m.group():
                yield Edit(NAME, rule, m.start(), m.end(), m.group(), after, reason)
    return run


def reference_ftfy_lines(text: str) -> Iterator[Edit]:
    pos = 0
    for line in text.split("\n"):
        if not (line.isascii() and line.isprintable()):
            fixed, explanation = ftfy.fix_and_explain(line, repair.FTFY_CONFIG)
            if fixed != line:
                steps = ", ".join(step for _, step in explanation or [])
                yield Edit(NAME, "repair.ftfy/v1", pos, pos + len(line), line, fixed, f"ftfy: {steps}")
        pos += len(line) + 1


def reference_invisible_chars(text: str) -> list[Edit]:
    edits = [Edit(NAME, "repair.invisible/v1", m.start(), m.end(), m.group(), "",
                  f"invisible character {unicode.INVISIBLE[m.group()]}")
             for m in unicode.INVISIBLE_RE.finditer(text)]
    for m in unicode.JOINER_RUN_RE.finditer(text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isascii() or after.isascii() or before.isspace() or after.isspace():
            edits.extend(Edit(NAME, "repair.invisible/v1", i, i + 1, text[i], "",
                              f"invisible character {unicode.JOINERS[text[i]]}") for i in range(m.start(), m.end()))
    return sorted(edits, key=lambda e: e.start)


SPACE_PASSES = {
    "repair.mt_space_clitic/v1": reference_pass(spacing.SPACE_BEFORE_CLITIC, "repair.mt_space_clitic/v1",
                                                "machine-translation space before 's"),
    "repair.mt_space_hyphen/v1": reference_pass(spacing.SPACE_BEFORE_HYPHEN, "repair.mt_space_hyphen/v1",
                                                "machine-translation space before a hyphen"),
    "repair.space_before_comma/v1": reference_pass(spacing.SPACE_BEFORE_COMMA, "repair.space_before_comma/v1",
                                                   "space before a comma or semicolon"),
    "repair.space_run/v1": reference_pass(spacing.SPACE_RUN, "repair.space_run/v1", "run of spaces collapsed",
                                          lambda s: " "),
    "repair.line_edge_space/v1": reference_pass(spacing.LINE_EDGE_SPACE, "repair.line_edge_space/v1",
                                                "space at the start or end of a line"),
}
REFERENCE_PASSES = (
    reference_pass(spacing.NON_LF_BREAK, "repair.line_breaks/v1", "line break normalised to \\n", lambda s: "\n"),
    reference_ftfy_lines,
    reference_invisible_chars,
    reference_pass(unicode.ODD_SPACE_RE, "repair.odd_space/v1", "non-standard space replaced by a plain space",
                   lambda s: " "),
    reference_pass(unicode.QUOTE_RE, "repair.straight_quotes/v1", "quote policy: straight quotes",
                   lambda s: unicode.QUOTES[s]),
    *SPACE_PASSES.values(),
)


def reference_apply(doc: Document) -> Document:
    for _ in range(repair.MAX_ROUNDS):
        text = doc.text
        for pass_ in REFERENCE_PASSES:
            edits = list(pass_(doc.text))
            if edits:
                doc = doc.with_edits(edits)
        if doc.text == text:
            break
    return doc


def assert_same_repair(text: str) -> None:
    doc = make_doc(text)
    assert repair.apply(doc, Config()) == reference_apply(doc)


# ------------------------------------------------------------ generated text

# The damage the fast paths must not miss: mojibake of every kind ftfy's
# detector knows, odd and invisible characters, quotes, MT spacing, HTML
# entities, ligatures, full-width forms, controls, combining marks.
DAMAGE = [
    "â€™", "â€œ", "â€\x9d", "Ã©", "Ã ", "Ã\xa0", "Â£", "Â ", " Â ", "Ã¨s", "Ø§Ù„", "вЂ™", "ГўВЂВ™s", "Р°Р±",
    "Î²€™", "ΒΑΒ", "‚Äô", "√©", "â€", "œ ", "Œ1", "É°", "×²", "à²", "ā€", "\x85", "\x92", "�", "\ufffd€",
    "&amp;", "&eacute;", "&#x2019;", "&EACUTE;", "<b>&amp;</b>", "ﬁ", "ﬂow", "Ĳ", "ＡＢＣ", "\u3000", "\x1b[31m",
    "\x07", "\x7f", "\ufeff", "\u206a", "\ufffc", "e\u0301", "\u0301", "A\u030a", "\u1100\u1161", "\u0915\u093c",
    "\u00a0", "\u2003", "\u2000", "\u202f", "\t", "\u200b", "\u200c", "\u200d", "\u00ad", "\u200e", "\u2060",
    "’", "‘", "“", "”", "„", "‟", "‛", " ’s", "world ’s", " 's", " ’t", "’re", " -", " - ", "two -wheel",
    " ,", " ;", "  ", "   ", "\r\n", "\r", "\u2028", "\u2029", "\n", "\n\n", " \n", "\n ", "\x0c", "—", "…",
    "é", "ñ", "ü", "ß", "¢", "£", "€", "©", "®", "™", "°", "±", "¶", "§", "│", "█", "Ω", "ж", "س\u200dس",
]
TOKENS = ["the ", "world", "people ", "it", "s", "t", "re", "ll", "a", "b", "1", "_", "'", "-", ",", ";", " "]
damaged_text = st.lists(st.one_of(st.sampled_from(DAMAGE), st.sampled_from(TOKENS),
                                  st.characters(exclude_categories=("Cs",))), max_size=80).map("".join)


@settings(max_examples=600, deadline=None)
@given(damaged_text)
def test_the_stage_equals_the_reference_on_damaged_text(text: str) -> None:
    assert_same_repair(text)


@settings(max_examples=200, deadline=None)
@given(noisy_text)
def test_the_stage_equals_the_reference_on_noisy_text(text: str) -> None:
    assert_same_repair(text)


def decoded(path: Path) -> str:
    raw = path.read_bytes()
    return decode.apply(Document(path.stem, path.name, "", len(raw), raw=raw), Config()).text


@pytest.mark.parametrize("path", SEED_FILES + DEV_FILES, ids=lambda p: p.stem)
def test_the_stage_equals_the_reference_on_the_corpus(path: Path) -> None:
    assert_same_repair(decoded(path))


def test_the_stage_equals_the_reference_on_the_golden_cases() -> None:
    for case in load_cases("repair"):
        assert_same_repair(case["original"])


# -------------------------------------------------------- character passes

char_text = st.lists(st.sampled_from(["a", " ", "\n", "é", "\u00a0", "\t", "\u3000", "\u2003", "’", "“", "”", "„",
                                      "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "س", "क", "🙂"]),
                     max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(char_text | st.text(max_size=40))
def test_character_passes_find_what_the_regex_finds(text: str) -> None:
    odd, quotes = repair.PASSES[3].run, repair.PASSES[4].run
    assert list(odd(text)) == list(REFERENCE_PASSES[3](text))
    assert list(quotes(text)) == list(REFERENCE_PASSES[4](text))
    # Told which characters the text may hold (Seen.chars, a superset), they
    # look for those only, and find the same.
    for present in (unicode.unusual_chars(text), unicode.unusual_chars(text) | {"\u00a0", "\u201c", "x"}):
        assert list(odd(text, present)) == list(REFERENCE_PASSES[3](text))
        assert list(quotes(text, present)) == list(REFERENCE_PASSES[4](text))
    assert repair.invisible_chars(text) == reference_invisible_chars(text)


def test_character_passes_are_the_odd_space_and_quote_passes() -> None:
    assert [p.run.__name__ for p in repair.PASSES[3:5]] == ["repair.odd_space/v1", "repair.straight_quotes/v1"]


def test_character_classes_hold_the_tables_characters() -> None:
    # char_positions looks for each character of the table: the regexes the
    # reference uses are classes of the same characters.
    assert set(unicode.QUOTE_CHARS) == set(unicode.QUOTES) and unicode.QUOTE_RE.pattern == f"[{unicode.QUOTE_CHARS}]"
    assert unicode.ODD_SPACE_RE.pattern == f"[{unicode.ODD_SPACE_CHARS}]"
    assert unicode.INVISIBLE_RE.pattern == f"[{unicode.REMOVED_CHARS}]"
    assert unicode.JOINER_RUN_RE.pattern == f"[{unicode.JOINER_CHARS}]+"


@pytest.mark.parametrize("positions, expected", [
    ([], []), ([3], [(3, 4)]), ([0, 1, 2, 5, 7, 8], [(0, 3), (5, 6), (7, 9)]),
])
def test_runs(positions: list[int], expected: list[tuple[int, int]]) -> None:
    assert list(repair.runs(positions)) == expected


# -------------------------------------------------------------- space passes

space_text = st.lists(st.sampled_from([" ", " ", " ", "  ", "\n", "'", "-", ",", ";", "a", "s", "t", "re", "1",
                                       "_", "\x0c", ".", "\u00e9"]), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(space_text)
def test_space_passes_find_what_finditer_finds(text: str) -> None:
    for p in repair.PASSES:
        if p.spaces:
            rule = p.run.__name__
            assert list(p.run(text)) == list(SPACE_PASSES[rule](text)), rule


@settings(max_examples=300, deadline=None)
@given(space_text)
def test_the_double_space_finder_finds_every_run_of_two_or_more(text: str) -> None:
    found = [m.span(1) for m in runs_reference.NEEDLE_FINDERS["  "].finditer(text)]
    assert found == [m.span() for m in re.finditer("  +", text)]


@settings(max_examples=1000, deadline=None)
@given(space_text)
def test_the_stage_equals_the_reference_on_spacing(text: str) -> None:
    # Rounds of space passes only: the moved needle runs (SpaceRunPass.shifted)
    # stand in for a new scan after each space pass's edits.
    assert_same_repair(text)


@settings(max_examples=500, deadline=None)
@given(space_text, st.data())
def test_moved_needle_runs_hold_every_needle_run_of_the_edited_text(text: str, data) -> None:
    space_passes = [p.run for p in repair.PASSES if p.spaces]
    editor = data.draw(st.sampled_from(space_passes))
    edits = editor(text)
    after = apply_edits(text, edits)
    for p in space_passes:
        moved = repair.SpaceRunPass.shifted(text, after, runs_reference.starts(p, text), edits)
        assert moved is not None and moved[0] is after
        assert set(runs_reference.starts(p, after)) <= set(moved[1]) and moved[1] == sorted(moved[1])
        assert p.at(after, moved[1]) == p(after)


def test_moved_needle_runs_refuse_other_edits() -> None:
    text = "a  b 'c"
    starts = runs_reference.space_runs(text, ("  ",))
    other = [Edit(NAME, "x", 0, 1, "a", "b", "")]  # not a run of spaces
    assert repair.SpaceRunPass.shifted(text, "b  b 'c", starts, other) is None
    part = [Edit(NAME, "x", 1, 2, " ", "", "")]  # part of a run only
    assert repair.SpaceRunPass.shifted(text, "a b 'c", starts, part) is None
    inserted = [Edit(NAME, "x", 5, 5, "", " ", "")]  # a space where there was none
    assert repair.SpaceRunPass.shifted(text, "a  b  'c", starts, inserted) is None


line_text = st.lists(st.sampled_from([" ", " ", "  ", "\n", "\n\n", "a", "\x0c", "-"]), max_size=30).map("".join)


@settings(max_examples=1000, deadline=None)
@given(line_text | space_text)
def test_line_edge_runs_are_the_runs_of_both_needles(text: str) -> None:
    needles, space_runs = spacing.LINE_EDGE_NEEDLES, runs_reference.space_runs
    assert space_runs(text, needles) == sorted(set(space_runs(text, needles[:1])) | set(space_runs(text, needles[1:])))


def test_space_runs_at_the_edges_of_the_text() -> None:
    assert runs_reference.space_runs("  a  ", ("\n ", " \n")) == [0, 3]
    assert runs_reference.space_runs("   ", ("\n ", " \n")) == [0]
    assert runs_reference.space_runs("a\n  b  \nc   ", (" \n",)) == [5, 9]


def test_space_passes_cover_every_space_pattern() -> None:
    assert sorted(p.run.__name__ for p in repair.PASSES if p.spaces) == sorted(SPACE_PASSES)


@pytest.mark.parametrize("text, needles, starts", [
    ("a -b  -c", (" -",), [1, 4]),
    ("  x \n y ", ("\n ", " \n"), [0, 3, 5, 7]),
    ("a    b", ("  ",), [1]),
    ("a b", (" -",), []),
])
def test_space_runs(text: str, needles: tuple[str, ...], starts: list[int]) -> None:
    assert runs_reference.space_runs(text, needles) == starts


def test_space_runs_stay_linear_on_a_long_run() -> None:
    # One run of a million spaces holds a million "  ": found once, not once per space.
    assert runs_reference.space_runs("a" + " " * 1_000_000 + "-b", ("  ", " -")) == [1]


# ----------------------------------------------------------- what ftfy does


def test_ftfy_config_is_the_one_the_proof_assumes() -> None:
    # uncurl_quotes and fix_line_breaks off: quotes and line breaks are not
    # among the triggers. Any other change of the config redoes the proof.
    assert repair.FTFY_CONFIG == ftfy.TextFixerConfig(
        unescape_html="auto", remove_terminal_escapes=True, fix_encoding=True, restore_byte_a0=True,
        replace_lossy_sequences=True, decode_inconsistent_utf8=True, fix_c1_controls=True,
        fix_latin_ligatures=True, fix_character_width=True, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=True, remove_control_chars=True, normalization="NFC", max_decode_length=1000000,
        explain=True)


def test_ftfy_has_only_the_fixers_the_proof_covers() -> None:
    # fix_and_explain: unescape_html, fix_encoding (mojibake), this list, then
    # normalization. A new step would need its triggers added.
    source = inspect.getsource(ftfy.fix_and_explain)
    listed = re.search(r"for fixer in \[(.*?)\]", source, re.DOTALL).group(1)
    assert re.findall(r'"(\w+)"', listed) == [
        "fix_c1_controls", "fix_latin_ligatures", "fix_character_width", "uncurl_quotes", "fix_line_breaks",
        "fix_surrogates", "remove_terminal_escapes", "remove_control_chars"]
    assert re.findall(r'_try_fix\(\s*"(\w+)"', source) == ["unescape_html"]


def triggers(chars) -> bool:
    return all(unicode.FTFY_TRIGGER_RE.fullmatch(c) for c in chars)


def test_every_fix_but_mojibake_starts_at_a_trigger() -> None:
    assert fixes.HTML_ENTITY_RE.pattern.startswith("&")  # unescape_html
    assert fixes.ANSI_RE.pattern.startswith("\033")  # remove_terminal_escapes
    assert chardata.C1_CONTROL_RE.pattern == "[\\x80-\\x9f]" and triggers(map(chr, range(0x80, 0xA0)))
    assert fixes.SURROGATE_RE.pattern == "[\ud800-\udfff]" and triggers(map(chr, range(0xD800, 0xE000)))
    assert triggers("&\x1b")
    for table in (chardata.CONTROL_CHARS, chardata.LIGATURES, chardata.WIDTH_MAP):  # translate tables
        assert triggers(map(chr, table))


def mandatory_sets(alternative) -> Iterator[set[int] | None]:
    """For each item of a regex sequence that every match must consume, the
    code points it can match (None when it can match more than a finite set)."""
    for op, av in alternative:
        if op is sre_parse.LITERAL:
            yield {av}
        elif op is sre_parse.IN:
            chars: set[int] = set()
            for kind, value in av:
                if kind is sre_parse.LITERAL:
                    chars.add(value)
                elif kind is sre_parse.RANGE:
                    chars.update(range(value[0], value[1] + 1))
                else:  # NEGATE, CATEGORY: no finite set
                    chars = None
                    break
            yield chars


def test_every_mojibake_alternative_needs_a_trigger() -> None:
    # fix_encoding leaves a text alone unless ftfy.badness.is_bad (a search of
    # BADNESS_RE) matches; each alternative must consume a trigger character.
    tree = sre_parse.parse(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags)
    ((op, (_, alternatives)),) = tree.data
    assert op is sre_parse.BRANCH
    for alternative in alternatives:
        assert any(chars and triggers(map(chr, chars)) for chars in mandatory_sets(alternative)), alternative


def test_curly_quotes_and_dashes_do_not_trigger_ftfy() -> None:
    # The point of the anchors: ordinary English typography skips ftfy.
    assert not any(unicode.FTFY_TRIGGER_RE.match(c) for c in "“”‘’—–…\u00a0\t\r\x0c\n ")


line_text = st.lists(st.one_of(st.sampled_from([d for d in DAMAGE if "\n" not in d]),
                               st.characters(exclude_categories=("Cs",), exclude_characters="\n")),
                     max_size=30).map("".join)


@settings(max_examples=1000, deadline=None)
@given(line_text)
def test_ftfy_leaves_a_line_alone_when_it_may_not_change(line: str) -> None:
    if not repair.ftfy_may_change(line):
        assert ftfy.fix_and_explain(line, repair.FTFY_CONFIG)[0] == line


@settings(max_examples=300, deadline=None)
@given(damaged_text)
def test_ftfy_lines_equals_the_reference(text: str) -> None:
    assert list(repair.ftfy_lines(text)) == list(reference_ftfy_lines(text))


# ---------------------------------------------------------- normalization

# Hangul vowel and trailing jamo compose by algorithm, not by decomposition data.
HANGUL_V_T = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))


def composes_with_a_preceding_char() -> set[int]:
    """Code points that NFC may merge into the character before them: the
    second part of a canonical pair decomposition, and Hangul V/T jamo."""
    seconds = set(HANGUL_V_T)
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    return seconds


def test_nfc_inert_characters_take_no_part_in_normalization() -> None:
    maybe = composes_with_a_preceding_char()
    inert = [chr(cp) for cp in range(0x300)] + sorted(unicode.NFC_INERT)
    for c in inert:
        assert unicodedata.combining(c) == 0, hex(ord(c))
        assert unicodedata.normalize("NFC", c) == c, hex(ord(c))
        assert ord(c) not in maybe, hex(ord(c))


def test_a_combining_mark_is_not_inert() -> None:
    assert unicode.all_nfc_inert({"é", "“", "—"})
    assert not unicode.all_nfc_inert({"\u0301"})
    assert not unicode.all_nfc_inert({"\u1161"})


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["e", "\u0301", "\u0327", "\n", "A", "\u030a", "\u1100", "\u1161", "\u11a8",
                                 "\u0915", "\u093c", " ", "\u2126", "\u212b"]), max_size=20).map("".join))
def test_nfc_does_not_reach_across_a_line_break(text: str) -> None:
    # The stage checks a whole text and trusts the answer for its lines.
    if unicodedata.is_normalized("NFC", text):
        assert all(unicodedata.is_normalized("NFC", line) for line in text.split("\n"))


# ------------------------------------------------------ the characters seen


@settings(max_examples=300, deadline=None)
@given(damaged_text)
def test_unusual_chars_are_all_but_plain_ascii(text: str) -> None:
    plain = {chr(b) for b in range(0x20, 0x7F)} - {"&"} | {"\n"}
    assert unicode.unusual_chars(text) == set(text) - plain


@settings(max_examples=300, deadline=None)
@given(damaged_text, st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff"]))
def test_unusual_chars_of_a_text_decode_read_are_all_but_plain_ascii(text: str, prefix: bytes) -> None:
    # decode hands unusual_chars the bytes of a text it read as plain UTF-8
    # (unicode.decoded_from_utf8): the same answer as encoding the text again.
    raw = prefix + text.encode("utf-8")
    doc = decode.apply(Document("t", "t.txt", "", len(raw), raw=raw), Config())
    plain = {chr(b) for b in range(0x20, 0x7F)} - {"&"} | {"\n"}
    if doc.rejection is None:
        assert unicode.unusual_chars(doc.text) == set(doc.text) - plain
        assert unicode.unusual_chars(doc.text + "é") == set(doc.text + "é") - plain  # another text: encoded
    assert unicode.unusual_chars(text) == set(text) - plain


def test_unusual_chars_keep_a_lone_surrogate() -> None:
    assert unicode.unusual_chars("a\ud800b") == {"\ud800"}


def test_every_pass_character_is_unusual() -> None:
    # A pass is skipped when none of its characters is seen: each must be one
    # the scan keeps.
    for p in repair.PASSES:
        for c in p.chars + p.clears:
            assert unicode.unusual_chars(c) == {c}, (p.run.__name__, c)


@settings(max_examples=1000, deadline=None)
@given(line_text | space_text)
def test_needle_runs_are_the_runs_of_every_needle(text: str) -> None:
    # The space passes' one scan: the union of each pass's own needle runs.
    assert repair.needle_runs(text) == runs_reference.every_pass_runs(text)


@pytest.mark.parametrize("text", [
    "", " ", "  ", "a ", "a  ", " a", "a -b  -c", "  x \n y ", "a    b", "a b", "a  -b ,c ;d 'e \n f ",
    "x\n \n  \n", "a\u00e9  ,b \u2019s", "a" + " " * 1000 + "-b" + " " * 5,
])
def test_needle_runs_on_examples(text: str) -> None:
    assert repair.needle_runs(text) == runs_reference.every_pass_runs(text)


def test_the_needle_finders_cover_every_needle() -> None:
    spaced = {n[1] for n in spacing.ALL_NEEDLES if n[0] == " "}
    assert spacing.SPACE_NEEDLE_FINDER.pattern == " [" + re.escape("".join(sorted(spaced))) + "]"
    assert [n for n in spacing.ALL_NEEDLES if n[0] != " "] == ["\n "]
    assert set(spacing.ALL_NEEDLES) == {n for p in repair.PASSES if p.spaces for n in p.run.needles}


def test_needle_runs_stay_linear_on_a_long_run() -> None:
    assert repair.needle_runs("a" + " " * 1_000_000 + "-b") == [1]


quiet_text = st.lists(st.sampled_from(["a", " ", "é", "“", "—", "\u0301", "\u1161", "\u1100", "Ã", "\u00a9", "&",
                                       "\ufffd", "\u0416", "\u4e2d", "\ufb01", "e\u0301", "\u00e8"]),
                      max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(quiet_text, min_size=1, max_size=4))
def test_ftfy_may_act_is_the_test_it_stands_for(texts: list[str]) -> None:
    # The set of quiet characters grows as texts show theirs: one after the other.
    for text in texts:
        chars = unicode.unusual_chars(text)
        expected = (any(unicode.FTFY_TRIGGER_RE.match(c) for c in chars)
                    or not (unicode.all_nfc_inert(chars) or unicodedata.is_normalized("NFC", text)))
        assert unicode.ftfy_may_act(chars, text) == expected
        assert unicode.ftfy_may_act(chars, text) == expected  # (once the characters are known)
    assert all(not unicode.FTFY_TRIGGER_RE.match(c) and (c < "\u0300" or c in unicode.NFC_INERT)
               for c in unicode._QUIET)
