"""Versions on disk: clean/vN written atomically, LATEST, parents, immutability,
nothing published on a bug, the manifest, and inputs rejected before decoding."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli, corpus, schemas, serialize, version
from pipeline.config import Config
from conftest import read_jsonl


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(clean: Path) -> list[str]:
    return sorted(p.name for p in clean.iterdir() if p.name.startswith((".tmp-", ".LATEST.")))


def latest(clean: Path) -> str:
    return (clean / "LATEST").read_text(encoding="utf-8")


def test_first_run_writes_v1_and_latest(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    result = version.run(seed_raw, clean, Config())
    assert (result.version, result.latest) == ("v1", "v1")
    assert latest(clean) == "v1\n"
    assert sorted(p.name for p in (clean / "v1").iterdir()) == [
        "documents.jsonl", "manifest.json", "records.jsonl", "rejected.jsonl", "report.json", "report.md"]
    manifest = json.loads((clean / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == "v1" and manifest["parent"] is None
    assert leftovers(clean) == []
    assert result.summary["documents_in"] == len(list(seed_raw.iterdir()))


def test_a_run_collects_young_objects_less_often_and_restores_the_threshold(seed_raw: Path, tmp_path: Path) -> None:
    import gc
    before, during = gc.get_threshold(), []
    version.run(seed_raw, tmp_path / "clean", Config(), on_progress=lambda *a: during.append(gc.get_threshold()[0]))
    assert during and set(during) == {version.GC_YOUNG} != {before[0]}
    assert gc.get_threshold() == before


def test_a_run_freezes_what_exists_before_it_and_unfreezes_it_after(seed_raw: Path, tmp_path: Path) -> None:
    import gc
    assert gc.get_freeze_count() == 0
    during = []
    version.run(seed_raw, tmp_path / "clean", Config(), on_progress=lambda *a: during.append(gc.get_freeze_count()))
    assert during and min(during) > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze objects itself: they stay frozen
    try:
        version.run(seed_raw, tmp_path / "clean2", Config())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_identical_run_writes_nothing_and_says_so(seed_raw: Path, tmp_path: Path, capsys) -> None:
    clean = tmp_path / "clean"
    assert cli.main(["run", "--raw", str(seed_raw), "--clean", str(clean)]) == 0
    before = tree_bytes(clean)
    capsys.readouterr()
    assert cli.main(["run", "--raw", str(seed_raw), "--clean", str(clean)]) == 0
    err = capsys.readouterr().err
    assert "nothing changed since v1" in err and "no new version" in err
    assert tree_bytes(clean) == before
    assert version.versions(clean) == ["v1"]
    assert version.run(seed_raw, clean, Config()).version is None



def test_manifests_compare_their_config_and_inputs_a_chunk_at_a_time(seed_raw: Path, tmp_path: Path,
                                                                     monkeypatch) -> None:
    from pipeline import carry
    monkeypatch.setattr(carry, "COMPARED", 7)  # the inputs in many chunks
    monkeypatch.setattr(carry, "TAIL", 16)  # the head and the outputs found in several reads
    version.run(seed_raw, tmp_path / "clean", Config())
    old = tmp_path / "clean" / "v1" / "manifest.json"
    manifest = json.loads(old.read_text(encoding="utf-8"))
    variants = {}

    def write(name: str, m: dict, **options) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(m, ensure_ascii=False, **options) + "\n", encoding="utf-8")
        variants[name] = path
        return path

    write("as_written", manifest, indent=2)
    write("other_version_and_reports", {**manifest, "version": "v9", "parent": "v8",
                                        "outputs": {**manifest["outputs"], "report.md": {"sha256": "0" * 64, "lines": 1}}},
          indent=2)
    first = manifest["inputs"][0]
    write("other_config", {**manifest, "config_hash": "f" * 64}, indent=2)
    write("one_input_changed", {**manifest, "inputs": [{**first, "sha256": "0" * 64}, *manifest["inputs"][1:]]},
          indent=2)
    write("one_input_fewer", {**manifest, "inputs": manifest["inputs"][1:]}, indent=2)
    write("laid_out_otherwise", manifest, separators=(",", ":"))
    same = {name: carry.same_inputs_and_config(old, path) for name, path in variants.items()}
    assert same == {"as_written": True, "other_version_and_reports": True, "other_config": False,
                    "one_input_changed": False, "one_input_fewer": False, "laid_out_otherwise": False}
    assert not carry.same_inputs_and_config(old, tmp_path / "missing.json")

def test_changed_config_is_a_new_version(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    result = version.run(seed_raw, clean, Config(language_seed=1))
    assert result.version == "v2"
    manifest = json.loads((clean / "v2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["language_seed"] == 1
    assert manifest["config_hash"] == Config(language_seed=1).hash != Config().hash


def test_changed_input_makes_v2_with_parent_and_changes(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    v1 = tree_bytes(clean / "v1")
    target = sorted(seed_raw.iterdir())[1]
    with open(target, "a", encoding="utf-8") as f:
        f.write("\n\nA new closing paragraph was added to this article for the test.\n")

    result = version.run(seed_raw, clean, Config())
    assert (result.version, result.latest) == ("v2", "v2")
    assert latest(clean) == "v2\n"
    assert tree_bytes(clean / "v1") == v1, "v1 is never modified"
    manifest = json.loads((clean / "v2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parent"] == "v1"
    report = json.loads((clean / "v2" / "report.json").read_text(encoding="utf-8"))
    assert report["parent"] == "v1"
    assert report["changes"]["documents_changed"] == [target.stem]
    assert report["changes"]["documents_added"] == report["changes"]["documents_removed"] == []
    assert "documents changed: 1" in (clean / "v2" / "report.md").read_text(encoding="utf-8")


def test_added_and_removed_inputs_are_reported(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    first, *_ = sorted(seed_raw.iterdir())
    first.unlink()
    (seed_raw / "zzz_new.txt").write_text(
        "A new article\n\nThe council said on Monday that the new road would open next year.\n", encoding="utf-8")
    version.run(seed_raw, clean, Config())
    changes = json.loads((clean / "v2" / "report.json").read_text(encoding="utf-8"))["changes"]
    assert changes["documents_removed"] == [first.stem]
    assert changes["documents_added"] == ["zzz_new"]
    assert changes["documents_changed"] == []


def test_version_files_are_read_only(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    for p in (clean / "v1").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) & 0o222 == 0, f"{p.name} is writable"


def test_schema_violation_publishes_nothing(seed_raw: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    clean = tmp_path / "clean"
    monkeypatch.setattr(serialize, "document_obj", lambda doc, raw_chars: {"id": doc.id, "bogus": True})
    with pytest.raises(schemas.SchemaViolation):
        version.run(seed_raw, clean, Config())
    assert version.versions(clean) == []
    assert not (clean / "LATEST").exists()
    assert leftovers(clean) == []

    assert cli.main(["run", "--raw", str(seed_raw), "--clean", str(clean)]) == 1
    assert "nothing published" in capsys.readouterr().err
    assert version.versions(clean) == [] and leftovers(clean) == []


def test_schema_violation_keeps_the_previous_version(seed_raw: Path, tmp_path: Path, monkeypatch) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    before = tree_bytes(clean)
    (seed_raw / "zzz_new.txt").write_text("Title\n\nSome more English text for a new document.\n", encoding="utf-8")
    monkeypatch.setattr(serialize, "document_obj", lambda doc, raw_chars: {"id": doc.id, "bogus": True})
    with pytest.raises(schemas.SchemaViolation):
        version.run(seed_raw, clean, Config())
    assert version.versions(clean) == ["v1"]
    assert tree_bytes(clean) == before, "LATEST and v1 untouched"
    assert leftovers(clean) == []


def test_schema_violation_in_cli_subprocess_exits_1(seed_raw: Path, tmp_path: Path) -> None:
    """The same through a real process: a bad object from a stage is a bug, exit 1."""
    clean = tmp_path / "clean"
    script = (
        "import sys\n"
        "from pipeline import cli\n"
        "from pipeline.document import Record\n"
        "from pipeline.stages import records\n"
        "apply = records.apply\n"
        "def bad(doc, config, *stats):\n"  # a record of a kind the schema does not know
        "    doc = apply(doc, config, *stats)\n"
        "    return doc.replaced(records=doc.records + (Record(len(doc.records), 'chapter', 'x', 0, 1),))\n"
        "records.apply = bad\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "run", "--raw", str(seed_raw), "--clean", str(clean)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "BUG" in proc.stderr and "record" in proc.stderr
    assert version.versions(clean) == [] and not (clean / "LATEST").exists() and leftovers(clean) == []


def test_manifest_describes_the_version(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    vdir = clean / "v1"
    text = (vdir / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    schemas.check("manifest", manifest, "manifest.json")
    # written in two steps (version._Manifest), as one json.dumps writes it
    assert text == json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"

    files = sorted(p.name for p in vdir.iterdir() if p.name != "manifest.json")
    assert sorted(manifest["outputs"]) == files
    for name, stats in manifest["outputs"].items():
        data = (vdir / name).read_bytes()
        assert stats["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert stats["lines"] == data.count(b"\n"), name

    inputs = sorted(seed_raw.iterdir())
    assert [i["path"] for i in manifest["inputs"]] == [p.name for p in inputs]
    for entry, p in zip(manifest["inputs"], inputs):
        assert entry["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
        assert entry["size"] == p.stat().st_size

    counts = manifest["counts"]
    assert counts["inputs"] == len(inputs)
    assert counts["kept"] == manifest["outputs"]["documents.jsonl"]["lines"]
    assert counts["rejected"] == manifest["outputs"]["rejected.jsonl"]["lines"]
    assert counts["records"] == manifest["outputs"]["records.jsonl"]["lines"]
    assert manifest["config"] == Config().to_dict()
    assert manifest["config_hash"] == Config().hash
    assert manifest["code_version"] == version.code_version()


def test_a_run_names_one_code_version_in_its_manifest_and_its_cache(tmp_path: Path, seed_raw: Path,
                                                                    monkeypatch) -> None:
    """The code version (a hash of every source file: ~3 ms) is taken once
    per run: the manifest names the code whose cache the run used."""
    from pipeline import cache
    taken = []

    def code_version() -> dict:
        taken.append({"package": "0", "source_sha256": f"{len(taken):064x}"})
        return taken[-1]
    monkeypatch.setattr(version, "code_version", code_version)
    clean = tmp_path / "clean"
    result = version.run(seed_raw, clean, Config(), cache_dir=clean / ".cache")
    manifest = json.loads((clean / result.latest / "manifest.json").read_text(encoding="utf-8"))
    assert len(taken) == 1 and manifest["code_version"] == taken[0]
    assert [p.name for p in (clean / ".cache").iterdir()] == \
        [cache.key_dir(clean / ".cache", Config(), taken[0]["source_sha256"]).name]


def rejections(raw: Path, clean: Path, config: Config = Config()) -> dict[str, dict]:
    result = version.run(raw, clean, config)
    return {r["id"]: r for r in read_jsonl(clean / result.latest / "rejected.jsonl")}


def test_non_txt_is_unsupported(seed_raw: Path, tmp_path: Path) -> None:
    (seed_raw / "notes.md").write_text("# Notes\n\nSome English text here.\n", encoding="utf-8")
    rej = rejections(seed_raw, tmp_path / "clean")
    assert rej["notes.md"]["reason"] == "unsupported_file"
    assert rej["notes.md"]["stage"] == "read"
    assert rej["notes.md"]["source_sha256"] is None


def test_hidden_files_are_not_inputs(seed_raw: Path, tmp_path: Path) -> None:
    (seed_raw / ".gitkeep").write_text("", encoding="utf-8")
    (seed_raw / ".hidden").mkdir()
    (seed_raw / ".hidden" / "x.txt").write_text("Title\n\nText.\n", encoding="utf-8")
    result = version.run(seed_raw, tmp_path / "clean", Config())
    assert result.summary["documents_in"] == 5


def test_nested_inputs_have_path_ids(seed_raw: Path, tmp_path: Path) -> None:
    (seed_raw / "sub").mkdir()
    (seed_raw / "sub" / "a.txt").write_text(
        "A title\n\nThe council said on Monday that the new road would open next year.\n", encoding="utf-8")
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    docs = {d["id"]: d for d in read_jsonl(clean / "v1" / "documents.jsonl")}
    assert docs["sub/a"]["source_file"] == "sub/a.txt"


def test_symlink_outside_raw_is_unsafe(seed_raw: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Title\n\nA secret that must not be read into the corpus.\n", encoding="utf-8")
    (seed_raw / "evil.txt").symlink_to(outside)
    rej = rejections(seed_raw, tmp_path / "clean")
    assert rej["evil"]["reason"] == "unsafe_path"
    assert str(outside) in rej["evil"]["detail"]


def test_symlink_inside_raw_is_read(seed_raw: Path, tmp_path: Path) -> None:
    target = sorted(seed_raw.iterdir())[0]
    (seed_raw / "zz_alias.txt").symlink_to(target)
    clean = tmp_path / "clean"
    version.run(seed_raw, clean, Config())
    # Read and cleaned: its text is its target's, so it is rejected as a duplicate of it.
    rejected = {r["id"]: r for r in read_jsonl(clean / "v1" / "rejected.jsonl")}
    assert rejected["zz_alias"]["reason"] == "duplicate"
    assert rejected["zz_alias"]["detail"].startswith(f"duplicate of {target.stem}:")


def test_dangling_symlink_is_unreadable(seed_raw: Path, tmp_path: Path) -> None:
    (seed_raw / "gone.txt").symlink_to(seed_raw / "missing.txt")
    rej = rejections(seed_raw, tmp_path / "clean")
    assert rej["gone"]["reason"] == "unreadable"
    assert rej["gone"]["stage"] == "read"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without read permission")
def test_file_without_permission_is_unreadable(seed_raw: Path, tmp_path: Path) -> None:
    locked = seed_raw / "locked.txt"
    locked.write_text("Title\n\nText.\n", encoding="utf-8")
    locked.chmod(0)
    try:
        rej = rejections(seed_raw, tmp_path / "clean")
    finally:
        locked.chmod(0o644)
    assert rej["locked"]["reason"] == "unreadable"


def test_read_error_is_unreadable(seed_raw: Path, tmp_path: Path, monkeypatch) -> None:
    """An I/O error while reading (emulated: works as root too)."""
    real = corpus._read_limited

    def failing(path: Path, fd: int, limit: int, size: int) -> bytes:
        if path.name == "broken.txt":
            raise PermissionError(13, "Permission denied")
        return real(path, fd, limit, size)

    (seed_raw / "broken.txt").write_text("Title\n\nText.\n", encoding="utf-8")
    monkeypatch.setattr(corpus, "_read_limited", failing)
    rej = rejections(seed_raw, tmp_path / "clean")
    assert rej["broken"]["reason"] == "unreadable"
    assert "Permission denied" in rej["broken"]["detail"]


def test_too_large(seed_raw: Path, tmp_path: Path) -> None:
    sizes = {p.stem: p.stat().st_size for p in seed_raw.iterdir()}
    limit = sorted(sizes.values())[2]
    rej = rejections(seed_raw, tmp_path / "clean", Config(max_file_bytes=limit))
    assert {k for k, r in rej.items() if r["reason"] == "too_large"} == {k for k, s in sizes.items() if s > limit}


def test_latest_naming_a_missing_version_is_ignored(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "LATEST").write_text("v7\n", encoding="utf-8")
    result = version.run(seed_raw, clean, Config())
    assert result.version == "v1"
    manifest = json.loads((clean / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parent"] is None


@pytest.mark.parametrize("stat_size", [0, 5, 11, 12, 40])
def test_read_limited_reads_the_file_whatever_its_stat_said(tmp_path: Path, stat_size: int) -> None:
    """The stat taken before reading may be stale (the file grew or shrank):
    every byte up to the limit is read, never more."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"0123456789\n")  # 11 bytes
    for limit, want in ((100, b"0123456789\n"), (4, b"0123")):
        fd = os.open(path, os.O_RDONLY)
        try:
            assert corpus._read_limited(path, fd, limit, stat_size) == want
        finally:
            os.close(fd)


