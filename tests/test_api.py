"""The Statuspage API v2 files: every one validated against a JSON Schema of Statuspage's
shapes, and their values checked against the demo in the middle of the crisis."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import DEMO_NOW, REPO, WriteProject, build_site
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from statusgen.intervals import Segment
from statusgen.project import State
from statusgen.render.api import LISTED, _last_change, api_time, statuspage_id

API = "api/v2/"

# --- Statuspage's shapes, as its public pages serve them -------------------------------------

ID = {"type": "string", "pattern": "^[a-z0-9]{12}$"}
TIME = {"type": "string", "format": "date-time",
        "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$"}
STATES = ["operational", "degraded_performance", "partial_outage", "major_outage",
          "under_maintenance"]
INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]
IMPACTS = ["none", "minor", "major", "critical", "maintenance"]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": [name for name in properties if name not in optional]}


def _incident(maintenance: bool) -> dict[str, Any]:
    update = _object({
        "id": ID,
        "status": {"enum": MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES},
        "body": {"type": "string"},
        "incident_id": ID,
        "created_at": TIME,
        "updated_at": TIME,
        "display_at": TIME,
        "affected_components": _nullable({"type": "array", "minItems": 1,
                                          "items": {"$ref": "#/$defs/affected"}}),
        "deliver_notifications": {"type": "boolean"},
        "custom_tweet": _nullable({"type": "string"}),
        "tweet_id": _nullable({"type": "string"}),
    })
    properties = {
        "id": ID,
        "name": {"type": "string", "minLength": 1},
        "status": {"enum": MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES},
        "created_at": TIME,
        "updated_at": TIME,
        "monitoring_at": _nullable(TIME),
        "resolved_at": _nullable(TIME),
        "impact": {"enum": IMPACTS},
        "shortlink": {"type": "string", "format": "uri"},
        "started_at": TIME,
        "page_id": ID,
        "incident_updates": {"type": "array", "items": update},
        "components": {"type": "array", "items": {"$ref": "#/$defs/component"}},
    }
    if maintenance:
        properties |= {"scheduled_for": TIME, "scheduled_until": TIME}
    return _object(properties)


DEFS = {
    "page": _object({"id": ID, "name": {"type": "string"},
                     "url": {"type": "string", "format": "uri"},
                     "time_zone": {"type": "string", "minLength": 1}, "updated_at": TIME}),
    "status": _object({
        "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
        "description": {"enum": ["All Systems Operational", "Minor Service Outage",
                                 "Partial System Outage", "Major System Outage",
                                 "Service Under Maintenance"]}}),
    "component": {
        **_object({
            "id": ID,
            "name": {"type": "string", "minLength": 1},
            "status": {"enum": STATES},
            "created_at": TIME,
            "updated_at": TIME,
            "position": {"type": "integer", "minimum": 1},
            "description": _nullable({"type": "string"}),
            "showcase": {"type": "boolean"},
            "start_date": _nullable({"type": "string", "format": "date"}),
            "group_id": _nullable(ID),
            "page_id": ID,
            "group": {"type": "boolean"},
            "only_show_if_degraded": {"type": "boolean"},
            "components": {"type": "array", "items": ID, "minItems": 1},
        }, optional=("components",)),
        # a group lists its members' ids and belongs to no group itself
        "if": {"properties": {"group": {"const": True}}},
        "then": {"required": ["components"], "properties": {"group_id": {"type": "null"}}},
        "else": {"not": {"required": ["components"]}},
    },
    "affected": _object({"code": ID, "name": {"type": "string"},
                         "old_status": {"enum": STATES}, "new_status": {"enum": STATES}}),
    "incident": _incident(maintenance=False),
    "maintenance": _incident(maintenance=True),
}


def _document(with_status: bool = False, **fields: str) -> dict[str, Any]:
    """A file: the page, the status where asked, and lists of the named kinds."""
    kinds: dict[str, Any] = {"page": {"$ref": "#/$defs/page"}}
    for name, kind in fields.items():
        kinds[name] = {"type": "array", "items": {"$ref": f"#/$defs/{kind}"}}
    if with_status:
        kinds["status"] = {"$ref": "#/$defs/status"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": DEFS,
            **_object(kinds)}


SCHEMAS = {
    "summary.json": _document(True, components="component", incidents="incident",
                              scheduled_maintenances="maintenance"),
    "status.json": _document(True),
    "components.json": _document(components="component"),
    "incidents.json": _document(incidents="incident"),
    "incidents/unresolved.json": _document(incidents="incident"),
    "scheduled-maintenances.json": _document(scheduled_maintenances="maintenance"),
    "scheduled-maintenances/upcoming.json": _document(scheduled_maintenances="maintenance"),
    "scheduled-maintenances/active.json": _document(scheduled_maintenances="maintenance"),
}


def problems(name: str, document: Any) -> list[str]:
    validator = Draft202012Validator(SCHEMAS[name], format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


# --- building -----------------------------------------------------------------------------


def built_api(root: Path, out: Path, now: str) -> dict[str, Any]:
    """Build and return every api/v2 file, parsed, keyed by its path under api/v2/."""
    build_site(root, out, now=now)
    return {p.relative_to(out / API).as_posix(): json.loads(p.read_bytes())
            for p in sorted((out / API).rglob("*.json"))}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return built_api(REPO, tmp_path_factory.mktemp("demo") / "site", DEMO_NOW)


def _by_name(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["name"] == name)


# --- the tests ----------------------------------------------------------------------------


def test_the_schemas_are_valid_and_not_vacuous(demo: dict[str, Any]) -> None:
    for schema in SCHEMAS.values():
        Draft202012Validator.check_schema(schema)
    broken = json.loads(json.dumps(demo["summary.json"]))
    broken["status"]["indicator"] = "red"
    broken["page"]["updated_at"] = "2025-13-45T09:30:00.000+01:00"  # only the format says no
    broken["components"][0]["extra"] = 1
    del broken["incidents"][0]["incident_updates"][0]["body"]
    assert sorted(p.split(":")[0] for p in problems("summary.json", broken)) == [
        "components/0", "incidents/0/incident_updates/0", "page/updated_at", "status/indicator"]


def test_every_file_has_statuspage_shape(demo: dict[str, Any]) -> None:
    assert sorted(demo) == sorted(SCHEMAS)
    for name, document in demo.items():
        assert problems(name, document) == [], name


def test_the_demo_in_the_middle_of_the_crisis(demo: dict[str, Any]) -> None:
    summary = demo["summary.json"]
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert demo["status.json"] == {"page": summary["page"], "status": summary["status"]}
    page = summary["page"]
    assert page["name"] == "M&S Service Status"
    assert page["url"] == "https://status.example.com/"
    assert page["time_zone"] == "Europe/London"
    assert page["updated_at"] == "2025-05-13T17:00:00.000+01:00"  # the latest update by then

    components = demo["components.json"]["components"]
    assert summary["components"] == components
    assert _by_name(components, "Click & Collect")["status"] == "major_outage"
    assert _by_name(components, "Shopping in store")["status"] == "operational"
    stores = _by_name(components, "In store")
    assert stores["group"] is True and stores["status"] == "major_outage"
    members = [c for c in components if c["group_id"] == stores["id"]]
    assert stores["components"] == [c["id"] for c in members]
    assert [c["position"] for c in members] == [1, 2, 3, 4, 5]
    assert [c["position"] for c in components if c["group"]] == [1, 2]
    assert _by_name(components, "Click & Collect")["updated_at"] == \
        "2025-04-25T15:00:00.000+01:00"  # when it became a major outage

    unresolved = demo["incidents/unresolved.json"]["incidents"]
    assert summary["incidents"] == unresolved
    assert [i["name"] for i in unresolved] == [  # newest first
        "Some customer personal data was taken",
        "Gaps on shelves in some stores",
        "Online orders paused on the website and app",
        "Click & Collect orders delayed and returns disrupted",
    ]
    assert {i["status"] for i in unresolved} == {"identified"}
    notice = unresolved[0]
    assert notice["impact"] == "none" and notice["components"] == []

    incidents = demo["incidents.json"]["incidents"]
    assert [i["name"] for i in incidents if i["status"] == "resolved"] == [
        "Contactless payments failing at some tills", "App slow to load"]
    slow = _by_name(incidents, "App slow to load")
    assert slow["created_at"] == slow["started_at"] == "2025-03-11T08:40:00.000+00:00"  # GMT
    assert slow["monitoring_at"] == "2025-03-11T10:30:00.000+00:00"
    assert slow["resolved_at"] == slow["updated_at"] == "2025-03-11T11:45:00.000+00:00"
    assert slow["shortlink"] == \
        "https://status.example.com/incidents/2025-03-11-app-slow-to-load/"

    upcoming = demo["scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["App and website sign-in upgrade"]
    assert summary["scheduled_maintenances"] == upcoming
    assert demo["scheduled-maintenances.json"]["scheduled_maintenances"] == upcoming
    assert demo["scheduled-maintenances/active.json"]["scheduled_maintenances"] == []
    window = upcoming[0]
    assert (window["status"], window["impact"]) == ("scheduled", "maintenance")
    assert window["scheduled_for"] == "2025-05-20T01:00:00.000+01:00"
    assert window["scheduled_until"] == "2025-05-20T04:00:00.000+01:00"
    assert [c["name"] for c in window["components"]] == ["App", "Website"]


def test_updates_are_newest_first_and_changes_run_old_to_new(demo: dict[str, Any]) -> None:
    incidents = demo["incidents.json"]["incidents"]
    collect = _by_name(incidents, "Click & Collect orders delayed and returns disrupted")
    updates = collect["incident_updates"]
    times = [u["created_at"] for u in updates]
    assert times == sorted(times, reverse=True)
    assert all(u["incident_id"] == collect["id"] for u in updates)
    assert updates[-1]["status"] == "investigating"
    assert updates[-1]["body"].startswith("Some Click & Collect orders are not ready")
    changes = [(u["created_at"], [(a["name"], a["old_status"], a["new_status"])
                                  for a in u["affected_components"]])
               for u in reversed(updates) if u["affected_components"]]
    assert changes == [
        ("2025-04-19T09:30:00.000+01:00", [("Click & Collect", "operational", "partial_outage")]),
        ("2025-04-19T14:00:00.000+01:00", [("Returns", "operational", "partial_outage")]),
        ("2025-04-23T12:00:00.000+01:00",
         [("Returns", "partial_outage", "degraded_performance")]),
        ("2025-04-25T15:00:00.000+01:00",
         [("Click & Collect", "partial_outage", "major_outage"),
          ("Returns", "degraded_performance", "partial_outage")]),
    ]
    # an update without a status stands under the one before it, as on Statuspage
    assert [u["status"] for u in updates if u["created_at"].startswith("2025-04-21")] == \
        ["investigating"]
    codes = {c["name"]: c["id"] for c in demo["components.json"]["components"]}
    assert updates[-1]["affected_components"][0]["code"] == codes["Click & Collect"]

    # resolving returns every component the incident still held to operational
    contactless = _by_name(incidents, "Contactless payments failing at some tills")
    resolving = contactless["incident_updates"][0]
    assert resolving["status"] == "resolved"
    assert [(a["name"], a["old_status"], a["new_status"])
            for a in resolving["affected_components"]] == [
        ("Card and contactless payments", "degraded_performance", "operational")]


def test_a_maintenance_in_progress(tmp_path: Path) -> None:
    api = built_api(REPO, tmp_path / "site", "2025-05-20T02:00:00+01:00")
    for name, document in api.items():
        assert problems(name, document) == [], name
    active = api["scheduled-maintenances/active.json"]["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in active] == [
        ("App and website sign-in upgrade", "in_progress")]
    assert api["scheduled-maintenances/upcoming.json"]["scheduled_maintenances"] == []
    starting = active[0]["incident_updates"][0]
    assert starting["status"] == "in_progress"
    assert [(a["name"], a["old_status"], a["new_status"])
            for a in starting["affected_components"]] == [
        ("App", "operational", "under_maintenance"),
        ("Website", "operational", "under_maintenance")]
    assert active[0]["updated_at"] == "2025-05-20T01:00:00.000+01:00"

    later = built_api(REPO, tmp_path / "later", "2025-05-21T12:00:00+01:00")
    done = later["scheduled-maintenances.json"]["scheduled_maintenances"][0]
    assert done["status"] == "completed"
    assert done["resolved_at"] == "2025-05-20T03:50:00.000+01:00"
    assert [u["status"] for u in done["incident_updates"]] == [
        "completed", "verifying", "in_progress", "scheduled"]
    assert [a["new_status"] for a in done["incident_updates"][0]["affected_components"]] == \
        ["operational", "operational"]
    assert done["incident_updates"][1]["affected_components"] is None


def test_ids_are_stable_across_builds(demo: dict[str, Any], tmp_path: Path) -> None:
    later = built_api(REPO, tmp_path / "later", "2025-08-01T12:00:00+01:00")

    def ids(api: dict[str, Any]) -> dict[str, str]:
        found = {f"component:{c['name']}": c["id"] for c in api["components.json"]["components"]}
        for incident in [*api["incidents.json"]["incidents"],
                         *api["scheduled-maintenances.json"]["scheduled_maintenances"]]:
            found[f"incident:{incident['name']}"] = incident["id"]
            for update in incident["incident_updates"]:
                found[f"update:{update['created_at']}:{incident['name']}"] = update["id"]
        return found

    before, after = ids(demo), ids(later)
    assert len(before) > 40
    assert {key: after[key] for key in before} == before
    assert len(set(before.values())) == len(before)  # no two things share an id
    assert later["summary.json"]["page"]["id"] == demo["summary.json"]["page"]["id"]
    assert demo["summary.json"]["page"]["id"] == statuspage_id("page",
                                                               "https://status.example.com/")


def test_ids_and_times_look_like_statuspage_s() -> None:
    assert re.fullmatch("[a-z2-7]{12}", statuspage_id("component", "website"))
    assert statuspage_id("component", "stores") != statuspage_id("group", "stores")
    moment = datetime(2025, 4, 19, 8, 30, 0, 250_000, tzinfo=UTC)
    assert api_time(moment, ZoneInfo("Europe/London")) == "2025-04-19T09:30:00.250+01:00"
    assert api_time(moment, ZoneInfo("UTC")) == "2025-04-19T08:30:00.250Z"
    assert api_time(moment, ZoneInfo("America/Los_Angeles")) == "2025-04-19T01:30:00.250-07:00"


CONFIG = """\
site:
  title: Example Status
  base_url: https://status.example.com/shop/
  timezone: UTC
