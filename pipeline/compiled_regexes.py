"""Regular expressions compiled once, not at every start of curate.

curate and the libraries it imports (ftfy above all) compile ~190 regular
expressions as they are imported: ~45 ms of the ~190 ms of imports, on
every command, and on a re-run's critical path (the main process imports
while a child lists --raw: pipeline.launch). Compiling is parsing a pattern
and making the program that ``_sre`` runs; the program depends only on the
pattern, its flags and the Python that made it. So what ``_sre.compile``
was given is kept in a JSON file beside the package's bytecode
(``__pycache__``, like a .pyc), and given to it again: the same Pattern
(CPython's Patterns compare their programs: tests/test_compiled_regexes.py).
The file holds numbers and names only (nothing in it is run or unpickled;
_sre checks a program before it takes it).

Only while curate is imported (``kept``), and only on CPython versions whose
``re._compiler.compile`` hands ``_sre.compile`` the whole program (3.11 to
3.13): elsewhere nothing changes. A file from another Python (it names
the version string), unreadable or damaged, is ignored and written
again; one that cannot be written (a read-only install) costs nothing but
the time saved. PYTHONDONTWRITEBYTECODE is not asked: it is about .pyc
files, which this is not, and images that set it (this machine does)
would otherwise never keep the programs; the file is ~250 KB.
"""

from __future__ import annotations

import base64
import json
import sys
from array import array
from contextlib import contextmanager

from pipeline import kept_files

try:
    import _sre
    from re import _compiler
except ImportError:  # (not CPython)
    _compiler = None

SUPPORTED = ((3, 11), (3, 12), (3, 13))  # versions whose re._compiler.compile was read: it ends in _sre.compile(...)
FORMAT = 1  # of the file: {"format", "python": PYTHON, "programs": [entry, ...]} (``_entry``)
PYTHON = f"{sys.version} {sys.byteorder}"  # (a program's code is kept as native 32-bit words)
_CODE = "I" if array("I").itemsize == 4 else "L"  # (_sre's code words: 32 bits)


def cache_file() -> str | None:
    """Where the programs are kept, None where nothing is (another Python)."""
    if _compiler is None or sys.version_info[:2] not in SUPPORTED or sys.implementation.name != "cpython":
        return None
    tag = sys.implementation.cache_tag
    return kept_files.path_of(f"regexes.{tag}.{_sre.MAGIC}.json")


def _entry(key: tuple, args: tuple) -> list:
    """A program as JSON: the pattern (bytes as Latin-1 text), whether it
    is bytes, the flags asked for, then _sre.compile's other arguments (the
    code as its 32-bit words in base64: read back without a check per word)."""
    pattern, flags = key
    _, final_flags, code, groups, groupindex, indexgroup = args
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    words = base64.b64encode(array(_CODE, code).tobytes()).decode("ascii")
    return [text, isinstance(pattern, bytes), flags, final_flags, words, groups, groupindex, indexgroup]


def _program(entry) -> tuple[tuple, tuple]:
    """(key, arguments of _sre.compile) of an entry; ValueError when it is not one."""
    if not (isinstance(entry, list) and len(entry) == 8):
        raise ValueError("not an entry")
    text, is_bytes, flags, final_flags, words, groups, groupindex, indexgroup = entry
    ints = (flags, final_flags, groups)
    if not (isinstance(text, str) and isinstance(is_bytes, bool) and all(type(x) is int for x in ints)
            and isinstance(words, str) and isinstance(groupindex, dict)
            and all(type(v) is int for v in groupindex.values()) and isinstance(indexgroup, list)
            and all(x is None or isinstance(x, str) for x in indexgroup)):
        raise ValueError("not an entry")
    code = array(_CODE)
    code.frombytes(base64.b64decode(words, validate=True))  # (ValueError: not whole words)
    code = code.tolist()
    pattern = text.encode("latin-1") if is_bytes else text
    return (pattern, flags), (pattern, final_flags, code, groups, groupindex, tuple(indexgroup))


def load(path: str) -> dict:
    """The programs kept in ``path``; none when it is missing, damaged or another Python's."""
    try:
        with open(path, encoding="utf-8") as f:
            kept = json.load(f)
        if not (isinstance(kept, dict) and kept.get("format") == FORMAT and kept.get("python") == PYTHON):
            return {}
        return dict(map(_program, kept["programs"]))
    except (OSError, ValueError, TypeError, KeyError, UnicodeError, OverflowError):
        return {}


def save(path: str, programs: dict) -> None:
    """Write ``programs`` to ``path`` whole (a temporary file renamed), or nothing."""
    try:
        text = json.dumps({"format": FORMAT, "python": PYTHON,
                           "programs": [_entry(key, args) for key, args in programs.items()]},
                          separators=(",", ":"))  # (ASCII: ftfy's patterns hold lone surrogates)
    except (ValueError, TypeError, UnicodeError, OverflowError):  # (a value not kept so)
        return
    kept_files.write(path, text.encode("utf-8"))  # (nothing when read-only or full)


class _Recorder:
    """Stands for ``_sre`` in re._compiler while a pattern is compiled: keeps
    the arguments of its ``compile``; everything else is _sre's."""

    def __init__(self) -> None:
        self.args: tuple | None = None

    def compile(self, *args):
        self.args = args
        return _sre.compile(*args)

    def __getattr__(self, name: str):
        return getattr(_sre, name)


@contextmanager
def kept(path: str | None = None):
    """Within the block, a pattern compiled by ``re`` whose program ``path``
    (default: ``cache_file()``) holds is made from it; the others are
    compiled as usual. When there were such others, the file is written
    again with the programs used in the block (those of patterns no longer
    compiled are dropped: the file does not grow with every change)."""
    path = cache_file() if path is None else path
    if path is None:
        yield
        return
    programs = load(path)
    used: dict = {}
    new = False
    original = _compiler.compile

    def compile(p, flags=0):
        nonlocal new
        if type(p) not in (str, bytes) or type(flags) is not int:  # (a parsed pattern; a RegexFlag)
            return original(p, flags)
        key = (p, flags)
        args = programs.get(key)
        if args is not None:
            try:
                compiled = _sre.compile(*args)
                used[key] = args
                return compiled
            except (RuntimeError, TypeError, ValueError, OverflowError):  # (_sre refused it: compiled anew)
                pass
        recorder = _Recorder()
        _compiler._sre = recorder
        try:
            compiled = original(p, flags)
        finally:
            _compiler._sre = _sre
        if recorder.args is not None:
            used[key] = recorder.args
            new = True
        return compiled

    _compiler.compile = compile
    try:
        yield
    finally:
        _compiler.compile = original
        if new:
            save(path, used)
