"""Reading a published version back: its files, a document's edit log, and
the texts of each edit step rebuilt from the raw file.

show, diff, review, validate and export only read what the stages recorded;
this module is where they find it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.document import Edit, apply_edits
from pipeline.version import read_latest, versions


class VersionNotFound(Exception):
    """The version asked for does not exist under --clean."""


def version_dir(clean_dir: Path, name: str | None) -> Path:
    """clean/<name>, or clean/<LATEST> when name is None."""
    if name is None:
        name = read_latest(clean_dir)
        if name is None:
            raise VersionNotFound(f"{clean_dir}/LATEST names no version: run `curate run` first")
    path = clean_dir / name
    if not path.is_dir():
        have = ", ".join(versions(clean_dir)) or "none"
        raise VersionNotFound(f"no version {name} under {clean_dir} (versions: {have})")
    return path


def read_jsonl(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def manifest(vdir: Path) -> dict:
    return json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))


def report(vdir: Path) -> dict:
    return json.loads((vdir / "report.json").read_text(encoding="utf-8"))


def documents(vdir: Path) -> dict[str, dict]:
    return {d["id"]: d for d in read_jsonl(vdir / "documents.jsonl")}


def records_by_doc(vdir: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in read_jsonl(vdir / "records.jsonl"):
        out.setdefault(r["doc_id"], []).append(r)
    return out


def rejected(vdir: Path) -> dict[str, dict]:
    return {d["id"]: d for d in read_jsonl(vdir / "rejected.jsonl")}


def edit_from_obj(obj: dict) -> Edit:
    return Edit(stage=obj["stage"], rule=obj["rule"], start=obj["start"], end=obj["end"],
                before=obj["before"], after=obj["after"], reason=obj["reason"],
                score=obj["score"], step=obj["step"])


def report_entries(vdir: Path) -> dict[str, dict]:
    """id -> the report.json entry (status, reason, edits) of every input."""
    return {d["id"]: d for d in report(vdir)["documents"]}


@dataclass(frozen=True)
class RawText:
    text: str | None  # the decoded raw text, or None when it cannot be had
    note: str  # why not, or where it came from


def raw_text(raw_dir: Path | None, source_file: str, inputs: list[dict]) -> RawText:
    """The decoded raw text of an input, if the raw file is there unchanged.

    The manifest names the input's sha256; a file whose bytes differ is not the
    one the version was made from, so its text would not match the edits.
    """
    from pipeline.config import Config
    from pipeline.corpus import Input, read_input
    from pipeline.stages.decode import decode_bytes

    if raw_dir is None:
        return RawText(None, "no raw directory given")
    entry = next((i for i in inputs if i["path"] == source_file), None)
    path = raw_dir / source_file
    if entry is None or entry["sha256"] is None or Path(source_file).is_absolute() or ".." in Path(source_file).parts:
        return RawText(None, f"raw file {path} was not read when this version was made")
    # The run's own reader: stays inside raw_dir (no symlink out, no FIFO, no
    # more bytes than the manifest recorded), as issue 6's safety rules ask.
    data, rejected = read_input(Input(source_file, source_file, path), raw_dir, Config(max_file_bytes=entry["size"]))
    if rejected is not None:
        return RawText(None, f"raw file {path} unavailable ({rejected.rejection.detail})")
    if entry is None or entry["sha256"] != hashlib.sha256(data).hexdigest():
        return RawText(None, f"raw file {path} differs from the one this version was made from (sha256)")
    try:
        text, _ = decode_bytes(data)
    except UnicodeDecodeError:
        return RawText(None, f"raw file {path} cannot be decoded")
    return RawText(text, str(path))


def step_texts(raw: str, edits: list[Edit]) -> dict[int, str] | None:
    """step -> the text that step's edits index, replayed from the raw text;
    None when the edits do not replay on it."""
    texts: dict[int, str] = {}
    text = raw
    group: list[Edit] = []
    try:
        for e in edits:
            if group and e.step != group[-1].step:
                text = apply_edits(text, group)
                group = []
            if not group:
                texts[e.step] = text
            group.append(e)
        if group:
            apply_edits(text, group)
    except ValueError:
        return None
    return texts
