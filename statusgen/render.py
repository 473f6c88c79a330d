"""Stage 4, render: a `Project` at `now` -> {relative path: bytes}. Never touches the output.

The model decides; this module only shapes its answers into views the templates display.
"""

from __future__ import annotations

import hashlib
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import markdown
import nh3
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    UndefinedError,
)
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from . import api, badges, feeds, headers, history, ical, intervals, model
from .intervals import Segment
from .load import not_text
from .pool import Background, Forked
from .project import Component, CustomerImpact, Impact, Incident, Project, State, Update
from .write import file_digest

BUILTIN_THEME = Path(__file__).parent / "themes" / "default"
RECENT_DAYS = 15
COMPONENT_PAGE = 50  # incidents listed on a component's page, and on each older one

STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}


# What parts of Markdown react to: single characters, and three marks of more. Each is looked
# for with `in`, many times faster than a regular expression.
_CHARACTERS = "`\\<&*_[!#>\t"
_LINE_END_SPACE, _REFERENCE_MARK, _FOUR_SPACES = " \n", "]:", "    "


def _marks(text: str) -> frozenset[str]:
    """The characters and marks that `text` holds; _LINE_END_SPACE for a space or a tab just
    before a line end."""
    marks = [c for c in _CHARACTERS if c in text]
    if " \n" in text or "\t\n" in text or " \r" in text or "\t\r" in text:
        marks.append(_LINE_END_SPACE)
    if _REFERENCE_MARK in text:
        marks.append(_REFERENCE_MARK)
    if _FOUR_SPACES in text:
        marks.append(_FOUR_SPACES)
    return frozenset(marks)


def _has(*groups: str) -> Callable[[frozenset[str]], bool]:
    """Whether a text holds, of every group, one character at least."""
    return lambda marks: all(not marks.isdisjoint(group) for group in groups)


def _indented(marks: frozenset[str]) -> bool:
    return _FOUR_SPACES in marks or "\t" in marks or "<" in marks


# Parts of Python-Markdown (registry, name) and what a text must hold for each to change
# anything. Every piece of text goes through each inline pattern in turn, which is most of
# the time Markdown takes: a converter without the parts that cannot apply to a text gives
# the same HTML, faster. Mostly single characters, since Markdown joins text around the raw
# HTML it sets aside ("!<b>[x](y)" holds an image) but never makes a character up (save
# spaces from tabs and newlines from returns). tests/test_markdown.py compares the two
# converters on many texts.
_NEEDS: dict[tuple[str, str], Callable[[frozenset[str]], bool]] = {
    **{("inlinePatterns", name): needs for name, needs in {
        "backtick": _has("`"), "escape": _has("\\"), "autolink": _has("<"),
        "automail": _has("<"), "html": _has("<"), "entity": _has("&"), "em_strong": _has("*_"),
        "link": _has("["), "image_link": _has("!", "["),
        # two spaces at the end of a line: from spaces or a tab just before it, or before
        # raw HTML set aside
        "linebreak": lambda marks: "<" in marks or _LINE_END_SPACE in marks,
    }.items()},
    # raw HTML blocks, and character references that it writes out again ("&copy" -> "&copy;")
    ("preprocessors", "html_block"): _has("<&"),
    ("treeprocessors", "unescape"): _has("\\"),  # puts back what "escape" set aside
    # "[id]: https://..."
    ("parser.blockprocessors", "reference"): lambda marks: _REFERENCE_MARK in marks,
    ("parser.blockprocessors", "hashheader"): _has("#"),
    ("parser.blockprocessors", "quote"): _has(">"),
    # an indented block: four spaces or a tab (or spaces around raw HTML set aside)
    **{("parser.blockprocessors", name): _indented for name in ("code", "indent")},
}
# These only ever link to a reference the text defines, and whether it defines any is known
# exactly once its blocks are parsed: see _References.
_REFERENCES = ("reference", "short_reference", "image_reference", "short_image_ref")
_converters = threading.local()


