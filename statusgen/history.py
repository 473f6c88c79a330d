"""Views of the past: uptime bars and figures, component pages, history months, and the
timeline drawn on an incident's page. Computed here, displayed by the templates."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from . import intervals, model
from .intervals import Segment
from .project import Incident, Project, State

Span = tuple[datetime, datetime | None]  # when an incident touched a component


def duration_text(length: timedelta) -> str:
    """'3 hours 20 minutes': the two largest units, in English, for the operator's messages
    (readers get Language.duration)."""
    minutes = int(length.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [counted(n, unit) for n, unit in parts if n]
    return " ".join(words[:2]) if words else "less than a minute"


def counted(n: int, thing: str) -> str:
    """'1 incident', '3 incidents' (the operator's messages)."""
    return f"{n} {thing}{'s' if n != 1 else ''}"


def _percent(value: float) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class Bar:
    """One day, or a run of quiet days, in a component's bars."""

    first: datetime  # local midnight of the first day
    last: datetime  # local midnight of the last day
    days: int
    state: State  # the worst state of the day
    lengths: tuple[tuple[State, timedelta], ...]  # how long each state lasted, worst first
    all_day: bool  # one state, all day long
    incidents: list[tuple[str, str]]  # (path, title) of the incidents of that day


@dataclass(frozen=True)
class Uptime:
    bars: list[Bar]
    percent: str  # over the history window, two decimals


def spans(project: Project, since: datetime) -> dict[str, list[tuple[Span, Incident]]]:
    """For each component, when each incident or maintenance touched it, if it did after
    `since`: from its first state change to its return to operational (open while it lasts)."""
    found: dict[str, list[tuple[Span, Incident]]] = {c.id: [] for c in project.components}
    for incident in project.incidents:
        last = incident.updates[-1] if incident.updates else None
        if last is not None and last.status == "resolved" and last.at <= since and \
                not incident.is_maintenance:
            continue  # resolved by then: resolving returned every component to operational
        for cid, steps in model.state_steps(incident).items():
            if steps:
                end = steps[-1][0] if steps[-1][1] is State.OPERATIONAL else None
                found[cid].append(((steps[0][0], end), incident))
    return found


def bars(segments: list[Segment], touched: list[tuple[Span, Incident]],
         bounds: list[datetime], now: datetime, tz: ZoneInfo) -> list[Bar]:
    """The day bars for [bounds[0], bounds[-1]): days with something to say stand alone,
    quiet days in a row merge into one bar that names its dates, and so do days in a row spent
    all day in one state by the same incidents (a long outage is one bar, one link)."""
    days = intervals.days_of(segments, bounds, now)
    result: list[Bar] = []
    for (start, end), lengths in zip(pairwise(bounds), days):
        day_incidents = [(i.id, i.title) for (s, e), i in touched
                         if s < end and (e is None or e > start)]
        local = start.astimezone(tz)
        if not lengths and not day_incidents:
            if result and result[-1].state is State.OPERATIONAL and not result[-1].incidents:
                last = result.pop()
                result.append(Bar(last.first, local, last.days + 1, State.OPERATIONAL, (),
                                  False, []))
            else:
                result.append(Bar(local, local, 1, State.OPERATIONAL, (), False, []))
            continue
        ordered = tuple(sorted(lengths.items(), key=lambda item: item[0], reverse=True))
        worst = ordered[0][0] if ordered else State.OPERATIONAL
        links = [(f"incidents/{i}/", title) for i, title in day_incidents]
        all_day = len(ordered) == 1 and ordered[0][1] == end - start
        before = result[-1] if result else None
        if all_day and before and before.all_day and (before.state, before.incidents) == (
                worst, links):
            result[-1] = Bar(before.first, local, before.days + 1, worst, (), True, links)
            continue
        result.append(Bar(local, local, 1, worst, () if all_day else ordered, all_day, links))
    return result


def uptime_views(project: Project, lines: dict[str, list[Segment]], now: datetime,
                 only: Collection[str] | None = None) -> dict[str, Uptime]:
    """Every component's bars and uptime over the history window (or `only` those
    components')."""
    chosen = [cid for cid in lines if only is None or cid in only]
    if not chosen:
        return {}
    site = project.site
    bounds = intervals.day_starts(now, site.history_days, site.timezone)
    # only what touched a component within the bars' days can be named by one
    touched = {cid: [(span, incident) for span, incident in found
                     if span[0] < bounds[-1] and (span[1] is None or span[1] > bounds[0])]
               for cid, found in spans(project, bounds[0]).items()}
    window = now - timedelta(days=site.history_days)
    return {cid: Uptime(bars(lines[cid], touched[cid], bounds, now, site.timezone),
                        _percent(intervals.uptime(lines[cid], window, now)))
            for cid in chosen}


def group_percent(figures: list[Uptime]) -> str:
    return _percent(intervals.group_uptime(float(u.percent) for u in figures))


@dataclass(frozen=True)
class Period:
    days: int  # the last `days` days, or 0 for the calendar month from `month`
    month: date | None  # its first day
    percent: str


def uptime_periods(segments: list[Segment], now: datetime, tz: ZoneInfo) -> list[Period]:
    """A component's uptime for the last 7, 30 and 90 days and each of the last 12 months."""
    months = intervals.month_starts(now, 12, tz)
    earliest = min(months[0], now - timedelta(days=90))
    segments = [s for s in segments if s.end is None or s.end > earliest]  # the rest count 0
    periods = [Period(n, None, _percent(intervals.uptime(
        segments, now - timedelta(days=n), now))) for n in (7, 30, 90)]
    for start, end in reversed(list(pairwise(months))):
        periods.append(Period(0, start.astimezone(tz).date(), _percent(
            intervals.uptime(segments, start, min(end, now)))))
    return periods


@dataclass(frozen=True)
class Histories:
    """Every component's timeline, uptime bars and uptime periods, by component id, in the
    components' order."""

    lines: dict[str, list[Segment]]
    uptimes: dict[str, Uptime]
    periods: dict[str, list[Period]]


def retitled(found: Histories, titles: Mapping[str, str]) -> Histories:
    """`found` with the day bars' incidents titled as `titles` (by path) says: the histories
    in another language, whose titles are all that differs."""
    uptimes = {cid: replace(uptime, bars=[
        replace(bar, incidents=[(path, titles.get(path, title)) for path, title in bar.incidents])
        if bar.incidents else bar for bar in uptime.bars])
        for cid, uptime in found.uptimes.items()}
    return replace(found, uptimes=uptimes)


def histories(project: Project, now: datetime,
              lines: Mapping[str, list[Segment]] | None = None,
              shown: Mapping[str, tuple[Uptime, list[Period]]] | None = None) -> Histories:
    """Every component's history at `now`; what is already known of some components (kept
    by an earlier build: their `lines`, and from those their bars and periods at `now`) is
    taken as it is, the rest is worked out."""
    ids = [c.id for c in project.components]
    known = dict(lines or {})
    known.update(intervals.timelines(project, [cid for cid in ids if cid not in known]))
    shown = shown or {}
    stale = [cid for cid in ids if cid not in shown]
    uptimes = uptime_views(project, known, now, stale)
    tz = project.site.timezone
    periods = {cid: uptime_periods(known[cid], now, tz) for cid in stale}
    for cid, (uptime, own) in shown.items():
        uptimes[cid], periods[cid] = uptime, own
    return Histories({cid: known[cid] for cid in ids}, {cid: uptimes[cid] for cid in ids},
                     {cid: periods[cid] for cid in ids})


@dataclass(frozen=True)
class Month:
    key: str  # "2025-04": its page is history/2025-04/
    first: date  # its first day
    incident_ids: list[str]  # newest first


def months(project: Project, tz: ZoneInfo) -> list[Month]:
    """Every incident and maintenance under the month it started (a maintenance: the month of
    its window), newest month first."""
    by_month: dict[str, list[tuple[datetime, str]]] = {}
    for incident in project.incidents:
        start = model.started_at(incident)
        assert start is not None  # published incidents have an update; maintenance a window
        local = start.astimezone(tz)
        by_month.setdefault(f"{local.year:04}-{local.month:02}", []).append((start, incident.id))
    result = []
    for key in sorted(by_month, reverse=True):
        year, month = key.split("-")
        ids = [i for _, i in sorted(by_month[key], reverse=True)]
        result.append(Month(key, date(int(year), int(month), 1), ids))
    return result


@dataclass(frozen=True)
class Lane:
    name: str
    rects: list[tuple[str, str, State]]  # x and width in percent of the span, state
    periods: list[tuple[datetime, datetime | None, State]]  # the same, for the table


@dataclass(frozen=True)
class Timeline:
    start: datetime
    end: datetime  # the end of the incident, or now
    lanes: list[Lane]
    ticks: list[str]  # the updates' positions in percent


def incident_timeline(incident: Incident, names: Mapping[str, str], now: datetime
                      ) -> Timeline | None:
    """One lane per component the incident touched (`names`: the components', by id), with
    its states over the incident's span; None when it touched none or has not begun."""
    steps = model.state_steps(incident)
    start = model.started_at(incident)
    if not steps or start is None or start > now:
        return None
    first = min([start, *(s[0][0] for s in steps.values() if s)])
    end = model.ended_at(incident, now) or now
    total = (end - first).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        return max(0.0, min(100.0, 100 * (moment - first).total_seconds() / total))

    lanes = []
    for cid, own in steps.items():
        ends = [at for at, _ in own[1:]] + [None]
        periods: list[tuple[datetime, datetime | None, State]] = [
            (at, until, state) for (at, state), until in zip(own, ends)
            if state is not State.OPERATIONAL]
        rects: list[tuple[str, str, State]] = [
            (f"{x(a):.2f}", f"{x(b or end) - x(a):.2f}", state) for a, b, state in periods]
        lanes.append(Lane(names[cid], rects, periods))
    ticks = sorted({f"{x(u.at):.2f}" for u in incident.updates}, key=float)
    return Timeline(first, end, lanes, ticks)
