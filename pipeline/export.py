"""`curate export`: a version's tables for downstream tools.

Writes ``documents.<ext>``, ``records.<ext>`` and ``rejected.<ext>`` into the
--out directory, as Parquet (pyarrow, with an Arrow schema derived from the
JSON Schema, so column types and nullability match it), gzip-compressed JSONL,
or CSV (nested values, such as tags and counts, as JSON text).
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from pipeline import reading
from pipeline.schemas import schema

TABLES = {"documents": "document", "records": "record", "rejected": "rejected"}
FORMATS = {"parquet": "parquet", "jsonl.gz": "jsonl.gz", "csv": "csv"}


def arrow_type(prop: dict):
    """The Arrow type of one JSON Schema property, and whether it may be null."""
    import pyarrow as pa

    types = prop.get("type")
    if "enum" in prop:
        types = "string"
    if isinstance(types, list):
        nullable = "null" in types
        (types,) = [t for t in types if t != "null"]
    else:
        nullable = False
    if types == "string":
        return pa.string(), nullable
    if types == "integer":
        return pa.int64(), nullable
    if types == "number":
        return pa.float64(), nullable
    if types == "boolean":
        return pa.bool_(), nullable
    if types == "array":
        item, _ = arrow_type(prop["items"])
        return pa.list_(pa.field("item", item, nullable=False)), nullable
    if types == "object" and "properties" in prop:
        return pa.struct(arrow_schema_of(prop)), nullable
    raise TypeError(f"no Arrow type for JSON Schema {prop}")


def arrow_schema_of(obj_schema: dict) -> list:
    import pyarrow as pa

    out = []
    for name, prop in obj_schema["properties"].items():
        typ, nullable = arrow_type(prop)
        out.append(pa.field(name, typ, nullable=nullable or name not in obj_schema.get("required", ())))
    return out


def arrow_schema(name: str):
    """The Arrow schema matching schemas/<name>.schema.json (field order kept)."""
    import pyarrow as pa

    s = schema(name)
    return pa.schema(arrow_schema_of(s), metadata={"json_schema": s["$id"]})


def export(vdir: Path, fmt: str, out: Path) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, schema_name in TABLES.items():
        rows = list(reading.read_jsonl(vdir / f"{table}.jsonl"))
        path = out / f"{table}.{FORMATS[fmt]}"
        if fmt == "parquet":
            _parquet(rows, schema_name, path)
        elif fmt == "jsonl.gz":
            _jsonl_gz(vdir / f"{table}.jsonl", path)
        else:
            _csv(rows, schema_name, path)
        written.append(path)
    return written


def _parquet(rows: list[dict], schema_name: str, path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise RuntimeError("Parquet export needs pyarrow: pip install 'curate[export]'") from err
    table = pa.Table.from_pylist(rows, schema=arrow_schema(schema_name))
    pq.write_table(table, path)


def _jsonl_gz(src: Path, path: Path) -> None:
    # mtime=0 and no file name: the same version always gives the same bytes
    with open(src, "rb") as f, open(path, "wb") as raw, \
         gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            gz.write(chunk)


def _csv(rows: list[dict], schema_name: str, path: Path) -> None:
    columns = list(schema(schema_name)["properties"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell(row[c]) for c in columns])


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return v
