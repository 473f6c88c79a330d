"""Guided mode: an update asked for part by part, for a person under stress at a terminal.

Each question offers the value in force (Enter keeps it); then the update is shown as the
page's first screen will say it, and written only after a yes. The questions go through an
`Ask` (cli.py's is the terminal), so the flow reads and tests without one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from . import model
from .author import ImpactRequest, UpdateRequest, customer_impact_after
from .parse import parse_time
from .project import (
    INCIDENT_STATUSES,
    SETTABLE_STATES,
    CustomerImpact,
    Incident,
    Project,
    State,
    Text,
)

NONE = "-"  # the answer that clears a value


class Ask(Protocol):
    def text(self, question: str, default: str) -> str: ...

    def lines(self, question: str, default: tuple[str, ...]) -> tuple[str, ...]: ...

    def yes(self, question: str) -> bool: ...

    def say(self, text: str) -> None: ...


def _choice(ask: Ask, question: str, words: tuple[str, ...], default: str) -> str:
    while True:
        answer = ask.text(f"{question} ({', '.join(words)})", default).strip()
        if answer in words:
            return answer
        ask.say(f"  '{answer}' is not one of them.")


def _time(ask: Ask, project: Project, question: str, default: str) -> str | None:
    while True:
        answer = ask.text(f"{question} (YYYY-MM-DD HH:MM, or {NONE} for none)", default).strip()
        if answer in ("", NONE):
            return None
        try:
            parse_time(answer, project.site.timezone)
            return answer
        except ValueError as err:
            ask.say(f"  {err}")


def guided_update(project: Project, incident: Incident | None, title: str, now: datetime,
                  ask: Ask) -> tuple[str, UpdateRequest] | None:
    """An update to `incident` (None: the first of a new one, called `title`), asked for part
    by part, and the title (a new one's in each of the site's languages); None if the
    operator does not confirm it."""
    tz = project.site.timezone
    names = {c.id: c.name for c in project.components}
    if incident is None and type(title) is not Text:
        title = _in_languages(ask, project, title, "The title", lines=False)
    status = model.incident_status(incident) if incident else None
    status = _choice(ask, "Status", INCIDENT_STATUSES, status or "investigating")
    changes = _states(ask, project, incident, now, names)
    message = ""
    while not message:
        message = "\n\n".join(ask.lines("What customers need to know now (one paragraph a "
                                        "line; an empty line ends)", ())).strip()
    message = _in_languages(ask, project, message, "What customers need to know now")
    in_force = model.customer_impact(incident) if incident else None
    impact = _impact(ask, in_force or CustomerImpact((), (), ""))
    promise = incident.updates[-1].next_update if incident else None
    suggested = promise if promise and promise > now else now + timedelta(hours=1)
    next_update = _time(ask, project, "Next update by",
                        f"{suggested.astimezone(tz):%Y-%m-%d %H:%M}")
    request = UpdateRequest(status, tuple(changes), message, next_update, customer=impact)
    stated = customer_impact_after(in_force, impact) or in_force
    ask.say(preview(incident.title if incident else title, request, stated, names, project))
    return (title, request) if ask.yes("Post this update?") else None


def _in_languages(ask: Ask, project: Project, text: str, question: str, lines: bool = True
                  ) -> str:
    """`text` with what the operator gives of it in each of the site's other languages
    (nothing: it is shown in the first language there)."""
    from .language import cldr_locale  # Babel, only for a site of several languages

    translations = {}
    for tag in project.site.others:
        known = cldr_locale(tag)
        name = f"{known.get_display_name('en') if known else tag} ({tag})"
        leave = f"Enter leaves it in {project.site.language}"
        if lines:
            said = "\n\n".join(ask.lines(f"{question}, in {name} (one paragraph a line; an "
                                          f"empty line ends; {leave})", ())).strip()
        else:
            said = ask.text(f"{question}, in {name} ({leave})", "").strip()
        if said:
            translations[tag] = said
    return Text(text, translations) if translations else text


def _states(ask: Ask, project: Project, incident: Incident | None, now: datetime,
            names: dict[str, str]) -> list[tuple[str, str]]:
    """The components' new states: those the incident touches (a new one: those named)."""
    words = tuple(s.word for s in SETTABLE_STATES)
    if incident is not None:
        touched = list(model.affected_components(incident))
        current = model.incident_states_at(incident, now)
    else:
        ids = [c.id for c in project.components]
        named = ask.text(f"Components affected ({' '.join(ids)}), separated by spaces", "")
        touched = [cid for cid in named.split() if cid in ids]
        current = {}
    changes = []
    for cid in touched:
        before = current.get(cid, State.OPERATIONAL).word
        after = _choice(ask, f"{names[cid]} is", words, before if incident else "partial_outage")
        if after != before or incident is None:
            changes.append((cid, after))
    return changes


def _impact(ask: Ask, in_force: CustomerImpact) -> ImpactRequest:
    """What still works, what does not and what to do: Enter keeps each as it is."""
    works = ask.lines("Still working (one item a line; Enter keeps the list)", in_force.still_works)
    broken = ask.lines("Not working (one item a line; Enter keeps the list)", in_force.not_working)
    workaround = ask.text(f"What customers can do meanwhile ({NONE} for nothing)",
                          in_force.workaround or NONE).strip()
    workaround = "" if workaround == NONE else workaround
    if (works, broken, workaround) == (in_force.still_works, in_force.not_working,
                                       in_force.workaround):
        return ImpactRequest()  # as it stands: the update need not say it again
    return ImpactRequest(works, broken, workaround)


def preview(title: str, request: UpdateRequest, stated: CustomerImpact | None,
            names: dict[str, str], project: Project) -> str:
    """The update as the front page will say it, in plain text."""
    status = request.status.capitalize() if request.status else "Update"
    lines = ["", "─" * 60, f"{title} · {status}"]
    lines += [f"  {names[cid]}: {State[word.upper()].label}" for cid, word in request.components]
    lines += ["", request.message, ""]
    if stated is not None:
        if stated.still_works:
            lines.append("Still working: " + "; ".join(stated.still_works))
        if stated.not_working:
            lines.append("Not working: " + "; ".join(stated.not_working))
        if stated.workaround:
            lines.append(f"What you can do: {stated.workaround}")
    if request.next_update:
        at = parse_time(request.next_update, project.site.timezone)
        local = at.astimezone(project.site.timezone)
        lines.append(f"Next update by {local.day} {local:%b %Y, %H:%M %Z}.")
    return "\n".join([*lines, "─" * 60, ""])
