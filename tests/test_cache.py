"""The per-document cache gives exactly what processing without it gives,
and a re-run after some inputs changed writes the bytes a full run writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings, strategies as st

from pipeline import cache, corpus_stats, result, version
from pipeline.config import Config
from pipeline.corpus import Input, list_inputs
from pipeline.process import process
from pipeline.runner import Shared, work

DEV_RAW = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "raw"
SEED_RAW = Path(__file__).resolve().parents[1] / "raw"


def _same_as_uncached(raw: Path, inputs: list[Input], cache_dir: Path, config: Config) -> None:
    stats = corpus_stats.first_pass(inputs, raw, config)
    cached = Shared(raw, config, stats, cache_dir)
    for _ in range(2):  # the first fills the cache, the second reads it
        for inp in inputs:
            data = (raw / inp.path).read_bytes()
            want = result.of(process(inp.id, inp.path, data, config, stats), config)
            got = work(inp, cached)
            assert got.error is None
            assert got.result == want, inp.path


def test_cached_outcomes_equal_uncached_on_the_dev_set(tmp_path: Path) -> None:
    raw = DEV_RAW if DEV_RAW.is_dir() else SEED_RAW
    _same_as_uncached(raw, list_inputs(raw), tmp_path / "cache", Config())


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_cached_outcomes_equal_uncached_on_any_text(tmp_path_factory, text: str) -> None:
    raw = tmp_path_factory.mktemp("raw")
    (raw / "a.txt").write_bytes(text.encode("utf-8"))
    (raw / "b.txt").write_bytes(("Title\n\n" + text + "\n\nThe end of the article.").encode("utf-8", "surrogatepass"))
    _same_as_uncached(raw, list_inputs(raw), raw / ".cache", Config())


def test_stale_cache_directories_are_removed(tmp_path: Path) -> None:
    root = tmp_path / ".cache"
    old = cache.prepare(root, Config(), "a" * 64)
    (old / "x").mkdir()
    new = cache.prepare(root, Config(clutter_threshold=0.6), "a" * 64)
    assert new != old and not old.exists() and new.is_dir()
    assert cache.prepare(root, Config(clutter_threshold=0.6), "b" * 64) != new


def test_rerun_after_changes_gives_the_bytes_of_a_full_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(DEV_RAW if DEV_RAW.is_dir() else SEED_RAW, raw)
    inc = tmp_path / "incremental"
    version.run(raw, inc, Config(), cache_dir=inc / ".cache")
    for path in sorted(raw.iterdir())[::10]:  # change a tenth of the inputs
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nA sentence added after the first run, to change this document.\n")
    version.run(raw, inc, Config(), cache_dir=inc / ".cache")
    full = tmp_path / "full"
    version.run(raw, full, Config())
    latest = (inc / "LATEST").read_text().strip()
    assert latest == "v2"
    for name in ("documents.jsonl", "records.jsonl", "rejected.jsonl", "report.json", "report.md"):
        assert (inc / "v2" / name).read_bytes() == (full / "v1" / name).read_bytes() or name.startswith("report")
    assert (inc / "v2" / "documents.jsonl").read_bytes() == (full / "v1" / "documents.jsonl").read_bytes()
