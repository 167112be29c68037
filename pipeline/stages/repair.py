"""Stage repair: fix encoding damage and odd characters, one pass per rule.

Passes, in order: line breaks; ftfy (mojibake, NFC; its explanation goes into
the edit's reason); invisible characters; odd spaces; straight quotes (the
project's quote policy); machine-translation spacing; stray spaces.
Every pass records an edit for each span it changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import ftfy

from pipeline import fastftfy
from pipeline.config import Config
from pipeline.document import Document, Edit
from pipeline.patterns import spacing, unicode

NAME = "repair"

# ftfy's detector and three of its fixers replaced by exact, cheaper equivalents
# (pipeline.fastftfy): a long line with some mojibake is fixed 5x faster.
fastftfy.install()

# Our own passes handle quotes, line breaks and NFC stays ftfy's final step.
FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, normalization="NFC", explain=True)


# A pass can create work for an earlier one (ftfy judges a line differently once
# its curly quotes are straight; removing an invisible character gives a joiner
# new neighbours), so the passes repeat until nothing changes: repair is idempotent.
MAX_ROUNDS = 3


def apply(doc: Document, config: Config) -> Document:
    seen = Seen(doc.text)
    # The text each pass last found nothing in: a pass is a function of the
    # text alone, so on that same text (same object) it finds nothing again.
    # A round after a change then reruns only the passes the change reaches.
    found_nothing_in: list[str | None] = [None] * len(PASSES)
    # (text, the starts of the runs of spaces holding any space pass's needle
    # there, or a superset): one scan serves every space pass (each tries its
    # pattern at all these runs: it matches only at its own needles' runs),
    # kept up to date through the space passes' edits, which create no
    # needle run (SpaceRunPass.shifted): the next space pass needs no new scan.
    known: tuple[str, list[int]] | None = None
    for _ in range(MAX_ROUNDS):
        text = doc.text
        for i, pass_ in enumerate(PASSES):
            before = doc.text
            if before is found_nothing_in[i] or not (pass_.spaces or seen.may_act(pass_, before)):
                continue
            if pass_.spaces:
                starts = known[1] if known is not None and known[0] is before else needle_runs(before)
                edits = pass_.run.at(before, starts) if starts else []  # (most texts: no run to try)
                known = (before, starts)
            elif pass_.narrows:
                edits = list(pass_.run(before, seen.chars))
            else:
                edits = list(pass_.run(before))
            if edits:
                doc = doc.with_edits(edits)
                if pass_.spaces:
                    known = SpaceRunPass.shifted(before, doc.text, starts, edits)
            else:
                found_nothing_in[i] = before
            if pass_.clears or (pass_.ftfy and edits):  # (else Seen has nothing to note)
                seen.ran(pass_, doc.text, bool(edits))
        if doc.text == text:
            break
    return doc


@dataclass(frozen=True)
class Pass:
    """One pass of the stage, and the characters it acts on, so that a text
    holding none of them is skipped unsearched."""

    run: Callable[[str], Iterable[Edit]]
    chars: str = ""  # it acts only where one of these characters is
    clears: str = ""  # once it ran, none of these is left (it replaced every one)
    ftfy: bool = False  # it acts wherever ftfy can change a line (ftfy_may_change)
    spaces: bool = False  # it finds its own runs of spaces (cheaply): always run
    narrows: bool = False  # its run takes Seen.chars, to look for those of its characters only

    def __post_init__(self) -> None:
        # chars as a set: a set's isdisjoint with another set is ~10x faster than with a str
        object.__setattr__(self, "char_set", frozenset(self.chars))


class Seen:
    """The characters one document's text may still hold, beyond printable
    ASCII and line breaks: a superset, never less. One scan finds them; each
    pass then asks instead of searching the text. Only ftfy adds such
    characters; the other passes remove what they fix (and add ASCII)."""

    def __init__(self, text: str) -> None:
        self.chars = unicode.unusual_chars(text)

    def may_act(self, pass_: Pass, text: str) -> bool:
        if pass_.spaces:
            return True
        if pass_.ftfy:
            return unicode.ftfy_may_act(self.chars, text)
        return not self.chars.isdisjoint(pass_.char_set)

    def ran(self, pass_: Pass, text: str, changed: bool) -> None:
        if pass_.ftfy and changed:
            self.chars = unicode.unusual_chars(text)
        self.chars.difference_update(pass_.clears)


def _regex_pass(pattern: re.Pattern, rule: str, reason: str,
                replace: Callable[[str], str] = lambda s: "") -> Callable[[str], Iterator[Edit]]:
    def run(text: str) -> Iterator[Edit]:
        for m in pattern.finditer(text):
            before = m.group()
            after = replace(before)
            if after != before:
                yield Edit(NAME, rule, *m.span(), before, after, reason)
    run.__name__ = rule
    return run


def _char_pass(chars: str, rule: str, reason: str,
               replace: Callable[[str], str]) -> Callable[[str], Iterator[Edit]]:
    """The edits of ``_regex_pass`` with the class ``[chars]``, its matches
    (one character each) found by ``char_positions``."""
    def run(text: str, present: set[str] | None = None) -> Iterator[Edit]:
        # present: characters the text may hold (a superset: Seen.chars); only
        # those of ``chars`` are looked for (each other one would cost a scan)
        for i in char_positions(text, chars if present is None else [c for c in chars if c in present]):
            before = text[i]
            after = replace(before)
            if after != before:
                yield Edit(NAME, rule, i, i + 1, before, after, reason)
    run.__name__ = rule
    return run


def char_positions(text: str, chars: str) -> list[int]:
    """Sorted offsets of the characters of ``chars`` in the text: ``str.find``
    per character (a memchr) instead of a regex scan by class, which tests
    every character of the text against the class (~40x slower)."""
    found = []
    for c in chars:
        i = text.find(c)
        while i >= 0:
            found.append(i)
            i = text.find(c, i + 1)
    found.sort()
    return found


class SpaceRunPass:
    """A pass replacing the runs of spaces the pattern matches. Its matches are
    whole runs holding one of the needles (pipeline.patterns.spacing), so the
    pattern is tried at those runs only: the same matches as ``finditer``,
    without a lookbehind at every space of the text."""

    def __init__(self, pattern: re.Pattern, needles: tuple[str, ...], rule: str, reason: str,
                 replace: Callable[[str], str] = lambda s: "") -> None:
        self.pattern, self.needles, self.replace = pattern, needles, replace
        self.rule, self.reason = rule, reason
        self.__name__ = rule

    def __call__(self, text: str) -> list[Edit]:
        """The edits, on their own (the stage calls ``at`` with the runs it keeps)."""
        return self.at(text, needle_runs(text))

    def at(self, text: str, starts: list[int]) -> list[Edit]:
        """The edits, trying the pattern at ``starts`` only (sorted; all the
        needle runs' starts, and maybe more)."""
        edits = []
        match, replace = self.pattern.match, self.replace
        for start in starts:
            m = match(text, start)  # (a lookbehind still sees the text before start)
            if m and (after := replace(before := m.group())) != before:
                edits.append(Edit(NAME, self.rule, m.start(), m.end(), before, after, self.reason))
        return edits

    @staticmethod
    def shifted(text: str, new_text: str, starts: list[int], edits: list[Edit]) -> tuple[str, list[int]] | None:
        """(new_text, ``starts`` moved through ``edits``) when every edit
        replaces a whole run of spaces of ``text`` by one space or none, which
        joins two characters that are no spaces or keeps the run's neighbours:
        no new needle run arises, so the moved starts hold all of new_text's.
        None (scan again) for any other edit."""
        out, delta, k, n = [], 0, 0, len(starts)
        for e in edits:
            s, end = e.start, e.end
            if (e.after not in ("", " ") or not e.before or e.before.strip(" ")
                    or (s and text[s - 1] == " ") or (end < len(text) and text[end] == " ")):
                return None
            while k < n and starts[k] < s:
                out.append(starts[k] + delta)
                k += 1
            while k < n and starts[k] < end:  # the run this edit replaced
                if e.after and starts[k] == s:
                    out.append(s + delta)
                k += 1
            delta += len(e.after) - (end - s)
        out.extend(p + delta for p in starts[k:])
        return new_text, out


def needle_runs(text: str) -> list[int]:
    """Sorted start offsets of the runs of spaces that hold a needle of any
    space pass (spacing.ALL_NEEDLES; "\n" in a needle also stands for the
    start or the end of the text): the runs any space pass may act on, found
    in two scans (spacing.SPACE_NEEDLE_FINDER, LINE_START_FINDER) instead of
    six (tests/space_runs_reference.py: a pass's own needles' runs)."""
    starts = [0] if text[:1] == " " else []  # a run at the start of the text
    pos = 0  # text[pos - 1] is no space, or text[pos] is none (past a run found)
    search, spaces = spacing.SPACE_NEEDLE_FINDER.search, spacing.SPACES.match
    m = search(text)
    while m is not None:
        at = m.start()
        start = _run_start(text, pos, at + 1) if at > pos and text[at - 1] == " " else at
        if not starts or starts[-1] != start:
            starts.append(start)
        # past the run (linear on a long run: one match, not one per pair of spaces)
        pos = spaces(text, at).end() if text[at + 1] == " " else at + 2
        m = search(text, pos)
    if text[-1:] == " " and pos < len(text):  # a run ending the text, not yet found
        start = _run_start(text, pos, len(text))
        if not starts or starts[-1] != start:
            starts.append(start)
    line_starts = [m.end() for m in spacing.LINE_START_FINDER.finditer(text)]
    return sorted(set(starts).union(line_starts)) if line_starts else starts


def _run_start(text: str, pos: int, end: int) -> int:
    """The start of the run of spaces ending at ``end`` (text[end - 1] is a
    space), which starts at or after ``pos``."""
    k = end - 1
    if k > pos and text[k - 1] == " ":  # a longer run (rare): its start found in C
        k = pos + len(text[pos:k].rstrip(" "))
    return k


def ftfy_may_change(text: str) -> bool:
    """False only when ftfy would return the text as it is: NFC already, and
    none of the characters ftfy acts on (pipeline.patterns.unicode)."""
    return unicode.FTFY_TRIGGER_RE.search(text) is not None or not unicodedata.is_normalized("NFC", text)


def ftfy_lines(text: str) -> Iterator[Edit]:
    """Run ftfy line by line, skipping lines it cannot change."""
    pos = 0
    for line in text.split("\n"):
        if not (line.isascii() and line.isprintable()) and ftfy_may_change(line):
            fixed, explanation = ftfy.fix_and_explain(line, FTFY_CONFIG)
            if fixed != line:
                steps = ", ".join(step for _, step in explanation or [])
                yield Edit(NAME, "repair.ftfy/v1", pos, pos + len(line), line, fixed, f"ftfy: {steps}")
        pos += len(line) + 1


def invisible_chars(text: str) -> list[Edit]:
    """Removals of invisible characters, sorted by offset (two scans feed one step)."""
    edits = [Edit(NAME, "repair.invisible/v1", i, i + 1, text[i], "",
                  f"invisible character {unicode.INVISIBLE[text[i]]}")
             for i in char_positions(text, unicode.REMOVED_CHARS)]
    # Joiners only where they cannot be shaping Arabic or Indic text, judged by
    # the characters around a whole run of them (one at a time, a run would lose
    # one joiner per round and repair would not be idempotent).
    for start, end in runs(char_positions(text, unicode.JOINER_CHARS)):
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isascii() or after.isascii() or before.isspace() or after.isspace():
            edits.extend(Edit(NAME, "repair.invisible/v1", i, i + 1, text[i], "",
                              f"invisible character {unicode.JOINERS[text[i]]}") for i in range(start, end))
    return sorted(edits, key=lambda e: e.start)


def runs(positions: list[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of consecutive offsets in sorted ``positions``."""
    start = end = None
    for i in positions:
        if i != end:
            if start is not None:
                yield start, end
            start = i
        end = i + 1
    if start is not None:
        yield start, end


PASSES = (
    Pass(_regex_pass(spacing.NON_LF_BREAK, "repair.line_breaks/v1", "line break normalised to \\n", lambda s: "\n"),
         chars=spacing.NON_LF_BREAK_CHARS, clears=spacing.NON_LF_BREAK_CHARS),
    Pass(ftfy_lines, ftfy=True),
    # (joiners next to Arabic or Indic letters stay: they are not cleared)
    Pass(invisible_chars, chars=unicode.INVISIBLE_CHARS, clears="".join(unicode.INVISIBLE)),
    Pass(_char_pass(unicode.ODD_SPACE_CHARS, "repair.odd_space/v1", "non-standard space replaced by a plain space",
                    lambda s: " "), chars=unicode.ODD_SPACE_CHARS, clears=unicode.ODD_SPACE_CHARS, narrows=True),
    Pass(_char_pass(unicode.QUOTE_CHARS, "repair.straight_quotes/v1", "quote policy: straight quotes",
                    unicode.QUOTES.__getitem__), chars=unicode.QUOTE_CHARS, clears=unicode.QUOTE_CHARS, narrows=True),
    Pass(SpaceRunPass(spacing.SPACE_BEFORE_CLITIC, spacing.CLITIC_NEEDLES, "repair.mt_space_clitic/v1",
                         "machine-translation space before 's"), spaces=True),
    Pass(SpaceRunPass(spacing.SPACE_BEFORE_HYPHEN, spacing.HYPHEN_NEEDLES, "repair.mt_space_hyphen/v1",
                         "machine-translation space before a hyphen"), spaces=True),
    Pass(SpaceRunPass(spacing.SPACE_BEFORE_COMMA, spacing.COMMA_NEEDLES, "repair.space_before_comma/v1",
                         "space before a comma or semicolon"), spaces=True),
    Pass(SpaceRunPass(spacing.SPACE_RUN, spacing.SPACE_RUN_NEEDLES, "repair.space_run/v1",
                         "run of spaces collapsed", lambda s: " "), spaces=True),
    Pass(SpaceRunPass(spacing.LINE_EDGE_SPACE, spacing.LINE_EDGE_NEEDLES, "repair.line_edge_space/v1",
                         "space at the start or end of a line"), spaces=True),
)
