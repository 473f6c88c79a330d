"""maintenance.ics: the scheduled maintenance windows as an iCalendar feed to subscribe to.

`ical_output` is the Output of {"maintenance.ics": bytes}, made from the windows it lists. The
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
from collections.abc import Mapping
from datetime import UTC, timedelta
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markupsafe import Markup

from .. import model
from ..language import Language
from ..markdown import Converted
from ..model import Situation
from ..project import Incident, Project
from . import Output

if TYPE_CHECKING:  # imported when a calendar is made: most builds keep the one they made
    from icalendar import Event, vText

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


def _event(incident: Incident, settings: Project, converted: Converted,
           names: Mapping[str, str], language: Language) -> Event:
    from icalendar import Event

    assert incident.scheduled_start is not None and incident.scheduled_end is not None
    base_url = settings.site.base_url
    url = f"{base_url}incidents/{incident.id}/"
    _ = language.gettext
    affected = language.names([names[cid] for cid in model.affected_components(incident)])
    latest = plain_text(converted.html(str(incident.updates[-1].message))) \
        if incident.updates else ""
    description = "\n\n".join(part for part in (
        latest, _("Affected: %(names)s") % {"names": affected} if affected else "",
        _("Updates: %(url)s") % {"url": url}) if part)
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


def ical_output(at: Situation, settings: Project, converted: Converted, language: Language
                ) -> Output:
    """maintenance.ics, made of the windows it lists (as published): it says nothing of the
    present, so it stays as it is until one of them changes. `settings`: the project's,
    without incidents."""
    since = at.now - timedelta(days=settings.site.history_days)

    def shown(incident: Incident) -> bool:
        ended = model.ended_at(incident, at.now)
        return incident.is_maintenance and (ended is None or ended >= since)

    windows = sorted(filter(shown, at.project.incidents),
                     key=lambda i: (i.scheduled_start or at.now, i.id))
    return Output("maintenance.ics", partial(_calendar, settings, converted, language),
                  {"windows": windows})


def _calendar(settings: Project, converted: Converted, language: Language,
              windows: list[Incident]) -> dict[str, bytes]:
    from icalendar import Calendar, vDuration

    site = settings.site
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    name = _text(language.gettext("%(title)s: scheduled maintenance") % {"title": site.title})
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what most calendar apps read
    calendar.add("url", site.base_url)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    names = {c.id: c.name for c in settings.components}
    for incident in windows:
        calendar.add_component(_event(incident, settings, converted, names, language))
    return {"maintenance.ics": calendar.to_ical()}