groups:
  - {id: online, name: Online}
  - {id: empty, name: Nothing here}
components:
  - {id: website, name: Website, group: online}
  - {id: stores, name: Stores}
  - {id: online, name: Online help}
"""


def _incident(day: int, resolved: bool = True) -> str:
    text = f"""\
title: Incident {day}
updates:
  - at: 2025-01-01 00:00
    status: investigating
    components: {{website: partial_outage}}
    message: Down.
"""
    text = text.replace("2025-01-01", f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}")
    if resolved:
        text += text.split("updates:\n")[1].replace("00:00", "06:00").replace(
            "investigating", "resolved").replace("    components: {website: partial_outage}\n",
                                                  "")
    return text


def test_lists_are_capped_like_statuspage_but_keep_every_unresolved_incident(
        write_project: WriteProject) -> None:
    files: dict[str, str | bytes | None] = {"statusgen.yaml": CONFIG}
    files["incidents/a-old-open.yaml"] = _incident(0, resolved=False)
    for day in range(1, LISTED + 6):
        files[f"incidents/b-{day:03d}.yaml"] = _incident(day)
    project = write_project(files)
    api = built_api(project, project / "site", "2025-06-30 12:00")
    for name, document in api.items():
        assert problems(name, document) == [], name
    listed = api["incidents.json"]["incidents"]
    assert len(listed) == LISTED
    assert listed[0]["name"] == f"Incident {LISTED + 5}"
    assert listed[-1]["name"] == "Incident 0"  # the oldest, kept because it is unresolved
    assert listed[0]["created_at"].endswith("Z")  # a site kept in UTC

    components = api["components.json"]["components"]
    assert [(c["name"], c["group"], c["position"]) for c in components] == [
        ("Online", True, 1), ("Website", False, 1), ("Stores", False, 2),
        ("Online help", False, 3)]  # the empty group is left out, as on the page
    online_group, online_help = components[0], components[3]
    assert online_group["id"] != online_help["id"]  # a group and a component share "online"
    assert online_help["group_id"] is None
    assert components[1]["group_id"] == online_group["id"]
    assert api["summary.json"]["page"]["url"] == "https://status.example.com/shop/"


def test_a_project_without_incidents(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": CONFIG})
    api = built_api(project, project / "site", "2025-06-30 12:00")
    for name, document in api.items():
        assert problems(name, document) == [], name
    summary = api["summary.json"]
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert summary["incidents"] == summary["scheduled_maintenances"] == []
    # nothing in the data says when: only here does the build's `now` show
    assert summary["page"]["updated_at"] == "2025-06-30T12:00:00.000Z"
    assert {c["updated_at"] for c in summary["components"]} == {"2025-06-30T12:00:00.000Z"}


@st.composite
def _timelines(draw: st.DrawFn) -> list[list[Segment]]:
    """Timelines as intervals.timelines gives them: in order, apart (or touching), the last
    maybe open, on a few hours so that instants are shared."""
    found = []
    for _ in range(draw(st.integers(1, 3))):
        hours = sorted(set(draw(st.lists(st.integers(0, 12), max_size=8))))
        own = [Segment(datetime(2025, 4, 1, a, tzinfo=UTC), datetime(2025, 4, 1, b, tzinfo=UTC),
                       draw(st.sampled_from(list(State)[1:])))
               for a, b in zip(hours[::2], hours[1::2])]
        if own and draw(st.booleans()):
            own[-1] = Segment(own[-1].start, None, own[-1].state)
        found.append(own)
    return found


@settings(max_examples=300, deadline=None)
@given(_timelines(), st.integers(0, 13))
def test_the_last_change_is_found_as_trying_every_instant_finds_it(
        segments: list[list[Segment]], hour: int) -> None:
    """_last_change looks at instants newest first and stops at the first change: it finds
    what trying every instant up to now finds."""
    now = datetime(2025, 4, 1, hour, tzinfo=UTC) if hour <= 12 else \
        datetime.max.replace(tzinfo=UTC)

    def worst(t: datetime) -> State:
        return max((s.state for own in segments for s in own
                    if s.start <= t and (s.end is None or t < s.end)), default=State.OPERATIONAL)

    instants = sorted({t for own in segments for s in own for t in (s.start, s.end)
                       if t is not None and t <= now})
    expected = next((t for k, t in reversed(list(enumerate(instants)))
                     if worst(t) is not (worst(instants[k - 1]) if k else State.OPERATIONAL)),
                    None)
    assert _last_change(segments, now) == expected