def test_the_manifest_counts_the_lines_of_each_file_as_written(seed_raw, tmp_path):
    """The full path counts the data files' lines from the documents (one per
    document, rejection and record), not from the bytes: the same counts."""
    (seed_raw / "copy.txt").write_bytes(next(iter(sorted(seed_raw.glob("*.txt")))).read_bytes())  # a duplicate
    (seed_raw / "empty.txt").write_bytes(b"")  # a rejection
    from pipeline.config import Config
    version.run(seed_raw, tmp_path / "clean", Config())
    v = tmp_path / "clean" / "v1"
    outputs = json.loads((v / "manifest.json").read_text())["outputs"]
    assert outputs and all(outputs[name] == version.file_stats(v / name) for name in outputs)
    assert outputs["rejected.jsonl"]["lines"] == 2 and outputs["records.jsonl"]["lines"] > 0


def test_prefetch_hints_only_regular_txt_files_and_follows_no_symlink(tmp_path: Path, monkeypatch) -> None:
    """corpus.prefetch asks the kernel to read ahead only what read_input
    would read itself: not a symlink (it may lead outside --raw), a FIFO, or
    a file that is not .txt; missing files are skipped without an error."""
    raw, outside = tmp_path / "raw", tmp_path / "outside.txt"
    raw.mkdir()
    outside.write_text("Outside\n\nText.\n", encoding="utf-8")
    (raw / "a.txt").write_text("Title\n\nText.\n", encoding="utf-8")
    (raw / "notes.md").write_text("Title\n\nText.\n", encoding="utf-8")
    (raw / "link.txt").symlink_to(outside)
    os.mkfifo(raw / "pipe.txt")
    advised = []
    real = os.posix_fadvise

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        advised.append(os.fstat(fd).st_ino)
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", spy)
    inputs = corpus.list_inputs(raw)
    assert sorted(i.path for i in inputs) == ["a.txt", "link.txt", "notes.md", "pipe.txt"]
    (raw / "gone.txt").write_text("x", encoding="utf-8")
    gone = corpus.list_inputs(raw)
    (raw / "gone.txt").unlink()
    corpus.prefetch(gone)
    assert advised == [(raw / "a.txt").stat().st_ino]
