"""`curate validate [PATH]`: check a version (or one JSONL file) against schemas/.

Every problem is reported with its file, line and JSON path, and for a version
the manifest's sha256 and line count of every output are checked against the
files, so a truncated or tampered file is found even when each line is valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.schemas import validator
from pipeline.version import file_stats

JSONL_SCHEMAS = {"documents": "document", "records": "record", "rejected": "rejected"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None  # 1-based; None for whole-file problems
    path: str  # JSON path within the line's object ("$" for the whole)
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


def schema_for(path: Path) -> str | None:
    """The schema of a JSONL file, by its name (documents*.jsonl -> document ...)."""
    name = path.name.lower()
    for stem, schema in JSONL_SCHEMAS.items():
        if stem in name or schema in name:
            return schema
    return None


def check_jsonl(path: Path, schema: str, shown: str | None = None) -> Iterator[Problem]:
    shown = shown or str(path)
    v = validator(schema)
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        yield Problem(shown, len(lines), "$", "the last line has no newline (truncated file?)")
    for n, raw in enumerate(lines, 1):
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            yield Problem(shown, n, "$", f"not UTF-8: {err.reason} at byte {err.start}")
            continue
        except json.JSONDecodeError as err:
            yield Problem(shown, n, "$", f"not valid JSON: {err.msg} at column {err.colno} (truncated line?)")
            continue
        for e in sorted(v.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            yield Problem(shown, n, e.json_path, e.message)


def check_json(path: Path, schema: str, shown: str) -> Iterator[Problem]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        yield Problem(shown, getattr(err, "lineno", None), "$", f"not valid JSON: {err}")
        return
    for e in sorted(validator(schema).iter_errors(obj), key=lambda e: list(e.absolute_path)):
        yield Problem(shown, None, e.json_path, e.message)


def check_version(vdir: Path) -> Iterator[Problem]:
    manifest_path = vdir / "manifest.json"
    if not manifest_path.exists():
        yield Problem(str(manifest_path), None, "$", "missing")
        manifest = None
    else:
        problems = list(check_json(manifest_path, "manifest", str(manifest_path)))
        yield from problems
        manifest = None if problems else json.loads(manifest_path.read_text(encoding="utf-8"))
    for stem, schema in JSONL_SCHEMAS.items():
        path = vdir / f"{stem}.jsonl"
        if path.exists():
            yield from check_jsonl(path, schema)
        else:
            yield Problem(str(path), None, "$", "missing")
    if (vdir / "report.json").exists():
        yield from check_json(vdir / "report.json", "report", str(vdir / "report.json"))
    if manifest is None:
        return
    for name, want in manifest["outputs"].items():
        path = vdir / name
        if not path.exists():
            yield Problem(str(path), None, "$", "listed in manifest.json outputs but missing")
            continue
        got = file_stats(path)
        if got["lines"] != want["lines"]:
            yield Problem(str(path), None, "$", f"has {got['lines']} lines; manifest.json says {want['lines']}")
        if got["sha256"] != want["sha256"]:
            yield Problem(str(path), None, "$", "sha256 differs from manifest.json (the file was changed after publishing)")
    for path in sorted(vdir.iterdir()):
        if path.name != "manifest.json" and path.name not in manifest["outputs"]:
            yield Problem(str(path), None, "$", "not listed in manifest.json outputs")
    counts = manifest["counts"]
    for stem, key in (("documents", "kept"), ("rejected", "rejected"), ("records", "records")):
        want = manifest["outputs"].get(f"{stem}.jsonl", {}).get("lines")
        if want is not None and counts[key] != want:
            yield Problem(str(manifest_path), None, f"$.counts.{key}",
                          f"{counts[key]} but outputs.{stem}.jsonl has {want} lines")


def check_path(path: Path) -> Iterator[Problem]:
    """A version directory or a single .jsonl / manifest.json / report.json file."""
    if path.is_dir():
        yield from check_version(path)
        return
    if path.name == "manifest.json":
        yield from check_json(path, "manifest", str(path))
        return
    if path.name == "report.json":
        yield from check_json(path, "report", str(path))
        return
    schema = schema_for(path)
    if schema is None:
        yield Problem(str(path), None, "$", "cannot tell the schema from the file name "
                      "(expected documents*.jsonl, records*.jsonl, rejected*.jsonl, manifest.json or report.json)")
        return
    yield from check_jsonl(path, schema)
