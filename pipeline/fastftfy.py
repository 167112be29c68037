"""ftfy with its slow spots made cheap: the same results, bit for bit.

On a long line of English with a little mojibake (the lines the repair stage
hands to ftfy), ``ftfy.fix_and_explain`` spends its time in two places:

- ``is_bad``, a search of the detector regex ``BADNESS_RE``: some thirty
  alternatives tried at every position (~250 ns a character), two or three
  times per line. Every alternative must consume a trigger character (a
  character of ``FTFY_TRIGGER_RE``; tests/test_repair_fast.py proves it) and
  a match is at most ``_BAD_WIDTH`` characters long, so a match, if any, lies
  within ``_BAD_WIDTH`` characters of a trigger: searching the windows around
  the triggers (merged when they touch) finds a match exactly when searching
  the whole text does. The regex has no lookaround and no end anchor; its
  only anchor, ``^``, matches only at the real start of the text, also when a
  search starts later, so a match in a window is a match in the text.
- three fixers that are one ``str.translate`` with a dict each (~80 ns a
  character, run twice per line): a text holding none of the table's
  characters comes back equal, and a regex class finds out in ~6 ns a
  character (one scan for the three tables: ``table_chars``); the table that
  only deletes (control characters; a BOM in a line is common) deletes what
  the scan found with ``str.replace``.

- two byte regexes run on each line ftfy re-encodes (``class_first``).

``install`` puts these in ftfy's place (ftfy reads both through module
globals, so ``fix_and_explain`` itself is untouched); it refuses if ftfy's
functions are not the ones described here. tests/test_fastftfy.py checks the
claims against the installed ftfy and compares results on generated text.
"""

from __future__ import annotations

import re
import re._parser as sre_parse

import ftfy
from ftfy import badness, chardata, fixes

from pipeline.patterns.unicode import FTFY_TRIGGER_RE

_BAD_WIDTH = sre_parse.parse(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags).getwidth()[1]
_DENSE = 32


def is_bad(text: str) -> bool:
    """``ftfy.badness.is_bad``: BADNESS_RE searched around the triggers only."""
    search = badness.BADNESS_RE.search
    # Past one trigger in _DENSE characters, one search of the whole text
    # costs less than this loop (accented or Cyrillic prose: all triggers).
    triggers_left = len(text) // _DENSE
    start = end = -1  # the window being grown; none yet
    for m in FTFY_TRIGGER_RE.finditer(text):
        triggers_left -= 1
        if triggers_left < 0:
            return search(text) is not None
        lo, hi = max(0, m.start() - _BAD_WIDTH + 1), m.start() + _BAD_WIDTH
        if lo <= end:
            end = hi
            continue
        if end >= 0 and search(text, start, end):
            return True
        start, end = lo, hi
    return end >= 0 and search(text, start, end) is not None


def _class_of(table: dict[int, object]) -> re.Pattern:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


def _skipping_translate(fixer, table: dict[int, object]):
    """``fixer`` (a ``text.translate(table)``), skipped on a text without any
    of the table's characters, which it would return equal; a table that
    only deletes (CONTROL_CHARS) deletes the characters found by
    ``str.replace`` instead (a translate by dict costs ~80 ns a character;
    deletions in any order give the same text)."""
    chars = frozenset(map(chr, table))
    deletes = all(v is None for v in table.values())

    def fix(text: str) -> str:
        present = table_chars(text)
        if present.isdisjoint(chars):
            return text
        if not deletes:
            return fixer(text)
        for c in present & chars:
            text = text.replace(c, "")
        return text
    fix.__name__ = fixer.__name__
    fix.__doc__ = fixer.__doc__
    return fix


def table_chars(text: str) -> frozenset[str]:
    """The characters of the skipping fixers' tables (TRANSLATE_FIXERS) the
    text holds. ftfy runs the three fixers one after the other on a text,
    the same object unless one of them acts: one scan serves all three (the
    last text is kept, so that it is the same object, not another at its address)."""
    if _last[0] is not text:
        found = _ALL_TABLES(text)
        _last[:] = text, frozenset(found) if found else _NONE
    return _last[1]


