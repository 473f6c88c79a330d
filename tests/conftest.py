"""Shared fixtures."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

WriteProject = Callable[[dict[str, str | bytes | None]], Path]
T = TypeVar("T")
HANG = 300  # seconds: only a hang takes this long


def in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` (a module-level function) in a new Python process, whose only thread
    is its main one, so statusgen forks its worker processes there whatever threads earlier
    tests left running here; its environment is this one's."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as executor:
        return executor.submit(function, *args).result(timeout=HANG)


def _home_in(folder: Path, patch: pytest.MonkeyPatch) -> None:
    patch.setenv("HOME", str(folder))
    patch.setenv("XDG_CACHE_HOME", str(folder / ".cache"))


@pytest.fixture(autouse=True, scope="session")
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The home of the fixtures shared by a module or the session: never the user's, whose
    `~/.cache/statusgen/key` signs their own builds' caches."""
    with pytest.MonkeyPatch.context() as patch:
        _home_in(tmp_path_factory.mktemp("home"), patch)
        yield


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has a home and an XDG_CACHE_HOME of its own (its processes inherit them), so
    no test reads a key or a cache that another test, or the user, left."""
    home = tmp_path_factory.mktemp("home")
    _home_in(home, monkeypatch)
    return home


@pytest.fixture
def write_project(tmp_path: Path) -> WriteProject:
    """Returns `write(files)`: writes each relative path -> text (UTF-8) or bytes (as given)
    under tmp_path, deletes the paths mapped to None, and returns tmp_path. Call it again to
    change a project already written."""

    def write(files: dict[str, str | bytes | None]) -> Path:
        for relative, content in files.items():
            path = tmp_path / relative
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return write
