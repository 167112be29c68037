"""Executors decide where the per-input work of a run happens, never what it
does: ``map(fn, items, shared)`` returns ``fn(item, shared)`` for every item,
in the order of ``items``, whatever the number of workers or machines.

``shared`` is what every call needs and no item carries (the config, the
corpus statistics of the first pass): it is sent to each worker once, not
with every item. ``fn`` must be a module-level function (it is pickled by
name). Because results come back in input order and each result depends only
on its item and ``shared``, the output of a run is byte-identical for any
executor and any number of workers.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

NAMES = ("local", "ray")


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[Item, object], Result], items: Iterable[Item],
            shared: object) -> Iterator[Result]: ...


def paired(executor: Executor | None, fn: Callable[[Item, object], Result], items: Iterable[Item],
           shared: object) -> Iterator[tuple[Item, Result]]:
    """(item, fn(item, shared)) of every item, in order; None runs them in
    this process. ``items`` is read once: an item made on the fly (an Input)
    is not made again to pair it with its result. Those handed out and not
    yet answered wait in a queue (an executor takes an item before it
    answers it)."""
    if executor is None:
        for item in items:
            yield item, fn(item, shared)
        return
    sent: deque = deque()

    def remembered() -> Iterator[Item]:
        for item in items:
            sent.append(item)
            yield item
    for result in executor.map(fn, remembered(), shared):
        yield sent.popleft(), result


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def make(name: str = "local", workers: int | None = None, address: str | None = None) -> Executor:
    """The executor called ``name``; ``address`` is a Ray cluster's (ray only)."""
    if name == "local":
        from pipeline.executors.local import LocalExecutor
        return LocalExecutor(workers)
    if name == "ray":
        from pipeline.executors.ray import RayExecutor
        return RayExecutor(workers, address)
    raise ValueError(f"unknown executor {name!r}; known: {', '.join(NAMES)}")
