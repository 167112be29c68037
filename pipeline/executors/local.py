"""The local executor: worker processes on this machine.

Items go to the workers in chunks (fewer round trips for small documents) and
at most ``workers * IN_FLIGHT_PER_WORKER`` chunks are out at a time, so a
corpus of any size is held in memory only a few chunks at a time: results are
consumed, in input order, as they arrive. One worker runs everything in this
process, with no workers at all.

Each worker has a pipe for its chunks and one for its results, and the
consumer's own thread reads the results: no helper threads here. A
ProcessPoolExecutor moves every chunk and result through two threads of
this process (a feeder and a manager), and on two cores their hand-offs of
the interpreter lock cost this process more CPU than the work it does itself.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import select
import threading
import traceback
from collections import deque
from itertools import islice
from multiprocessing.connection import wait
from queue import SimpleQueue
from typing import Callable, Iterable, Iterator

from pipeline.executors import default_workers

CHUNK = 16  # items per task: amortises pickling and IPC over ~1 ms documents
IN_FLIGHT_PER_WORKER = 4  # chunks queued per worker: keeps every core busy, memory flat
POLL_EVERY = 4  # items the consumer takes between two looks at the result pipes
PIPE_BYTES = 1 << 20  # a result pipe holds a whole chunk's results: a worker rarely waits to send

_shared: object = None  # set once in each worker by _init


class WorkerDied(RuntimeError):
    """A worker process ended without sending its results (killed, out of memory)."""


def picklable(err: BaseException) -> BaseException:
    """``err``, to be sent to another process: its text, when it does not pickle."""
    try:
        pickle.dumps(err)
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")


class _Raised:
    """An exception raised by ``fn`` in a worker, sent back in its chunk's place."""

    def __init__(self, err: BaseException) -> None:
        self.err = picklable(err)
        self.trace = "".join(traceback.format_exception(err))


def _init(shared: object, parent: int) -> None:
    global _shared
    _shared = shared
    die_with(parent)


