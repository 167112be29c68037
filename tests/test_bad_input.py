"""The bad-input corpus (tests/bad_inputs.py) in ONE `curate run`: every input
becomes a document or a rejection with a documented reason, the run exits 0
and its summary counts the rejections by reason; plus the limits and options
that decide those outcomes."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from pipeline import cli, corpus, version
from pipeline.config import Config, load_config
from pipeline.reasons import REASON_PATTERN
from bad_inputs import article, make
from conftest import curate, read_jsonl


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("bad")
    expect = make(root)
    (root / "config.toml").write_text('keep_languages = ["en", "zh"]\n', encoding="utf-8")
    started = time.monotonic()
    proc = curate("run", "--raw", str(root / "raw"), "--clean", str(root / "clean"),
                  "--config", str(root / "config.toml"), cwd=root)
    seconds = time.monotonic() - started
    vdir = root / "clean" / "v1"
    return {
        "root": root, "expect": expect, "proc": proc, "seconds": seconds,
        "inputs": corpus.list_inputs(root / "raw"),
        "kept": {d["id"]: d for d in read_jsonl(vdir / "documents.jsonl")} if vdir.is_dir() else {},
        "rejected": {r["id"]: r for r in read_jsonl(vdir / "rejected.jsonl")} if vdir.is_dir() else {},
    }


def test_the_run_exits_0_and_publishes(bad_run) -> None:
    proc = bad_run["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (bad_run["root"] / "clean" / "LATEST").read_text(encoding="utf-8") == "v1\n"


def test_the_big_inputs_cost_no_time(bad_run) -> None:
    # 20 MB and a 5 MB line, rejected by the default limits: the 20 MB file is not even read.
    assert bad_run["seconds"] < 30, bad_run["seconds"]


def test_kept_plus_rejected_is_inputs(bad_run) -> None:
    ids = [i.id for i in bad_run["inputs"]]
    assert len(ids) == len(set(ids)) == len(bad_run["expect"])
    kept, rejected = set(bad_run["kept"]), set(bad_run["rejected"])
    assert not kept & rejected
    assert sorted(kept | rejected) == sorted(ids)


def test_every_input_gets_its_expected_outcome(bad_run) -> None:
    got = {**{k: "kept" for k in bad_run["kept"]},
           **{k: r["reason"] for k, r in bad_run["rejected"].items()}}
    assert got == bad_run["expect"]


def test_every_rejection_has_a_listed_reason_and_a_detail(bad_run) -> None:
    for r in bad_run["rejected"].values():
        assert re.match(REASON_PATTERN, r["reason"]), r
        assert r["detail"] and r["stage"], r


def test_the_summary_counts_rejections_by_reason(bad_run) -> None:
    err = bad_run["proc"].stderr
    counts: dict[str, int] = {}
    for r in bad_run["rejected"].values():
        counts[r["reason"]] = counts.get(r["reason"], 0) + 1
    for reason, n in counts.items():
        assert re.search(rf"\b{re.escape(reason)}\b\D*\b{n}\b", err), (reason, n, err)
    assert re.search(rf"\brejected\b\D*\b{len(bad_run['rejected'])}\b", err), err


def test_decoded_texts_are_right(bad_run) -> None:
    kept = bad_run["kept"]
    assert kept["utf16_le_bom"]["encoding"] == kept["utf16_be_bom"]["encoding"] == "utf-16"
    assert kept["utf8_bom"]["encoding"] == "utf-8-sig"
    assert kept["gb18030"]["encoding"] == "gb18030" and kept["gb18030"]["language"] == "zh"
    assert "粮食生产" in kept["gb18030"]["text"]
    assert kept["cp1252_smart_quotes"]["encoding"] == "cp1252"
    assert '"The reference' in kept["cp1252_smart_quotes"]["text"]  # smart quotes read, then straightened
    assert "'s." in kept["cp1252_smart_quotes"]["text"]
    assert '"The reference' in kept["invalid_utf8_middle"]["text"]  # UTF-8 around the bad byte repaired
    for name in ("crlf", "lone_cr"):
        assert "\r" not in kept[name]["text"] and "\n\n" in kept[name]["text"]
    for doc in kept.values():
        assert "\ufeff" not in doc["text"] and "\x00" not in doc["text"]


def test_odd_names_are_ids_as_they_are(bad_run) -> None:
    kept = bad_run["kept"]
    assert kept["name with spaces ünïcödé 中文 \u00e9"]["source_file"] == "name with spaces ünïcödé 中文 \u00e9.txt"
    assert "<script>alert('x')</script> & \"quotes\"" in kept
    assert kept["a/b/c/d/e/f/g/deep"]["source_file"] == "a/b/c/d/e/f/g/deep.txt"
    assert kept["Case"]["text"] != kept["case"]["text"]


def test_nothing_in_an_input_is_executed(bad_run) -> None:
    root = bad_run["root"]
    assert not list(root.rglob("PWNED")) and not (Path.cwd() / "PWNED").exists()
    assert "__import__" in bad_run["kept"]["$(touch PWNED); `touch PWNED`"]["title"]


def test_the_secret_behind_a_link_is_not_read(bad_run) -> None:
    secret = (bad_run["root"] / "outside" / "secret.txt").read_text(encoding="utf-8")
    version_dir = bad_run["root"] / "clean" / "v1"
    first_sentence = secret.split("\n\n")[1].split(".")[0]
    for p in version_dir.iterdir():
        assert first_sentence not in p.read_text(encoding="utf-8"), p.name
    assert bad_run["rejected"]["link_outside"]["source_sha256"] is None


# --- the options and limits, in process -------------------------------------------

def _raw_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, data in files.items():
        (raw / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return raw


def _outcomes(raw: Path, clean: Path, config: Config) -> dict[str, str]:
    result = version.run(raw, clean, config)
    vdir = clean / result.latest
    return {**{d["id"]: "kept" for d in read_jsonl(vdir / "documents.jsonl")},
            **{r["id"]: r["reason"] for r in read_jsonl(vdir / "rejected.jsonl")}}


def test_follow_symlinks_reads_a_link_outside(tmp_path: Path, capsys) -> None:
    raw = _raw_with(tmp_path, {"a.txt": article("a")})
    (tmp_path / "outside.txt").write_text(article("outside"), encoding="utf-8")
    (raw / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert cli.main(["run", "--raw", str(raw), "--clean", str(tmp_path / "c1")]) == 0
    assert _outcomes(raw, tmp_path / "c1", Config())["link"] == "unsafe_path"
    assert cli.main(["run", "--raw", str(raw), "--clean", str(tmp_path / "c2"), "--follow-symlinks"]) == 0
    manifest = json.loads((tmp_path / "c2" / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["allow_symlinks_outside"] is True
    assert {d["id"] for d in read_jsonl(tmp_path / "c2" / "v1" / "documents.jsonl")} == {"a", "link"}


def test_allow_symlinks_outside_in_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("allow_symlinks_outside = true\nmax_line_chars = 10\n", encoding="utf-8")
    config = load_config(path)
    assert config.allow_symlinks_outside is True and config.max_line_chars == 10
    path.write_text('allow_symlinks_outside = "yes"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="allow_symlinks_outside must be true or false"):
        load_config(path)


def test_limits_are_configurable(tmp_path: Path) -> None:
    text = article("limits")
    longest = max(len(line) for line in text.splitlines())
    raw = _raw_with(tmp_path, {"a.txt": text})
    assert _outcomes(raw, tmp_path / "c1", Config(max_line_chars=longest)) == {"a": "kept"}
    assert _outcomes(raw, tmp_path / "c2", Config(max_line_chars=longest - 1)) == {"a": "line_too_long"}
    size = len(text.encode())
    assert _outcomes(raw, tmp_path / "c3", Config(max_file_bytes=size)) == {"a": "kept"}
    assert _outcomes(raw, tmp_path / "c4", Config(max_file_bytes=size - 1)) == {"a": "too_large"}


def test_a_long_line_is_counted_across_every_line_break(tmp_path: Path) -> None:
    """Lines end at \\n, \\r\\n, a lone \\r and U+2028/9, as repair normalises them."""
    from pipeline.stages.decode import longest_line
    assert longest_line("ab\r\ncde\rf\u2028ghij\n") == (4, 4)
    assert longest_line("") == (0, 1)


def test_same_id_from_two_files_is_told_apart(tmp_path: Path) -> None:
    raw = _raw_with(tmp_path, {"notes.txt": article("notes"), "notes": "no extension"})
    ids = {i.path: i.id for i in corpus.list_inputs(raw)}
    assert ids == {"notes.txt": "notes", "notes": "notes (not .txt)"}
    assert _outcomes(raw, tmp_path / "c", Config()) == {"notes": "kept", "notes (not .txt)": "unsupported_file"}


def test_a_stage_raising_is_a_bug_naming_the_input(tmp_path: Path, monkeypatch, capsys) -> None:
    from pipeline.stages import repair

    raw = _raw_with(tmp_path, {"a.txt": article("a"), "boom.txt": article("boom")})
    real = repair.apply

    def exploding(doc, config):
        if doc.id == "boom":
            raise RuntimeError("kaboom")
        return real(doc, config)

    monkeypatch.setattr(repair, "apply", exploding)
    assert cli.main(["run", "--raw", str(raw), "--clean", str(tmp_path / "clean")]) == 1
    err = capsys.readouterr().err
    assert "BUG" in err and "boom.txt" in err and "kaboom" in err and "nothing published" in err
    assert version.versions(tmp_path / "clean") == []


def test_reading_without_the_plain_file_first_gives_the_same(bad_run, monkeypatch) -> None:
    # read_input opens a usual input at once (O_NOFOLLOW), without an lstat;
    # with that fast path off, every bad input must read (or fail) the same.
    root, config = bad_run["root"], Config(max_file_bytes=10_000_000, max_line_chars=1_000_000)
    fast = [corpus.read_input(inp, root / "raw", config) for inp in bad_run["inputs"]]
    monkeypatch.setattr(corpus, "_PLAIN_FIRST", False)
    slow = [corpus.read_input(inp, root / "raw", config) for inp in bad_run["inputs"]]
    assert fast == slow
    assert any(doc is None for _, doc in fast) and any(doc is not None for _, doc in fast)
