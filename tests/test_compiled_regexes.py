"""pipeline.compiled_regexes: a pattern made from its kept program is the
Pattern re compiles (CPython's Patterns compare their programs), for every
pattern curate compiles as it is imported; a file that is not this Python's
is ignored; nothing changes where the programs cannot be kept."""

import json
import os
import re
import subprocess
import sys
from re import _compiler

import pytest

from pipeline import compiled_regexes

pytestmark = pytest.mark.skipif(compiled_regexes.cache_file() is None, reason="not a CPython this was read for")

PATTERNS = [(r"(?P<year>\d{4})-(\d\d)", 0), (r"[^\W\d_]+ ?’s\b", re.IGNORECASE), (rb"\x00+|\xff", 0),
            (r"^\s*- END -\s*$", re.MULTILINE)]


def _compile_all(path, patterns=PATTERNS):
    with compiled_regexes.kept(str(path)):
        return [_compiler.compile(p, int(f)) for p, f in patterns]


def test_the_file_holds_numbers_and_names_only(tmp_path):
    path = tmp_path / "regexes.json"
    _compile_all(path)
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert kept["python"] == compiled_regexes.PYTHON and len(kept["programs"]) == len(PATTERNS)
    assert [p[:3] for p in kept["programs"]] == [[p if isinstance(p, str) else p.decode("latin-1"),
                                                  isinstance(p, bytes), int(f)] for p, f in PATTERNS]


def test_kept_programs_give_the_patterns_re_compiles(tmp_path, monkeypatch):
    path = tmp_path / "regexes.json"
    first = _compile_all(path)
    assert path.exists()
    kept = compiled_regexes.load(str(path))
    assert set(kept) == {(p, int(f)) for p, f in PATTERNS}

    def not_compiled(*args):
        raise AssertionError("compiled again")
    monkeypatch.setattr(_compiler, "_code", not_compiled)  # made from the file: re's compiler is not used
    again = _compile_all(path)
    monkeypatch.undo()
    fresh = [_compiler.compile(p, int(f)) for p, f in PATTERNS]
    assert again == fresh == first
    assert [x.groupindex for x in again] == [x.groupindex for x in fresh]
    assert again[0].match("2024-04-16").group("year") == "2024"
    assert _compiler.compile is not None and "kept" not in _compiler.compile.__qualname__  # the hook is gone


def test_every_pattern_curate_compiles_as_imported(tmp_path):
    """A fresh interpreter imports curate as `curate` does (pipeline.launch),
    keeping its programs; each, replayed, equals the pattern compiled anew."""
    path = tmp_path / "regexes.json"
    code = ("import sys; from pipeline import compiled_regexes\n"
            f"with compiled_regexes.kept({str(path)!r}):\n    from pipeline import cli\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    kept = compiled_regexes.load(str(path))
    assert len(kept) > 100  # curate's own and ftfy's
    import _sre

    def described(x):  # (== compares the programs, flags and pattern; not the groups' names)
        return x, x.groups, dict(x.groupindex)
    differ = [key for key, args in kept.items() if described(_sre.compile(*args)) != described(_compiler.compile(*key))]
    assert differ == []
    assert any(x[4] for x in kept.values())  # (named groups among them)


def test_only_new_programs_cause_a_write_and_unused_ones_are_dropped(tmp_path):
    path = tmp_path / "regexes.json"
    _compile_all(path, PATTERNS + [("stale", 0)])
    mtime = os.stat(path).st_mtime_ns
    os.utime(path, ns=(mtime - 10**9, mtime - 10**9))
    _compile_all(path, PATTERNS)  # all kept: nothing written
    assert os.stat(path).st_mtime_ns == mtime - 10**9
    _compile_all(path, PATTERNS[:2] + [("new", 0)])
    assert set(compiled_regexes.load(str(path))) == {(p, int(f)) for p, f in PATTERNS[:2]} | {("new", 0)}


_OTHER = {"format": compiled_regexes.FORMAT, "python": "2.7.18", "programs": []}
_MINE = {"format": compiled_regexes.FORMAT, "python": compiled_regexes.PYTHON}


@pytest.mark.parametrize("content", [b"", b"not json", json.dumps(_OTHER).encode(), json.dumps({"a": 1}).encode(),
                                     json.dumps({**_MINE, "programs": [["x", False, 0, 32, "AQI=", 0, {}, []]]}).encode(),
                                     json.dumps({**_MINE, "programs": [["x", False, 0]]}).encode(),
                                     json.dumps({**_MINE, "programs": {"x": 1}}).encode(), b"\xff\xfe"])
def test_a_file_of_another_python_or_damaged_is_ignored(tmp_path, content):
    path = tmp_path / "regexes.json"
    path.write_bytes(content)
    assert compiled_regexes.load(str(path)) == {}
    assert _compile_all(path) == [_compiler.compile(p, int(f)) for p, f in PATTERNS]
    assert len(compiled_regexes.load(str(path))) == len(PATTERNS)  # written again


def test_another_pythons_programs_are_not_used(tmp_path):
    """A program under another version string is not replayed, even for the same pattern."""
    path = tmp_path / "regexes.json"
    wrong = [PATTERNS[0][0], False, 0, 0, "AQAAAAIAAAADAAAA", 0, {}, []]  # (the words 1, 2, 3)
    path.write_text(json.dumps({**_MINE, "python": compiled_regexes.PYTHON + " other", "programs": [wrong]}))
    assert _compile_all(path)[0] == _compiler.compile(PATTERNS[0][0], 0)


def test_a_program_re_refuses_is_compiled_anew_and_kept_again(tmp_path):
    path = tmp_path / "regexes.json"
    refused = [PATTERNS[0][0], False, 0, 32, "/////w==", 2, {"year": 1}, [None, "year", None]]  # (one word: ~0)
    path.write_text(json.dumps({**_MINE, "programs": [refused]}))
    assert _compile_all(path) == [_compiler.compile(p, int(f)) for p, f in PATTERNS]
    kept = compiled_regexes.load(str(path))
    import _sre
    assert _sre.compile(*kept[PATTERNS[0][0], 0]) == _compiler.compile(PATTERNS[0][0], 0)


def test_nothing_is_kept_where_it_cannot_be_written(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    path = blocked / "regexes.json"  # its directory is a file
    assert _compile_all(path) == [_compiler.compile(p, int(f)) for p, f in PATTERNS]
    assert not path.exists() and os.listdir(tmp_path) == ["file"]


def test_parsed_patterns_and_flag_objects_go_to_re_unchanged(tmp_path):
    path = tmp_path / "regexes.json"
    with compiled_regexes.kept(str(path)):
        a = _compiler.compile("x+", re.IGNORECASE)  # a RegexFlag, not an int
        b = _compiler.compile(re._parser.parse("y+", 0), 0)
    assert a == _compiler.compile("x+", int(re.IGNORECASE)) and b.match("yy")
    assert not path.exists()


def test_nothing_changes_on_a_python_it_was_not_read_for(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled_regexes, "SUPPORTED", ())
    assert compiled_regexes.cache_file() is None
    original = _compiler.compile
    with compiled_regexes.kept():
        assert _compiler.compile is original


def test_curate_keeps_its_programs_beside_its_bytecode():
    """`python -m pipeline` (pipeline.launch) leaves the file where cache_file says."""
    path = compiled_regexes.cache_file()
    assert os.path.dirname(path) == os.path.join(os.path.dirname(compiled_regexes.__file__), "__pycache__")
    subprocess.run([sys.executable, "-m", "pipeline", "--help"], check=True, capture_output=True)
    assert len(compiled_regexes.load(path)) > 100
