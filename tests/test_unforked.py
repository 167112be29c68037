"""Tables a forked worker does not inherit (pipeline.unforked)."""

from __future__ import annotations

import mmap
import os
import signal
from array import array

import pytest

from pipeline import unforked


def test_tables_hold_what_they_were_made_with() -> None:
    assert list(unforked.filled("i", 5, -1)) == [-1] * 5
    assert list(unforked.filled("Q", 3, 0)) == [0, 0, 0]
    assert bytes(unforked.copy(b"paths")) == b"paths"
    assert list(unforked.copy(array("Q", [1, 2**64 - 1]), "Q")) == [1, 2**64 - 1]
    assert len(unforked.filled("I", 0, 7)) == 0 and len(unforked.copy(b"")) == 0
    table = unforked.filled("I", 2, 0)
    table[1] = 9
    assert list(table) == [0, 9]


@pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(mmap, "MADV_DONTFORK"), reason="Linux only")
def test_a_forked_child_does_not_map_a_table() -> None:
    table = unforked.copy(b"x" * 4096)
    pid = os.fork()
    if pid == 0:  # the child: reading the table faults, the mapping is not there
        try:
            os._exit(0 if bytes(table) == b"x" * 4096 else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGSEGV, signal.SIGBUS)
    assert bytes(table) == b"x" * 4096  # the parent's is untouched
