"""Work split across forked processes, so that thousands of pages render on every core.

A forked worker starts with a copy of everything the parent had made (the project, the views,
the compiled templates), so nothing but the results crosses between processes. Fork is used
only where it is safe and pays: on Linux, in a process without other threads, for enough work.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
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


def _may_fork() -> bool:
    """Whether forking this process is safe: on Linux, with no other thread (whose locks a
    child would inherit held), and not inside a worker pool being started."""
    return sys.platform.startswith("linux") and threading.active_count() == 1 and _job is None


def available_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def pays(items: int, workers: int) -> bool:
    """Whether `items` are enough for `workers` processes to be worth starting."""
    return workers > 1 and items >= MIN_ITEMS


class Forked(Generic[Item, Result]):
    """Runs `job` over each of `chunks` in `workers` forked processes, which start at once:
    the caller can do other work meanwhile, then iterate to collect the results in order.
    Where forking does not pay or is not safe, `job` runs in this process as the results are
    iterated. Use as a context manager, so the workers always end."""

    def __init__(self, job: Callable[[Sequence[Item]], list[Result]],
                 chunks: Sequence[Sequence[Item]], workers: int) -> None:
        self.job = job
        self.chunks = chunks
        self.workers = workers if pays(sum(map(len, chunks)), workers) and _may_fork() else 1
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


class Background(Generic[Result]):
    """Runs `job()` in one forked process while the caller goes on; `result()` waits for
    what it returned. Where a fork is not safe (other threads, not Linux) or the process fails
    in any way, `result()` runs `job` here instead, so an error is raised as the job raises
    it. `forked` says whether the job ran apart: what it changed there stays there. With
    `apart` False it always runs here, at `result()` (the cores have other work)."""

    def __init__(self, job: Callable[[], Result], apart: bool = True) -> None:
        self.job = job
        self.forked = False
        self._pid = 0
        self._read = -1
        if apart and _may_fork():
            try:
                self._read, write = os.pipe()
                self._pid = os.fork()
            except OSError:  # no processes or pipes left: here, then
                if self._read >= 0:
                    os.close(self._read)
                return
            if self._pid == 0:  # the child: the result, pickled, and success; or a failure
                code = 1
                try:
                    os.close(self._read)
                    data = pickle.dumps(job(), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write, "wb") as pipe:
                        pipe.write(data)
                    code = 0
                finally:
                    os._exit(code)  # nothing of the parent's (atexit, buffers) runs twice
            os.close(write)

    def result(self) -> Result:
        if self._pid:
            with os.fdopen(self._read, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            if status == 0:
                self.forked = True
                return pickle.loads(data)  # type: ignore[no-any-return]
        return self.job()

    def __enter__(self) -> Background[Result]:
        return self

    def __exit__(self, *error: object) -> None:
        if self._pid:  # not waited for: an error came first
            os.close(self._read)
            with suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            self._pid = 0
