"""The model, table-first: states, indicator, maintenance and durations at fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from statusgen import model
from statusgen.parse import parse_time
from statusgen.project import Component, Impact, Incident, Project, Site, State, Update

LONDON = ZoneInfo("Europe/London")
OP, MAINT, DEG, PART, MAJ = (State.OPERATIONAL, State.UNDER_MAINTENANCE,
                             State.DEGRADED_PERFORMANCE, State.PARTIAL_OUTAGE, State.MAJOR_OUTAGE)


def t(text: str) -> datetime:
    return parse_time(text, LONDON)


def upd(at: str, status: str | None = None, next_update: str | None = None,
        **components: State) -> Update:
    changes = tuple((cid.replace("_", "-"), s) for cid, s in components.items())
    return Update(t(at), status, changes, "message", t(next_update) if next_update else None)


def incident(id: str, *updates: Update, impact: Impact | None = None) -> Incident:
    return Incident(id=id, title=id, updates=updates, impact=impact)


def maintenance(id: str, start: str, end: str, components: tuple[str, ...],
                *updates: Update) -> Incident:
    return Incident(id=id, title=id, updates=updates, is_maintenance=True,
                    scheduled_start=t(start), scheduled_end=t(end),
                    maintenance_components=components)


def project(*incidents: Incident) -> Project:
    site = Site("Status", "https://s.example/", LONDON, "default", 90, "")
    comps = tuple(Component(c, c, None, "") for c in ("web", "app", "click-and-collect"))
    return Project(site, (), comps, tuple(incidents))


# Two incidents overlap on "web": A makes it partial 10:00-14:00, B major 12:00-13:00.
A = incident("a", upd("2025-04-19 10:00", "investigating", web=PART),
             upd("2025-04-19 14:00", "resolved"))
B = incident("b", upd("2025-04-19 12:00", "identified", web=MAJ, app=DEG),
             upd("2025-04-19 13:00", "monitoring", app=OP),
             upd("2025-04-19 13:30", web=DEG),
             upd("2025-04-19 15:00", "resolved"))
M = maintenance("m", "2025-04-20 01:00", "2025-04-20 03:00", ("web", "app"))


@pytest.mark.parametrize(("at", "web", "app"), [
    ("2025-04-19 09:59", OP, OP),      # before anything
    ("2025-04-19 10:00", PART, OP),    # an update takes effect at its instant
    ("2025-04-19 12:00", MAJ, DEG),    # the worst of overlapping incidents
    ("2025-04-19 13:00", MAJ, OP),     # an update may return one component while others stay
    ("2025-04-19 13:30", PART, OP),    # B improves web to degraded: A's partial is now worst
    ("2025-04-19 14:00", DEG, OP),     # A resolved: only B's degraded remains
    ("2025-04-19 15:00", OP, OP),      # both resolved
    ("2025-04-20 00:59", OP, OP),      # before the window
    ("2025-04-20 01:00", MAINT, MAINT),  # maintenance window in progress
    ("2025-04-20 03:00", OP, OP),      # the window's end is exclusive
])
def test_component_state_at(at: str, web: State, app: State) -> None:
    states = model.component_states_at(project(A, B, M), t(at))
    assert (states["web"], states["app"], states["click-and-collect"]) == (web, app, OP)


def test_an_incident_worse_than_maintenance_wins() -> None:
    outage = incident("x", upd("2025-04-20 02:00", "investigating", web=PART))
    states = model.component_states_at(project(M, outage), t("2025-04-20 02:30"))
    assert states["web"] is PART and states["app"] is MAINT


def test_a_reopened_incident_sets_its_states_again() -> None:
    reopened = incident("r", upd("2025-04-19 10:00", "investigating", web=MAJ),
                        upd("2025-04-19 11:00", "resolved"),
                        upd("2025-04-19 12:00", "investigating", app=PART))
    assert model.component_states_at(project(reopened), t("2025-04-19 11:30"))["web"] is OP
    states = model.component_states_at(project(reopened), t("2025-04-19 12:30"))
    assert (states["web"], states["app"]) == (OP, PART)
    assert model.is_active(reopened, t("2025-04-19 12:30"))


@pytest.mark.parametrize(("at", "indicator", "sentence"), [
    ("2025-04-19 09:00", Impact.NONE, "All Systems Operational"),
    ("2025-04-19 10:00", Impact.MAJOR, "Partial System Outage"),
    ("2025-04-19 12:00", Impact.CRITICAL, "Major System Outage"),
    ("2025-04-19 14:30", Impact.MINOR, "Minor Service Outage"),
    ("2025-04-20 02:00", Impact.MAINTENANCE, "Service Under Maintenance"),
])
def test_overall_indicator(at: str, indicator: Impact, sentence: str) -> None:
    found = model.overall_indicator(project(A, B, M), t(at))
    assert found is indicator
    assert model.SENTENCES[found] == sentence


def test_a_notice_counts_by_its_stated_impact_only() -> None:
    notice = incident("n", upd("2025-05-13 10:00", "identified"))
    assert model.overall_indicator(project(notice), t("2025-05-13 11:00")) is Impact.NONE
    assert model.is_active(notice, t("2025-05-13 11:00"))
    loud = incident("l", upd("2025-05-13 10:00", "identified"), impact=Impact.MAJOR)
    assert model.overall_indicator(project(loud), t("2025-05-13 11:00")) is Impact.MAJOR


@pytest.mark.parametrize(("inc", "impact"), [
    (A, Impact.MAJOR),                                 # worst state partial -> major
    (B, Impact.CRITICAL),                              # worst state major -> critical
    (incident("n", upd("2025-01-01 10:00", "investigating")), Impact.NONE),
    (incident("i", upd("2025-01-01 10:00", "investigating", web=DEG), impact=Impact.CRITICAL),
     Impact.CRITICAL),                                 # as written wins
    (M, Impact.MAINTENANCE),
])
def test_incident_impact(inc: Incident, impact: Impact) -> None:
    assert model.incident_impact(inc) is impact


@pytest.mark.parametrize(("updates", "at", "status"), [
    ((), "2025-04-20 00:00", "scheduled"),
    ((), "2025-04-20 01:00", "in_progress"),
    ((), "2025-04-20 03:00", "completed"),
    ((upd("2025-04-20 00:30", "in_progress"),), "2025-04-20 00:45", "in_progress"),  # early
    ((upd("2025-04-20 02:00", "completed"),), "2025-04-20 02:30", "completed"),  # finished early
    ((upd("2025-04-20 02:50", "verifying"),), "2025-04-20 03:30", "verifying"),  # overran
    ((upd("2025-04-19 09:00", "scheduled"),), "2025-04-20 02:00", "in_progress"),
])
def test_maintenance_status(updates: tuple[Update, ...], at: str, status: str) -> None:
    window = maintenance("m", "2025-04-20 01:00", "2025-04-20 03:00", ("web",), *updates)
    assert model.maintenance_status(window, t(at)) == status


def test_maintenance_ends_when_completed_early() -> None:
    window = maintenance("m", "2025-04-20 01:00", "2025-04-20 03:00", ("web",),
                         upd("2025-04-20 02:00", "completed"))
    now = t("2025-04-21 00:00")
    assert model.ended_at(window, now) == t("2025-04-20 02:00")
    assert model.duration(window, now) == timedelta(hours=1)
    assert model.component_states_at(project(window), t("2025-04-20 02:30"))["web"] is OP


@pytest.mark.parametrize(("start", "end", "hours"), [
    ("2025-03-30 00:30", "2025-03-30 03:30", 2),   # clocks go forward: 3 wall hours, 2 real
    ("2025-10-26 00:30", "2025-10-26 03:30", 4),   # clocks go back: 3 wall hours, 4 real
    ("2025-04-19 09:30", "2025-04-19 12:30", 3),
    ("2025-04-19 09:30+01:00", "2025-04-19 11:30Z", 3),  # offsets and Z
])
def test_duration_is_true_elapsed_time(start: str, end: str, hours: int) -> None:
    inc = incident("d", upd(start, "investigating", web=PART), upd(end, "resolved"))
    assert model.duration(inc, t("2026-01-01 00:00")) == timedelta(hours=hours)


def test_an_ongoing_incident_lasts_until_now() -> None:
    inc = incident("o", upd("2025-04-19 09:00", "investigating", web=PART))
    assert model.ended_at(inc, t("2025-05-01 09:00")) is None
    assert model.duration(inc, t("2025-05-01 09:00")) == timedelta(days=12)


def test_published_hides_updates_after_now() -> None:
    seen = model.published(project(A, B, M), t("2025-04-19 12:30"))
    by_id = {i.id: i for i in seen.incidents}
    assert [u.at for u in by_id["b"].updates] == [t("2025-04-19 12:00")]
    assert model.is_active(by_id["a"], t("2025-04-19 12:30"))
    assert "m" in by_id  # a maintenance without updates is announced all along
    earlier = model.published(project(A, B), t("2025-04-19 11:00"))
    assert [i.id for i in earlier.incidents] == ["a"]


@pytest.mark.parametrize(("updates", "promise"), [
    ((upd("2025-04-19 10:00", "investigating", "2025-04-19 12:00"),), "2025-04-19 12:00"),
    ((upd("2025-04-19 10:00", "investigating", "2025-04-19 12:00"),
      upd("2025-04-19 11:00")), None),  # a newer update without a promise keeps none
    ((upd("2025-04-19 10:00", "investigating", "2025-04-19 12:00"),
      upd("2025-04-19 11:00", next_update="2025-04-20 09:00")), "2025-04-20 09:00"),
])
def test_next_update_promised(updates: tuple[Update, ...], promise: str | None) -> None:
    found = model.next_update_promised(incident("p", *updates))
    assert found == (t(promise) if promise else None)


@pytest.mark.parametrize(("text", "utc"), [
    ("2025-04-19 09:30", "2025-04-19T08:30:00+00:00"),   # naive: BST
    ("2025-01-19 09:30", "2025-01-19T09:30:00+00:00"),   # naive: GMT
    ("2025-04-19T09:30:15", "2025-04-19T08:30:15+00:00"),
    ("2025-04-19 09:30Z", "2025-04-19T09:30:00+00:00"),
    ("2025-10-26 01:30+01:00", "2025-10-26T00:30:00+00:00"),  # the first 01:30
    ("2025-10-26 01:30+00:00", "2025-10-26T01:30:00+00:00"),  # the second 01:30
])
def test_parse_time(text: str, utc: str) -> None:
    assert t(text) == datetime.fromisoformat(utc)
    assert t(text).tzinfo is UTC


@pytest.mark.parametrize(("text", "words"), [
    ("2025-03-30 01:30", "does not exist"),
    ("2025-10-26 01:30", "happens twice"),
    ("2025-04-19", "is not a date and time"),
    ("19/04/2025 09:30", "is not a date and time"),
    ("2025-02-30 09:30", "is not a valid date and time"),
])
def test_parse_time_refuses(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        t(text)
