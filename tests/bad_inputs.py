"""The bad-input corpus: every kind of broken file a corpus meets, generated
(so it stays small in git) into a raw/ directory, with what the pipeline must
make of each.

    python tests/bad_inputs.py DIR      # writes DIR/raw (and DIR/outside)

``make(root)`` returns {id: expected}, where expected is "kept" or a rejection
reason. The big inputs (20 MB, a 5 MB line) are written to disk at test time,
never committed.
"""

from __future__ import annotations

import codecs
import os
import random
import sys
from pathlib import Path

from pipeline.reasons import REASONS

# Words for distinct English articles: each kept input must differ from the
# others, or the dedup stage rightly rejects it as a duplicate.
_SUBJECTS = ("the council", "the new mayor", "a local farmer", "the school board", "the hospital",
             "a group of residents", "the river authority", "the transport office", "a young engineer",
             "the museum director", "the football club", "the city library", "a small bakery")
_VERBS = ("announced", "rejected", "welcomed", "questioned", "approved", "delayed", "explained",
          "criticised", "supported", "reviewed", "celebrated", "postponed")
_OBJECTS = ("plans for a new bridge", "the budget for next year", "a proposal to close the market",
            "the results of the survey", "changes to the bus routes", "a programme for older people",
            "the report on water quality", "a festival in the old town", "repairs to the harbour wall",
            "the cost of the new stadium", "a scheme to plant more trees", "the rules for parking")
_TAILS = ("on Monday", "after a long meeting", "despite strong objections", "in a short statement",
          "for the second time this year", "to the surprise of many", "before the summer holidays",
          "after months of debate", "with little warning", "at a crowded public hearing")


def article(seed: str, paragraphs: int = 4, title: bool = True) -> str:
    """A distinct, plainly English article (title line, blank lines between paragraphs)."""
    rng = random.Random(seed)
    def sentence() -> str:
        s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
        return s[0].upper() + s[1:] + "."
    paras = [" ".join(sentence() for _ in range(4)) + f" The reference number is {rng.randrange(10**6)}."
             for _ in range(paragraphs)]
    head = [f"{rng.choice(_SUBJECTS).title()} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"] if title else []
    return "\n\n".join(head + paras) + "\n"


CHINESE = ("国务院新闻办公室今天举行发布会\n\n"
           "记者从会上获悉，今年全国粮食生产再获丰收，总产量连续多年保持在一万三千亿斤以上。"
           "农业农村部有关负责人表示，将继续加强耕地保护和农田水利建设，稳定粮食播种面积，"
           "提高农业综合生产能力，确保国家粮食安全。\n\n"
           "专家认为，科技进步对农业增长的贡献率不断提高，良种、良法、良机的推广应用成效明显。\n")

BIG_FILE_BYTES = 20 * 1024 * 1024
LONG_LINE_BYTES = 5 * 1024 * 1024


