"""The pipeline: read (load + parse) -> model -> views -> render (outputs) -> keep what is
unchanged -> make the rest -> write, each stage a plain call with explicit values."""

from __future__ import annotations

import atexit
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from . import history, model, views
from .history import Histories
from .incremental import BuildCache
from .incremental.keys import Keys, digest
from .incremental.records import code_key
from .language import Language
from .load import load_project
from .making import Stopwatch, make
from .markdown import Converted
from .parse import parse_project, parse_time
from .pool import available_workers
from .project import Project, Said
from .render.site import Site, site_outputs
from .render.theme import Templates, Theme, Version, hashed_name
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
        self.made: object = None  # the project and the site of `finish`, kept while it lasts

    def __enter__(self) -> Build:
        # A build makes millions of objects (a project, its views, pages) that live until it
        # ends: the cycle collector would visit them over and over.
        gc.disable()
        # At exit, leave them to the system rather than have the collector visit them once
        # more.
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
        return self

    def __exit__(self, *error: object) -> None:
        self.cache.close()
        if self._collecting:
            # Everything made while the collector was off is young to it: its next pass would
            # visit all of it. Made old first, it is not.
            gc.freeze()
            gc.unfreeze()
            gc.enable()

    def read(self) -> Project:
        """The project; raises ProjectError with every problem."""
        with self.stopwatch.stage("read"):
            return self.cache.read_project(self.root)

    def finish(self, project: Project, now: datetime) -> BuildResult:
        """Render the site as it stands at `now` and put it at `out`; raises OutputError."""
        clock, cache = self.stopwatch, self.cache
        check_output_folder(self.out, self.root)
        # From here to the swap, no other build writes this output: what the cache finds of
        # it stays so.
        with NewSite(self.out) as new:
            output = cache.check_output()
            with clock.stage("model"):
                theme = Theme(self.root, project.site.theme, cache.templates())
                languages = [Language(tag, self.root) for tag in project.site.languages]
                for language in languages:
                    cache.words.recall(language)
                at = model.situation(project, now)
                sites = _sites(at, theme, languages, Converted(cache.markdown.shared()),
                               cache.histories.histories)
                self.made = (project, sites)
            with clock.stage("output check"):
                salt = digest(code_key(), *(s.templates.__fingerprint__() for s in sites))
                keys = Keys(salt, output.previous(salt))
            made, converted = make(sites, keys, cache.markdown, new,
                                   partial(output.begin, new), clock, available_workers())
            with clock.stage("write"):
                output.publish(made, new, salt)
        with clock.stage("cache"):
            outputs = len(made.outputs) + len(made.kept)
            cache.note(f"{len(made.outputs)} of {outputs} outputs made, the rest as the last "
                       "build made them" if made.kept else f"all {outputs} outputs made")
            cache.note(f"{converted} text{'s' if converted != 1 else ''} converted from "
                       "Markdown")
            cache.save(sites[0].templates.markdown, languages)
        return BuildResult(len(made.files) + len(made.written) + len(output.files_of(made.kept)),
                           sum(name.endswith(".html") for name in made.keys),
                           time.perf_counter() - self.started, clock.seconds,
                           tuple(cache.notes))


def render_site(project: Project, now: datetime, theme: Theme) -> dict[str, bytes]:
    """Every file of the site at `now`, each output made here and now: the plain build, which
    reads nothing but the theme and keeps nothing."""
    outputs = site_outputs(plain_sites(project, now, theme))
    return {path: data for output in outputs for path, data in output.files().items()}


def plain_sites(project: Project, now: datetime, theme: Theme) -> list[Site]:
    """What the outputs of the site at `now` are made of, in each of its languages, all
    worked out here and now."""
    at = model.situation(project, now)
    return _sites(at, theme, [Language(tag, theme.project_root)
                              for tag in project.site.languages], Converted(),
                  lambda at: history.histories(at.project, at.now))


def _sites(at: model.Situation, theme: Theme, languages: list[Language], converted: Converted,
           histories: Callable[[model.Situation], Histories]) -> list[Site]:
    """What the site's outputs are made of in each of its `languages` (the first at the
    root, each other in its folder): the theme's templates for the project's settings in that
    language, the views, the histories and the static files. The histories are worked out
    once: only the incidents' titles differ between languages."""
    logo = at.project.site.logo
    static = theme.static_files()
    if logo:  # the owner's image (parse checked it) is published as a static file
        static[logo] = (theme.project_root / logo).read_bytes()
    assets = {name: hashed_name(name, data) for name, data in static.items()}
    first = languages[0]
    if len(languages) == 1:
        by_id = views.incident_views(at, converted)
        t = Templates(theme, replace(at.project, incidents=()), assets, first, converted)
        return [Site(at, t, by_id, histories(at), static)]
    shared = (first.tag, first.direction)
    alike = {language.tag.partition("-")[0] for language in languages}
    versions = [Version(language.tag, language.own_name(whole=len(alike) < len(languages)),
                        "" if language is first else f"{language.tag}/")
                for language in languages]
    sites: list[Site] = []
    home = at.project.site.base_url
    for language, version in zip(languages, versions):
        own = replace(at, project=at.project.in_language(
            Said(None if language is first else language.tag, *shared)))
        by_id = views.incident_views(own, converted)
        found = histories(own) if not sites else history.retitled(
            sites[0].histories, {view.path: view.title for view in by_id.values()})
        settings = replace(own.project, incidents=(), site=replace(
            own.project.site, base_url=home + version.folder))
        t = Templates(theme if not sites else theme.another(), settings, assets, language,
                      converted, versions, version.folder)
        sites.append(Site(own, t, by_id, found, static))
    return sites
