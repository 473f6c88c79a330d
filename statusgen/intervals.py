"""The model over time: each component's timeline of states, its uptime, and its days.

Everything here is read from `model.state_steps`, the same account of incidents that gives the
front page its states, so a bar, a percentage and a badge can never disagree.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from operator import itemgetter
from zoneinfo import ZoneInfo

from .model import state_steps
from .project import Project, State
from .words import N_

# The share of a period a state counts as down (Statuspage's and Instatus's weighting).
DOWNTIME_WEIGHT = {
    State.MAJOR_OUTAGE: 1.0,
    State.PARTIAL_OUTAGE: 0.3,
    State.DEGRADED_PERFORMANCE: 0.0,
    State.UNDER_MAINTENANCE: 0.0,
    State.OPERATIONAL: 0.0,
}
# A format string, as templates' _() take every message ("%%" is one "%").
UPTIME_FORMULA = N_(
    "Uptime counts a major outage as fully down, a partial outage as 30%% down, and degraded "
    "performance and maintenance as up; a group's uptime is the mean of its components'.")


@dataclass(frozen=True)
class Segment:
    """A stretch of time in one non-operational state; `end` None: still so at the last
    published update."""

    start: datetime
    end: datetime | None
    state: State

    def overlap(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) this segment covers."""
        last = end if self.end is None else min(self.end, end)
        first = max(self.start, start)
        return max(last - first, timedelta(0))


def timelines(project: Project,
              only: Collection[str] | None = None) -> dict[str, list[Segment]]:
    """Every component's non-operational segments (or `only` those components'), oldest first:
    at each instant the worst state that any incident or maintenance gives it."""
    events: dict[str, list[tuple[datetime, int, State]]] = {
        c.id: [] for c in project.components if only is None or c.id in only}
    if not events:
        return {}
    for number, incident in enumerate(project.incidents):
        for cid, steps in state_steps(incident).items():
            if cid in events:
                events[cid].extend((at, number, state) for at, state in steps)
    return {cid: _sweep(found) for cid, found in events.items()}


def _sweep(events: list[tuple[datetime, int, State]]) -> list[Segment]:
    events.sort(key=itemgetter(0, 1))  # stable: changes at one instant keep their order
    current: dict[int, State] = {}
    segments: list[Segment] = []
    worst = State.OPERATIONAL
    since: datetime | None = None
    index, count = 0, len(events)
    while index < count:
        at = events[index][0]
        while index < count:  # every change at this instant
            when, number, state = events[index]
            if when != at:
                break
            if state is State.OPERATIONAL:
                current.pop(number, None)
            else:
                current[number] = state
            index += 1
        now_worst = max(current.values()) if current else State.OPERATIONAL
        if now_worst is not worst:
            if worst is not State.OPERATIONAL and since is not None:
                segments.append(Segment(since, at, worst))
            worst, since = now_worst, at
    if worst is not State.OPERATIONAL and since is not None:
        segments.append(Segment(since, None, worst))
    return segments


_NEVER = datetime.max.replace(tzinfo=UTC)  # the end of a segment that has not ended


def durations(segments: Sequence[Segment], start: datetime,
              end: datetime) -> dict[State, timedelta]:
    """How long each non-operational state lasted within [start, end); `segments` oldest
    first and apart, as `timelines` gives them, so only those within are looked at."""
    found: dict[State, timedelta] = {}
    first = bisect_right(segments, start, key=lambda s: _NEVER if s.end is None else s.end)
    for segment in islice(segments, first, None):
        if segment.start >= end:
            break
        length = segment.overlap(start, end)
        if length:
            found[segment.state] = found.get(segment.state, timedelta(0)) + length
    return found


def uptime(segments: Sequence[Segment], start: datetime, end: datetime) -> float:
    """Uptime in percent over [start, end), with the downtime weights above."""
    period = (end - start).total_seconds()
    if period <= 0:
        return 100.0
    down = sum(DOWNTIME_WEIGHT[state] * length.total_seconds()
               for state, length in durations(segments, start, end).items())
    return 100.0 * (1 - down / period)


def group_uptime(figures: Iterable[float]) -> float:
    """A group's uptime: the mean of its components'."""
    values = list(figures)
    return sum(values) / len(values) if values else 100.0


def day_starts(now: datetime, days: int, tz: ZoneInfo) -> list[datetime]:
    """The instants (in UTC) of the midnights in `tz` that begin the `days` calendar days
    ending with today, oldest first, plus the midnight after today: day i is
    [result[i], result[i + 1]), 23 or 25 hours long on a clock-change day. (UTC, because
    Python subtracts two times of one zone by their wall clocks.)"""
    today = now.astimezone(tz).date()
    dates = [today - timedelta(days=n) for n in range(days - 1, -2, -1)]
    return [datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC) for d in dates]


def month_starts(now: datetime, months: int, tz: ZoneInfo) -> list[datetime]:
    """The first instants (in UTC) of the `months` calendar months in `tz` ending with this
    one, oldest first, plus the start of next month."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1
    return [datetime(i // 12, i % 12 + 1, 1, tzinfo=tz).astimezone(UTC)
            for i in range(index - months + 1, index + 2)]


def days_of(segments: list[Segment], bounds: list[datetime],
            now: datetime) -> list[dict[State, timedelta]]:
    """For each day [bounds[i], bounds[i + 1]) the durations of each state, counted up to
    `now` (the rest of today has not happened). One pass over days and segments together."""
    result: list[dict[State, timedelta]] = []
    first = 0
    for day_start, day_end in pairwise(bounds):
        end = min(day_end, now)
        while first < len(segments):
            ends = segments[first].end
            if ends is None or ends > day_start:
                break
            first += 1
        found: dict[State, timedelta] = {}
        for segment in segments[first:]:
            if segment.start >= end:
                break
            length = segment.overlap(day_start, end)
            if length:
                found[segment.state] = found.get(segment.state, timedelta(0)) + length
        result.append(found)
    return result
