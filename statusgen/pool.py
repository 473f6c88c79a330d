"""Work split across forked processes, so that thousands of pages render on every core.

A forked worker starts with a copy of everything the parent had made (the project, the views,
the compiled templates), so nothing but the results crosses between processes. Fork is used
only where it is safe and pays: on Linux, in a process without other threads, for enough work.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 200  # below this, starting processes costs more than it saves

_job: Callable[[Sequence[Any]], list[Any]] | None = None  # what forked workers run


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _job is not None
    return _job(chunk)


def _start_worker() -> None:
    gc.enable()  # for what the worker makes: what it inherited is frozen (see Forked._start)


def available_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Forked(Generic[Item, Result]):
    """Runs `job` over each of `chunks` in `workers` forked processes, which start at once:
    the caller can do other work meanwhile, then iterate to collect the results in order.
    Where forking does not pay or is not safe, `job` runs in this process as the results are
    iterated. Use as a context manager, so the workers always end."""

    def __init__(self, job: Callable[[Sequence[Item]], list[Result]],
                 chunks: Sequence[Sequence[Item]], workers: int) -> None:
        self.job = job
        self.chunks = chunks
        self.workers = workers if (
            workers > 1 and sum(map(len, chunks)) >= MIN_ITEMS
            and sys.platform.startswith("linux") and threading.active_count() == 1
            and _job is None) else 1
        self._pool: Any = None
        self._results: Iterator[list[Result]] | None = None
        if self.workers > 1:
            self._start()

    def _start(self) -> None:
        global _job
        _job = self.job  # type: ignore[assignment]
        # Frozen, the inherited objects are never visited by a worker's cycle collector, which
        # would otherwise write to (and so copy) every page of memory the processes share.
        gc.freeze()
        try:
            self._pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_start_worker)
        except OSError:  # no semaphores (a container without /dev/shm): one process then
            self.workers = 1
            return
        finally:
            gc.unfreeze()
            _job = None  # the workers have their copy; this process needs none
        self._results = self._pool.imap(_run, self.chunks)

    def __iter__(self) -> Iterator[Result]:
        if self._results is None:
            for chunk in self.chunks:
                yield from self.job(chunk)
            return
        for results in self._results:
            yield from results

    def __enter__(self) -> Forked[Item, Result]:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pool is not None:
            if kind is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
