"""Character tables for the repair stage."""

import re

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
