"""The Ray executor: documents processed as Ray tasks, on this machine or on
a cluster (``curate run --executor ray [--address ADDR]``; pip install -e '.[ray]').

Chunks of inputs become tasks; ``shared`` is put in the object store once and
every task reads it from there. At most ``workers * IN_FLIGHT_PER_WORKER``
chunks are out at a time, and results are taken in input order, so memory
stays flat and the output is the local executor's, byte for byte.

What the nodes share: the code (curate installed at the same version on every
node) and the paths the work reads and writes: ``--raw`` and the cache in
``--clean/.cache`` must be on a file system every node mounts at the same path.
Only the outcomes travel back to this process, which alone writes the version.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator

from pipeline.executors.local import CHUNK, IN_FLIGHT_PER_WORKER, chunks

try:
    import ray
except ImportError:  # the optional extra
    ray = None


def _run_chunk(fn: Callable, chunk: list, shared: object) -> list:
    return [fn(item, shared) for item in chunk]


class RayExecutor:
    def __init__(self, workers: int | None = None, address: str | None = None, chunk: int = CHUNK) -> None:
        if ray is None:
            raise RuntimeError("--executor ray needs Ray: pip install -e '.[ray]'")
        self.address = address
        self.chunk = chunk
        if not ray.is_initialized():
            if address:  # an existing cluster: its resources are its own
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            else:  # a local cluster with `workers` CPUs (default: every core)
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(num_cpus=1)(_run_chunk)

    def map(self, fn: Callable, items: Iterable, shared: object) -> Iterator:
        shared_ref = ray.put(shared)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: deque = deque()
        try:
            for chunk in chunks(items, self.chunk):
                pending.append(self._task.remote(fn, chunk, shared_ref))
                if len(pending) >= limit:
                    yield from ray.get(pending.popleft())
            while pending:
                yield from ray.get(pending.popleft())
        finally:  # also when the consumer stops early
            for ref in pending:
                ray.cancel(ref)
