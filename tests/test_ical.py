"""maintenance.ics, read back with the icalendar parser: right instants, stable UIDs, and no
title or message that can add a property of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import DEMO_NOW, REPO, WriteProject, build_site
from icalendar import Calendar, Event

from statusgen import model
from statusgen.language import Language
from statusgen.markdown import Converted, markdown_html
from statusgen.project import Component, Incident, Project, Site, Update
from statusgen.render.ical import ical_output, plain_text


def built_calendar(root: Path, out: Path, now: str) -> bytes:
    build_site(root, out, now=now)
    return (out / "maintenance.ics").read_bytes()


def events(data: bytes) -> list[Event]:
    return Calendar.from_ical(data).walk("VEVENT")


def test_the_demo_window_in_utc(tmp_path: Path) -> None:
    data = built_calendar(REPO, tmp_path / "site", DEMO_NOW)
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "M&S Service Status: scheduled maintenance"
    [event] = events(data)
    assert str(event["SUMMARY"]) == "App and website sign-in upgrade"
    # 01:00 to 04:00 BST on 20 May
    assert event.decoded("DTSTART") == datetime(2025, 5, 20, 0, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2025, 5, 20, 3, 0, tzinfo=UTC)
    assert b"DTSTART:20250520T000000Z\r\n" in data
    assert str(event["UID"]) == "2025-05-20-app-sign-in-maintenance@status.example.com"
    assert str(event["URL"]) == \
        "https://status.example.com/incidents/2025-05-20-app-sign-in-maintenance/"
    assert (str(event["STATUS"]), str(event["TRANSP"])) == ("CONFIRMED", "TRANSPARENT")
    # when its information last changed: the announcement at 17:00 BST on 13 May
    assert event.decoded("DTSTAMP") == datetime(2025, 5, 13, 16, 0, tzinfo=UTC)
    description = str(event["DESCRIPTION"])
    assert description.startswith("Overnight on Tuesday 20 May, from 1am to 4am, we are")
    assert "you will not be able to sign in" in description  # Markdown gone, words kept
    assert "Affected: App and Website" in description
    assert description.endswith(
        "https://status.example.com/incidents/2025-05-20-app-sign-in-maintenance/")
    assert all(line.endswith(b"\r") or not line for line in data.split(b"\n"))
    assert max(len(line) for line in data.split(b"\r\n")) <= 75  # folded as RFC 5545 says


def test_the_calendar_depends_on_the_data_not_the_clock(tmp_path: Path) -> None:
    one = built_calendar(REPO, tmp_path / "one", DEMO_NOW)
    two = built_calendar(REPO, tmp_path / "two", "2025-05-15T09:00:00+01:00")
    assert one == two  # nothing new was published in between
    during = events(built_calendar(REPO, tmp_path / "three", "2025-05-20T03:55:00+01:00"))
    assert [str(e["UID"]) for e in during] == [str(e["UID"]) for e in events(one)]
    assert during[0].decoded("DTSTAMP") == datetime(2025, 5, 20, 2, 50, tzinfo=UTC)
    assert "working again" in str(during[0]["DESCRIPTION"])  # the latest update


CONFIG = """\
site:
  title: Example Status
  base_url: https://status.example.com/shop/
  timezone: America/New_York
  history_days: 30
components:
  - {id: website, name: Website}
  - {id: app, name: App}
