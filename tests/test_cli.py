"""The `curate` command line, run as a real process (`python -m pipeline`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline import __version__
from conftest import curate, read_jsonl


def test_run_exits_0_with_a_summary_on_stderr(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(clean))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", "stdout stays free for data"
    docs = read_jsonl(clean / "v1" / "documents.jsonl")
    rejected = read_jsonl(clean / "v1" / "rejected.jsonl")
    assert f"inputs {len(docs) + len(rejected)}" in proc.stderr
    assert f"kept {len(docs)}" in proc.stderr
    assert f"rejected {len(rejected)}" in proc.stderr
    assert f"wrote {clean / 'v1'} (LATEST)" in proc.stderr


def test_second_run_says_nothing_changed(seed_raw: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert curate("run", "--raw", str(seed_raw), "--clean", str(clean)).returncode == 0
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(clean))
    assert proc.returncode == 0
    assert "nothing changed since v1" in proc.stderr


def test_quiet_prints_nothing(seed_raw: Path, tmp_path: Path) -> None:
    proc = curate("run", "--quiet", "--raw", str(seed_raw), "--clean", str(tmp_path / "clean"))
    assert proc.returncode == 0
    assert proc.stdout == proc.stderr == ""


def test_defaults_are_raw_and_clean_in_the_working_directory(seed_raw: Path) -> None:
    proc = curate("run", cwd=seed_raw.parent)
    assert proc.returncode == 0, proc.stderr
    assert (seed_raw.parent / "clean" / "LATEST").read_text(encoding="utf-8") == "v1\n"


def test_missing_raw_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    proc = curate("run", "--raw", str(missing), "--clean", str(tmp_path / "clean"))
    assert proc.returncode == 2
    assert "--raw" in proc.stderr and str(missing) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "clean").exists()


def test_default_raw_missing_exits_2(tmp_path: Path) -> None:
    proc = curate("run", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--raw raw" in proc.stderr


def test_bad_config_key_exits_2_naming_the_key(seed_raw: Path, tmp_path: Path) -> None:
    config = tmp_path / "curate.toml"
    config.write_text('keep_langauges = ["en"]\n', encoding="utf-8")
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(tmp_path / "clean"), "--config", str(config))
    assert proc.returncode == 2
    assert "keep_langauges" in proc.stderr
    assert "keep_languages" in proc.stderr, "the message lists the known keys"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "clean").exists()


def test_bad_config_value_exits_2_naming_the_key(seed_raw: Path, tmp_path: Path) -> None:
    for line, key in [('min_body_chars = "many"\n', "min_body_chars"), ('keep_languages = "en"\n', "keep_languages"),
                      ("clutter_threshold = true\n", "clutter_threshold")]:
        config = tmp_path / "curate.toml"
        config.write_text(line, encoding="utf-8")
        proc = curate("run", "--raw", str(seed_raw), "--clean", str(tmp_path / "clean"), "--config", str(config))
        assert proc.returncode == 2, (line, proc.stderr)
        assert key in proc.stderr and "Traceback" not in proc.stderr


def test_broken_or_missing_config_exits_2(seed_raw: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("this is not toml\n", encoding="utf-8")
    for path in (broken, tmp_path / "missing.toml"):
        proc = curate("run", "--raw", str(seed_raw), "--clean", str(tmp_path / "clean"), "--config", str(path))
        assert proc.returncode == 2
        assert str(path) in proc.stderr and "Traceback" not in proc.stderr


def test_good_config_is_used(seed_raw: Path, tmp_path: Path) -> None:
    config = tmp_path / "curate.toml"
    config.write_text('keep_languages = ["en", "fr"]\nclutter_threshold = 1\n', encoding="utf-8")
    clean = tmp_path / "clean"
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(clean), "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((clean / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["keep_languages"] == ["en", "fr"]
    assert manifest["config"]["clutter_threshold"] == 1.0


def test_usage_errors_exit_2() -> None:
    assert curate().returncode == 2
    proc = curate("run", "--no-such-option")
    assert proc.returncode == 2 and "--no-such-option" in proc.stderr


def test_version_flag() -> None:
    proc = curate("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"curate {__version__}"


def test_the_command_writes_all_its_output_before_its_quick_exit(seed_raw: Path, tmp_path: Path) -> None:
    """`curate` ends without tearing the interpreter down (cli.entry): what
    it printed to a pipe is all there (less than the pipe's buffer: unflushed,
    all of it would be lost), and its exit status is main's."""
    clean = tmp_path / "clean"
    assert curate("run", "--quiet", "--raw", str(seed_raw), "--clean", str(clean)).returncode == 0
    doc_id = read_jsonl(clean / "v1" / "documents.jsonl")[0]["id"]
    buffered = {"PYTHONUNBUFFERED": ""}  # (an empty value is unset)
    proc = curate("show", doc_id, "--clean", str(clean), env=buffered)
    status, out = _in_process(["show", doc_id, "--clean", str(clean)])
    assert proc.returncode == status == 0, proc.stderr
    assert 0 < len(out) < 8192 and proc.stdout == out
    missing = ["show", "no-such-id", "--clean", str(clean)]
    assert curate(*missing, env=buffered).returncode == _in_process(missing)[0] != 0


def _in_process(argv: list[str]) -> tuple[int, str]:
    """(main's status, its stdout) in this process."""
    import contextlib
    import io
    from pipeline import cli
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        return cli.main(argv), out.getvalue()


def test_the_command_as_a_process_ends_with_main_s_status_and_its_output(tmp_path: Path, seed_raw: Path) -> None:
    """python -m pipeline (cli.entry: main, then os._exit) exits with main's
    status, its stderr whole, the version written."""
    clean = tmp_path / "clean"
    proc = curate("run", "--raw", str(seed_raw), "--clean", str(clean))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.rstrip().endswith(f"wrote {clean / 'v1'} (LATEST)")
    assert (clean / "LATEST").read_text(encoding="utf-8") == "v1\n"
    usage = curate("run", "--raw", str(tmp_path / "missing"))
    assert usage.returncode == 2 and "is not a directory" in usage.stderr


@pytest.mark.parametrize("status", [0, 1])
def test_the_command_calls_then_before_its_quick_exit_when_main_succeeded(monkeypatch, status) -> None:
    from pipeline import cli

    class Exited(Exception):
        pass

    def exit_now(code):
        raise Exited(code)
    called = []
    monkeypatch.setattr(cli, "main", lambda ahead=None: status)
    monkeypatch.setattr(cli.os, "_exit", exit_now)
    monkeypatch.setattr(cli.threading, "active_count", lambda: 1)
    monkeypatch.delitem(cli.sys.modules, "ray", raising=False)  # (another test may have loaded it)
    with pytest.raises(Exited) as exited:
        cli.entry(None, then=lambda: called.append(True))
    assert exited.value.args == (status,) and called == ([True] if status == 0 else [])


def test_numpy_s_blas_runs_one_thread_unless_the_user_says_otherwise() -> None:
    """pipeline sets OPENBLAS_NUM_THREADS=1 before numpy loads (its thread
    pool, unused here, cost ~50 ms of CPU a run); a value the user set stands."""
    import subprocess
    import sys
    code = "import pipeline.cli, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given, expected in ((None, "1"), ("3", "3")):
        run_env = env if given is None else {**env, "OPENBLAS_NUM_THREADS": given}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run_env, cwd=root)
        assert out.returncode == 0 and out.stdout.strip() == expected, out.stderr
