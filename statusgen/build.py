"""The pipeline: load -> parse -> model/render -> write, each stage a plain function."""

from __future__ import annotations

import atexit
import gc
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .cache import BuildCache
from .load import load_project
from .parse import parse_project, parse_time
from .pool import available_workers
from .project import Project
from .render import Stopwatch, Theme, render_changes
from .write import NewSite, check_output_folder


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
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, in order
    notes: tuple[str, ...] = ()  # what the cache did

    def profile(self) -> list[str]:
        """The time each stage took, one line each, for `build --profile`."""
        width = max(map(len, self.stages), default=0)
        lines = [f"  {name:<{width}}  {seconds:6.2f} s" for name, seconds in self.stages.items()]
        return lines + [f"  {note}" for note in self.notes]


class Build:
    """One build of the project at `root` into `out`, as a context: `read` the project
    (through the cache beside `out`, unless `clean`), then `finish` renders and writes what
    changed."""

    def __init__(self, root: Path, out: Path, clean: bool = False) -> None:
        self.root, self.out = root, out
        self.started = time.perf_counter()
        self.stopwatch = Stopwatch()
        self.cache = BuildCache(out, clean=clean)
        self._collecting = gc.isenabled()

    def __enter__(self) -> Build:
        # A build makes millions of objects (a project, its views, pages) that live until it
        # ends: the cycle collector would visit them over and over, a third of a rebuild.
        gc.disable()
        # At exit, leave them to the system rather than have the collector visit them once
        # more (half a second for 10,000 incidents).
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
        return self

    def __exit__(self, *error: object) -> None:
        self.cache.close()
        if self._collecting:
            # Everything made while the collector was off is young to it: its next pass would
            # visit all of it (0.1 s for 10,000 incidents). Made old first, it is not.
            gc.freeze()
            gc.unfreeze()
            gc.enable()

    def read(self) -> Project:
        """The project; raises ProjectError with every problem."""
        with self.stopwatch.stage("read"):
            return self.cache.read_project(self.root)

    def finish(self, project: Project, now: datetime) -> BuildResult:
        """Render the site as it stands at `now` and put it at `out`; raises OutputError."""
        check_output_folder(self.out, self.root)
        theme = Theme(self.root, project.site.theme, self.cache.templates())
        # From here to the swap, no other build writes this output: what memo finds stays so.
        with NewSite(self.out) as new:
            with self.stopwatch.stage("output check"):
                memo = self.cache.memo(theme)
            rendered = render_changes(project, now, theme, memo, self.stopwatch,
                                      available_workers(), self.cache.writer(new))
            with self.stopwatch.stage("write"):
                self.cache.publish(rendered, new)
        with self.stopwatch.stage("cache"):
            n = rendered.converted
            self.cache.notes.append(f"{n} text{'s' if n != 1 else ''} converted from Markdown")
            self.cache.save()
        return BuildResult(len(rendered.files) + len(rendered.written) + len(rendered.kept),
                           rendered.pages, time.perf_counter() - self.started,
                           self.stopwatch.seconds, tuple(self.cache.notes))


def build_site(project: Project, root: Path, out: Path, now: datetime) -> BuildResult:
    """Render the site as it stands at `now` and put it at `out`, using and keeping the cache
    beside `out`."""
    with Build(root, out) as build:
        return build.finish(project, now)
