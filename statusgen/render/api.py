"""Statuspage API v2 as static files, so Statuspage clients and widgets read statusgen sites.

`api_output` makes the eight `api/v2/*.json` files of the project at `now` with
Statuspage's field names, field order and words. What Statuspage stores and we do not is derived
from the project, never from the build clock, so the same input gives the same bytes:

- ids: `statuspage_id(kind, our id)`, 12 lowercase base32 characters of a SHA-256, stable
  across builds (an update's key is `<incident-id>#update-<n>`, as in the feeds);
- times: ISO 8601 with milliseconds in the site's time zone, as Statuspage writes them;
- `updated_at`: the last change the data records (a component's or group's state, an
  incident's latest update or a maintenance window opening or closing); `created_at` of the
  page's components: the earliest moment in the data. Only a project with no incidents at all
  falls back on `now`.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any

from .. import model
from ..intervals import Segment
from ..language import Language
from ..model import Situation
from ..project import Component, Group, Incident, Project, State
from ..views import IncidentView
from . import Output

LISTED = 50  # incidents.json and scheduled-maintenances.json list at most this many, as Statuspage
_JUST_BEFORE = timedelta(microseconds=1)


def statuspage_id(kind: str, key: str) -> str:
    """A Statuspage-style id: 12 lowercase base32 characters of SHA-256 of `kind:key`. The
    kind (page, group, component, incident, update) keeps a group and a component that share
    an id apart."""
    digest = hashlib.sha256(f"{kind}:{key}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:12]


def api_time(moment: datetime, tz: Any) -> str:
    """'2025-04-19T09:30:00.000+01:00': milliseconds and the site's offset, as Statuspage
    writes times; 'Z' only for a site kept in UTC itself."""
    local = moment.astimezone(tz)
    text = local.isoformat(timespec="milliseconds")
    if local.utcoffset() == timedelta(0) and local.tzname() in ("UTC", "UCT"):
        return text.removesuffix("+00:00") + "Z"
    return text


def _last_change(segments: list[list[Segment]], now: datetime) -> datetime | None:
    """The last instant up to `now` at which the worst state of these timelines changed.
    Each timeline is in order and its segments do not overlap, so the state at an instant is
    found by bisection, and the instants are tried from the last one back."""
    starts = [[s.start for s in own] for own in segments]

    def state_at(t: datetime) -> State:
        worst = State.OPERATIONAL
        for own, first in zip(segments, starts):
            i = bisect_right(first, t) - 1
            if i >= 0 and ((end := own[i].end) is None or t < end):
                worst = max(worst, own[i].state)
        return worst

    # every instant up to now, newest first and each once, until one changed the state
    later: datetime | None = None
    later_state = State.OPERATIONAL
    for t in heapq.merge(*([t for s in reversed(own) for t in (s.end, s.start) if t is not None]
                           for own in segments), reverse=True):
        if t > now or t == later:
            continue
        state = state_at(t)
        if later is not None and later_state is not state:
            return later
        later, later_state = t, state
    return later if later is not None and later_state is not State.OPERATIONAL else None


def _maintenance_window_state(incident: Incident, upto: int, t: datetime) -> str:
    return model.maintenance_status(replace(incident, updates=incident.updates[:upto]), t)


def _update_statuses(incident: Incident) -> list[str]:
    """The status each update stands under: the one it set, else the one before it (for a
    maintenance, what its window says at that moment)."""
    statuses: list[str] = []
    for n, update in enumerate(incident.updates, start=1):
        if incident.is_maintenance:
            statuses.append(_maintenance_window_state(incident, n, update.at))
        else:
            statuses.append(update.status or (statuses[-1] if statuses else "investigating"))
    return statuses

def _changes(incident: Incident) -> list[list[tuple[str, State, State]]]:
    """Per update, the (component, old, new) states it brings about for this incident:
    the states it sets, everything back to operational when it resolves, and for a
    maintenance under_maintenance when it starts it and operational when it ends it."""
    result: list[list[tuple[str, State, State]]] = []
    if incident.is_maintenance:
        for n, update in enumerate(incident.updates, start=1):
            before = _maintenance_window_state(incident, n - 1, update.at - _JUST_BEFORE)
            after = _maintenance_window_state(incident, n, update.at)
            old, new = (State.UNDER_MAINTENANCE if s in ("in_progress", "verifying")
                        else State.OPERATIONAL for s in (before, after))
            result.append([] if old is new else
                          [(cid, old, new) for cid in incident.maintenance_components])
        return result
    states: dict[str, State] = {}
    for update in incident.updates:
        changes: list[tuple[str, State, State]] = []
        if update.status == "resolved":
            changes = [(cid, s, State.OPERATIONAL) for cid, s in states.items()
                       if s is not State.OPERATIONAL]
            states = dict.fromkeys(states, State.OPERATIONAL)
        else:
            for cid, new in update.components:
                old = states.get(cid, State.OPERATIONAL)
                if old is not new:
                    changes.append((cid, old, new))
                states[cid] = new
        result.append(changes)
    return result


@dataclass(frozen=True)
class _Page:
    """What every object of one build shares."""

    project: Project
    now: datetime
    views: Mapping[str, IncidentView]
    states: Mapping[str, State]
    indicator: model.Impact
    timelines: Mapping[str, list[Segment]]
    epoch: datetime  # the earliest moment in the data, or now
    changes: dict[tuple[str, ...], datetime] = field(default_factory=dict)  # changed_at's

    @property
    def id(self) -> str:
        return statuspage_id("page", self.project.site.base_url)

    def time(self, moment: datetime | None) -> str | None:
        return None if moment is None else api_time(moment, self.project.site.timezone)

    def changed_at(self, component_ids: Iterable[str]) -> datetime:
        key = tuple(component_ids)
        if key not in self.changes:
            found = _last_change([self.timelines[cid] for cid in key], self.now)
            self.changes[key] = found or self.epoch
        return self.changes[key]

    def layout(self) -> list[tuple[Group | None, list[Component]]]:
        """The front page's order: each group that has members, then the components outside
        any group (under None), each alone."""
        grouped = [(g, [c for c in self.project.components if c.group == g.id])
                   for g in self.project.groups]
        return [(g, members) for g, members in grouped if members] + \
            [(None, [c]) for c in self.project.components if c.group is None]

    def positions(self) -> dict[str, int]:
        """Statuspage numbers the top level 1, 2, … and again 1, 2, … inside each group."""
        found: dict[str, int] = {}
        for top, (group, members) in enumerate(self.layout(), start=1):
            if group is None:
                found[members[0].id] = top
            else:
                found.update((c.id, n) for n, c in enumerate(members, start=1))
        return found

    @cached_property
    def shaped_components(self) -> dict[str, dict[str, Any]]:
        """Every component's object, worked out once: incidents list them again."""
        positions = self.positions()
        return {c.id: self._component(c, positions[c.id]) for c in self.project.components}

    def _component(self, c: Component, position: int) -> dict[str, Any]:
        return {
            "id": statuspage_id("component", c.id),
            "name": c.name,
            "status": self.states[c.id].word,
            "created_at": self.time(self.epoch),
            "updated_at": self.time(self.changed_at([c.id])),
            "position": position,
            "description": c.description or None,
            "showcase": True,  # its page shows uptime bars
            "start_date": None,
            "group_id": statuspage_id("group", c.group) if c.group else None,
            "page_id": self.id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def components(self) -> list[dict[str, Any]]:
        """Every component in the front page's order, each group listed (as a component with
        `group: true` and its members' ids) just before its members."""
        listed: list[dict[str, Any]] = []
        for top, (group, members) in enumerate(self.layout(), start=1):
            if group is not None:
                listed.append({
                    "id": statuspage_id("group", group.id),
                    "name": group.name,
                    "status": max(self.states[c.id] for c in members).word,
                    "created_at": self.time(self.epoch),
                    "updated_at": self.time(self.changed_at(c.id for c in members)),
                    "position": top,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": self.id,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": [statuspage_id("component", c.id) for c in members],
                })
            listed.extend(self.shaped_components[c.id] for c in members)
        return listed

    def last_change(self) -> datetime:
        """The page's updated_at: the last change up to now of a component's state, an
        incident (its latest update, or a correction to one) or a maintenance."""
        changes = [self.changed_at([c.id]) for c in self.project.components]
        for i in self.project.incidents:  # updates are in time order
            changes.append(self.updated_at(i) if i.is_maintenance or not i.updates else
                           i.updates[-1].at)
            changes += [u.edited for u in i.updates if u.edited is not None]
        return max((t for t in changes if t <= self.now), default=self.epoch)

    def page(self) -> dict[str, Any]:
        site = self.project.site
        return {
            "id": self.id,
            "name": site.title,
            "url": site.base_url,
            "time_zone": site.timezone.key,
            "updated_at": self.time(self.last_change()),
        }

    def status(self, language: Language) -> dict[str, str]:
        """Statuspage's machine word, and its sentence in the site's language."""
        return {"indicator": self.indicator.word,
                "description": language.gettext(model.SENTENCES[self.indicator])}

    def created_at(self, incident: Incident) -> datetime:
        if incident.updates:
            return incident.updates[0].at
        assert incident.scheduled_start is not None  # only a maintenance has no update
        return incident.scheduled_start

    def updated_at(self, incident: Incident) -> datetime:
        """The latest update, or for a maintenance the later opening or closing of its
        window when that changed its status (Statuspage moves it on by itself)."""
        # updates are in time order (parse sees to it)
        found = [incident.updates[-1].at if incident.updates else self.created_at(incident)]
        if incident.is_maintenance:
            for edge in (incident.scheduled_start, incident.scheduled_end):
                assert edge is not None
                if edge <= self.now and model.maintenance_status(incident, edge) != \
                        model.maintenance_status(incident, edge - _JUST_BEFORE):
                    found.append(edge)
        return max(found)

    def incident(self, incident: Incident) -> dict[str, Any]:
        view = self.views[incident.id]
        iid = statuspage_id("incident", incident.id)
        names = {c.id: c.name for c in self.project.components}
        statuses = _update_statuses(incident)
        updates = []
        for n, (update, status, changes) in enumerate(
                zip(incident.updates, statuses, _changes(incident)), start=1):
            updates.append({
                "id": statuspage_id("update", f"{incident.id}#update-{n}"),
                "status": status,
                "body": update.message.strip(),
                "incident_id": iid,
                "created_at": self.time(update.at),
                "updated_at": self.time(update.edited or update.at),
                "display_at": self.time(update.at),
                "affected_components": [
                    {"code": statuspage_id("component", cid), "name": names[cid],
                     "old_status": old.word, "new_status": new.word}
                    for cid, old, new in changes] or None,
                "deliver_notifications": False,  # statusgen sends none; the feeds carry all
                "custom_tweet": None,
                "tweet_id": None,
            })
        monitoring = [u.at for u in incident.updates if u.status == "monitoring"]
        shown: dict[str, Any] = {
            "id": iid,
            "name": incident.title,
            "status": view.status,
            "created_at": self.time(self.created_at(incident)),
            "updated_at": self.time(self.updated_at(incident)),
            "monitoring_at": self.time(monitoring[-1] if monitoring else None),
            "resolved_at": self.time(view.ended),
            "impact": view.impact.word,
            "shortlink": self.project.site.base_url + view.path,
            "started_at": self.time(self.created_at(incident)),
            "page_id": self.id,
            "incident_updates": updates[::-1],  # newest first, as Statuspage lists them
            "components": [self.shaped_components[cid]
                           for cid in model.affected_components(incident)],
        }
        if incident.is_maintenance:
            shown["scheduled_for"] = self.time(incident.scheduled_start)
            shown["scheduled_until"] = self.time(incident.scheduled_end)
        return shown


def _epoch(project: Project, now: datetime) -> datetime:
    moments = [i.updates[0].at for i in project.incidents if i.updates]  # in time order
    moments += [i.scheduled_start for i in project.incidents if i.scheduled_start is not None]
    return min([*moments, now])


def _newest_first(incidents: Iterable[Incident], page: _Page) -> list[Incident]:
    # created_at is the first update's time, for all but a maintenance without updates
    return sorted(incidents, key=lambda i: (i.updates[0].at if i.updates else page.created_at(i),
                                            i.id), reverse=True)


def _dump(data: dict[str, Any]) -> bytes:
    # Statuspage's field order (not sorted), indented for people reading it.
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def api_output(at: Situation, by_id: Mapping[str, IncidentView],
               lines: Mapping[str, list[Segment]], language: Language) -> Output:
    """The Statuspage API v2 files of the project at `at.now`; `lines`: its timelines. Made by
    every build: what they say of the present depends on nearly everything."""
    return Output("api/v2/summary.json", partial(_api_files, at, by_id, lines, language),
                  keyed=False)


def last_change(at: Situation, views: Mapping[str, IncidentView],
                lines: Mapping[str, list[Segment]]) -> datetime:
    """What api/v2/status.json says of the page's updated_at: the pages of the present carry
    it, and their live script compares the two."""
    return _page(at, views, lines).last_change()


def _page(at: Situation, views: Mapping[str, IncidentView],
          lines: Mapping[str, list[Segment]]) -> _Page:
    return _Page(at.project, at.now, views, at.states, at.indicator, lines,
                 _epoch(at.project, at.now))


def _api_files(at: Situation, views: Mapping[str, IncidentView],
               lines: Mapping[str, list[Segment]], language: Language) -> dict[str, bytes]:
    project, now = at.project, at.now
    page = _page(at, views, lines)
    about = page.page()
    components = page.components()

    by_id = {i.id: i for i in project.incidents}
    shapes: dict[str, dict[str, Any]] = {}  # only the incidents some file lists are shaped
    incidents = _newest_first((i for i in project.incidents if not i.is_maintenance), page)
    unresolved: list[str] = []
    resolved: list[str] = []
    for incident in incidents:
        (resolved if views[incident.id].status == "resolved" else unresolved).append(incident.id)
    # Statuspage's 50 most recent, never leaving out one that is still unresolved.
    kept = {*unresolved, *resolved[:max(LISTED - len(unresolved), 0)]}
    listed = [i.id for i in incidents if i.id in kept]

    maintenance = sorted((i for i in project.incidents if i.is_maintenance),
                         key=lambda i: (i.scheduled_start or now, i.id))
    upcoming = [i.id for i in maintenance if views[i.id].status == "scheduled"]
    active = [i.id for i in maintenance if views[i.id].status in ("in_progress", "verifying")]
    status = page.status(language)

    def shaped(ids: Iterable[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for i in ids:
            if i not in shapes:
                shapes[i] = page.incident(by_id[i])
            found.append(shapes[i])
        return found

    return {
        "api/v2/summary.json": _dump({
            "page": about,
            "components": components,
            "incidents": shaped(unresolved),
            # upcoming or in progress, soonest first
            "scheduled_maintenances": shaped(i.id for i in maintenance
                                             if i.id in upcoming or i.id in active),
            "status": status,
        }),
        "api/v2/status.json": _dump({"page": about, "status": status}),
        "api/v2/components.json": _dump({"page": about, "components": components}),
        "api/v2/incidents.json": _dump({"page": about, "incidents": shaped(listed)}),
        "api/v2/incidents/unresolved.json": _dump({"page": about,
                                                   "incidents": shaped(unresolved)}),
        # the 50 latest windows, latest first
        "api/v2/scheduled-maintenances.json": _dump({
            "page": about,
            "scheduled_maintenances": shaped(i.id for i in maintenance[::-1][:LISTED])}),
        "api/v2/scheduled-maintenances/upcoming.json": _dump({
            "page": about, "scheduled_maintenances": shaped(upcoming)}),
        "api/v2/scheduled-maintenances/active.json": _dump({
            "page": about, "scheduled_maintenances": shaped(active)}),
    }