class _References(Treeprocessor):
    """Runs between the block parser and the inline patterns: a text that defines no reference
    has its inline patterns applied without the four that can only link to one (a quarter of
    the time the others take)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.every = md.inlinePatterns
        self.some = md.inlinePatterns[:]  # a copy, with names and priorities
        for name in _REFERENCES:
            self.some.deregister(name, strict=False)

    def run(self, root: ET.Element) -> None:
        inline: Any = self.md.treeprocessors["inline"]
        inline.inlinePatterns = self.every if self.md.references else self.some


def _converter(text: str) -> markdown.Markdown:
    """A converter for `text`, one per thread and set of patterns, reset between texts
    (`reset()` leaves nothing of the last text behind): building one costs as much as
    converting a message."""
    marks = _marks(text)
    made = getattr(_converters, "made", None)
    if made is None:
        made = _converters.made = {}
    if marks not in made:
        unused = [part for part, needs in _NEEDS.items() if not needs(marks)]
        converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        for registry, name in unused:
            parts = converter.parser.blockprocessors if registry.startswith("parser.") \
                else getattr(converter, registry)
            parts.deregister(name, strict=False)
        converter.treeprocessors.register(_References(converter), "references", 25)
        made[marks] = converter
    return made[marks].reset()


# nh3's defaults (its tags, attributes and URL schemes), made once rather than per text
_SANITIZER = nh3.Cleaner(link_rel="noopener noreferrer nofollow")


def markdown_html(text: str) -> Markup:
    """Markdown -> HTML with only harmless tags, attributes and URL schemes left."""
    html = _SANITIZER.clean(_converter(text).convert(text))
    # A character reference (&#x1b;) comes out of nh3 as the character itself: those no page
    # or feed can carry are dropped, as the loader refuses them written as escapes.
    return Markup(not_text(html).sub("", html))


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    description: str
    state: State

    @property
    def path(self) -> str:
        return f"components/{self.id}/"


@dataclass(frozen=True)
class GroupView:
    name: str  # "" for components outside any group
    components: list[ComponentView]
    state: State  # the worst of its components
    uptime: str  # the mean of its components', two decimals


@dataclass(frozen=True)
class UpdateView:
    number: int  # 1 for the first update; never changes once published
    anchor: str
    at: datetime
    label: str  # the status it set, or "Update"
    status: str | None
    message: str  # Markdown
    changes: list[tuple[str, State]]  # (component name, new state)
    next_update: datetime | None
    converted: Converted = field(repr=False, compare=False)

    # Converted when first shown: most pages list an incident without its updates' text.
    @cached_property
    def html(self) -> Markup:
        return self.converted.html(self.message)

    @cached_property
    def summary(self) -> str:
        """The message as plain text, cut to about 200 characters."""
        return _summary(self.html.striptags())


@dataclass(frozen=True)
class IncidentView:
    """An incident as the pages show it at `now`. Every incident's view is made each build: what
    the lists of incidents need is worked out then, the rest when a page first asks."""

    incident: Incident = field(repr=False)
    now: datetime
    status: str  # status word now
    started: datetime | None  # None until it has begun
    ended: datetime | None
    affected: list[ComponentView]
    names: dict[str, str] = field(repr=False, compare=False)  # component names by id
    converted: Converted = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def path(self) -> str:
        """Relative to the site root."""
        return f"incidents/{self.incident.id}/"

    @property
    def title(self) -> str:
        return self.incident.title

    @property
    def is_maintenance(self) -> bool:
        return self.incident.is_maintenance

    @property
    def pinned(self) -> bool:
        return self.incident.pinned

    @property
    def scheduled_start(self) -> datetime | None:
        return self.incident.scheduled_start

    @property
    def scheduled_end(self) -> datetime | None:
        return self.incident.scheduled_end

    @property
    def published(self) -> tuple[Update, ...]:
        return self.incident.updates

    @cached_property
    def impact(self) -> Impact:
        return model.incident_impact(self.incident)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def ongoing(self) -> bool:
        """Begun and not ended."""
        return self.started is not None and self.ended is None

    @property
    def elapsed(self) -> timedelta | None:
        """From start to end (to now while it goes on), as model.duration gives it; None
        until it has begun."""
        return None if self.started is None else (self.ended or self.now) - self.started

    @cached_property
    def _active(self) -> bool:
        return model.is_active(self.incident, self.now)

    @cached_property
    def customer_impact(self) -> CustomerImpact | None:
        return model.customer_impact(self.incident) if self._active else None

    @cached_property
    def next_update(self) -> datetime | None:
        return model.next_update_promised(self.incident) if self._active else None

    @property
    def overdue(self) -> bool:
        return self.next_update is not None and self.next_update < self.now

    @property
    def postmortem_text(self) -> str:
        """Markdown; "" until it is published, once the incident is over."""
        return self.incident.postmortem if self.ended else ""

    # Made when first shown: most pages list an incident without its updates.
    @cached_property
    def updates(self) -> list[UpdateView]:
        """Newest first."""
        return [_update_view(n, u, self.names, self.converted)
                for n, u in enumerate(self.published, start=1)][::-1]

    @cached_property
    def duration(self) -> str:
        """The elapsed time in words; "" when it has not started."""
        return history.duration_text(self.elapsed) if self.elapsed is not None else ""

    @cached_property
    def postmortem(self) -> Markup:
        return self.converted.html(self.postmortem_text) if self.postmortem_text \
            else Markup("")


class Converted:
    """Markdown converted to HTML, by message: what earlier builds converted (`known`), and
    what this one converts (`made`); `used` is what was asked for."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self.known = known or {}
        self.used: dict[str, str] = {}
        self.made: set[str] = set()

    @property
    def converted(self) -> int:
        return len(self.made)

    def html(self, text: str) -> Markup:
        found = self.used.get(text)
        if found is None:
            found = self.known.get(text)
            if found is None:
                found = str(markdown_html(text))
                self.made.add(text)
            self.used[text] = found
        return Markup(found)


