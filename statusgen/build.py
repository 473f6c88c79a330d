"""The pipeline: load -> parse -> model/render -> write, each stage a plain function."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .load import load_project
from .parse import parse_project, parse_time
from .project import Project
from .render import Theme, render_site
from .write import check_output_folder, write_site


def read_project(root: Path) -> Project:
    """Load and validate the project at `root`; raises ProjectError with every problem."""
    return parse_project(load_project(root))


def resolve_now(project: Project, now: str | None) -> datetime:
    """`--now` (naive = the site's time zone), else SOURCE_DATE_EPOCH, else the clock.
    Raises ValueError on text that is not a time."""
    if now:
        return parse_time(now, project.site.timezone)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of "
                             "seconds") from None
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class BuildResult:
    files: int
    pages: int
    seconds: float


def build_site(project: Project, root: Path, out: Path, now: datetime) -> BuildResult:
    """Render the site as it stands at `now` and swap it in at `out`."""
    started = time.perf_counter()
    check_output_folder(out, root)
    files = render_site(project, now, Theme(root, project.site.theme))
    write_site(files, out)
    pages = sum(1 for name in files if name.endswith(".html"))
    return BuildResult(len(files), pages, time.perf_counter() - started)
