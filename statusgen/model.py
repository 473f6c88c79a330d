"""Stage 3, model: pure questions about a `Project` at an instant. `now` is always an argument."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from .project import CustomerImpact, Impact, Incident, Project, State, Update
from .words import N_

SENTENCES = {
    Impact.NONE: N_("All Systems Operational"),
    Impact.MAINTENANCE: N_("Service Under Maintenance"),
    Impact.MINOR: N_("Minor Service Outage"),
    Impact.MAJOR: N_("Partial System Outage"),
    Impact.CRITICAL: N_("Major System Outage"),
}
# The page indicator a component in each state calls for (Statuspage's mapping).
_INDICATOR_OF_STATE = {
    State.OPERATIONAL: Impact.NONE,
    State.UNDER_MAINTENANCE: Impact.MAINTENANCE,
    State.DEGRADED_PERFORMANCE: Impact.MINOR,
    State.PARTIAL_OUTAGE: Impact.MAJOR,
    State.MAJOR_OUTAGE: Impact.CRITICAL,
}


@dataclass(frozen=True)
class Situation:
    """The project as readers see it at `now` (published), with what every output asks of it:
    each component's state and the page's indicator, worked out once."""

    project: Project
    now: datetime
    states: Mapping[str, State]
    indicator: Impact


def situation(project: Project, now: datetime) -> Situation:
    """The project at `now`: what is published by then, the components' states, the indicator."""
    seen = published(project, now)
    states = component_states_at(seen, now)
    return Situation(seen, now, MappingProxyType(states), overall_indicator(seen, now, states))


def published(project: Project, now: datetime) -> Project:
    """The project as readers could see it at `now`: later updates are not yet written, and an
    incident none of whose updates is published yet does not exist. A maintenance without
    updates is announced from the start of time."""
    if all(i.updates[-1].at <= now if i.updates else i.is_maintenance  # (in time order)
           for i in project.incidents):
        return project  # all of it is out
    incidents = []
    for incident in project.incidents:
        if not incident.updates or incident.updates[-1].at <= now:
            if incident.updates or incident.is_maintenance:
                incidents.append(incident)  # all of it is out: the same object will do
            continue
        updates = tuple(u for u in incident.updates if u.at <= now)
        if updates:
            incidents.append(replace(incident, updates=updates))
    return replace(project, incidents=tuple(incidents))


def incident_status(incident: Incident, t: datetime | None = None) -> str | None:
    """The incident's status word at `t` (None: after its last update); None before it began."""
    for update in reversed(incident.updates):  # the latest status set by `t`
        if update.status and (t is None or update.at <= t):
            return update.status
    return None


Step = tuple[datetime, State]  # from this instant on, this state (until the next step)


def state_steps(incident: Incident) -> dict[str, list[Step]]:
    """The one account of what an incident or maintenance does to each component: per
    component, the instants its state changes, oldest first. Each update's changes stand until
    another update changes them; resolving returns them all to operational; a maintenance gives
    under_maintenance while it is in progress. The front page's states, the uptime and the day
    bars are all read from these steps. Worked out once per incident value, which keeps them
    (read them, never change them)."""
    steps = incident.derived.get("steps")
    if steps is None:
        steps = incident.derived["steps"] = _state_steps(incident)
    return steps  # type: ignore[no-any-return]


def _state_steps(incident: Incident) -> dict[str, list[Step]]:
    steps: dict[str, list[Step]] = {}

    def step(cid: str, at: datetime, state: State) -> None:
        own = steps.setdefault(cid, [])
        if (own[-1][1] if own else State.OPERATIONAL) is not state:
            own.append((at, state))

    if incident.is_maintenance:
        assert incident.scheduled_start is not None and incident.scheduled_end is not None
        instants = sorted({incident.scheduled_start, incident.scheduled_end,
                           *(u.at for u in incident.updates)})
        for at in instants:  # the status only changes at these instants
            state = State.UNDER_MAINTENANCE if maintenance_in_progress(incident, at) \
                else State.OPERATIONAL
            for cid in incident.maintenance_components:
                step(cid, at, state)
        return steps
    for update in incident.updates:  # as `step` does, written out: this runs very often
        at = update.at
        if update.status == "resolved":
            for own in steps.values():
                if own and own[-1][1] is not State.OPERATIONAL:
                    own.append((at, State.OPERATIONAL))
        else:
            for cid, state in update.components:
                own = steps.setdefault(cid, [])
                if (own[-1][1] if own else State.OPERATIONAL) is not state:
                    own.append((at, state))
    return steps


def state_at(steps: list[Step], t: datetime) -> State:
    """The state a list of steps gives at `t`."""
    index = bisect_right(steps, t, key=lambda s: s[0])
    return steps[index - 1][1] if index else State.OPERATIONAL


def incident_states_at(incident: Incident, t: datetime) -> dict[str, State]:
    """The non-operational states an incident or maintenance gives its components at `t`."""
    if not incident.is_maintenance and incident.updates and incident.updates[-1].at <= t \
            and incident.updates[-1].status == "resolved":
        return {}  # resolved by `t` (most of the history): resolving returns them all
    states = {cid: state_at(own, t) for cid, own in state_steps(incident).items()}
    return {cid: s for cid, s in states.items() if s is not State.OPERATIONAL}


