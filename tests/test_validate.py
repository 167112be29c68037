"""`curate validate`: every violation with file, line and JSON path; manifest
hashes and line counts checked against the files; exit 1 when anything is wrong."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline import version
from pipeline.cli import main
from pipeline.config import Config
from pipeline.validate import check_path
from conftest import SEED_FILES


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    raw, clean = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("clean")
    for p in SEED_FILES:
        (raw / p.name).write_bytes(p.read_bytes())
    return clean / version.run(raw, clean, Config()).latest


@pytest.fixture
def copy(published: Path, tmp_path: Path) -> Path:
    """A writable copy of the version (published versions are read-only)."""
    dst = tmp_path / published.name
    shutil.copytree(published, dst)
    for p in dst.iterdir():
        os.chmod(p, 0o644)
    return dst


def validate(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out


def edit_line(path: Path, n: int, change) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[n - 1] = change(lines[n - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def test_a_published_version_is_valid(published: Path, capsys) -> None:
    code, out = validate(capsys, str(published))
    assert code == 0, out
    assert out.strip().endswith("valid")


def test_default_is_latest(published: Path, capsys) -> None:
    code, out = validate(capsys, "--clean", str(published.parent))
    assert code == 0 and str(published) in out


def test_truncated_line_is_reported_with_its_line(copy: Path, capsys) -> None:
    edit_line(copy / "documents.jsonl", 2, lambda line: line[: len(line) // 2])
    code, out = validate(capsys, str(copy))
    assert code == 1
    assert f"{copy / 'documents.jsonl'}:2: $: not valid JSON" in out
    assert "sha256 differs from manifest.json" in out


def test_wrong_type_is_reported_with_line_and_json_path(copy: Path, capsys) -> None:
    def wrong(line: str) -> str:
        obj = json.loads(line)
        obj["language_confidence"] = "high"
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    edit_line(copy / "documents.jsonl", 3, wrong)
    code, out = validate(capsys, str(copy))
    assert code == 1
    assert f"{copy / 'documents.jsonl'}:3: $.language_confidence: 'high' is not of type 'number'" in out


def test_a_truncated_file_is_found_by_the_manifest_line_count(copy: Path, capsys) -> None:
    path = copy / "records.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-2]), encoding="utf-8")  # every remaining line is valid
    code, out = validate(capsys, str(copy))
    assert code == 1
    assert f"has {len(lines) - 2} lines; manifest.json says {len(lines)}" in out


def test_every_violation_is_reported_and_json_output(copy: Path, capsys) -> None:
    edit_line(copy / "records.jsonl", 1, lambda l: l.replace('"kind":"', '"kind":"x'))
    edit_line(copy / "records.jsonl", 2, lambda l: l.replace('"seq":', '"seq":-1,"extra":'))
    code, out = validate(capsys, str(copy / "records.jsonl"), "--json")
    problems = json.loads(out)
    assert code == 1
    assert {(p["line"], p["path"]) for p in problems} >= {(1, "$.kind"), (2, "$.seq"), (2, "$")}


def test_single_files_pick_their_schema_by_name(published: Path, tmp_path: Path) -> None:
    for name in ("documents.jsonl", "records.jsonl", "rejected.jsonl", "manifest.json", "report.json"):
        assert list(check_path(published / name)) == [], name
    other = tmp_path / "my-documents-2024.jsonl"
    other.write_text('{"id": 1}\n', encoding="utf-8")
    problems = list(check_path(other))
    assert problems and all(p.line == 1 for p in problems)
    unknown = tmp_path / "data.jsonl"
    unknown.write_text("{}\n", encoding="utf-8")
    assert "cannot tell the schema" in list(check_path(unknown))[0].message


def test_missing_and_extra_files(copy: Path, capsys) -> None:
    (copy / "rejected.jsonl").unlink()
    (copy / "stray.txt").write_text("x", encoding="utf-8")
    code, out = validate(capsys, str(copy))
    assert code == 1 and "rejected.jsonl: $: missing" in out and "stray.txt: $: not listed" in out
