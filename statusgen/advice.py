"""Warnings: what is valid but probably not what the operator means, as `check` finds it at
`now`. A time zone that never observes summer time where one that does is likely meant; an
unresolved incident without an update for longer than `site.stale_after`; a promised next
update that is overdue. Each is a Problem of severity "warning", at its line and column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from . import model
from .errors import Problem
from .history import duration_text
from .load import CONFIG_NAME, Mapping, Sequence, load_file, shown_path
from .project import Incident, Project

# Zones without summer time that are often written where the local time with it is meant.
_MEANT = {"GMT": "Europe/London", "Etc/GMT": "Europe/London", "GMT0": "Europe/London",
          "Etc/GMT0": "Europe/London", "Etc/GMT+0": "Europe/London",
          "Etc/GMT-0": "Europe/London", "Greenwich": "Europe/London",
          "Etc/Greenwich": "Europe/London", "EST": "America/New_York",
          "MST": "America/Denver"}


def warnings(root: Path, project: Project, now: datetime) -> list[Problem]:
    """Every warning for the valid `project` at `now`, sorted as problems are."""
    found = _zone(root, project)
    published = model.published(project, now)
    for incident in published.incidents:
        if model.is_active(incident, now):
            found += _waiting(root, incident, project, now)
    return sorted(found)



def _marks(root: Path, relative: str) -> Any:
    data, _ = load_file(root / relative, shown_path(root, relative))
    return data


def _zone(root: Path, project: Project) -> list[Problem]:
    name = project.site.timezone.key
    if name not in _MEANT:
        return []
    config = _marks(root, CONFIG_NAME)
    site = config.get("site") if isinstance(config, Mapping) else None
    line, column = site.value_marks.get("timezone", (1, 1)) if isinstance(site, Mapping) \
        else (1, 1)
    return [Problem(shown_path(root, CONFIG_NAME), line, column,
                    f"timezone {name} never changes to summer time, so summer times would be an "
                    f"hour off if you meant local time: did you mean {_MEANT[name]}?", "warning")]


def _waiting(root: Path, incident: Incident, project: Project, now: datetime) -> list[Problem]:
    """An active incident's readers waiting: no update for too long, or a promise broken."""
    relative = next((f"incidents/{incident.id}{suffix}" for suffix in (".yaml", ".yml")
                     if (root / f"incidents/{incident.id}{suffix}").is_file()), "")
    if not relative:
        return []
    data = _marks(root, relative)
    updates = data.get("updates") if isinstance(data, Mapping) else None
    last = updates[len(incident.updates) - 1] \
        if isinstance(updates, Sequence) and len(updates) >= len(incident.updates) else None
    marks = last.value_marks if isinstance(last, Mapping) else {}
    path = shown_path(root, relative)
    found = []
    latest = incident.updates[-1]
    quiet = now - latest.at
    if quiet > project.site.stale_after:
        found.append(Problem(path, *marks.get("at", (1, 1)),
                             f"no update for {duration_text(quiet)}: readers are waiting; post "
                             "one, even to say nothing has changed", "warning"))
    promised = latest.next_update
    if promised is not None and promised < now:
        local = promised.astimezone(project.site.timezone)
        found.append(Problem(path, *marks.get("next_update", (1, 1)),
                             f"the next update was promised by {local:%Y-%m-%d %H:%M}, "
                             f"{duration_text(now - promised)} ago: post it, and a new promise",
                             "warning"))
    return found
