"""pipeline.hashed: a file's sha256 and lines as it is written, and its seal on a thread."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipeline import hashed
from pipeline.hashed import ALIGN, BUFFER, DirectFile, HashedWriter, ShortRead, Syncer
from pipeline.version import file_stats


def _direct_or_skip(path: Path) -> None:
    """Skip when the file system under tmp_path refuses O_DIRECT (tmpfs): the writer then writes buffered."""
    out = HashedWriter(path, direct=True)
    direct = isinstance(out._file, DirectFile)
    out.close()
    path.unlink()
    if not direct:
        pytest.skip("this file system does not take O_DIRECT")


@pytest.mark.parametrize("direct", [False, True])
def test_stats_are_those_of_the_file_written_and_copied(tmp_path: Path, direct: bool) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"one\ntwo\nthree\n" * 50_000)  # several copy chunks
    with HashedWriter(tmp_path / "out", direct=direct) as out, open(source, "rb") as src:
        out.write(b"head\n")
        out.copy(src.fileno(), 4, os.path.getsize(source) - 4)
        out.write(b"tail")
        stats, size = out.stats(), out.size
    assert stats == file_stats(tmp_path / "out")
    assert size == os.path.getsize(tmp_path / "out")


@pytest.mark.parametrize("direct", [False, True])
def test_a_copy_beyond_the_end_of_its_source_is_short(tmp_path: Path, direct: bool) -> None:
    (tmp_path / "source").write_bytes(b"12345")
    with HashedWriter(tmp_path / "out", direct=direct) as out, open(tmp_path / "source", "rb") as src:
        with pytest.raises(ShortRead):
            out.copy(src.fileno(), 2, 10)


@pytest.mark.parametrize("direct", [False, True])
def test_a_submitted_file_is_readable_at_once_and_sealed_by_the_syncer(tmp_path: Path, direct: bool) -> None:
    data = b"a line\n" * 10  # far less than the writer's buffer: still in it unless flushed
    with Syncer() as syncer:
        out = HashedWriter(tmp_path / "out", direct=direct)
        out.write(data)
        syncer.submit(out)
        assert (tmp_path / "out").read_bytes() == data  # as the run's next step reads it
        out.close()  # the seal's to do now: no error, nothing lost
        assert syncer.wait() == {"out"}
    assert (tmp_path / "out").read_bytes() == data
    assert stat.S_IMODE(os.stat(tmp_path / "out").st_mode) == 0o444


@pytest.mark.parametrize("sizes", [[], [1], [ALIGN - 1], [ALIGN], [ALIGN + 1], [BUFFER], [BUFFER + 1],
                                   [7, BUFFER - 7, 3], [BUFFER - 1, 2, ALIGN * 3 + 5], [BUFFER * 2 + 11]])
def test_a_direct_file_holds_what_was_written_whatever_the_lengths(tmp_path: Path, sizes: list[int]) -> None:
    _direct_or_skip(tmp_path / "probe")
    pieces = [bytes([65 + i % 26]) * n for i, n in enumerate(sizes)]
    out = HashedWriter(tmp_path / "out", direct=True)
    assert isinstance(out._file, DirectFile)
    for piece in pieces:
        out.write(piece)
    out.close()
    assert (tmp_path / "out").read_bytes() == b"".join(pieces)  # padding cut off
    assert out.stats() == file_stats(tmp_path / "out")


def test_a_direct_copy_reads_into_the_buffer_across_its_ends(tmp_path: Path) -> None:
    _direct_or_skip(tmp_path / "probe")
    data = os.urandom(BUFFER * 2 + 12345)
    (tmp_path / "source").write_bytes(data)
    with HashedWriter(tmp_path / "out", direct=True) as out, open(tmp_path / "source", "rb") as src:
        out.write(b"x" * 10)  # the copies start off the buffer's alignment
        out.copy(src.fileno(), 5, BUFFER, count_lines=False)
        out.copy(src.fileno(), BUFFER + 5, len(data) - BUFFER - 5, count_lines=True)
        stats = out.stats()
    assert (tmp_path / "out").read_bytes() == b"x" * 10 + data[5:]
    assert stats["sha256"] == file_stats(tmp_path / "out")["sha256"]
    assert out.lines == data[BUFFER + 5:].count(b"\n")  # only the lines of the copy that counts them


def test_a_direct_file_ends_at_its_flush(tmp_path: Path) -> None:
    _direct_or_skip(tmp_path / "probe")
    f = DirectFile(tmp_path / "out")
    f.write(b"abc")
    f.flush()
    with pytest.raises(ValueError):
        f.write(b"more")
    f.close()
    assert (tmp_path / "out").read_bytes() == b"abc"


def test_without_o_direct_the_writer_writes_buffered(tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError(22, "Invalid argument")  # what tmpfs says to O_DIRECT
    monkeypatch.setattr(hashed, "DirectFile", refuse)
    with HashedWriter(tmp_path / "out", direct=True) as out:
        out.write(b"a\nb\n")
        stats = out.stats()
    assert not isinstance(out._file, DirectFile)
    assert (tmp_path / "out").read_bytes() == b"a\nb\n" and stats == file_stats(tmp_path / "out")
