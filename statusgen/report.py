"""The status in a terminal, and as Statuspage's summary JSON, for `statusgen status`."""

from __future__ import annotations

from datetime import datetime

from . import model
from .history import duration_text
from .intervals import timelines
from .project import Impact, Project, State
from .render.api import api_output
from .views import incident_views

_COLOURS = {
    State.OPERATIONAL: "green",
    State.UNDER_MAINTENANCE: "blue",
    State.DEGRADED_PERFORMANCE: "yellow",
    State.PARTIAL_OUTAGE: "yellow",
    State.MAJOR_OUTAGE: "red",
}
_INDICATOR_COLOURS = {Impact.NONE: "green", Impact.MAINTENANCE: "blue", Impact.MINOR: "yellow",
                      Impact.MAJOR: "yellow", Impact.CRITICAL: "red"}


def summary_json(project: Project, now: datetime) -> str:
    """Exactly what the site's api/v2/summary.json holds at `now`."""
    at = model.situation(project, now)
    files = api_output(at, incident_views(at), timelines(at.project)).files()
    return files["api/v2/summary.json"].decode("utf-8")


def _time(moment: datetime, project: Project) -> str:
    local = moment.astimezone(project.site.timezone)
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def status_lines(project: Project, now: datetime) -> list[tuple[str, str | None]]:
    """(text, colour or None) lines: the overall state, every component, the active incidents
    with their age and promise, and the upcoming maintenance."""
    at = model.situation(project, now)
    seen, states, indicator = at.project, at.states, at.indicator
    lines: list[tuple[str, str | None]] = [
        (f"{project.site.title}: {model.SENTENCES[indicator]}", _INDICATOR_COLOURS[indicator]),
        ("", None)]
    width = max(len(c.name) for c in seen.components)
    for component in seen.components:
        state = states[component.id]
        lines.append((f"  {component.name:<{width}}  {state.label}", _COLOURS[state]))
    active = [i for i in seen.incidents if model.is_active(i, now)]
    if active:
        lines += [("", None), ("Active incidents:", None)]
    for incident in sorted(active, key=lambda i: model.started_at(i) or now):
        age = model.duration(incident, now)
        status = model.incident_status(incident) or "investigating"
        lines.append((f"  {incident.id}: {incident.title} ({status}, "
                      f"for {duration_text(age) if age else 'a moment'})", None))
        promise = model.next_update_promised(incident)
        if promise:
            late = " (overdue)" if promise < now else ""
            lines.append((f"    next update by {_time(promise, project)}{late}",
                          "red" if late else None))
    upcoming = [i for i in seen.incidents
                if i.is_maintenance and model.maintenance_status(i, now) == "scheduled"]
    in_progress = [i for i in seen.incidents
                   if i.is_maintenance and model.maintenance_in_progress(i, now)]
    for heading, items in (("Maintenance in progress:", in_progress),
                           ("Upcoming maintenance:", upcoming)):
        if items:
            lines += [("", None), (heading, None)]
        for item in sorted(items, key=lambda i: (i.scheduled_start, i.id)):
            assert item.scheduled_start and item.scheduled_end
            lines.append((f"  {item.id}: {item.title}, {_time(item.scheduled_start, project)} "
                           f"to {_time(item.scheduled_end, project)}", "blue"))
    return lines
