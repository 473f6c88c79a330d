"""Stage 4, render: a `Project` at `now` -> {relative path: bytes}. Never touches the output.

The model decides; this module only shapes its answers into views the templates display.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
)
from markupsafe import Markup

from . import api, badges, feeds, headers, history, ical, intervals, model
from .project import Component, CustomerImpact, Impact, Incident, Project, State, Update

BUILTIN_THEME = Path(__file__).parent / "themes" / "default"
RECENT_DAYS = 15

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


def markdown_html(text: str) -> Markup:
    """Markdown -> HTML with only harmless tags, attributes and URL schemes left."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))


def duration_text(delta: timedelta) -> str:
    """'3 hours 20 minutes', '23 days 4 hours': the two largest units, for people."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words[:2]) if words else "less than a minute"


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
    html: Markup
    summary: str  # the message as plain text, cut to about 200 characters
    changes: list[tuple[str, State]]  # (component name, new state)
    next_update: datetime | None


@dataclass(frozen=True)
class IncidentView:
    id: str
    path: str  # relative to the site root
    title: str
    is_maintenance: bool
    impact: Impact
    status: str  # status word now
    status_label: str
    pinned: bool
    started: datetime | None  # None until it has begun
    ended: datetime | None
    ongoing: bool  # begun and not ended
    duration: str  # "" when it has not started
    affected: list[ComponentView]
    updates: list[UpdateView]  # newest first
    customer_impact: CustomerImpact | None
    next_update: datetime | None
    overdue: bool
    postmortem: Markup
    scheduled_start: datetime | None
    scheduled_end: datetime | None


@dataclass(frozen=True)
class DayView:
    day: datetime  # midnight in the site's time zone
    entries: list[tuple[IncidentView, list[UpdateView]]] = field(default_factory=list)


def _summary(text: str, limit: int = 200) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _update_view(number: int, update: Update, names: dict[str, str]) -> UpdateView:
    html = markdown_html(update.message)
    return UpdateView(
        number=number,
        anchor=f"update-{number}",
        at=update.at,
        label=STATUS_LABELS[update.status] if update.status else "Update",
        status=update.status,
        html=html,
        summary=_summary(html.striptags()),
        changes=[(names[cid], state) for cid, state in update.components],
        next_update=update.next_update,
    )


def incident_view(incident: Incident, project: Project, now: datetime,
                  states: dict[str, State]) -> IncidentView:
    names = {c.id: c.name for c in project.components}
    by_id = {c.id: c for c in project.components}
    updates = [_update_view(n, u, names) for n, u in enumerate(incident.updates, start=1)]
    if incident.is_maintenance:
        status = model.maintenance_status(incident, now)
    else:
        status = model.incident_status(incident) or "investigating"
    promised = model.next_update_promised(incident) if model.is_active(incident, now) else None
    elapsed = model.duration(incident, now)
    ended = model.ended_at(incident, now)
    started = model.started_at(incident)
    if started is not None and started > now:
        started = None
    return IncidentView(
        id=incident.id,
        path=f"incidents/{incident.id}/",
        title=incident.title,
        is_maintenance=incident.is_maintenance,
        impact=model.incident_impact(incident),
        status=status,
        status_label=STATUS_LABELS[status],
        pinned=incident.pinned,
        started=started,
        ended=ended,
        ongoing=started is not None and ended is None,
        duration=duration_text(elapsed) if elapsed is not None else "",
        affected=[_component_view(by_id[cid], states) for cid in
                  model.affected_components(incident)],
        updates=updates[::-1],
        customer_impact=model.customer_impact(incident)
        if model.is_active(incident, now) else None,
        next_update=promised,
        overdue=promised is not None and promised < now,
        # a postmortem is published once the incident is over
        postmortem=markdown_html(incident.postmortem) if incident.postmortem and ended
        else Markup(""),
        scheduled_start=incident.scheduled_start,
        scheduled_end=incident.scheduled_end,
    )


def incident_views(project: Project, now: datetime,
                   states: dict[str, State]) -> dict[str, IncidentView]:
    """Every incident's view, Markdown converted once; `project` as published at `now`."""
    return {i.id: incident_view(i, project, now, states) for i in project.incidents}


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


