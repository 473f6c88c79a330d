"""pool.Background: a job run in a forked process while the caller goes on, or here."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from statusgen.pool import Background


def test_a_job_runs_in_another_process_and_its_result_comes_back() -> None:
    with Background(lambda: (os.getpid(), {"big": b"x" * 1_000_000})) as job:
        pid, data = job.result()
    assert job.forked
    assert pid != os.getpid()
    assert data == {"big": b"x" * 1_000_000}  # more than a pipe holds at once


def test_what_the_job_changes_there_stays_there() -> None:
    seen: list[int] = []

    def job() -> int:
        seen.append(1)
        return len(seen)

    with Background(job) as apart:
        assert apart.result() == 1
    assert apart.forked
    assert seen == []


def test_a_job_failing_there_runs_again_here_and_raises_as_it_does() -> None:
    calls: list[int] = []

    def job() -> int:
        calls.append(os.getpid())
        raise ValueError("no such theme")

    with Background(job) as apart, pytest.raises(ValueError, match="no such theme"):
        apart.result()
    assert not apart.forked
    assert calls == [os.getpid()]  # here: what the child appended stayed in the child


def test_with_other_threads_running_the_job_runs_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Background(os.getpid) as apart:
            assert apart.result() == os.getpid()
        assert not apart.forked
    finally:
        stop.set()
        thread.join()


def test_an_error_before_the_result_ends_the_process(tmp_path: Path) -> None:
    mark = tmp_path / "mark"

    def job() -> None:
        threading.Event().wait(60)  # stopped long before
        mark.write_text("finished")

    with pytest.raises(KeyError), Background(job) as apart:
        pid = apart._pid
        raise KeyError("the pages failed")
    assert pid
    with pytest.raises(ChildProcessError):  # waited for: no process left behind
        os.waitpid(pid, os.WNOHANG)
    assert not mark.exists()