MARKDOWN_SHARDS = 64  # incident pages are made by shard: one record of Markdown each


def markdown_shard(incident_id: str) -> int:
    return zlib.crc32(incident_id.encode()) % MARKDOWN_SHARDS


# A component's history as pages and the API show it: its timeline, then its uptime bars and
# periods; each with the key it was made from (see _histories).
History = tuple[str, list[Segment], str, history.Uptime, list[history.Period]]


class Store(Protocol):
    """Where what builds make is kept from build to build:
    - the HTML made of each incident's Markdown, a record per shard of incidents, {incident
      id: {Markdown: HTML}}, which worker processes use;
    - each component's History."""

    def load_markdown(self, shard: int) -> dict[str, dict[str, str]]: ...

    def save_markdown(self, shard: int, record: dict[str, dict[str, str]]) -> None: ...

    def load_history(self, component: str) -> History | None: ...

    def save_history(self, component: str, record: History) -> None: ...


@dataclass(frozen=True)
class _Histories:
    """Every component's timeline, uptime bars and periods, by component id, in order."""

    lines: dict[str, list[Segment]]
    uptimes: dict[str, history.Uptime]
    periods: dict[str, list[history.Period]]

    def shown(self, component: str) -> str:
        """A digest of a component's bars and periods as pages show them (3 ms for all the
        components of 10,000 incidents), for the keys of those pages."""
        return _digest(repr(self.uptimes[component]), repr(self.periods[component]))


def _histories(project: Project, now: datetime, sources: Mapping[str, str] | None,
               store: Store | None) -> _Histories:
    """Every component's timeline, uptime bars and uptime periods. A timeline is a function of
    the settings and of the incidents that touch the component, each known by its source and
    its updates published; the bars and periods, of the timeline and `now`. What `store` kept
    for the same inputs is taken as it is; only the rest is worked out (and kept)."""
    site, tz = project.site, project.site.timezone
    ids = [c.id for c in project.components]
    lines: dict[str, list[Segment]] = {}
    uptimes: dict[str, history.Uptime] = {}
    periods: dict[str, list[history.Period]] = {}
    keys: dict[str, str] = {}
    when = _digest(now.isoformat(), site.history_days, tz.key)
    if sources is not None and store is not None:
        marks: dict[str, list[str]] = {cid: [] for cid in ids}
        for incident in project.incidents:  # in order: it orders changes at one instant
            mark = f"{incident.id}:{sources[incident.id]}:{len(incident.updates)}"
            for cid in model.state_steps(incident):
                marks[cid].append(mark)
        # how its files read depends on the settings too (a naive time is in the time zone)
        settings = _digest(repr(site), repr(project.groups), repr(project.components))
        for cid in ids:
            keys[cid] = _digest(settings, *marks[cid])
            found = store.load_history(cid)
            if found is not None and found[0] == keys[cid]:
                lines[cid] = found[1]
                if found[2] == when:
                    uptimes[cid], periods[cid] = found[3], found[4]
    lines.update(intervals.timelines(project, [cid for cid in ids if cid not in lines]))
    stale = [cid for cid in ids if cid not in uptimes]
    uptimes.update(history.uptime_views(project, lines, now, stale))
    periods.update({cid: history.uptime_periods(lines[cid], now, tz) for cid in stale})
    if keys and store is not None:
        for cid in stale:
            store.save_history(cid, (keys[cid], lines[cid], when, uptimes[cid], periods[cid]))
    # in the components' order, as a clean build has them
    return _Histories({cid: lines[cid] for cid in ids}, {cid: uptimes[cid] for cid in ids},
                      {cid: periods[cid] for cid in ids})


@dataclass(frozen=True)
class DayView:
    day: datetime  # midnight in the site's time zone
    entries: list[tuple[IncidentView, list[UpdateView]]] = field(default_factory=list)


