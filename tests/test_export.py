"""`curate export` and the README's loading examples, executed."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import version
from pipeline.cli import main
from pipeline.config import Config
from pipeline.export import arrow_schema
from pipeline.schemas import schema
from conftest import REPO, SEED_FILES

pa = pytest.importorskip("pyarrow")  # in the test extra: present in CI
import pyarrow.parquet as pq  # noqa: E402

TABLES = {"documents": "document", "records": "record", "rejected": "rejected"}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A directory with raw/, clean/ (one version) and export/ (Parquet)."""
    root = tmp_path_factory.mktemp("work")
    raw = root / "raw"
    raw.mkdir()
    for p in SEED_FILES:
        (raw / p.name).write_bytes(p.read_bytes())
    (raw / "notes.md").write_text("not a text file", encoding="utf-8")  # one rejected row
    version.run(raw, root / "clean", Config())
    assert main(["export", "--clean", str(root / "clean"), "--format", "parquet", "--out", str(root / "export")]) == 0
    return root


def jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def vdir(work: Path) -> Path:
    return work / "clean" / (work / "clean" / "LATEST").read_text().strip()


@pytest.mark.parametrize("table", TABLES)
def test_parquet_holds_the_rows_with_the_schema_of_the_json_schema(work: Path, table: str) -> None:
    t = pq.read_table(work / "export" / f"{table}.parquet")
    assert t.schema.equals(arrow_schema(TABLES[table]), check_metadata=False)
    assert t.to_pylist() == jsonl(vdir(work) / f"{table}.jsonl")
    js = schema(TABLES[table])
    assert t.column_names == list(js["properties"])
    for name in js["properties"]:
        typ = js["properties"][name].get("type")
        allows_null = isinstance(typ, list) and "null" in typ
        assert t.schema.field(name).nullable == allows_null, name


def test_jsonl_gz_is_the_jsonl_and_deterministic(work: Path, tmp_path: Path) -> None:
    for out in (tmp_path / "a", tmp_path / "b"):
        assert main(["export", "--clean", str(work / "clean"), "--format", "jsonl.gz", "--out", str(out)]) == 0
    for table in TABLES:
        a = (tmp_path / "a" / f"{table}.jsonl.gz").read_bytes()
        assert a == (tmp_path / "b" / f"{table}.jsonl.gz").read_bytes()
        assert gzip.decompress(a) == (vdir(work) / f"{table}.jsonl").read_bytes()


def test_csv_has_one_row_per_line_and_nested_values_as_json(work: Path, tmp_path: Path) -> None:
    assert main(["export", "--clean", str(work / "clean"), "--format", "csv", "--out", str(tmp_path)]) == 0
    with open(tmp_path / "documents.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    docs = jsonl(vdir(work) / "documents.jsonl")
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    assert [json.loads(r["counts"]) for r in rows] == [d["counts"] for d in docs]
    assert [r["text"] for r in rows] == [d["text"] for d in docs]


def readme_examples() -> dict[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- load-example:(\w+) -->\n```python\n(.*?)```\n<!-- /load-example:\1 -->", text, re.DOTALL)
    return dict(found)


def test_readme_shows_pandas_duckdb_and_datasets() -> None:
    assert {"pyarrow", "duckdb", "pandas", "datasets"} <= set(readme_examples())


@pytest.mark.parametrize("name", ["pyarrow", "duckdb", "pandas"])
def test_readme_loading_example_runs(work: Path, name: str) -> None:
    if name == "pandas":
        pytest.importorskip("pandas")  # optional: not in the test extra
    code = readme_examples()[name]
    proc = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    if name == "duckdb":
        kept = len(jsonl(vdir(work) / "documents.jsonl"))
        assert proc.stdout.strip().splitlines()[-1] == f"[({kept},)]"
    if name == "pyarrow":
        assert proc.stdout.startswith(f"{len(jsonl(vdir(work) / 'documents.jsonl'))} documents")
