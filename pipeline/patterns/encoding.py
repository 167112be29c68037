"""Byte-level signs used by the decode stage."""

import re

# Byte-order marks and the codec for the bytes they start. No UTF-32: its LE mark
# starts like UTF-16 LE's, so such a file decodes as UTF-16 full of NULs and is
# rejected as binary (control characters).
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# File signatures of common binary formats: such input is rejected as `binary`.
BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or docx/xlsx)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
)

# Legacy encodings tried, in order, when the bytes are not valid UTF-8.
LEGACY_ENCODINGS = ("gb18030", "cp1252")

# A decoded text with more than this share of control characters is binary.
MAX_CONTROL_SHARE = 0.01

# Line breaks, as the repair stage normalises them to "\n" (pipeline.patterns.spacing).
LINE_BREAK = re.compile(r"\r\n?|[\n\u2028\u2029]")

# Bytes that are not valid UTF-8 are still read as UTF-8 (bad bytes become
# U+FFFD) when they hold at least this many well-formed multi-byte characters
# per invalid byte: one damaged byte must not cost a whole article. Legacy
# text is mostly invalid UTF-8 (GB18030 pairs form a valid UTF-8 character
# about one time in ten), far below this.
MIN_UTF8_VALID_PER_INVALID = 10

# C0 control characters other than the whitespace ones (\t \n \v \f \r),
# and DEL: text holding many of them is binary.
C0_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Every byte but those C0 controls: deleting them from a text's UTF-8 leaves
# one byte per control (a character above ASCII encodes to bytes >= 0x80
# only), a count in C that is cheaper than the regex scan.
NOT_C0_CONTROL_BYTES = bytes(b for b in range(256) if not C0_CONTROL.match(chr(b)))