def _summary(text: str, limit: int = 200) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _update_view(number: int, update: Update, names: dict[str, str],
                 converted: Converted) -> UpdateView:
    return UpdateView(
        number=number,
        anchor=f"update-{number}",
        at=update.at,
        label=STATUS_LABELS[update.status] if update.status else "Update",
        status=update.status,
        message=update.message,
        changes=[(names[cid], state) for cid, state in update.components],
        next_update=update.next_update,
        converted=converted,
    )


class _Shown:
    """The project's components as incident views show them: a view is a value, so one for
    each component and state serves every incident."""

    def __init__(self, project: Project) -> None:
        self.by_id = {c.id: c for c in project.components}
        self.names = {c.id: c.name for c in project.components}
        self._views: dict[tuple[str, State], ComponentView] = {}

    def view(self, cid: str, state: State) -> ComponentView:
        found = self._views.get((cid, state))
        if found is None:
            component = self.by_id[cid]
            found = self._views[(cid, state)] = ComponentView(
                cid, component.name, component.description, state)
        return found


def incident_view(incident: Incident, project: Project, now: datetime,
                  states: dict[str, State], converted: Converted | None = None,
                  components: _Shown | None = None) -> IncidentView:
    """`components`: the project's, when the caller has them at hand."""
    components = components if components is not None else _Shown(project)
    if incident.is_maintenance:
        status = model.maintenance_status(incident, now)
    else:
        status = model.incident_status(incident) or "investigating"
    ended = model.ended_at(incident, now)
    started = model.started_at(incident)
    if started is not None and started > now:
        started = None
    affected = model.affected_components(incident)
    if ended is None:  # its components as they are now
        shown = [components.view(cid, states[cid]) for cid in affected]
    else:  # the worst it gave each: nothing the page of an ended incident shows changes
        worst = model.worst_states(incident)
        shown = [components.view(cid, worst.get(cid, State.OPERATIONAL)) for cid in affected]
    return IncidentView(incident, now, status, started, ended, shown, components.names,
                        converted if converted is not None else Converted())


def incident_views(project: Project, now: datetime, states: dict[str, State],
                   converted: Converted | None = None) -> dict[str, IncidentView]:
    """Every incident's view, Markdown converted once; `project` as published at `now`."""
    converted = converted if converted is not None else Converted()
    components = _Shown(project)
    return {i.id: incident_view(i, project, now, states, converted, components)
            for i in project.incidents}


def _component_view(component: Component, states: dict[str, State]) -> ComponentView:
    return ComponentView(component.id, component.name, component.description,
                         states[component.id])


def _groups(project: Project, states: dict[str, State],
            uptimes: dict[str, history.Uptime]) -> list[GroupView]:
    views = []
    for group_id, name in [*((g.id, g.name) for g in project.groups), (None, "")]:
        members = [_component_view(c, states) for c in project.components if c.group == group_id]
        if members:
            views.append(GroupView(name, members, max(m.state for m in members),
                                   history.group_percent([uptimes[m.id] for m in members])))
    return views


def _recent_views(views: list[IncidentView], now: datetime, tz: Any) -> list[IncidentView]:
    """The incidents that may have something in the last RECENT_DAYS days: an update, or a
    maintenance window that began."""
    first = intervals.day_starts(now, RECENT_DAYS, tz)[0]  # in UTC, as the updates' times
    found = []
    for view in views:
        published = view.incident.updates
        if (published and published[-1].at >= first) or \
                (view.is_maintenance and view.started and view.started >= first):
            found.append(view)  # (updates are in time order)
    return found


def _recent(views: list[IncidentView], now: datetime, tz: Any) -> list[DayView]:
    """The last RECENT_DAYS days, newest first, each with the incidents updated that day
    (and maintenance windows that began that day) and those updates; `views` as
    _recent_views gives them."""
    starts = intervals.day_starts(now, RECENT_DAYS, tz)
    days = [d.astimezone(tz) for d in starts[-2::-1]]
    index = {day.date(): DayView(day) for day in days}
    for view in views:
        seen: dict[Any, list[UpdateView]] = {}
        for update in view.updates:
            seen.setdefault(update.at.astimezone(tz).date(), []).append(update)
        if view.is_maintenance and view.started and view.started <= now:
            seen.setdefault(view.started.astimezone(tz).date(), [])
        for date, updates in seen.items():
            if date in index:
                index[date].entries.append((view, updates))
    for day in index.values():
        day.entries.sort(key=lambda e: (max((u.at for u in e[1]), default=e[0].started or now),
                                        e[0].id), reverse=True)
    return list(index.values())


