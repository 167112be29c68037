"""The committed clean/ is what the current code makes of the committed raw/.

Fails when code, schemas or raw/ changed without `curate run` being rerun (and
the new version committed). The comparison is of the data files only: the
manifest and report name the version and its parent, which differ by design.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import version
from pipeline.config import Config
from conftest import RAW, REPO

CLEAN = REPO / "clean"
DATA_FILES = ("documents.jsonl", "records.jsonl", "rejected.jsonl")


@pytest.fixture(scope="module")
def committed() -> Path:
    name = version.read_latest(CLEAN)
    if name is None:
        pytest.skip(f"{CLEAN / 'LATEST'} does not exist (or names no version): run `curate run` and commit clean/")
    return CLEAN / name


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    clean = tmp_path_factory.mktemp("clean")
    result = version.run(RAW, clean, Config())
    return clean / result.latest


@pytest.mark.parametrize("name", DATA_FILES)
def test_committed_clean_is_current(committed: Path, fresh: Path, name: str) -> None:
    assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
        f"{committed.relative_to(REPO)}/{name} is out of date: run `curate run` and commit the new version")