"""


def _window(start: str, end: str, updates: str = "") -> str:
    text = f"title: Window {start}\nkind: maintenance\nscheduled: {{start: {start}, end: {end}}}"
    return text + "\ncomponents: [website]\n" + updates


def test_upcoming_and_recent_windows_only_each_with_a_unique_uid(
        write_project: WriteProject) -> None:
    project = write_project({
        "statusgen.yaml": CONFIG,
        "incidents/long-ago.yaml": _window("2025-01-10 01:00", "2025-01-10 02:00"),
        "incidents/last-week.yaml": _window("2025-03-01 01:00", "2025-03-01 02:00"),
        "incidents/next-week.yaml": _window(
            "2025-03-15 23:00", "2025-03-16 03:00",
            "updates:\n  - {at: 2025-03-05 10:00, status: scheduled, message: 'Soon.'}\n"),
        "incidents/over-dst.yaml": _window("2025-03-09 01:00", "2025-03-09 04:00"),
    })
    data = built_calendar(project, project / "site", "2025-03-08 12:00")
    found = {str(e["UID"]): e for e in events(data)}
    assert sorted(found) == [f"{name}@status.example.com/shop" for name in (
        "last-week", "next-week", "over-dst")]
    # New York moves from EST (-5) to EDT (-4) at 02:00 on 9 March: 01:00 EST to 04:00 EDT
    dst = found["over-dst@status.example.com/shop"]
    assert dst.decoded("DTSTART") == datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    assert dst.decoded("DTEND") == datetime(2025, 3, 9, 8, 0, tzinfo=UTC)
    # without updates, the window's start stands for when it was last changed
    assert dst.decoded("DTSTAMP") == datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    assert found["next-week@status.example.com/shop"].decoded("DTSTAMP") == \
        datetime(2025, 3, 5, 15, 0, tzinfo=UTC)


HOSTILE_TITLE = 'Upgrade, phase 1; "db"\r\nATTENDEE:mailto:evil@example.com\rX-A:1\nX-B:2'
HOSTILE_MESSAGE = ("Orders paused; card, cash and gift cards affected.\r\n"
                   "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\n\\n <b>bold</b> & done")


def _hostile_project() -> Project:
    tz = ZoneInfo("Europe/London")
    site = Site("Evil, Inc.; \"Status\"\r\nX-EVIL:1", "https://status.example.com/",
                tz, "default", 90, "")
    window = Incident(
        id="hostile", title=HOSTILE_TITLE, is_maintenance=True,
        updates=(Update(datetime(2025, 5, 1, 9, 0, tzinfo=tz), "scheduled", (),
                        HOSTILE_MESSAGE),),
        scheduled_start=datetime(2025, 5, 20, 1, 0, tzinfo=tz),
        scheduled_end=datetime(2025, 5, 20, 4, 0, tzinfo=tz),
        maintenance_components=("web",))
    return Project(site, (), (Component("web", "Web, app; and\r\nX-C:3", None, ""),),
                   (window,))


def test_hostile_text_round_trips_and_cannot_add_a_property() -> None:
    now = datetime(2025, 5, 2, 12, 0, tzinfo=UTC)
    at = model.situation(_hostile_project(), now)
    settings = replace(at.project, incidents=())
    data = ical_output(at, settings, Converted(), Language("en-GB")).files()["maintenance.ics"]
    calendar = Calendar.from_ical(data)
    assert not [name for name in calendar if name.startswith("X-EVIL")]
    [event] = calendar.walk("VEVENT")
    assert sorted(event) == ["CREATED", "DESCRIPTION", "DTEND", "DTSTAMP", "DTSTART",
                             "LAST-MODIFIED", "STATUS", "SUMMARY", "TRANSP", "UID", "URL"]
    assert str(event["UID"]) == "hostile@status.example.com"
    newline = 'Upgrade, phase 1; "db"\nATTENDEE:mailto:evil@example.com\nX-A:1\nX-B:2'
    assert str(event["SUMMARY"]) == newline
    description = str(event["DESCRIPTION"])
    assert description.startswith("Orders paused; card, cash and gift cards affected.")
    assert "END:VEVENT BEGIN:VEVENT UID:evil \\n bold & done" in description  # one paragraph
    assert "Affected: Web, app; and\nX-C:3" in description
    for line in data.split(b"\r\n"):
        assert not line.startswith((b"ATTENDEE", b"X-A", b"X-B", b"X-C", b"UID:evil")), line
    assert data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1


def test_plain_text_keeps_paragraphs_and_list_items() -> None:
    html = markdown_html("First *para*.\n\n- one\n- two &amp; three\n\nLast.")
    assert plain_text(html) == "First para.\n- one\n- two & three\nLast."