class Theme:
    """The Jinja environment and static files of a theme: the project's `themes/<name>/`
    files override the built-in ones file by file, and `default:` reaches the built-in."""

    def __init__(self, project_root: Path, name: str,
                 compiled: BytecodeCache | None = None) -> None:
        self.project_root = project_root
        builtin = FileSystemLoader(BUILTIN_THEME / "templates")
        loaders: list[Any] = [builtin]
        self.template_dirs = [BUILTIN_THEME / "templates"]
        self.static_dirs = [BUILTIN_THEME / "static"]
        own = project_root / "themes" / name
        if own.is_dir():
            loaders.insert(0, FileSystemLoader(own / "templates"))
            self.template_dirs.append(own / "templates")
            self.static_dirs.append(own / "static")
        self.env = Environment(
            loader=ChoiceLoader([PrefixLoader({"default": builtin}, delimiter=":"), *loaders]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # a Theme serves one build: no need to stat every template
            bytecode_cache=compiled,  # templates compiled by an earlier build
        )

    def fingerprint(self) -> str:
        """A digest of every template and static file the theme draws on."""
        digest = hashlib.sha256()
        for folder in [*self.template_dirs, *self.static_dirs]:
            digest.update(f"{folder}\n".encode())
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                if path.is_file():
                    digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def static_files(self) -> dict[str, bytes]:
        """Static files by name, later folders overriding earlier ones."""
        files: dict[str, bytes] = {}
        for folder in self.static_dirs:
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        files[path.relative_to(folder).as_posix()] = path.read_bytes()
        return files


def _hashed(name: str, data: bytes) -> str:
    """style.css -> static/style.1a2b3c4d5e.css: a name that changes when the content does,
    so hosts may cache it for a year."""
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"static/{stem}.{digest}.{suffix}" if dot else f"static/{name}.{digest}"


class Stopwatch:
    """Seconds spent in each stage of a build, in the order the stages first ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class Memo:
    """What lets a build leave pages as an earlier build wrote them. A page's key is a digest of
    everything it is made from, so an equal key means equal bytes."""

    salt: str  # a digest of the code, libraries and theme files that make pages
    sources: Mapping[str, str]  # incident id -> a digest of the file it was read from
    previous: Mapping[str, str]  # page path -> the key it was last written from
    # Markdown converted before: for the pages this process makes, and for the incident pages
    html: Mapping[str, str] = field(default_factory=dict)
    store: Store | None = None


@dataclass(frozen=True)
class _Made:
    """What render_changes' machine_readable made, and what it added to the build's keys,
    kept pages and Markdown."""

    files: dict[str, bytes]
    keys: dict[str, str]
    kept: set[str]
    html: dict[str, str]  # by Markdown text
    made: set[str]  # the Markdown texts it converted
    seconds: dict[str, float]  # by stage


@dataclass(frozen=True)
class Rendered:
    files: dict[str, bytes]  # every file, except the pages kept
    kept: frozenset[str]  # pages whose key is unchanged: the files written before stand
    written: dict[str, str]  # incident pages already given to the sink, by digest
    keys: dict[str, str]  # page path -> key, for the pages that have one
    pages: int  # HTML pages in the site, kept ones included
    html: dict[str, str]  # the Markdown this process converted or reused, by message
    converted: int  # Markdown texts this build converted


def render_site(project: Project, now: datetime, theme: Theme) -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the site root."""
    return render_changes(project, now, theme).files


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def render_changes(project: Project, now: datetime, theme: Theme, memo: Memo | None = None,
                   stopwatch: Stopwatch | None = None, workers: int = 1,
                   sink: Callable[[Mapping[str, bytes]], None] | None = None) -> Rendered:
    """The site at `now`, except the pages that `memo` shows the last build wrote from the same
    inputs. Incident pages render in `workers` forked processes when there are many, and go to
    `sink` (which writes them) as they come, if there is one."""
    clock = stopwatch or Stopwatch()
    with clock.stage("model"):
        project = model.published(project, now)
        site = project.site
        tz = site.timezone
        static = theme.static_files()
        if site.logo:  # the owner's image (checked by parse) is published like a static file
            static[site.logo] = (theme.project_root / site.logo).read_bytes()
        assets = {name: _hashed(name, data) for name, data in static.items()}
        files: dict[str, bytes] = {assets[name]: data for name, data in static.items()}

        states = model.component_states_at(project, now)
        converted = Converted(memo.html if memo else None)
        views = incident_views(project, now, states, converted)
        indicator = model.overall_indicator(project, now)
        histories = _histories(project, now, memo.sources if memo else None,
                               memo.store if memo else None)
        lines, uptimes, periods = histories.lines, histories.uptimes, histories.periods
        ordered = sorted(views.values(), key=lambda v: (v.started or now, v.id), reverse=True)
    env = theme.env

    times: dict[tuple[datetime, bool], Markup] = {}  # pages show the same moments again

    def time_filter(moment: datetime, with_date: bool = True) -> Markup:
        found = times.get((moment, with_date))
        if found is None:
            local = moment.astimezone(tz)
            shown = f"{local.day} {local:%b %Y, %H:%M %Z}" if with_date else f"{local:%H:%M %Z}"
            found = times[(moment, with_date)] = Markup(
                f'<time datetime="{escape(local.isoformat())}">{escape(shown)}</time>')
        return found

    def day_filter(moment: datetime) -> Markup:
        local = moment.astimezone(tz)
        return Markup('<time datetime="{}">{}</time>').format(
            local.date().isoformat(), f"{local.day} {local:%B %Y}")

    def shortday_filter(moment: datetime) -> str:
        local = moment.astimezone(tz)
        return f"{local.day} {local:%b %Y}"

    env.filters["time"] = time_filter
    env.filters["shortday"] = shortday_filter
    env.filters["day"] = day_filter

    def render_page(template: str, path: str, root: str | None = None,
                    as_of: datetime | None = None, **context: Any) -> bytes:
        """One page; links are relative to it unless `root` says otherwise. A page `as_of` a
        moment (an ended incident's, or a list of ended incidents only: model.settled_at) is
        made as it stood then: `now` is that moment, and it has no `indicator` or `sentence`,
        which are the site's at present."""
        if root is None:
            root = "../" * path.count("/")
        present = {} if as_of is not None else {
            "indicator": indicator, "sentence": model.SENTENCES[indicator]}
        try:
            html = env.get_template(template).render(
                site=site, root=root, now=as_of or now, page_url=site.base_url +
                path.removesuffix("index.html"), asset=lambda name: f"{root}{assets[name]}",
                **present, **context)
        except UndefinedError as err:  # which page, and why a value the others have is missing
            why = " (a page of ended incidents only is made as it stood when they had ended: " \
                "it has no indicator or sentence, which belong to the present)" if as_of else ""
            raise UndefinedError(f"{path}: {err.message}{why}") from None
        return html.encode("utf-8")

    def page(template: str, path: str, root: str | None = None, **context: Any) -> None:
        files[path] = render_page(template, path, root, **context)

    # Keys: what a page shows is a function of the site, the theme, `now`, the banner and the
    # incidents it lists, each known by the digest of its file and its components' states.
    keys: dict[str, str] = {}
    kept: set[str] = set()
    timeless = _digest(memo.salt, repr(site), repr(project.groups), repr(project.components),
                       sorted(assets.items())) if memo else ""
    base = _digest(timeless, now.isoformat(), indicator.name) if memo else ""

    # The keys of the pages the last build wrote: known once the output folder is checked (in
    # another process, since memo): waited for here, after the model, before any fork.
    with clock.stage("output check"):
        previous = dict(memo.previous) if memo else {}

    def listed(ids: Iterable[str]) -> list[str]:
        return [known[i] for i in ids] if memo else []

    def unchanged(path: str, *inputs: object, at_any_time: bool = False) -> bool:
        """Whether the page at `path` was written from these inputs by the last build (and
        the same `now`, unless the page is the same `at_any_time`)."""
        if memo is None:
            return False
        keys[path] = _digest(timeless if at_any_time else base, path, *inputs)
        if previous.get(path) == keys[path]:
            kept.add(path)
            return True
        return False

    incidents = {i.id: i for i in project.incidents}
    # In one pass over every incident (most have ended): when its page stopped changing
    # (model.settled_at), or None; how pages that list it know it (by its source and its
    # components' states now); whether its own page is to be made (unchanged() written out
    # for ended incidents); and the lists of the pages it goes in.
    with clock.stage("page keys"):
        settled: dict[str, datetime | None] = {}
        known: dict[str, str] = {}
        todo = []
        active: list[IncidentView] = []  # incidents and notices not resolved
        maintenance: list[IncidentView] = []
        touching: dict[str, list[IncidentView]] = {c.id: [] for c in project.components}
        for view in ordered:
            if view.is_maintenance:
                maintenance.append(view)
            elif view.status != "resolved":
                active.append(view)
            for cid in {c.id for c in view.affected}:
                touching[cid].append(view)
            iid, path = view.id, f"incidents/{view.id}/index.html"
            as_of = settled[iid] = model.settled_at(view.incident, view.ended)
            if memo is None:
                todo.append(iid)
                continue
            source = memo.sources[iid]
            known[iid] = f"{iid}:{source}:{','.join([c.state.word for c in view.affected])}"
            if as_of is None:
                if not unchanged(path, known[iid]):
                    todo.append(iid)
                continue
            # an ended incident's page: the same at any later `now`, for its published updates
            key = keys[path] = _digest(timeless, path, source, len(view.incident.updates),
                                       as_of.isoformat())
            if previous.get(path) == key:
                kept.add(path)
            else:
                todo.append(iid)

    def ended_together(ids: Sequence[str]) -> tuple[datetime | None, list[object]]:
        """For a page that lists these incidents: when the last of them ended, if all have,
        and what else its key then holds (their published updates); the page is then the
        same at any later `now`."""
        moments = [settled[i] for i in ids]
        if not moments or None in moments:
            return None, []
        as_of = max(m for m in moments if m is not None)
        return as_of, [as_of.isoformat(), *(len(views[i].published) for i in ids)]

    store = memo.store if memo else None
    shards: dict[int, set[str]] = {}  # every incident, by shard
    for i in incidents:
        shards.setdefault(markdown_shard(i), set()).add(i)

    def incident_pages(ids: Sequence[str]) -> list[tuple[str, bytes, int]]:
        """Pages made from views of their own, which go when their page is made: the views
        of `views` would keep every update's HTML (in each worker, for all of its pages).
        The ids are of one shard, whose record of Markdown is used and kept up to date; with
        each page comes the number of texts converted for it."""
        record = store.load_markdown(markdown_shard(ids[0])) if store and ids else {}
        changed = False
        pages = []
        for i in ids:
            own = Converted(ChainMap(record.get(i) or {}, converted.used))
            view = incident_view(incidents[i], project, now, states, own)
            pages.append((f"{view.path}index.html", render_page(
                "incident.html", f"{view.path}index.html", as_of=settled[i], incident=view,
                timeline=history.incident_timeline(incidents[i], project, now)), own.converted))
            changed |= own.used != record.get(i)
            record[i] = own.used
        if store and ids:
            shard = markdown_shard(ids[0])
            gone = record.keys() - shards[shard]
            for i in gone:
                del record[i]
            if changed or gone:
                store.save_markdown(shard, record)
        return pages

    def machine_readable() -> _Made:
        """The feeds, API, calendar, badges and headers: each module maps (published project,
        now, views) to files. With what making them added to the build's keys, kept pages
        and Markdown, for when it runs in another process."""
        keys_before, kept_before = set(keys), set(kept)
        html_before, made_before = set(converted.used), set(converted.made)
        files: dict[str, bytes] = {}
        watch = Stopwatch()
        with watch.stage("feeds"):
            files.update(feeds.render_feeds(project, now, views, (
                lambda path, items: unchanged(path, *(f"{known[i]}#{n}" for i, n in items)))
                if memo else None))
        with watch.stage("api"):
            files.update(api.render_api(project, now, views, lines))
        with watch.stage("calendar, badges, headers"):
            # the same at any `now` for the same windows: it says nothing of the present
            files.update(ical.render_ical(project, now, views, (lambda ids: unchanged(
                "maintenance.ics", *(f"{known[i]}:{len(views[i].published)}" for i in ids),
                at_any_time=True)) if memo else None))
            files.update(badges.render_badges(project, now, views))
            files.update(headers.render_headers(project))
        return _Made(files, {path: keys[path] for path in keys.keys() - keys_before},
                     kept - kept_before,
                     {text: converted.used[text] for text in converted.used.keys() - html_before},
                     converted.made - made_before, watch.seconds)

    env.get_template("incident.html")  # compiled once, before any worker starts
    by_shard: dict[int, list[str]] = {}
    for i in todo:
        by_shard.setdefault(markdown_shard(i), []).append(i)
    with Forked(incident_pages, list(by_shard.values()), workers) as rendering, \
            Background(machine_readable) as machine:  # apart, when the workers are not
        with clock.stage("pages"):
            in_progress = [v for v in maintenance if v.status in ("in_progress", "verifying")]
            upcoming = sorted((v for v in maintenance if v.status == "scheduled"),
                              key=lambda v: (v.scheduled_start, v.id))
            recent = _recent_views(ordered, now, tz)
            # the front page: the present (in `base`), the components' states and bars, and
            # the incidents it shows
            shown = [*active, *in_progress, *upcoming, *recent]
            bars = {c.id: histories.shown(c.id) for c in project.components} if memo else {}
            if not unchanged("index.html", *(f"{c}:{state.word}" for c, state in states.items()),
                             *bars.values(), *listed(v.id for v in shown)):
                page("index.html", "index.html", groups=_groups(project, states, uptimes),
                     uptime=uptimes, formula=intervals.UPTIME_FORMULA,
                     pinned=[v for v in active if v.pinned],
                     active=[v for v in active if not v.pinned], in_progress=in_progress,
                     upcoming=upcoming, days=_recent(recent, now, tz))
            for component in project.components:
                own = _component_view(component, states)
                # newest first, COMPONENT_PAGE to a page: no page grows with the history
                chunks = _pages(touching[component.id], COMPONENT_PAGE)
                path = f"{own.path}index.html"
                if not unchanged(path, repr(own), bars.get(component.id),
                                 len(chunks), *listed(v.id for v in chunks[0])):
                    page("component.html", path, component=own, uptime=uptimes[component.id],
                         formula=intervals.UPTIME_FORMULA, periods=periods[component.id],
                         incidents=chunks[0], number=1, count=len(chunks))
                for number, chunk in enumerate(chunks[1:], start=2):
                    path = f"{own.path}page/{number}/index.html"
                    ids = [v.id for v in chunk]
                    as_of, more = ended_together(ids)
                    if not unchanged(path, repr(own), len(chunks), *listed(ids), *more,
                                     at_any_time=as_of is not None):
                        page("component-page.html", path, as_of=as_of, component=own,
                             incidents=chunk, number=number, count=len(chunks))
            months = history.months(project, tz)
            if not unchanged("history/index.html", repr(months)):
                page("history.html", "history/index.html", months=months)
            for number, month in enumerate(months):
                path = f"history/{month.key}/index.html"
                newer = months[number - 1] if number else None
                older = months[number + 1] if number + 1 < len(months) else None
                as_of, more = ended_together(month.incident_ids)
                if not unchanged(path, repr(newer), repr(older), *listed(month.incident_ids),
                                 *more, at_any_time=as_of is not None):
                    page("history-month.html", path, as_of=as_of, month=month,
                         entries=[views[i] for i in month.incident_ids], newer=newer,
                         older=older)
            # A host serves 404.html at any depth, so its links start from the base URL's path.
            if not unchanged("404.html"):
                page("404.html", "404.html", root=urlsplit(site.base_url).path)
        waiting = time.perf_counter()
        outputs = machine.result()
        if machine.forked:  # what it added there, added here
            keys.update(outputs.keys)
            kept.update(outputs.kept)
            converted.used.update(outputs.html)
            converted.made |= outputs.made  # a text both made counts once
            clock.seconds.update({f"{name} (another process)": seconds
                                  for name, seconds in outputs.seconds.items()})
            clock.seconds["waiting for the other process"] = time.perf_counter() - waiting
        else:
            clock.seconds.update(outputs.seconds)
        files.update(outputs.files)
        with clock.stage(f"incident pages ({rendering.workers} "
                         f"process{'es' if rendering.workers > 1 else ''})"):
            # Written as they come, while the workers make more: one process writing files in
            # a folder is faster than two contending for it, and they are not all kept.
            written: dict[str, str] = {}
            made_by_workers = 0
            for path, data, made in rendering:
                made_by_workers += made
                if sink is None:
                    files[path] = data
                else:
                    sink({path: data})
                    written[path] = file_digest(data)
    with clock.stage("sitemap"):
        files["robots.txt"] = f"User-agent: *\nAllow: /\nSitemap: {site.base_url}sitemap.xml\n" \
            .encode()
        pages = [p for p in [*files, *written, *kept] if p.endswith(".html")]
        located = sorted(p for p in pages if p.endswith("index.html"))
        if not unchanged("sitemap.xml", *located):
            files["sitemap.xml"] = _sitemap(site.base_url, located)
    return Rendered(dict(sorted(files.items())), frozenset(kept), written, keys, len(pages),
                    converted.used, converted.converted + made_by_workers)


def _pages(items: list[IncidentView], size: int) -> list[list[IncidentView]]:
    """`items` cut into pages of `size`; one page (maybe empty) at least."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _sitemap(base_url: str, pages: list[str]) -> bytes:
    urlset = ET.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for path in sorted(pages, key=lambda p: (p.count("/"), p)):
        ET.SubElement(ET.SubElement(urlset, "url"), "loc").text = \
            base_url + path.removesuffix("index.html")
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
