"""Stage decode: raw bytes -> text, recording the encoding it chose.

UTF-8 (with or without BOM) and UTF-16 with BOM are decoded directly; UTF-8
with a few invalid bytes is decoded with U+FFFD in their place; other
bytes fall back to a legacy encoding (GB18030 or cp1252), choosing the one
whose result looks most like text. Binary or undecodable input is rejected,
and so is text with a line longer than ``config.max_line_chars`` (every later
stage works line by line: one bounded line keeps them all fast).
"""

from __future__ import annotations

import unicodedata

from pipeline.config import Config
from pipeline.document import Document
from pipeline.patterns import unicode
from pipeline.patterns.encoding import (BINARY_MAGIC, BOMS, LEGACY_ENCODINGS, LINE_BREAK, MAX_CONTROL_SHARE,
                                        MIN_UTF8_VALID_PER_INVALID, NOT_C0_CONTROL_BYTES)

NAME = "decode"
_MAGICS = tuple(magic for magic, _ in BINARY_MAGIC)


def apply(doc: Document, config: Config) -> Document:
    raw = doc.raw
    doc = doc.replaced(raw=b"")  # the bytes are not needed past this stage
    if not raw:
        return doc.reject("empty", "the file is empty (0 bytes)")
    if raw.startswith(_MAGICS):  # (one test for all: most files are none of them)
        kind = next(kind for magic, kind in BINARY_MAGIC if raw.startswith(magic))
        return doc.reject("binary", f"the file starts like a {kind}")
    nul = raw.find(b"\x00")
    if nul >= 0 and not any(raw.startswith(bom) for bom, _ in BOMS):
        # NUL bytes and no byte-order mark: binary, as pipeline.reasons documents.
        # (With a UTF-8 BOM they reach decode; ftfy drops a stray NUL later.)
        return doc.reject("binary", f"the file holds NUL bytes (the first at byte {nul}) and no UTF-16 byte-order mark")
    try:
        text, encoding = decode_bytes(raw)
    except UnicodeDecodeError as err:
        return doc.reject("undecodable", f"not valid in UTF-8, UTF-16 or {', '.join(LEGACY_ENCODINGS)}: {err.reason} at byte {err.start}")
    # UTF-8's bytes below 0x20 are exactly its C0 characters (and an invalid
    # byte, replaced, is >= 0x80): the raw bytes give the count, unencoded.
    share = control_share(text, raw if encoding.startswith("utf-8") else None)
    if share > MAX_CONTROL_SHARE:
        return doc.reject("binary", f"{share:.0%} of the characters are control characters (decoded as {encoding})")
    if not text or text.isspace():  # (not text.strip(): no copy of the text)
        return doc.reject("empty", "the file holds only whitespace")
    # (no line is longer than the text: most texts need no scan)
    if len(text) > config.max_line_chars and (found := longest_line(text))[0] > config.max_line_chars:
        longest, at = found
        return doc.reject("line_too_long", f"line {at} has {longest} characters; max_line_chars is {config.max_line_chars}")
    if encoding == "utf-8":  # (its bytes are its UTF-8: repair need not encode it again)
        unicode.decoded_from_utf8(text, raw)
    return doc.replaced(text=text, encoding=encoding)


def longest_line(text: str) -> tuple[int, int]:
    """(length, 1-based number) of the longest line, with the line breaks the
    repair stage normalises (CRLF, lone CR, U+2028/9); one linear scan."""
    longest, at, pos, number = 0, 1, 0, 1
    for m in LINE_BREAK.finditer(text):
        if m.start() - pos > longest:
            longest, at = m.start() - pos, number
        pos, number = m.end(), number + 1
    if len(text) - pos > longest:
        longest, at = len(text) - pos, number
    return longest, at


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode, returning (text, encoding name). Raises UnicodeDecodeError.
    ``apply`` has already rejected NUL bytes outside a BOM-marked file."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            text = raw.decode(encoding)
            return text.lstrip("\ufeff"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as first_error:
        mostly = mostly_utf8(raw)
        if mostly is not None:
            return mostly
        candidates = []
        for encoding in LEGACY_ENCODINGS:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            candidates.append((plausibility(text, encoding), encoding, text))
        if not candidates:
            raise first_error
        # Highest plausibility wins; ties keep the order of LEGACY_ENCODINGS.
        best = max(candidates, key=lambda c: (c[0], -LEGACY_ENCODINGS.index(c[1])))
        return best[2], best[1]


def mostly_utf8(raw: bytes) -> tuple[str, str] | None:
    """UTF-8 with a few invalid bytes (a damaged file, a cut-off character):
    decoded with U+FFFD for the bad bytes, when its well-formed multi-byte
    characters outnumber them by MIN_UTF8_VALID_PER_INVALID. Legacy bytes
    (cp1252 smart quotes, GB18030 pairs) are mostly invalid UTF-8, so they
    never pass; text without any valid multi-byte character never does.
    """
    text = raw.decode("utf-8", "replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())
    valid = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    if bad <= 0 or valid < MIN_UTF8_VALID_PER_INVALID * bad:
        return None
    return text, f"utf-8 ({bad} invalid byte{'s' if bad > 1 else ''} replaced by U+FFFD)"


def plausibility(text: str, encoding: str) -> float:
    """Share of the non-ASCII characters that are plausible for the encoding.

    GB18030 decodes almost any byte pairs, so cp1252 bytes (smart quotes,
    accents) read as GB18030 give rare characters outside GB2312, the common
    set real Chinese text is written in. Chinese bytes read as cp1252 give long
    runs of accented letters, where real Western text has isolated ones.
    """
    non_ascii = [i for i, ch in enumerate(text) if ord(ch) > 127]
    if not non_ascii:
        return 1.0
    if encoding == "gb18030":
        ok = sum(1 for i in non_ascii if _in_gb2312(text[i]))
    else:
        ok = sum(1 for i in non_ascii
                 if unicodedata.category(text[i])[0] in "LPZ" and (i == 0 or text[i - 1].isascii()))
    return ok / len(non_ascii)


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def control_share(text: str, utf8: bytes | None = None) -> float:
    """The share of C0 control characters; ``utf8``: bytes the text was
    decoded from as UTF-8, if at hand (they hold the same C0 bytes)."""
    if not text:
        return 0.0
    # C0 controls only: C1 controls (U+0080-U+009F) are common in mojibake,
    # which the repair stage fixes.
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    controls = utf8.translate(None, NOT_C0_CONTROL_BYTES)
    return len(controls) / len(text)  # len(C0_CONTROL.findall(text)) / len(text)
