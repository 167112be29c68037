"""The Ray executor writes the local executor's version, byte for byte, on a
local Ray cluster of 2 CPUs (CI installs the ray extra: .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from pipeline import version  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.executors import make  # noqa: E402
from tests.test_executors import _sample_raw  # noqa: E402


def test_ray_run_writes_the_bytes_of_a_local_run(tmp_path: Path) -> None:
    raw = _sample_raw(tmp_path, n=16)
    local = tmp_path / "local"
    version.run(raw, local, Config(), executor=make("local", 2), cache_dir=local / ".cache")
    try:
        executor = make("ray", 2)
        assert ray.cluster_resources().get("CPU") == 2
        on_ray = tmp_path / "ray"
        version.run(raw, on_ray, Config(), executor=executor, cache_dir=on_ray / ".cache")
    finally:
        ray.shutdown()
    names = sorted(p.name for p in (local / "v1").iterdir())
    assert names == sorted(p.name for p in (on_ray / "v1").iterdir())
    for name in names:
        assert (on_ray / "v1" / name).read_bytes() == (local / "v1" / name).read_bytes(), name
