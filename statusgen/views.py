"""What pages show: the project at `now` shaped into views the templates display.

The model decides; views only arrange its answers (the state in words, what still works, the
updates newest first) and turn Markdown into HTML when a page first asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from markupsafe import Markup

from . import history, intervals, model
from .markdown import Converted
from .model import Situation
from .project import (
    Component,
    CustomerImpact,
    Fallback,
    Impact,
    Incident,
    Project,
    State,
    Update,
)
from .words import N_

RECENT_DAYS = 15
COMPONENT_PAGE = 50  # incidents listed on a component's page, and on each older one

STATUS_LABELS = {
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
}



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
    edited: datetime | None = None  # when it was last corrected

    # Converted when first shown: most pages list an incident without its updates' text.
    @cached_property
    def html(self) -> Markup:
        return as_html(self.converted, self.message)

    @cached_property
    def summary(self) -> str:
        """The message as plain text, cut to about 200 characters."""
        return _summary(self.html.striptags())


@dataclass(frozen=True)
class IncidentView:
    """An incident as the pages show it at `now`. Every incident's view is made each build: what
    the lists of incidents need is worked out then, the rest when a page first asks."""

    incident: Incident = field(repr=False)
    # The build's `now`; for an ended incident, when what the site says of it stopped
    # changing (model.settled_at): its view is then the same at any later time.
    now: datetime
    status: str  # status word now
    started: datetime | None  # None until it has begun
    ended: datetime | None
    settled: datetime | None  # model.settled_at: when its page stopped changing, if it has
    affected: list[ComponentView]
    names: Mapping[str, str] = field(repr=False, compare=False)  # components' names
    converted: Converted = field(repr=False, compare=False)

    def __fingerprint__(self) -> str:
        """What the view is made of (statusgen.incremental.keys): the incident as published,
        `now` and, while it goes on, the states it shows (once it has ended, the worst it gave,
        which the incident says); the rest (status, start, end) follows from these, and the
        components' names and descriptions from the site's settings."""
        made_of = f"{self.incident.__fingerprint__()}@{self.now.isoformat()}"
        if self.settled is not None:
            return made_of
        return made_of + "".join([f":{c.id}={int(c.state)}" for c in self.affected])

    def using(self, converted: Converted) -> IncidentView:
        """The same view, its Markdown converted through `converted`; nothing it has shown
        so far comes along."""
        return replace(self, converted=converted)

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
    def current(self) -> bool:
        """Open now: an incident or notice not resolved, or a maintenance in progress or
        being verified."""
        if self.is_maintenance:
            return self.status in ("in_progress", "verifying")
        return self.status != "resolved"

    @property
    def ongoing(self) -> bool:
        """Begun and not ended."""
        return self.started is not None and self.ended is None

    @cached_property
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
    def customer_impact_confirmed(self) -> datetime | None:
        """When the customer impact in force was last written, if an update has come since;
        else None (the latest update says it)."""
        written = model.customer_impact_update(self.incident)
        latest = self.incident.updates[-1] if self.incident.updates else None
        return written.at if written is not None and written is not latest else None

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
        return update_views(self.incident, self.names, self.converted)[::-1]

    @cached_property
    def postmortem(self) -> Markup:
        return as_html(self.converted, self.postmortem_text) if self.postmortem_text \
            else Markup("")




def as_html(converted: Converted, markdown: str) -> Markup:
    """Markdown as HTML; a text in another language than the page's (a Fallback) in a block
    that says which."""
    if type(markdown) is not Fallback:
        return converted.html(markdown)
    return marked(markdown, converted.html(str(markdown)), "div")


def marked(text: Fallback, html: Markup, element: str) -> Markup:
    """`html`, the HTML of a text shown in another language than the page's, in an
    `element` that says its language and direction, so it is read (and spoken) in it."""
    return Markup('<{0} lang="{1}" dir="{2}">{3}</{0}>').format(
        Markup(element), text.lang, text.dir, html)


@dataclass(frozen=True)
class DayView:
    day: datetime  # midnight in the site's time zone
    entries: list[tuple[IncidentView, list[UpdateView]]] = field(default_factory=list)


def _summary(text: str, limit: int = 200) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def update_views(incident: Incident, names: Mapping[str, str], converted: Converted
                 ) -> list[UpdateView]:
    """An incident's updates as pages show them, oldest first; `names`: the components'."""
    return [update_view(incident, n, names, converted)
            for n in range(1, len(incident.updates) + 1)]


def update_view(incident: Incident, number: int, names: Mapping[str, str],
                converted: Converted) -> UpdateView:
    """Update `number` (from 1) of an incident as pages show it."""
    update = incident.updates[number - 1]
    return UpdateView(
        number=number,
        anchor=f"update-{number}",
        at=update.at,
        label=STATUS_LABELS[update.status] if update.status else N_("Update"),
        status=update.status,
        message=update.message,
        changes=[(names[cid], state) for cid, state in update.components],
        next_update=update.next_update,
        converted=converted,
        edited=update.edited,
    )


class ComponentViews:
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


def incident_view(incident: Incident, at: Situation, converted: Converted | None = None,
                  components: ComponentViews | None = None) -> IncidentView:
    """An incident of `at.project` as pages show it at `at.now`; `components`: the project's,
    when the caller has them at hand."""
    components = components if components is not None else ComponentViews(at.project)
    now = at.now
    if incident.is_maintenance:
        status = model.maintenance_status(incident, now)
    else:
        status = model.incident_status(incident) or "investigating"
    ended = model.ended_at(incident, now)
    started = model.started_at(incident)
    if started is not None and started > now:
        started = None
    affected = model.affected_components(incident)
    settled = model.settled_at(incident, ended)
    if settled is None:  # its components as they are now
        shown = [components.view(cid, at.states[cid]) for cid in affected]
    else:  # the worst it gave each: nothing the page of an ended incident shows changes
        worst = model.worst_states(incident)
        shown = [components.view(cid, worst.get(cid, State.OPERATIONAL)) for cid in affected]
    return IncidentView(incident, settled or now, status, started, ended, settled, shown,
                        components.names, converted if converted is not None else Converted())


def incident_views(at: Situation, converted: Converted | None = None
                   ) -> dict[str, IncidentView]:
    """Every incident's view at `at.now`, by id, Markdown converted once through `converted`."""
    converted = converted if converted is not None else Converted()
    components = ComponentViews(at.project)
    return {i.id: incident_view(i, at, converted, components) for i in at.project.incidents}


