"""`statusgen init`: the files of a new status project, and writing them over nothing.

The files are package data under `scaffold/`, kept as the user will see them (comments
included), so they read and review as plain files.
"""

from __future__ import annotations

import contextlib
import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SCAFFOLD = Path(__file__).parent / "scaffold"
HOSTS = ("github", "gitlab", "netlify", "cloudflare")
# Stored without their dot: setuptools' package-data globs skip dotfiles, and a .gitignore in
# the package would apply to this repository.
_DOTTED = {"gitignore": ".gitignore", "github": ".github", "gitlab-ci.yml": ".gitlab-ci.yml"}
# What a host's files are, in the project's README.
_HOST_FILES = {
    "github": ".github/workflows/status.yml   checks every push; builds and publishes the page",
    "gitlab": ".gitlab-ci.yml                 checks every pipeline; builds and publishes the page",
    "netlify": "netlify.toml, requirements.txt  how Netlify builds and publishes the page",
    "cloudflare": "requirements.txt               what Cloudflare Pages installs to build the page",
}
# A pip requirement that a shell line and a YAML text carry as they are: no quotes, spaces,
# `$`, backslashes or backquotes (a version, a git+https://...@TAG address, a wheel's address
# or path).
INSTALL = re.compile(r"[A-Za-z0-9._~:/@+=<>!,\[\]%#&?-]+")


def default_install() -> str:
    """statusgen at the version that runs: what init pins by default."""
    try:
        return f"statusgen=={version('statusgen')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "statusgen"


def scaffold_files(install: str | None = None, host: str = "github") -> dict[str, str]:
    """The new project's files as {relative POSIX path: text}, sorted by path: the common ones
    and `host`'s, whose install step installs `install` (a pip requirement; default: the
    running statusgen, pinned, so a release never changes a page unannounced). Raises
    ValueError for an unknown host or a requirement it cannot write."""
    if host not in HOSTS:
        raise ValueError(f"unknown host {host!r}: use one of {', '.join(HOSTS)}")
    if install is not None and not INSTALL.fullmatch(install):
        raise ValueError(f"{install!r} cannot be written into the install step: give a "
                         "version (statusgen==1.2.3), a git+https:// address or a wheel's "
                         "address, without spaces or quotes")
    own = SCAFFOLD / "hosts" / host
    marks = {"@STATUSGEN_INSTALL@": install or default_install(),
             "@HOST_FILES@": _HOST_FILES[host],
             "@PUBLISH@": (own / "publish.md").read_text(encoding="utf-8").strip()}
    common = [(SCAFFOLD, p) for p in SCAFFOLD.rglob("*")
              if p.relative_to(SCAFFOLD).parts[0] != "hosts"]
    files = {}
    for base, path in [*common, *((own, p) for p in own.rglob("*") if p.name != "publish.md")]:
        if path.is_file():
            first, _, rest = path.relative_to(base).as_posix().partition("/")
            name = "/".join(filter(None, (_DOTTED.get(first, first), rest)))
            text = path.read_text(encoding="utf-8")
            for mark, value in marks.items():
                text = text.replace(mark, value)
            files[name] = text
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
