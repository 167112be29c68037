"""A corpus published twice by `curate run` with changes in between, for the
show, diff and review tests: between v1 and v2 one document is edited (one
word of one paragraph), one is added and one is removed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.cli import main
from conftest import SEED_FILES

EDITED_WORD = "zebracorn"
REMOVED = SEED_FILES[-1].stem
NEW_ID = "added/new <doc> & more"  # a subdirectory and characters an HTML page must escape
NEW_TEXT = (
    "Gardening notes for a <script>alert('x')</script> spring\n\n"
    "Tomatoes and beans grow well when the soil is warm and the nights are no longer cold. "
    "Gardeners in the valley plant them in rows and water them every morning before work.\n\n"
    "The harvest comes in late summer, when the fruit is red and the pods are full. "
    "Neighbours share what they cannot eat, and the children help to pick the beans.\n"
)


@dataclass(frozen=True)
class TwoVersions:
    raw: Path
    clean: Path
    edited: str  # id of the edited document
    old_word: str  # the word replaced by EDITED_WORD


def paragraph_window(vdir: Path, raw: Path) -> tuple[str, str, str]:
    """(doc id, a stretch of a kept paragraph found once in its raw file, a word in it)."""
    records = [json.loads(l) for l in (vdir / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    for r in sorted(records, key=lambda r: (-len(r["text"]), r["id"])):
        if r["kind"] != "paragraph" or r["doc_id"] == REMOVED:
            continue
        text = (raw / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
        for m in re.finditer(r"[A-Za-z]+(?: [A-Za-z]+){5,}", r["text"]):
            stretch = m.group(0)
            words = stretch.split(" ")
            word = max(words[1:-1], key=len)
            if text.count(stretch) == 1 and len(word) >= 5 and r["text"].count(stretch) == 1:
                return r["doc_id"], stretch, word
    raise AssertionError("no paragraph to edit")


def curate_run(raw: Path, clean: Path) -> str:
    """`curate run` (the command's entry point, in this process); the new LATEST."""
    assert main(["run", "--quiet", "--raw", str(raw), "--clean", str(clean)]) == 0
    return (clean / "LATEST").read_text(encoding="utf-8").strip()


def build(tmp: Path) -> TwoVersions:
    raw, clean = tmp / "raw", tmp / "clean"
    raw.mkdir()
    for p in SEED_FILES:
        (raw / p.name).write_bytes(p.read_bytes())
    (raw / "empty.txt").write_bytes(b"")  # a rejected input in both versions
    assert curate_run(raw, clean) == "v1"
    doc_id, stretch, word = paragraph_window(clean / "v1", raw)
    path = raw / f"{doc_id}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(stretch, stretch.replace(word, EDITED_WORD, 1)),
                    encoding="utf-8")
    (raw / f"{REMOVED}.txt").unlink()
    (raw / "added").mkdir()
    (raw / "added" / "new <doc> & more.txt").write_text(NEW_TEXT, encoding="utf-8")
    assert curate_run(raw, clean) == "v2"
    return TwoVersions(raw, clean, doc_id, word)
