"""Stage repair: fix encoding damage and odd characters, one pass per rule.

Passes, in order: line breaks; ftfy (mojibake, NFC; its explanation goes into
the edit's reason); invisible characters; odd spaces; straight quotes (the
project's quote policy); machine-translation spacing; stray spaces.
Every pass records an edit for each span it changed.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

import ftfy

from pipeline.config import Config
from pipeline.document import Document, Edit
from pipeline.patterns import spacing, unicode

NAME = "repair"

# Our own passes handle quotes, line breaks and NFC stays ftfy's final step.
FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, normalization="NFC", explain=True)


# A pass can create work for an earlier one (ftfy judges a line differently once
# its curly quotes are straight; removing an invisible character gives a joiner
# new neighbours), so the passes repeat until nothing changes: repair is idempotent.
MAX_ROUNDS = 3


def apply(doc: Document, config: Config) -> Document:
    for _ in range(MAX_ROUNDS):
        text = doc.text
        for pass_ in PASSES:
            edits = list(pass_(doc.text))
            if edits:
                doc = doc.with_edits(edits)
        if doc.text == text:
            break
    return doc


def _regex_pass(pattern: re.Pattern, rule: str, reason: str,
                replace: Callable[[str], str] = lambda s: "") -> Callable[[str], Iterator[Edit]]:
    def run(text: str) -> Iterator[Edit]:
        for m in pattern.finditer(text):
            after = replace(m.group())
            if after != m.group():
                yield Edit(NAME, rule, m.start(), m.end(), m.group(), after, reason)
    run.__name__ = rule
    return run


def ftfy_lines(text: str) -> Iterator[Edit]:
    """Run ftfy line by line, skipping lines it cannot change (printable ASCII)."""
    pos = 0
    for line in text.split("\n"):
        if not (line.isascii() and line.isprintable()):
            fixed, explanation = ftfy.fix_and_explain(line, FTFY_CONFIG)
            if fixed != line:
                steps = ", ".join(step for _, step in explanation or [])
                yield Edit(NAME, "repair.ftfy/v1", pos, pos + len(line), line, fixed, f"ftfy: {steps}")
        pos += len(line) + 1


def invisible_chars(text: str) -> list[Edit]:
    """Removals of invisible characters, sorted by offset (two scans feed one step)."""
    edits = [Edit(NAME, "repair.invisible/v1", m.start(), m.end(), m.group(), "",
                  f"invisible character {unicode.INVISIBLE[m.group()]}")
             for m in unicode.INVISIBLE_RE.finditer(text)]
    # Joiners only where they cannot be shaping Arabic or Indic text, judged by
    # the characters around a whole run of them (one at a time, a run would lose
    # one joiner per round and repair would not be idempotent).
    for m in unicode.JOINER_RUN_RE.finditer(text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isascii() or after.isascii() or before.isspace() or after.isspace():
            edits.extend(Edit(NAME, "repair.invisible/v1", i, i + 1, text[i], "",
                              f"invisible character {unicode.JOINERS[text[i]]}") for i in range(m.start(), m.end()))
    return sorted(edits, key=lambda e: e.start)


PASSES = (
    _regex_pass(spacing.NON_LF_BREAK, "repair.line_breaks/v1", "line break normalised to \\n", lambda s: "\n"),
    ftfy_lines,
    invisible_chars,
    _regex_pass(unicode.ODD_SPACE_RE, "repair.odd_space/v1", "non-standard space replaced by a plain space", lambda s: " "),
    _regex_pass(unicode.QUOTE_RE, "repair.straight_quotes/v1", "quote policy: straight quotes", lambda s: unicode.QUOTES[s]),
    _regex_pass(spacing.SPACE_BEFORE_CLITIC, "repair.mt_space_clitic/v1", "machine-translation space before 's"),
    _regex_pass(spacing.SPACE_BEFORE_HYPHEN, "repair.mt_space_hyphen/v1", "machine-translation space before a hyphen"),
    _regex_pass(spacing.SPACE_BEFORE_COMMA, "repair.space_before_comma/v1", "space before a comma or semicolon"),
    _regex_pass(spacing.SPACE_RUN, "repair.space_run/v1", "run of spaces collapsed", lambda s: " "),
    _regex_pass(spacing.LINE_EDGE_SPACE, "repair.line_edge_space/v1", "space at the start or end of a line"),
)
