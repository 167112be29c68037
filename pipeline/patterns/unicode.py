"""Character tables for the repair stage."""

import re
import unicodedata

from ftfy import chardata
from ftfy.badness import MOJIBAKE_CATEGORIES

# Invisible characters that carry no text: removed.
INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE (BOM)",
    "\u00ad": "SOFT HYPHEN",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
}
# Joiners shape Arabic and Indic scripts, so they are removed only next to
# ASCII, a space or a line edge, where they can only be noise.
JOINERS = {"\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER"}

# Space characters other than U+0020 that become a plain space.
ODD_SPACES = {
    "\u00a0": "NO-BREAK SPACE",
    "\u2000": "EN QUAD",
    "\u2001": "EM QUAD",
    "\u2002": "EN SPACE",
    "\u2003": "EM SPACE",
    "\u2004": "THREE-PER-EM SPACE",
    "\u2005": "FOUR-PER-EM SPACE",
    "\u2006": "SIX-PER-EM SPACE",
    "\u2007": "FIGURE SPACE",
    "\u2008": "PUNCTUATION SPACE",
    "\u2009": "THIN SPACE",
    "\u200a": "HAIR SPACE",
    "\u202f": "NARROW NO-BREAK SPACE",
    "\u205f": "MEDIUM MATHEMATICAL SPACE",
    "\u3000": "IDEOGRAPHIC SPACE",
    "\t": "TAB",
}

# Quote policy: straight quotes everywhere (one form, easy to search and
# compare). Low-9 quotes go too, so „ja“ does not end up half straightened.
# Guillemets and primes are other characters and are left alone.
QUOTES = {
    "\u2018": "'",  # LEFT SINGLE QUOTATION MARK
    "\u2019": "'",  # RIGHT SINGLE QUOTATION MARK
    "\u201a": "'",  # SINGLE LOW-9 QUOTATION MARK
    "\u201b": "'",  # SINGLE HIGH-REVERSED-9 QUOTATION MARK
    "\u201c": '"',  # LEFT DOUBLE QUOTATION MARK
    "\u201d": '"',  # RIGHT DOUBLE QUOTATION MARK
    "\u201e": '"',  # DOUBLE LOW-9 QUOTATION MARK
    "\u201f": '"',  # DOUBLE HIGH-REVERSED-9 QUOTATION MARK
}

INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE) + "]")
JOINER_RE = re.compile("[" + "".join(JOINERS) + "]")
JOINER_RUN_RE = re.compile("[" + "".join(JOINERS) + "]+")
ODD_SPACE_RE = re.compile("[" + "".join(ODD_SPACES) + "]")
QUOTE_RE = re.compile("[" + "".join(QUOTES) + "]")

# The characters each table's pass acts on: a text without any is skipped
# unsearched (``in`` on one character is far cheaper than a scan by class).
REMOVED_CHARS = "".join(INVISIBLE)  # always removed
JOINER_CHARS = "".join(JOINERS)  # removed next to ASCII or a space only
INVISIBLE_CHARS = REMOVED_CHARS + JOINER_CHARS
ODD_SPACE_CHARS = "".join(ODD_SPACES)
QUOTE_CHARS = "".join(QUOTES)

# What ftfy (with the stage's FTFY_CONFIG) can act on. A line that is NFC
# already and holds none of these characters comes out of ftfy unchanged, so
# the stage does not call it: ftfy's mojibake fixes start only when its
# detector (ftfy.badness.BADNESS_RE) matches, and every alternative of that
# regex needs one character of _MOJIBAKE_ANCHORS (curly quotes and dashes are
# left out on purpose: no alternative needs them); its other fixes act on
# "&" (HTML entities), ESC (terminal escapes), surrogates and the characters
# of its translate tables (control characters, ligatures, full-width forms).
# tests/test_repair_fast.py proves each claim against the installed ftfy.
_MOJIBAKE_ANCHORS = "".join(
    MOJIBAKE_CATEGORIES[name]  # ftfy's own character-class fragments ("\x80-\x9f", ...)
    for name in ("c1", "bad", "lower_accented", "upper_accented", "currency", "numeric", "box", "law")
) + "\u00d9\u201a\u0402\u0412\u0413\u0420\u0421\u0392\u0393\u039e\u039f"  # Ù‚ЂВГРСΒΓΞΟ
_FTFY_TABLES = "".join(sorted(map(chr, {**chardata.CONTROL_CHARS, **chardata.LIGATURES, **chardata.WIDTH_MAP})))
FTFY_TRIGGER_RE = re.compile("[" + _MOJIBAKE_ANCHORS + re.escape(_FTFY_TABLES) + "&\x1b\ud800-\udfff]")

# Printable ASCII but "&" (which ftfy reads as an HTML entity), and "\n": no
# pass acts on these. The rest of a text, its "unusual" characters, is what
# the repair stage looks at to tell which passes can change the text.
_PLAIN_BYTES = bytes(b for b in range(0x20, 0x7F) if b != ord("&")) + b"\n"


def unusual_chars(text: str) -> set[str]:
    """The characters of the text but printable ASCII (bar "&") and "\n".
    Deleting ASCII bytes from UTF-8 leaves every other character's bytes
    whole, so one C-speed pass over the bytes finds them."""
    known, utf8 = _decoded_from
    if text is not known:  # (the text decode just read from these bytes: they are its UTF-8)
        utf8 = text.encode("utf-8", "surrogatepass")
    return set(utf8.translate(None, _PLAIN_BYTES).decode("utf-8", "surrogatepass"))


# The last text the decode stage read as plain UTF-8, and those bytes, which
# are its UTF-8 again (a strict decode round-trips): the repair stage asks
# unusual_chars about that same text next, and encoding it costs more than
# the rest of unusual_chars. One text held, never more.
_decoded_from: tuple[str, bytes] = ("", b"")


def decoded_from_utf8(text: str, raw: bytes) -> None:
    """Note that ``text`` is ``raw.decode("utf-8")`` (strict)."""
    global _decoded_from
    _decoded_from = (text, raw)


# Characters that take no part in Unicode normalization (canonical combining
# class 0, NFC quick check Yes): a text of these and ASCII is NFC as it is.
# All of U+0000..U+02FF are such; these are the common ones above it.
NFC_INERT = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f"
                      "\u2020\u2021\u2022\u2026\u2030\u2032\u2033\u2039\u203a\u20ac\u2122\u2002\u2003\u2004"
                      "\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2028\u2029"
                      "\u202f\u205f\u2060\u3000\ufeff\ufffd")


def all_nfc_inert(chars: set[str]) -> bool:
    return all(c < "\u0300" or c in NFC_INERT for c in chars)


def ftfy_may_act(chars: set[str], text: str) -> bool:
    """False only when ftfy leaves the text as it is, judged by its unusual
    characters ``chars`` (unusual_chars(text), or a superset): none is a
    trigger, and the text is NFC (which it is when every one is inert)."""
    if chars <= _QUIET:  # (most texts, once a few documents have shown their characters)
        return False
    if any(FTFY_TRIGGER_RE.match(c) for c in chars):
        return True
    if len(_QUIET) < MAX_QUIET:
        _QUIET.update(c for c in chars if c < "\u0300" or c in NFC_INERT)
    return not (all_nfc_inert(chars) or unicodedata.is_normalized("NFC", text))


# Characters found to be no trigger and NFC inert (ftfy_may_act), gathered
# as texts show them: a set test instead of a regex match per character.
_QUIET: set[str] = set()
MAX_QUIET = 1 << 16