def _recent(views: list[IncidentView], now: datetime, tz: Any) -> list[DayView]:
    """The last RECENT_DAYS days, newest first, each with the incidents updated that day
    (and maintenance windows that began that day) and those updates."""
    days = [d.astimezone(tz) for d in intervals.day_starts(now, RECENT_DAYS, tz)[-2::-1]]
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

    def __init__(self, project_root: Path, name: str) -> None:
        builtin = FileSystemLoader(BUILTIN_THEME / "templates")
        loaders: list[Any] = [builtin]
        self.static_dirs = [BUILTIN_THEME / "static"]
        own = project_root / "themes" / name
        if own.is_dir():
            loaders.insert(0, FileSystemLoader(own / "templates"))
            self.static_dirs.append(own / "static")
        self.env = Environment(
            loader=ChoiceLoader([PrefixLoader({"default": builtin}, delimiter=":"), *loaders]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

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


def render_site(project: Project, now: datetime, theme: Theme) -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the site root."""
    project = model.published(project, now)
    site = project.site
    tz = site.timezone
    static = theme.static_files()
    assets = {name: _hashed(name, data) for name, data in static.items()}
    files: dict[str, bytes] = {assets[name]: data for name, data in static.items()}

    states = model.component_states_at(project, now)
    views = incident_views(project, now, states)
    indicator = model.overall_indicator(project, now)
    env = theme.env

    def time_filter(moment: datetime, with_date: bool = True) -> Markup:
        local = moment.astimezone(tz)
        shown = f"{local.day} {local:%b %Y, %H:%M %Z}" if with_date else f"{local:%H:%M %Z}"
        return Markup('<time datetime="{}">{}</time>').format(local.isoformat(), shown)

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

    def page(template: str, path: str, root: str | None = None, **context: Any) -> None:
        """Render one page; links are relative to it unless `root` says otherwise."""
        if root is None:
            root = "../" * path.count("/")
        html = env.get_template(template).render(
            site=site, root=root, now=now, indicator=indicator,
            sentence=model.SENTENCES[indicator], page_url=site.base_url + path.removesuffix(
                "index.html"), asset=lambda name: f"{root}{assets[name]}", **context)
        files[path] = html.encode("utf-8")

    lines = intervals.timelines(project)
    uptimes = history.uptime_views(project, lines, now)
    ordered = sorted(views.values(), key=lambda v: (v.started or now, v.id), reverse=True)
    active = [v for v in ordered if not v.is_maintenance and v.status != "resolved"]
    maintenance = [v for v in ordered if v.is_maintenance]
    page(
        "index.html", "index.html",
        groups=_groups(project, states, uptimes),
        uptime=uptimes,
        formula=intervals.UPTIME_FORMULA,
        pinned=[v for v in active if v.pinned],
        active=[v for v in active if not v.pinned],
        in_progress=[v for v in maintenance if v.status in ("in_progress", "verifying")],
        upcoming=sorted((v for v in maintenance if v.status == "scheduled"),
                        key=lambda v: (v.scheduled_start, v.id)),
        days=_recent(ordered, now, tz),
    )
    incidents = {i.id: i for i in project.incidents}
    for view in ordered:
        page("incident.html", f"{view.path}index.html", incident=view,
             timeline=history.incident_timeline(incidents[view.id], project, now))
    for component in project.components:
        own = _component_view(component, states)
        page("component.html", f"{own.path}index.html", component=own,
             uptime=uptimes[component.id], formula=intervals.UPTIME_FORMULA,
             periods=history.uptime_periods(lines[component.id], now, tz),
             incidents=[v for v in ordered if any(c.id == component.id for c in v.affected)])
    months = history.months(project, tz)
    page("history.html", "history/index.html", months=months)
    for number, month in enumerate(months):
        page("history-month.html", f"history/{month.key}/index.html", month=month,
             entries=[views[i] for i in month.incident_ids],
             newer=months[number - 1] if number else None,
             older=months[number + 1] if number + 1 < len(months) else None)
    # A host serves 404.html at any depth, so its links start from the base URL's path.
    page("404.html", "404.html", root=urlsplit(site.base_url).path)
    # Machine-readable outputs: each module maps (published project, now, views) to files.
    files.update(feeds.render_feeds(project, now, views))
    files.update(api.render_api(project, now, views))
    files.update(ical.render_ical(project, now, views))
    files.update(badges.render_badges(project, now, views))
    files.update(headers.render_headers(project))
    files["robots.txt"] = f"User-agent: *\nAllow: /\nSitemap: {site.base_url}sitemap.xml\n" \
        .encode()
    files["sitemap.xml"] = _sitemap(site.base_url, [p for p in files if p.endswith("index.html")])
    return dict(sorted(files.items()))


def _sitemap(base_url: str, pages: list[str]) -> bytes:
    urlset = ET.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for path in sorted(pages, key=lambda p: (p.count("/"), p)):
        ET.SubElement(ET.SubElement(urlset, "url"), "loc").text = \
            base_url + path.removesuffix("index.html")
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