def maintenance_status(incident: Incident, t: datetime) -> str:
    """scheduled | in_progress | verifying | completed at `t`. The operator's word wins; without
    one, the scheduled window decides."""
    status = incident_status(incident, t)
    if status in ("in_progress", "verifying", "completed"):
        return status
    assert incident.scheduled_start is not None and incident.scheduled_end is not None
    if t < incident.scheduled_start:
        return "scheduled"
    return "in_progress" if t < incident.scheduled_end else "completed"


def maintenance_in_progress(incident: Incident, t: datetime) -> bool:
    return maintenance_status(incident, t) in ("in_progress", "verifying")


def component_states_at(project: Project, t: datetime) -> dict[str, State]:
    """Every component's state at `t`: the worst any unresolved incident gives it, and
    under_maintenance where a maintenance is in progress and no incident is worse."""
    states = {c.id: State.OPERATIONAL for c in project.components}
    for incident in project.incidents:
        for cid, state in incident_states_at(incident, t).items():
            states[cid] = max(states[cid], state)
    return states


def is_active(incident: Incident, t: datetime) -> bool:
    """An incident or notice that has begun and is not resolved at `t` (never a maintenance)."""
    if incident.is_maintenance:
        return False
    status = incident_status(incident, t)
    return status is not None and status != "resolved"


def worst_state(incident: Incident) -> State:
    """The worst state the incident ever gave a component (maintenance: under_maintenance)."""
    if incident.is_maintenance:
        return State.UNDER_MAINTENANCE
    return max((s for u in incident.updates for _, s in u.components), default=State.OPERATIONAL)


def worst_states(incident: Incident) -> dict[str, State]:
    """The worst state the incident or maintenance gave each component it touched."""
    return {cid: max((s for _, s in own), default=State.OPERATIONAL)
            for cid, own in state_steps(incident).items()}


def written_impact(incident: Incident) -> Impact | None:
    """The impact in force as written: the last one an update set, else the incident's own
    (its start value); None where none is written."""
    for update in reversed(incident.updates):
        if update.impact is not None:
            return update.impact
    return incident.impact


def incident_impact(incident: Incident) -> Impact:
    """The impact in force as written, else derived from the worst state it gave any
    component."""
    if incident.is_maintenance:
        return Impact.MAINTENANCE
    written = written_impact(incident)
    if written is not None:
        return written
    return _INDICATOR_OF_STATE[worst_state(incident)]


def overall_indicator(project: Project, t: datetime,
                      states: Mapping[str, State] | None = None) -> Impact:
    """The page indicator: the worst of what the components' states call for now and of the
    impacts written on active incidents. A derived impact is the incident's worst moment, not
    its present, so it does not hold the banner up once the components recover. `states`:
    component_states_at(project, t), when known."""
    if states is None:
        states = component_states_at(project, t)
    by_state = (_INDICATOR_OF_STATE[s] for s in states.values())
    by_incident = (written for i in project.incidents
                   if is_active(i, t) and (written := written_impact(i)) is not None)
    return max(*by_state, *by_incident, Impact.NONE)


def affected_components(incident: Incident) -> tuple[str, ...]:
    """Component ids the incident or maintenance touches, in first-mention order."""
    if incident.is_maintenance:
        return incident.maintenance_components
    seen: dict[str, None] = {}
    for update in incident.updates:
        for cid, _ in update.components:
            seen.setdefault(cid)
    return tuple(seen)


def started_at(incident: Incident) -> datetime | None:
    """When it began: the first update, or a maintenance's scheduled start."""
    if incident.is_maintenance:
        return incident.scheduled_start
    return incident.updates[0].at if incident.updates else None


def ended_at(incident: Incident, now: datetime) -> datetime | None:
    """When it ended (None while it goes on): the resolving update, or a maintenance's
    completion (the 'completed' update, else the end of its window)."""
    if incident.is_maintenance:
        if maintenance_status(incident, now) != "completed":
            return None
        done = [u.at for u in incident.updates if u.status == "completed"]
        assert incident.scheduled_end is not None
        return done[-1] if done else incident.scheduled_end
    for update in reversed(incident.updates):  # the latest status set: resolved, or not yet
        if update.status:
            return update.at if update.status == "resolved" else None
    return None


def settled_at(incident: Incident, ended: datetime | None) -> datetime | None:
    """Once an incident has been resolved, or a maintenance completed, what the site says of
    it no longer changes with time, only with its published updates: from the later of its end
    and its last update (None while it goes on or has not begun). `ended`: its ended_at."""
    if ended is None:
        return None
    return max(ended, incident.updates[-1].at) if incident.updates else ended


def duration(incident: Incident, now: datetime) -> timedelta | None:
    """True elapsed time from start to end (to `now` while it goes on); DST-proof, since all
    instants are aware. None for a maintenance that has not started."""
    start = started_at(incident)
    if start is None or start > now:
        return None
    return (ended_at(incident, now) or now) - start


def customer_impact(incident: Incident) -> CustomerImpact | None:
    """The latest `customer_impact`: each one replaces the one before, and an empty one says
    there is none any more (None)."""
    written = customer_impact_update(incident)
    found = written.customer_impact if written is not None else None
    return found if found is not None and (found.still_works or found.not_working
                                           or found.workaround) else None


def customer_impact_update(incident: Incident) -> Update | None:
    """The latest update that wrote a `customer_impact`: when what it says was last
    confirmed."""
    for update in reversed(incident.updates):
        if update.customer_impact is not None:
            return update
    return None


def next_update_promised(incident: Incident) -> datetime | None:
    """The promise of the latest update; a newer update keeps (or drops) the older promise."""
    return incident.updates[-1].next_update if incident.updates else None
