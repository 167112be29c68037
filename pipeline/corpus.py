"""Reading raw/: the list of inputs, their ids, and their bytes.

Every regular file under --raw is an input, except names starting with a dot
(editor and VCS files such as .gitkeep). Problems found before decoding (not a
.txt file, a symlink leaving --raw, too large, unreadable) become rejections.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.document import Document, Rejection


@dataclass(frozen=True)
class Input:
    id: str
    path: str  # relative to --raw, '/'-separated
    abspath: Path


def doc_id(relpath: str) -> str:
    return relpath[: -len(".txt")] if relpath.endswith(".txt") else relpath


def list_inputs(raw_dir: Path) -> list[Input]:
    """Every input under raw_dir, sorted by id."""
    found = []
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            abspath = Path(dirpath) / name
            rel = abspath.relative_to(raw_dir).as_posix()
            found.append(Input(doc_id(rel), rel, abspath))
    return sorted(found, key=lambda i: (i.id, i.path))


def read_input(inp: Input, raw_dir: Path, config: Config) -> tuple[bytes, Document | None]:
    """The input's bytes, or a rejected Document explaining why it cannot be read."""
    def rejected(reason: str, detail: str, data: bytes = b"") -> tuple[bytes, Document]:
        sha = hashlib.sha256(data).hexdigest() if data else ""
        doc = Document(inp.id, inp.path, sha, len(data), rejection=Rejection(reason, detail))
        return data, doc

    if inp.abspath.is_symlink():
        target = inp.abspath.resolve()
        if not target.is_relative_to(raw_dir.resolve()):
            return rejected("unsafe_path", f"{inp.path} is a symlink to {target}, outside --raw")
    if not inp.path.endswith(".txt"):
        return rejected("unsupported_file", f"{inp.path} is not a .txt file")
    try:
        size = inp.abspath.stat().st_size
        if size > config.max_file_bytes:
            return rejected("too_large", f"{inp.path} has {size} bytes; max_file_bytes is {config.max_file_bytes}")
        data = inp.abspath.read_bytes()
    except OSError as err:
        return rejected("unreadable", f"{inp.path}: {err.strerror or err}")
    return data, None
