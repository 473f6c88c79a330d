"""Shared fixtures."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner

from statusgen.cli import main

WriteProject = Callable[[dict[str, str | bytes | None]], Path]
T = TypeVar("T")
HANG = 300  # seconds: only a hang takes this long

REPO = Path(__file__).resolve().parent.parent  # the repository: its project is the demo
DEMO_NOW = "2025-05-14T12:00:00+01:00"  # the demo in the middle of its crisis
GOLDEN = Path(__file__).resolve().parent / "golden"  # project/, and site/ as it builds
GOLDEN_PROJECT = GOLDEN / "project"
GOLDEN_NOW = "2025-04-19T10:30:00+01:00"  # the golden site's moment: the app is down
# The scripts a page may load, from the site itself: the theme's live script, and the banner
# (embed.js) that 404.html shows.
SITE_SCRIPTS = re.compile(r"(?:(?:\.\./)*|/(?:[^/?#]+/)*)"
                         r"(?:static/live\.[0-9a-f]{10}\.js|embed\.js)")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to it (with `/`), in path order."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def small_config(title: str = "Example Status", base_url: str = "https://status.example.com/",
                 components: tuple[tuple[str, str], ...] = (("website", "Website"),
                                                            ("app", "App")),
                 language: str = "en-GB") -> str:
    """statusgen.yaml of a small project in Europe/London, in British English, without
    groups: `components` are (id, name) pairs."""
    listed = "".join(f"  - {{id: {cid}, name: {name}}}\n" for cid, name in components)
    return (f"site:\n  title: {title}\n  base_url: {base_url}\n  timezone: Europe/London\n"
            f"  language: {language}\ncomponents:\n{listed}")


def run_build(project: Path, *args: str, out: Path | None = None, now: str | None = None
              ) -> tuple[int, str]:
    """`statusgen build --project <project> [--out <out>] [--now <now>] *args` through click's
    CliRunner, whatever its outcome: (exit code, output). Asserts that it ended by exiting,
    never by an uncaught exception."""
    command = ["build", "--project", str(project)]
    if out is not None:
        command += ["--out", str(out)]
    if now is not None:
        command += ["--now", now]
    result = CliRunner().invoke(main, [*command, *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def build_site(project: Path, out: Path | None = None, *args: str,
               now: str | None = DEMO_NOW) -> str:
    """Builds `project` into `out` (None: its own site/) as of `now` (None: SOURCE_DATE_EPOCH
    or the clock), with more `args`; asserts that it succeeded and returns what it printed."""
    code, output = run_build(project, *args, out=out, now=now)
    assert code == 0, output
    return output


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
