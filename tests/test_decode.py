"""The decode stage: bytes -> text, the encoding it chose, or a rejection.

Byte cases are built in code (a JSON file cannot hold raw bytes readably):
each names the text, how it was encoded, and the expected encoding or reason.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import schemas, serialize
from pipeline.config import Config
from pipeline.document import Document
from pipeline.process import process
from pipeline.reasons import REASONS
from pipeline.stages import decode

ENGLISH = "The network must serve the people.\n\nIt costs £5 and it’s “worth it” — café owners say."
CHINESE = "世界人权宣言\n\n人人生而自由,在尊严和权利上一律平等。他们赋有理性和良心,并应以兄弟关系的精神相对待。"

# (label, bytes, expected encoding, expected text)
DECODED = [
    ("utf-8", ENGLISH.encode("utf-8"), "utf-8", ENGLISH),
    ("utf-8 with BOM", b"\xef\xbb\xbf" + ENGLISH.encode("utf-8"), "utf-8-sig", ENGLISH),
    ("utf-16 LE with BOM", b"\xff\xfe" + ENGLISH.encode("utf-16-le"), "utf-16", ENGLISH),
    ("utf-16 BE with BOM", b"\xfe\xff" + ENGLISH.encode("utf-16-be"), "utf-16", ENGLISH),
    ("utf-16 BE with BOM, Chinese", b"\xfe\xff" + CHINESE.encode("utf-16-be"), "utf-16", CHINESE),
    ("gb18030 Chinese", CHINESE.encode("gb18030"), "gb18030", CHINESE),
    ("cp1252 smart quotes and pound", ENGLISH.encode("cp1252"), "cp1252", ENGLISH),
    ("cp1252 accent at the end", "a café".encode("cp1252"), "cp1252", "a café"),
    ("cp1252 naïve (also valid gb18030 bytes)", "a naïve idea".encode("cp1252"), "cp1252", "a naïve idea"),
    ("cp1252 curly quotes only", "“quoted” and it’s".encode("cp1252"), "cp1252", "“quoted” and it’s"),
    ("utf-8 Cyrillic", "Всеобщая декларация".encode("utf-8"), "utf-8", "Всеобщая декларация"),
    ("utf-8 mojibake stays text for repair", "Xiâ€™s".encode("utf-8"), "utf-8", "Xiâ€™s"),
]

# (label, bytes, expected reason)
REJECTED = [
    ("empty", b"", "empty"),
    ("only whitespace", b" \n\t\r\n  ", "empty"),
    ("only a UTF-8 BOM", b"\xef\xbb\xbf", "empty"),
    ("only a UTF-16 BOM and spaces", b"\xff\xfe" + "  \n".encode("utf-16-le"), "empty"),
    ("PNG header", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("PDF header", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary"),
    ("gzip header", b"\x1f\x8b\x08\x00" + b"text" * 10, "binary"),
    ("NUL byte in text", b"hello\x00world, a perfectly normal sentence", "binary"),
    ("UTF-16 without BOM", "Hello world, this is text".encode("utf-16-le"), "binary"),
    ("control characters", b"\x01\x02\x03\x04 some text \x05\x06", "binary"),
    ("invalid in utf-8, gb18030 and cp1252", b"Plain start \xff\x81 then more", "undecodable"),
    ("lone undefined cp1252 byte", b"\x81", "undecodable"),
]


def decode_doc(raw: bytes) -> Document:
    return decode.apply(Document("t", "t.txt", "", len(raw), raw=raw), Config())


@pytest.mark.parametrize(("raw", "encoding", "text"), [pytest.param(*c[1:], id=c[0]) for c in DECODED])
def test_decodes_and_records_the_encoding(raw: bytes, encoding: str, text: str) -> None:
    doc = decode_doc(raw)
    assert doc.rejection is None
    assert doc.encoding == encoding
    assert doc.text == text
    assert doc.raw == b"", "the bytes are dropped after decoding"


@pytest.mark.parametrize(("raw", "reason"), [pytest.param(*c[1:], id=c[0]) for c in REJECTED])
def test_rejects_with_the_right_reason(raw: bytes, reason: str) -> None:
    doc = decode_doc(raw)
    assert doc.rejection is not None
    assert doc.rejection.reason == reason
    assert reason in REASONS
    assert doc.rejection.detail


def test_undecodable_detail_says_where() -> None:
    doc = decode_doc(b"Plain start \xff\x81 then more")
    assert "at byte 12" in doc.rejection.detail


def test_nul_detail_says_where() -> None:
    doc = decode_doc(b"abc\x00def")
    assert "byte 3" in doc.rejection.detail


@pytest.mark.parametrize(("encoding", "raw"), [
    ("utf-8", ENGLISH.encode("utf-8")),
    ("utf-8-sig", b"\xef\xbb\xbf" + ENGLISH.encode("utf-8")),
    ("utf-16", b"\xff\xfe" + ENGLISH.encode("utf-16-le")),
    ("utf-16", b"\xfe\xff" + ENGLISH.encode("utf-16-be")),
    ("cp1252", ENGLISH.encode("cp1252")),
], ids=["utf-8", "utf-8-sig", "utf-16le", "utf-16be", "cp1252"])
def test_encoding_reaches_the_document_line(encoding: str, raw: bytes) -> None:
    """The whole pipeline keeps the document, its output says which encoding was used,
    and the text is the same whatever the encoding."""
    outcome = process("doc", "doc.txt", raw, Config())
    assert outcome.doc.rejection is None, outcome.doc.rejection
    obj = serialize.document_obj(outcome.doc, len(outcome.raw_text))
    schemas.check("document", obj, "test")
    assert obj["encoding"] == encoding
    assert obj["counts"]["raw_bytes"] == len(raw)
    reference = process("doc", "doc.txt", ENGLISH.encode("utf-8"), Config()).doc
    assert outcome.doc.text == reference.text
    assert outcome.doc.title == reference.title


def test_rejected_line_names_stage_decode() -> None:
    outcome = process("bin", "bin.txt", b"\x89PNG\r\n\x1a\n", Config())
    obj = serialize.rejected_obj(outcome.doc, outcome.stage)
    schemas.check("rejected", obj, "test")
    assert obj["stage"] == "decode"
    assert obj["reason"] == "binary"
    assert obj["source_sha256"] is not None


def test_plausibility_prefers_the_right_legacy_encoding() -> None:
    chinese = CHINESE.encode("gb18030")
    assert decode.plausibility(chinese.decode("gb18030"), "gb18030") > decode.plausibility(chinese.decode("cp1252", "replace"), "cp1252")
    western = "a naïve café, it’s a “menu”".encode("cp1252")
    assert decode.plausibility(western.decode("cp1252"), "cp1252") == 1.0
    assert decode.plausibility(western.decode("gb18030", "replace"), "gb18030") < 1.0


@pytest.mark.parametrize("text", [
    "L’élève était déjà à côté de la forêt; où est-il? Ça va très bien.",
    "café’s “menu”",
    "Müller sagte: „Größe“ ist wichtig — Äpfel, Öl, Übung.",
    "São Paulo, Málaga, Zürich, Kraków",
    "He paid £5 ± 2 ¼ ©2019 ®",
])
def test_western_cp1252_is_not_read_as_gb18030(text: str) -> None:
    doc = decode_doc(text.encode("cp1252"))
    assert (doc.encoding, doc.text) == ("cp1252", text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_or_reject_with_a_known_reason(raw: bytes) -> None:
    doc = decode_doc(raw)
    if doc.rejection is None:
        assert doc.encoding in {"utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1252"}
        assert doc.text.strip()
    else:
        assert doc.rejection.reason in {"empty", "binary", "undecodable"}


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=200)
       .filter(lambda t: t.strip() and not t.startswith("\ufeff")))  # a leading U+FEFF is a BOM: UTF-8-SIG
def test_utf8_text_round_trips(text: str) -> None:
    doc = decode_doc(text.encode("utf-8"))
    assert doc.rejection is None
    assert doc.encoding == "utf-8"
    assert doc.text == text


def _control_share_char_by_char(text: str) -> float:
    """control_share as first written, one character at a time (the reference)."""
    if not text:
        return 0.0
    return sum(1 for ch in text if (ch < " " or ch == "\x7f") and ch not in "\n\r\t\f\v") / len(text)


@settings(max_examples=300)
@given(st.text(st.sampled_from([chr(i) for i in range(0x100)]) | st.characters(), max_size=200))
def test_control_share_fast_path_equals_the_reference(text: str) -> None:
    assert decode.control_share(text) == _control_share_char_by_char(text)


@settings(max_examples=500)
@given(st.binary(max_size=200) | st.lists(st.sampled_from([b"a", b"\x01", b"\x7f", b"\x1f", b"\n", b"\xef\xbb\xbf",
                                                          b"\xc3\xa9", b"\xc3", b"\xe2\x80", b"\x80", b"\x00"]),
                                        max_size=40).map(b"".join))
def test_control_share_from_the_utf8_bytes_equals_the_reference(raw: bytes) -> None:
    # As decode uses it: the raw bytes of a file decoded as UTF-8 (BOM, invalid bytes replaced).
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # (UTF-16)
        return
    try:
        text, encoding = decode.decode_bytes(raw)
    except UnicodeDecodeError:
        return
    if encoding.startswith("utf-8"):
        assert decode.control_share(text, raw) == _control_share_char_by_char(text)


@pytest.mark.parametrize("text", ["a\ud800\x01", "\x7f\x00\u0080\x9f", "\ufeff\x1f\x0e\x0d"])
def test_control_share_counts_one_control_per_byte(text: str) -> None:
    assert decode.control_share(text) == _control_share_char_by_char(text)


@settings(max_examples=300)
@given(st.text(st.sampled_from(list("ab\n\r\u2028 ")), min_size=1, max_size=30), st.integers(1, 12))
def test_a_text_is_rejected_for_its_longest_line_only(text: str, max_line_chars: int) -> None:
    doc = decode.apply(Document("t", "t.txt", "0", 0, raw=text.encode("utf-8")), Config(max_line_chars=max_line_chars))
    too_long = text.strip() != "" and decode.longest_line(text)[0] > max_line_chars
    assert (doc.rejection is not None and doc.rejection.reason == "line_too_long") == too_long
