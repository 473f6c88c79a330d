"""`statusgen init`: the files of a new status project, and writing them over nothing.

The files are package data under `scaffold/`, kept as the user will see them (comments
included), so they read and review as plain files.
"""

from __future__ import annotations

import contextlib
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SCAFFOLD = Path(__file__).parent / "scaffold"
# Stored without their dot: setuptools' package-data globs skip dotfiles, and a .gitignore in
# the package would apply to this repository.
_DOTTED = {"gitignore": ".gitignore", "github": ".github"}
_VERSION_MARK = "@STATUSGEN_VERSION@"


def _installed_version() -> str:
    try:
        return version("statusgen")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.1.0"


def scaffold_files(statusgen_version: str | None = None) -> dict[str, str]:
    """The new project's files as {relative POSIX path: text}, sorted by path. The workflow
    installs `statusgen_version` (default: the running one), so a release never changes a
    page unannounced."""
    pinned = statusgen_version or _installed_version()
    files = {}
    for path in sorted(SCAFFOLD.rglob("*")):
        if path.is_file():
            first, _, rest = path.relative_to(SCAFFOLD).as_posix().partition("/")
            name = "/".join(filter(None, (_DOTTED.get(first, first), rest)))
            files[name] = path.read_text(encoding="utf-8").replace(_VERSION_MARK, pinned)
    return dict(sorted(files.items()))


class ScaffoldError(Exception):
    """The project cannot be written where asked; nothing was written."""


def _in_the_way(target: Path, files: dict[str, str]) -> list[Path]:
    """Each file that exists already, and each folder on the way that is not a folder."""
    found: set[Path] = set()
    for name in files:
        path = target / name
        for parent in reversed(path.relative_to(target).parents[:-1]):
            folder = target / parent
            if os.path.lexists(folder) and not folder.is_dir():
                found.add(folder)
        if os.path.lexists(path):
            found.add(path)
    # statusgen.yaml first: the file that says "this is a status project already"
    return sorted(found, key=lambda p: (p != target / "statusgen.yaml", p))


def write_scaffold(target: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` under `target` (made if missing) and return their paths; or, when any of
    them exists already, write nothing and raise ScaffoldError naming it."""
    if os.path.lexists(target) and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a folder: nothing was written")
    blocking = _in_the_way(target, files)
    if blocking:
        more = len(blocking) - 1
        also = f" (as do {more} more of the files init writes)" if more else ""
        raise ScaffoldError(f"{blocking[0]} already exists{also}: init never overwrites a "
                            "file, so it wrote nothing (use an empty folder, or move it away)")
    made: list[Path] = []  # the folders and files this call created, undone on failure
    try:
        for name, text in files.items():
            path = target / name
            missing = [p for p in path.parents if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
            # "x": should a file appear since the check, fail rather than overwrite it
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                made.append(path)
                handle.write(text)
    except OSError as err:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()
        raise ScaffoldError(f"cannot write {err.filename or target}: "
                            f"{err.strerror or err}; nothing was written") from None
    return [target / name for name in files]