def component_view(component: Component, states: Mapping[str, State]) -> ComponentView:
    return ComponentView(component.id, component.name, component.description,
                         states[component.id])


def groups(project: Project, states: Mapping[str, State],
           uptimes: Mapping[str, history.Uptime]) -> list[GroupView]:
    """The components by group, in the groups' order, those outside any group last."""
    views = []
    for group_id, name in [*((g.id, g.name) for g in project.groups), (None, "")]:
        members = [component_view(c, states) for c in project.components if c.group == group_id]
        if members:
            views.append(GroupView(name, members, max(m.state for m in members),
                                   history.group_percent([uptimes[m.id] for m in members])))
    return views


def recent_views(views: list[IncidentView], now: datetime, tz: Any) -> list[IncidentView]:
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


def recent_days(views: list[IncidentView], now: datetime, tz: Any) -> list[DayView]:
    """The last RECENT_DAYS days, newest first, each with the incidents updated that day
    (and maintenance windows that began that day) and those updates; `views` as
    recent_views gives them."""
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


@dataclass(frozen=True)
class Lists:
    """The lists of incidents that pages show, newest first (by their start)."""

    active: list[IncidentView]  # incidents and notices not resolved
    in_progress: list[IncidentView]  # maintenance in progress or being verified
    upcoming: list[IncidentView]  # scheduled maintenance, soonest first
    recent: list[IncidentView]  # those that may have something in the last RECENT_DAYS days
    touching: dict[str, list[IncidentView]]  # by component: those that touch it


def lists(at: Situation, by_id: Mapping[str, IncidentView]) -> Lists:
    """Every list, in one pass over the views (most incidents have ended)."""
    now = at.now
    ordered = sorted(by_id.values(), key=lambda v: (v.started or now, v.id), reverse=True)
    active: list[IncidentView] = []
    maintenance: list[IncidentView] = []
    touching: dict[str, list[IncidentView]] = {c.id: [] for c in at.project.components}
    for view in ordered:
        if view.is_maintenance:
            maintenance.append(view)
        elif view.current:
            active.append(view)
        for cid in {c.id for c in view.affected}:
            touching[cid].append(view)
    return Lists(
        active, [v for v in maintenance if v.current],
        sorted((v for v in maintenance if v.status == "scheduled"),
               key=lambda v: (v.scheduled_start, v.id)),
        recent_views(ordered, now, at.project.site.timezone), touching)


def worst_first(shown: list[IncidentView]) -> list[IncidentView]:
    """`shown` (newest first) with the worst impact first: what readers need to know first."""
    return sorted(shown, key=lambda v: v.impact, reverse=True)  # stable: newest first within


def pages_of(items: list[IncidentView], size: int = COMPONENT_PAGE) -> list[list[IncidentView]]:
    """`items` cut into pages of `size`; one page (maybe empty) at least."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