_NONE: frozenset[str] = frozenset()
_last: list = [None, _NONE]  # (text, table_chars(text)) of the last text asked


def class_first(regex: re.Pattern) -> re.Pattern:
    """The same regex (the same matches, in the same order), written so that
    sre can jump to where a match may start. ``regex`` is a top-level
    alternation whose every alternative begins with a class or one byte, as
    ftfy's byte regexes ALTERED_UTF8_RE and LOSSY_UTF8_RE are: sre finds no
    prefix for such an alternation, so it tries every alternative at every
    byte (~20 ns a byte, on each line ftfy re-encodes). Written as the union
    of those first classes, then each alternative with its own first class as
    a lookbehind, the search skips in C to the bytes of the union."""
    alternatives = regex.pattern.split(b"|")
    if regex.flags & ~re.DEBUG != 0 or any(c in regex.pattern for c in b"()\\"):
        raise RuntimeError(f"{regex.pattern!r} is not a plain alternation: check pipeline.fastftfy")
    firsts, rests = [], []
    for alternative in alternatives:
        end = alternative.index(b"]") + 1 if alternative[:1] == b"[" else 1
        first = alternative[:end]
        if not first or first in (b"]", b"[") or (first[:1] != b"[" and first in b"?*+{}.^$-"):
            raise RuntimeError(f"{alternative!r} does not begin with a class or a byte: check pipeline.fastftfy")
        firsts.append(first)
        rests.append(alternative[end:])
    union = b"[" + b"".join(f[1:-1] if f[:1] == b"[" else f for f in firsts) + b"]"
    return re.compile(union + b"(?:" + b"|".join(b"(?<=%s)%s" % fr for fr in zip(firsts, rests)) + b")")


# ftfy's byte regexes searched or substituted on each re-encoded line, by the
# modules that use them: (module, name).
CLASS_FIRST = {"ALTERED_UTF8_RE": (chardata, fixes), "LOSSY_UTF8_RE": (fixes,)}
ORIGINAL_REGEXES: dict[str, re.Pattern] = {}  # ftfy's own, as install found them


TRANSLATE_FIXERS = {  # fixer name: the table its translate uses
    "fix_latin_ligatures": chardata.LIGATURES,
    "fix_character_width": chardata.WIDTH_MAP,
    "remove_control_chars": chardata.CONTROL_CHARS,
}


_ALL_TABLES = _class_of({c: None for table in TRANSLATE_FIXERS.values() for c in table}).findall


def install() -> None:
    """Put ``is_bad`` and the skipping fixers in ftfy's place (once)."""
    if ftfy.is_bad is is_bad:
        return
    if ftfy.is_bad is not badness.is_bad or fixes.is_bad is not badness.is_bad:
        raise RuntimeError("ftfy's is_bad is not ftfy.badness.is_bad: check pipeline.fastftfy")
    for name in TRANSLATE_FIXERS:
        if ftfy.FIXERS[name] is not getattr(fixes, name):
            raise RuntimeError(f"ftfy.FIXERS[{name!r}] is not ftfy.fixes.{name}: check pipeline.fastftfy")
    for name, modules in CLASS_FIRST.items():
        if any(getattr(m, name) is not getattr(chardata, name) for m in modules):
            raise RuntimeError(f"ftfy's {name} is not chardata.{name}: check pipeline.fastftfy")
    faster = {name: class_first(getattr(chardata, name)) for name in CLASS_FIRST}  # (raises before any change)
    ORIGINAL_REGEXES.update((name, getattr(chardata, name)) for name in CLASS_FIRST)
    ftfy.is_bad = fixes.is_bad = is_bad
    for name, table in TRANSLATE_FIXERS.items():
        ftfy.FIXERS[name] = _skipping_translate(getattr(fixes, name), table)
    for name, modules in CLASS_FIRST.items():
        for module in modules:
            setattr(module, name, faster[name])
