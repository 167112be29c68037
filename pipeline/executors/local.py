"""The local executor: a pool of worker processes on this machine.

Items go to the workers in chunks (fewer round trips for small documents) and
at most ``workers * IN_FLIGHT_PER_WORKER`` chunks are out at a time, so a
corpus of any size is held in memory only a few chunks at a time: results are
consumed, in input order, as they arrive. One worker runs everything in this
process, with no pool at all.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator

from pipeline.executors import default_workers

CHUNK = 16  # items per task: amortises pickling and IPC over ~1 ms documents
IN_FLIGHT_PER_WORKER = 4  # chunks queued per worker: keeps every core busy, memory flat

_shared: object = None  # set once in each worker by _init


def _init(shared: object, parent: int) -> None:
    global _shared
    _shared = shared
    _die_with(parent)


def _die_with(parent: int) -> None:
    """A worker ends when its run does, however the run ends (SIGKILL
    included): an orphaned worker would wait for work forever."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers end with the pool as usual
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _release_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps them): a
    pool forked after the first pass would otherwise count, in every worker,
    the pages the main process freed (peak RSS would grow with the corpus)."""
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to release
        pass


def _run_chunk(fn: Callable, chunk: list) -> list:
    return [fn(item, _shared) for item in chunk]


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class LocalExecutor:
    def __init__(self, workers: int | None = None, chunk: int = CHUNK) -> None:
        self.workers = max(1, workers or default_workers())
        self.chunk = chunk

    def map(self, fn: Callable, items: Iterable, shared: object) -> Iterator:
        if self.workers == 1:
            for item in items:
                yield fn(item, shared)
            return
        # fork: workers start in milliseconds with the parent's modules loaded;
        # shared is inherited, not pickled.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        limit = self.workers * IN_FLIGHT_PER_WORKER
        _release_freed_memory()  # before the fork: workers inherit only live pages
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init, initargs=(shared, os.getpid()))
        try:
            pending: deque = deque()
            for chunk in chunks(items, self.chunk):
                pending.append(pool.submit(_run_chunk, fn, chunk))
                if len(pending) >= limit:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:  # also when the consumer stops early: queued work is dropped
            pool.shutdown(wait=True, cancel_futures=True)