def die_with(parent: int) -> None:
    """A worker ends when its run does, however the run ends (SIGKILL
    included): an orphaned worker would wait for work forever."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers end when their pipes close
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


def _worker(fn: Callable, shared: object, parent: int, tasks, results) -> None:
    """A worker's life: chunks in, their results out, until None arrives.
    A thread takes the chunks off the pipe as they come, so the consumer
    never waits to hand out work while this process sends a result."""
    _init(shared, parent)
    queued: SimpleQueue = SimpleQueue()

    prefetch = getattr(shared, "prefetch", None)  # shared.prefetch(chunk): start its reads (a hint)

    def take() -> None:
        nonlocal prefetch
        try:
            while True:
                chunk = tasks.recv()
                queued.put(chunk)
                if chunk is None:
                    return
                if prefetch is not None:  # here, while the chunks before it are processed
                    try:
                        prefetch(chunk)
                    except Exception:  # a hint: the chunk is read as it would be without it
                        prefetch = None
        except (EOFError, OSError):  # the consumer is gone
            queued.put(None)

    threading.Thread(target=take, daemon=True).start()
    while (chunk := queued.get()) is not None:
        try:
            out = _run_chunk(fn, chunk)
        except Exception as err:
            out = _Raised(err)
        results.send(out)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ramped(items: Iterable, size: int) -> Iterator[list]:
    """Chunks of 1, 2, 4... items up to ``size``: the first result comes
    after one item's work, not a whole chunk's (a re-run's pass waits for it)."""
    it, n = iter(items), 1
    while chunk := list(islice(it, n)):
        yield chunk
        n = min(2 * n, size)


def widen(fd: int) -> None:
    try:
        import fcntl
        fcntl.fcntl(fd, 1031, PIPE_BYTES)  # F_SETPIPE_SZ (Linux)
    except (ImportError, OSError):  # elsewhere, or over the user's limit: the default size works, slower
        pass


class _Worker:
    def __init__(self, context, fn: Callable, shared: object) -> None:
        tasks_out, self.tasks = context.Pipe(duplex=False)
        self.results, results_in = context.Pipe(duplex=False)
        widen(results_in.fileno())
        self.process = context.Process(target=_worker, args=(fn, shared, os.getpid(), tasks_out, results_in),
                                       daemon=True)
        self.process.start()
        tasks_out.close()  # the worker's ends: a worker that dies closes its results pipe (EOF here)
        results_in.close()
        self.chunks: deque = deque()  # indices of the chunks sent to it, in order


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
        _release_freed_memory()  # before the fork: workers inherit only live pages
        workers = [_Worker(context, fn, shared) for _ in range(self.workers)]
        try:
            yield from _ordered(workers, ramped(items, self.chunk), IN_FLIGHT_PER_WORKER)
        finally:  # also when the consumer stops early: queued work is dropped
            _stop(workers)


def _ordered(workers: list[_Worker], todo: Iterator[list], per_worker: int) -> Iterator:
    """The results of every chunk of ``todo``, in order. A chunk goes to the
    worker with the fewest chunks out; results are read as they arrive, from
    any worker (a worker whose result is not read cannot start its next
    chunk), and kept until their turn."""
    done: dict[int, list] = {}
    sent = 0  # chunks handed out
    turn = 0  # the chunk whose results come next
    by_conn = {w.results: w for w in workers}
    more = True

    def hand_out() -> None:
        nonlocal sent, more
        while more:
            w = min(workers, key=lambda w: len(w.chunks))
            if len(w.chunks) >= per_worker:
                return
            chunk = next(todo, None)
            if chunk is None:
                more = False
                return
            w.tasks.send(chunk)
            w.chunks.append(sent)
            sent += 1

    ready = _Ready([w.results for w in workers])

    def collect(timeout: float | None) -> bool:
        """Read what arrived (waiting up to ``timeout``); True when something did."""
        arrived = ready(timeout)
        for conn in arrived:
            w = by_conn[conn]
            try:
                out = conn.recv()
            except (EOFError, OSError) as err:
                raise WorkerDied(f"a worker process (pid {w.process.pid}) ended unexpectedly "
                                 f"(exit code {w.process.exitcode})") from err
            done[w.chunks.popleft()] = out
        return bool(arrived)

    hand_out()
    while turn < sent:
        while turn not in done:
            collect(None)
            hand_out()
        out = done.pop(turn)
        turn += 1
        if isinstance(out, _Raised):
            raise out.err from RuntimeError(f"in a worker:\n{out.trace}")
        hand_out()
        for n, item in enumerate(out, 1):
            yield item
            # whatever arrived while the consumer worked: read now, so that
            # its worker goes on; a worker has room for another chunk only
            # when one of its results was read. Every few items: a poll costs
            # microseconds, and found something once in ~150 items at 20k
            # (a worker has chunks queued: it waits for none of them)
            if n % POLL_EVERY == 0 and collect(0):
                hand_out()


class _Ready:
    """The connections with something to read (multiprocessing.connection.wait,
    with the poll object made once: this is asked after every item)."""

    def __init__(self, conns: list) -> None:
        self.conns = conns
        self.poller = select.poll() if hasattr(select, "poll") else None
        if self.poller is not None:
            self.by_fd = {c.fileno(): c for c in conns}
            for fd in self.by_fd:
                self.poller.register(fd, select.POLLIN)

    def __call__(self, timeout: float | None) -> list:
        if self.poller is None:
            return wait(self.conns, timeout)
        events = self.poller.poll(None if timeout is None else int(timeout * 1000))
        return [self.by_fd[fd] for fd, _ in events]  # POLLHUP too: recv then finds EOF


def _stop(workers: list[_Worker]) -> None:
    for w in workers:
        try:
            w.tasks.send(None)
        except OSError:
            pass
    for w in workers:
        if w.process.is_alive() and w.chunks:  # busy with work nobody will read
            w.process.kill()
        w.process.join()
        w.tasks.close()
        w.results.close()
