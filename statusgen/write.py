"""Stage 5, write: put a rendered site on disk all at once, or not at all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath


class OutputError(Exception):
    """The site could not be written where asked; the previous site is untouched."""


def check_output_folder(out: Path, project_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the project or the system."""
    out, root = out.resolve(), project_root.resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to write the site to {out}: choose a folder such as site/")
    if out == root or out in root.parents:
        raise OutputError(f"refusing to write the site to {out}: it would replace the project "
                          "itself; choose a folder inside it such as site/")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")


def write_site(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a fresh sibling folder, then swap it in place of `out`, so a failure
    at any point leaves the previous site as it was."""
    for name in files:
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise OutputError(f"refusing to write outside the site: {name!r}")
    parent = out.resolve().parent
    tmp = parent / f".{out.name}.new-{os.getpid()}"
    old = parent / f".{out.name}.old-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise OutputError(f"cannot write the site to {out}: {err.strerror or err}") from None
    shutil.rmtree(old, ignore_errors=True)