def _write(raw: Path, rel: str, data: bytes | str) -> None:
    path = raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def make(root: Path) -> dict[str, str]:
    """Write root/raw (and root/outside, the target of links leaving raw/);
    return {id: "kept" or the expected rejection reason}."""
    raw, outside = root / "raw", root / "outside"
    raw.mkdir(parents=True)
    outside.mkdir()
    expect: dict[str, str] = {}

    def add(rel: str, data: bytes | str, expected: str) -> None:
        _write(raw, rel, data)
        expect[rel[:-4] if rel.endswith(".txt") else rel] = expected

    add("empty.txt", b"", "empty")
    add("whitespace_only.txt", b"  \n\t\n \r\n\n   ", "empty")
    add("title_only.txt", "A headline and nothing under it\n", "no_body")
    add("png_header.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary")
    add("nul_bytes.txt", article("nul").encode("utf-8").replace(b" the ", b" the\x00", 3), "binary")
    add("utf32.txt", codecs.BOM_UTF32_LE + article("utf32").encode("utf-32-le"), "binary")
    add("undecodable.txt", b"\x81\x8d\x8f\x90\x9d\xff" * 50, "undecodable")
    # One invalid byte in the middle of UTF-8 with curly quotes: not UTF-8, so
    # read as cp1252; ftfy then repairs the mojibake of the valid UTF-8 around it.
    good = article("invalid-utf8").replace("The reference", "\u201cThe reference")
    half = len(good) // 2
    add("invalid_utf8_middle.txt", good[:half].encode() + b"\xff" + good[half:].encode(), "kept")
    add("utf16_le_bom.txt", codecs.BOM_UTF16_LE + article("utf16le").encode("utf-16-le"), "kept")
    add("utf16_be_bom.txt", codecs.BOM_UTF16_BE + article("utf16be").encode("utf-16-be"), "kept")
    add("utf8_bom.txt", codecs.BOM_UTF8 + article("utf8bom").encode("utf-8"), "kept")
    add("gb18030.txt", CHINESE.encode("gb18030"), "kept")  # the run keeps en and zh
    smart = article("cp1252").replace("The reference", "\u201cThe reference").replace(".\n", "\u2019s.\u201d\n")
    add("cp1252_smart_quotes.txt", smart.encode("cp1252"), "kept")
    add("crlf.txt", article("crlf").replace("\n", "\r\n"), "kept")
    add("lone_cr.txt", article("cr").replace("\n", "\r"), "kept")
    # Clutter never cuts a text's opening block, but what is left holds no
    # finished sentence: no article.
    add("only_clutter.txt", "Related articles\n\nStocks fall as oil rises | Markets | Business\n\n"
        "Ten things to do this weekend | Life\n\nThe Links: PM100CBS060 SEMIX353GB126V1 SKKT106B16E\n", "no_body")
    add("notes.md", "# Notes\n\n" + article("md"), "unsupported_file")
    add("README", article("readme"), "unsupported_file")
    add("name with spaces ünïcödé 中文 \u00e9.txt", article("spaces"), "kept")
    add("<script>alert('x')</script> & \"quotes\".txt", article("html"), "kept")
    add("$(touch PWNED); `touch PWNED`.txt", "__import__('os').system('touch PWNED')\n\n" + article("shell"), "kept")
    add("a/b/c/d/e/f/g/deep.txt", article("deep"), "kept")
    add("Case.txt", article("upper case"), "kept")
    add("case.txt", article("lower case"), "kept")

    (outside / "secret.txt").write_text(article("secret"), encoding="utf-8")
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.txt").write_text(article("inner"), encoding="utf-8")
    (raw / "link_outside.txt").symlink_to(outside / "secret.txt")
    expect["link_outside"] = "unsafe_path"
    (raw / "link_dir_outside").symlink_to(outside / "dir")
    expect["link_dir_outside"] = "unsafe_path"
    (raw / "link_inside.txt").symlink_to(raw / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "deep.txt")
    # The same text as a/b/.../deep, kept earlier in id order (without a dedup stage: kept).
    expect["link_inside"] = "duplicate" if "duplicate" in REASONS else "kept"
    (raw / "dangling.txt").symlink_to(raw / "no_such_file.txt")
    expect["dangling"] = "unreadable"
    os.mkfifo(raw / "fifo.txt")
    expect["fifo"] = "unsupported_file"
    if sys.platform != "darwin":  # macOS refuses names that are not UTF-8
        (raw / os.fsdecode(b"latin1 caf\xe9.txt")).write_text(article("latin1 name"), encoding="utf-8")
        expect["latin1 caf\\xe9"] = "unsupported_file"

    # The big ones, written in 1 MB pieces (valid English, so only the limits reject them).
    para = ("The committee met again to discuss the plans for the new bridge over the river. " * 12 + "\n\n").encode()
    with open(raw / "big_20mb.txt", "wb") as f:
        f.write(b"A very long file\n\n")
        for _ in range(BIG_FILE_BYTES // len(para) + 1):
            f.write(para)
    expect["big_20mb"] = "too_large"
    sentence = b"The committee met again to discuss the plans for the new bridge over the river. "
    with open(raw / "single_line_5mb.txt", "wb") as f:
        f.write(b"A file without line breaks\n\n")
        f.write(sentence * (LONG_LINE_BYTES // len(sentence) + 1) + b"\n")
    expect["single_line_5mb"] = "line_too_long"
    return expect


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/bad_inputs.py DIR   (DIR/raw must not exist)")
    for id_, what in sorted(make(Path(sys.argv[1])).items()):
        print(f"{what:<18} {id_}")
