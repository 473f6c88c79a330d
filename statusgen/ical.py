"""maintenance.ics: the scheduled maintenance windows as an iCalendar feed to subscribe to.

`render_ical` maps (published project, now, views) to {"maintenance.ics": bytes}. The
`icalendar` library writes it, so escaping (commas, semicolons, newlines) and line folding
follow RFC 5545; every text goes in as a TEXT value, so no title or message can start a
property of its own.

Each window that is not yet completed, or completed within the site's `history_days`, is one
VEVENT: UID `<incident-id>@<host><path of base_url>` (stable, and distinct for two sites on
one host), DTSTART/DTEND the scheduled window in UTC, SUMMARY the title, DESCRIPTION the latest
update as plain text with the affected components and the page's address, URL that page,
STATUS CONFIRMED and TRANSP TRANSPARENT (a window does not make a subscriber busy). There is
no METHOD, so DTSTAMP is, as RFC 5545 says for that case, when the event's information last
changed: its latest published update (the window's start if it has none), never the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markupsafe import Markup

from .project import Incident, Project

if TYPE_CHECKING:  # render imports this module to call render_ical
    from icalendar import Event, vText

    from .render import IncidentView

PRODID = "-//statusgen//statusgen maintenance calendar//EN"
REFRESH = timedelta(hours=1)  # how often a subscribed calendar should fetch it again

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|pre|blockquote)>|<br\s*/?>")


def plain_text(html: Markup) -> str:
    """Sanitized HTML as plain text: one line per paragraph or list item, '- ' before items."""
    items = str(html).replace("<li>", "<li>- ")
    lines = (Markup(part).striptags() for part in _BLOCK_END.split(items))
    return "\n".join(line for line in lines if line)


def _text(text: str) -> vText:
    """A TEXT value. A carriage return becomes a newline, as icalendar 7.3 makes it: older
    releases wrote it out bare, where a lenient reader would start a property of its own."""
    from icalendar import vText

    return vText(text.replace("\r\n", "\n").replace("\r", "\n"))


def event_uid(incident_id: str, base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{incident_id}@{parts.hostname}{parts.path.rstrip('/')}"


def _event(incident: Incident, view: IncidentView, base_url: str) -> Event:
    from icalendar import Event

    assert incident.scheduled_start is not None and incident.scheduled_end is not None
    url = base_url + view.path
    affected = ", ".join(c.name for c in view.affected)
    latest = plain_text(view.updates[0].html) if view.updates else ""
    description = "\n\n".join(part for part in (
        latest, f"Affected: {affected}" if affected else "", f"Updates: {url}") if part)
    stamp = incident.updates[-1].at if incident.updates else incident.scheduled_start

    event = Event()
    event.add("uid", _text(event_uid(incident.id, base_url)))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    if incident.updates:
        event.add("created", incident.updates[0].at.astimezone(UTC))
    event.add("dtstart", incident.scheduled_start.astimezone(UTC))
    event.add("dtend", incident.scheduled_end.astimezone(UTC))
    event.add("summary", _text(incident.title))
    event.add("description", _text(description))
    event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def render_ical(project: Project, now: datetime, views: dict[str, IncidentView],
                unchanged: Callable[[Sequence[str]], bool] | None = None) -> dict[str, bytes]:
    """maintenance.ics for the published `project` at `now`; nothing if `unchanged` says the
    last build wrote it with the same windows (their ids given), which is most builds: the
    icalendar library is then not even imported."""
    site = project.site
    since = now - timedelta(days=site.history_days)

    def shown(incident: Incident) -> bool:
        ended = views[incident.id].ended
        return incident.is_maintenance and (ended is None or ended >= since)

    windows = sorted(filter(shown, project.incidents),
                     key=lambda i: (i.scheduled_start or now, i.id))
    if unchanged is not None and unchanged([i.id for i in windows]):
        return {}
    from icalendar import Calendar, vDuration

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    name = _text(f"{site.title}: scheduled maintenance")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what most calendar apps read
    calendar.add("url", site.base_url)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for incident in windows:
        calendar.add_component(_event(incident, views[incident.id], site.base_url))
    return {"maintenance.ics": calendar.to_ical()}
