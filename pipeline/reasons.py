"""The fixed list of reasons a document is rejected (also in README and schemas)."""

REASONS = {
    "empty": "the file is empty or holds only whitespace",
    "binary": "the file is binary (a known file signature, NUL bytes or control characters)",
    "undecodable": "the bytes are not text in UTF-8, UTF-16 (with BOM), GB18030 or cp1252",
    "too_large": "the file is larger than the configured max_file_bytes",
    "line_too_long": "a line is longer than the configured max_line_chars",
    "unreadable": "the file could not be read (permissions, I/O error)",
    "unsupported_file": "not a regular .txt file with a UTF-8 name (another extension, a FIFO or device, a directory symlink)",
    "unsafe_path": "a symlink pointing outside --raw (read only with allow_symlinks_outside)",
    "no_body": "nothing that reads as an article (a finished sentence) is left after cleaning",
    "duplicate": "the clean text duplicates (exactly or nearly) a document kept earlier in id order",
    "language:<code>": "the detected language (ISO 639-1, or 'und') is not in keep_languages",
}

# The same list as a regular expression, derived so the two cannot drift; the
# rejected-record schema holds this exact string (tests/test_schemas.py compares).
REASON_PATTERN = "^(" + "|".join(
    "language:[a-z]{2,3}" if r == "language:<code>" else r for r in REASONS) + ")$"
