"""The reading commands of `curate`: show, diff, review, validate, export.

Thin: parse arguments, call the modules that do the work, print. Exit status
0 on success, 1 when validate finds a problem, 2 for a usage problem (a
version or document that does not exist).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline import reading


def colour_ok(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR")


def add_parsers(sub) -> None:
    def clean_arg(p):
        p.add_argument("--clean", type=Path, default=Path("clean"), help="directory of versions (default: clean)")

    p = sub.add_parser("show", help="one document's journey: raw text, every edit, fields, records")
    p.add_argument("id", help="document id (the raw path without .txt)")
    p.add_argument("--version", dest="vname", default=None, help="version (default: LATEST)")
    p.add_argument("--raw", type=Path, default=Path("raw"), help="raw directory, for context (default: raw)")
    p.add_argument("--json", action="store_true", help="print JSON")
    clean_arg(p)

    p = sub.add_parser("diff", help="documents and records added, removed and changed between two versions")
    p.add_argument("old", nargs="?", default=None, help="older version (default: the parent of the newer)")
    p.add_argument("new", nargs="?", default=None, help="newer version (default: LATEST)")
    p.add_argument("--json", action="store_true", help="print JSON")
    clean_arg(p)

    p = sub.add_parser("review", help="write a static HTML review site for a version")
    p.add_argument("vname", nargs="?", default=None, metavar="version", help="version (default: LATEST)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default: review/<version>)")
    p.add_argument("--raw", type=Path, default=Path("raw"), help="raw directory (default: raw)")
    clean_arg(p)

    p = sub.add_parser("validate", help="check a version or a JSONL file against schemas/ and the manifest")
    p.add_argument("path", nargs="?", type=Path, default=None, help="version directory or file (default: LATEST)")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    clean_arg(p)

    p = sub.add_parser("export", help="write a version's tables as Parquet, gzipped JSONL or CSV")
    p.add_argument("vname", nargs="?", default=None, metavar="version", help="version (default: LATEST)")
    p.add_argument("--format", required=True, choices=["parquet", "jsonl.gz", "csv"])
    p.add_argument("--out", type=Path, required=True, help="output directory")
    clean_arg(p)


def dispatch(args: argparse.Namespace) -> int:
    handler = {"show": cmd_show, "diff": cmd_diff, "review": cmd_review,
               "validate": cmd_validate, "export": cmd_export}[args.command]
    try:
        return handler(args)
    except reading.VersionNotFound as err:
        print(f"curate {args.command}: {err}", file=sys.stderr)
        return 2


def cmd_show(args) -> int:
    from pipeline import show

    vdir = reading.version_dir(args.clean, args.vname)
    try:
        j = show.journey(vdir, args.id, args.raw)
    except show.DocumentNotFound as err:
        print(f"curate show: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(j, ensure_ascii=False, indent=2))
    else:
        for line in show.render(j, colour_ok()):
            print(line)
    return 0


def cmd_diff(args) -> int:
    from pipeline import diff

    new = reading.version_dir(args.clean, args.new)
    if args.old is not None:
        old = reading.version_dir(args.clean, args.old)
    else:
        parent = reading.manifest(new)["parent"]
        old = reading.version_dir(args.clean, parent) if parent else None
    d = diff.compare(old, new)
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        for line in diff.render(d, colour_ok()):
            print(line)
    return 0


def cmd_review(args) -> int:
    from pipeline import review

    vdir = reading.version_dir(args.clean, args.vname)
    out = args.out or Path("review") / vdir.name
    index = review.build(vdir, out, args.raw)
    print(f"wrote {index}")
    return 0


def cmd_validate(args) -> int:
    from pipeline import validate

    path = args.path or reading.version_dir(args.clean, None)
    if not path.exists():
        print(f"curate validate: {path} does not exist", file=sys.stderr)
        return 2
    problems = list(validate.check_path(path))
    if args.json:
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            print(p)
        print(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else f"{path}: valid")
    return 1 if problems else 0


def cmd_export(args) -> int:
    from pipeline import export

    vdir = reading.version_dir(args.clean, args.vname)
    try:
        paths = export.export(vdir, args.format, args.out)
    except RuntimeError as err:
        print(f"curate export: {err}", file=sys.stderr)
        return 2
    for p in paths:
        print(f"wrote {p}")
    return 0
