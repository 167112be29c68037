"""pipeline.hashed: a file's sha256 and lines as it is written, and its seal on a thread."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipeline.hashed import HashedWriter, ShortRead, Syncer
from pipeline.version import file_stats


def test_stats_are_those_of_the_file_written_and_copied(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"one\ntwo\nthree\n" * 50_000)  # several copy chunks
    with HashedWriter(tmp_path / "out") as out, open(source, "rb") as src:
        out.write(b"head\n")
        out.copy(src.fileno(), 4, os.path.getsize(source) - 4)
        out.write(b"tail")
        stats, size = out.stats(), out.size
    assert stats == file_stats(tmp_path / "out")
    assert size == os.path.getsize(tmp_path / "out")


def test_a_copy_beyond_the_end_of_its_source_is_short(tmp_path: Path) -> None:
    (tmp_path / "source").write_bytes(b"12345")
    with HashedWriter(tmp_path / "out") as out, open(tmp_path / "source", "rb") as src:
        with pytest.raises(ShortRead):
            out.copy(src.fileno(), 2, 10)


def test_a_submitted_file_is_readable_at_once_and_sealed_by_the_syncer(tmp_path: Path) -> None:
    data = b"a line\n" * 10  # far less than the writer's buffer: still in it unless flushed
    with Syncer() as syncer:
        out = HashedWriter(tmp_path / "out")
        out.write(data)
        syncer.submit(out)
        assert (tmp_path / "out").read_bytes() == data  # as the run's next step reads it
        out.close()  # the seal's to do now: no error, nothing lost
        assert syncer.wait() == {"out"}
    assert (tmp_path / "out").read_bytes() == data
    assert stat.S_IMODE(os.stat(tmp_path / "out").st_mode) == 0o444
