"""Timelines, uptime and days, against hand-computed values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_model import DEG, LONDON, MAINT, MAJ, PART, A, B, incident, maintenance, project, t, upd

from statusgen import intervals
from statusgen.intervals import Segment

M = maintenance("m", "2025-04-20 01:00", "2025-04-20 03:00", ("web", "app"))
web_timeline = intervals.timelines(project(A, B, M))["web"]


def test_overlapping_incidents_make_one_timeline_of_the_worst_state() -> None:
    # A: web partial 10:00-14:00. B: web major 12:00, degraded 13:30, resolved 15:00.
    assert web_timeline == [
        Segment(t("2025-04-19 10:00"), t("2025-04-19 12:00"), PART),
        Segment(t("2025-04-19 12:00"), t("2025-04-19 13:30"), MAJ),
        Segment(t("2025-04-19 13:30"), t("2025-04-19 14:00"), PART),
        Segment(t("2025-04-19 14:00"), t("2025-04-19 15:00"), DEG),
        Segment(t("2025-04-20 01:00"), t("2025-04-20 03:00"), MAINT),
    ]


@pytest.mark.parametrize(("start", "end", "expected"), [
    # 10:00-20:00: partial 2.5 h x 0.3 + major 1.5 h = 2.25 h down of 10 h
    ("2025-04-19 10:00", "2025-04-19 20:00", "77.50"),
    # the window cuts the incident: major 12:30-13:30 (1 h) + partial 0.5 h x 0.3 of 1.5 h
    ("2025-04-19 12:30", "2025-04-19 14:00", "23.33"),
    # degraded performance counts as up
    ("2025-04-19 14:00", "2025-04-19 15:00", "100.00"),
    # maintenance counts as up
    ("2025-04-20 00:00", "2025-04-20 04:00", "100.00"),
    # a whole day: 2.25 h of 24 h
    ("2025-04-19 00:00", "2025-04-20 00:00", "90.62"),
])
def test_uptime(start: str, end: str, expected: str) -> None:
    assert f"{intervals.uptime(web_timeline, t(start), t(end)):.2f}" == expected


def test_an_ongoing_incident_counts_up_to_now() -> None:
    ongoing = incident("o", upd("2025-04-19 10:00", "investigating", web=MAJ))
    segments = intervals.timelines(project(ongoing))["web"]
    assert segments == [Segment(t("2025-04-19 10:00"), None, MAJ)]
    assert intervals.uptime(segments, t("2025-04-19 00:00"), t("2025-04-19 12:00")) == \
        pytest.approx(100 * 10 / 12)


def test_a_dst_day_has_23_hours_and_its_bar_counts_real_time() -> None:
    # Clocks go forward at 01:00 GMT on 30 March 2025: 00:00 GMT to 12:00 BST is 11 hours.
    outage = incident("d", upd("2025-03-30 00:00", "investigating", web=MAJ),
                      upd("2025-03-30 12:00", "resolved"))
    segments = intervals.timelines(project(outage))["web"]
    bounds = intervals.day_starts(t("2025-03-31 09:00"), 2, LONDON)
    assert [b.isoformat() for b in bounds] == [
        "2025-03-30T00:00:00+00:00", "2025-03-30T23:00:00+00:00", "2025-03-31T23:00:00+00:00"]
    assert bounds[1] - bounds[0] == timedelta(hours=23)
    days = intervals.days_of(segments, bounds, t("2025-03-31 09:00"))
    assert days == [{MAJ: timedelta(hours=11)}, {}]
    assert f"{intervals.uptime(segments, bounds[0], bounds[1]):.2f}" == "52.17"  # 1 - 11/23


def test_days_split_a_long_incident_and_stop_at_now() -> None:
    long = incident("l", upd("2025-04-18 18:00", "investigating", web=PART))
    segments = intervals.timelines(project(long))["web"]
    now = t("2025-04-20 06:00")
    days = intervals.days_of(segments, intervals.day_starts(now, 3, LONDON), now)
    assert days == [{PART: timedelta(hours=6)}, {PART: timedelta(hours=24)},
                    {PART: timedelta(hours=6)}]


def test_group_uptime_is_the_mean_of_its_components() -> None:
    assert intervals.group_uptime([100.0, 77.5]) == pytest.approx(88.75)


def test_month_starts() -> None:
    starts = intervals.month_starts(t("2025-01-15 12:00"), 3, LONDON)
    assert [s.astimezone(LONDON).date().isoformat() for s in starts] == [
        "2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]
