"""The status in a terminal, and as Statuspage's summary JSON, for `statusgen status`."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import model
from .intervals import timelines
from .language import Language
from .project import Impact, Project, State
from .render.api import api_output
from .views import STATUS_LABELS, incident_views

_COLOURS = {
    State.OPERATIONAL: "green",
    State.UNDER_MAINTENANCE: "blue",
    State.DEGRADED_PERFORMANCE: "yellow",
    State.PARTIAL_OUTAGE: "yellow",
    State.MAJOR_OUTAGE: "red",
}
_INDICATOR_COLOURS = {Impact.NONE: "green", Impact.MAINTENANCE: "blue", Impact.MINOR: "yellow",
                      Impact.MAJOR: "yellow", Impact.CRITICAL: "red"}


def summary_json(project: Project, now: datetime, language: Language) -> str:
    """Exactly what the site's api/v2/summary.json holds at `now`."""
    at = model.situation(project, now)
    files = api_output(at, incident_views(at), timelines(at.project), language).files()
    return files["api/v2/summary.json"].decode("utf-8")


def status_lines(project: Project, now: datetime, language: Language
                 ) -> list[tuple[str, str | None]]:
    """(text, colour or None) lines, in `language`: the overall state, every component, the
    active incidents with their age and promise, and the upcoming maintenance."""
    _ = language.gettext
    at = model.situation(project, now)
    seen, states, indicator = at.project, at.states, at.indicator

    def when(moment: datetime) -> str:
        return language.moment(moment.astimezone(project.site.timezone))

    lines: list[tuple[str, str | None]] = [
        (f"{project.site.title}: {_(model.SENTENCES[indicator])}",
         _INDICATOR_COLOURS[indicator]), ("", None)]
    width = max(len(c.name) for c in seen.components)
    for component in seen.components:
        state = states[component.id]
        lines.append((f"  {component.name:<{width}}  {_(state.label)}", _COLOURS[state]))
    active = [i for i in seen.incidents if model.is_active(i, now)]
    if active:
        lines += [("", None), (_("Active incidents:"), None)]
    for incident in sorted(active, key=lambda i: model.started_at(i) or now):
        age = model.duration(incident, now)
        word = model.incident_status(incident) or "investigating"
        status = _(STATUS_LABELS[word])
        lines.append((f"  {incident.id}: {incident.title} ("
                      + _("%(status)s, for %(duration)s") % {
                          "status": status, "duration": language.duration(age or timedelta(0))}
                      + ")", None))
        promise = model.next_update_promised(incident)
        if promise:
            late = promise < now
            lines.append(("    " + (_("next update by %(time)s (overdue)") if late else
                                    _("next update by %(time)s")) % {"time": when(promise)},
                          "red" if late else None))
    upcoming = [i for i in seen.incidents
                if i.is_maintenance and model.maintenance_status(i, now) == "scheduled"]
    in_progress = [i for i in seen.incidents
                   if i.is_maintenance and model.maintenance_in_progress(i, now)]
    for heading, items in ((_("Maintenance in progress:"), in_progress),
                           (_("Upcoming maintenance:"), upcoming)):
        if items:
            lines += [("", None), (heading, None)]
        for item in sorted(items, key=lambda i: (i.scheduled_start, i.id)):
            assert item.scheduled_start and item.scheduled_end
            lines.append((f"  {item.id}: {item.title}, " + _("%(start)s to %(end)s") % {
                "start": when(item.scheduled_start), "end": when(item.scheduled_end)}, "blue"))
    return lines
