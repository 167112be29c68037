"""Safety: ids from file names are data (they never become paths, and pages
that show them escape them); no input is executed or evaluated; reading stays
inside --raw unless symlinks are explicitly allowed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline import version
from pipeline.config import Config
from pipeline.corpus import list_inputs, read_input
from bad_inputs import article, make
from conftest import REPO, read_jsonl

EVIL_ID = "<script>alert('x')</script> & \"quotes\""


@pytest.fixture(scope="module")
def bad_version(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("safety")
    make(root)
    result = version.run(root / "raw", root / "clean", Config())
    return {"root": root, "vdir": root / "clean" / result.latest}


def test_ids_are_relative_paths_without_parent_steps(bad_version) -> None:
    for inp in list_inputs(bad_version["root"] / "raw"):
        parts = inp.id.split("/")
        assert not inp.id.startswith("/") and ".." not in parts and "." not in parts, inp.id
        assert inp.abspath.resolve(strict=False).is_relative_to((bad_version["root"] / "raw").resolve()) \
            or inp.abspath.is_symlink(), inp


def test_a_version_holds_only_files_with_fixed_names(bad_version) -> None:
    clean = bad_version["root"] / "clean"
    assert sorted(p.name for p in clean.iterdir() if not p.name.startswith(".")) == ["LATEST", "v1"]
    assert sorted(p.name for p in bad_version["vdir"].iterdir()) == [
        "documents.jsonl", "manifest.json", "records.jsonl", "rejected.jsonl", "report.json", "report.md"]


def test_review_pages_escape_ids_and_stay_in_their_directory(bad_version, tmp_path: Path) -> None:
    review = pytest.importorskip("pipeline.review")
    out = tmp_path / "site"
    review.build(bad_version["vdir"], out, bad_version["root"] / "raw")
    pages = [p for p in out.rglob("*") if p.is_file()]
    assert pages and all(p.resolve().is_relative_to(out.resolve()) for p in pages)
    html = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in pages if p.suffix == ".html")
    assert "<script>alert(" not in html, "an id was written into HTML unescaped"
    assert "&lt;script&gt;alert(" in html, "the id is shown, escaped"


def test_symlinks_outside_are_not_even_opened(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(article("secret"), encoding="utf-8")
    (raw / "link.txt").symlink_to(secret)
    opened, tried = [], []
    import os
    real_open = os.open

    def recording_open(path, flags, *a, **k):
        tried.append(flags)
        fd = real_open(path, flags, *a, **k)
        opened.append(str(path))  # (only when the open succeeded)
        return fd
    monkeypatch.setattr(os, "open", recording_open)
    (inp,) = list_inputs(raw)
    data, rejected = read_input(inp, raw, Config())
    assert rejected is not None and rejected.rejection.reason == "unsafe_path" and data == b""
    # read_input may try the path as a plain file, with O_NOFOLLOW: the open
    # of the link itself fails, and the target is never opened.
    assert opened == [] and all(flags & os.O_NOFOLLOW for flags in tried)
    data, rejected = read_input(inp, raw, Config(allow_symlinks_outside=True))
    assert rejected is None and data == secret.read_bytes()


def test_a_symlinked_directory_is_an_input_not_a_gap(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "real").mkdir(parents=True)
    (raw / "real" / "a.txt").write_text(article("a"), encoding="utf-8")
    (raw / "alias").symlink_to(raw / "real")
    clean = tmp_path / "clean"
    version.run(raw, clean, Config(allow_symlinks_outside=True))
    rejected = {r["id"]: r for r in read_jsonl(clean / "v1" / "rejected.jsonl")}
    assert rejected["alias"]["reason"] == "unsupported_file"
    assert "directories are not followed" in rejected["alias"]["detail"]


# Calls that would run or unpickle what they are given.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRS = {("os", "system"), ("os", "popen"), ("pickle", "load"), ("pickle", "loads"),
                   ("marshal", "loads"), ("yaml", "load"), ("shelve", "open")}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


@pytest.mark.parametrize("path", sorted((REPO / "pipeline").rglob("*.py")), ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_code_evaluates_or_executes_data(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in _calls(tree):
        f = call.func
        if isinstance(f, ast.Name):
            assert f.id not in FORBIDDEN_CALLS, f"{path.name}:{call.lineno} calls {f.id}()"
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            assert (f.value.id, f.attr) not in FORBIDDEN_ATTRS, f"{path.name}:{call.lineno} calls {f.value.id}.{f.attr}()"
        for kw in call.keywords:
            assert not (kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value), \
                f"{path.name}:{call.lineno} runs a shell"
