"""Files curate keeps beside its bytecode (``__pycache__``, like a .pyc):
what it would otherwise make again at every start (pipeline.compiled_regexes,
pipeline.kept_profiles). Each is written whole and renamed into place, or
not at all: one that cannot be written (a read-only install) costs only the
time it would have saved."""

from __future__ import annotations

import os


def path_of(name: str) -> str:
    return os.path.join(os.path.dirname(__file__), "__pycache__", name)


def write(path: str, data: bytes) -> None:
    """``data`` at ``path`` (a temporary file renamed), or nothing."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
