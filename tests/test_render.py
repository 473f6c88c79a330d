"""The renderers in memory: a Project at `now` -> the site's files, with no CLI, no cache and
nothing written (the built-in theme's files are all they read). The golden project (read with
read_project) and small projects made in code."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import html5lib
import pytest
from conftest import GOLDEN_NOW, GOLDEN_PROJECT

from statusgen import model
from statusgen.build import plain_sites, read_project, render_site
from statusgen.incremental.keys import Keys
from statusgen.markdown import markdown_html
from statusgen.parse import parse_time
from statusgen.project import Component, Incident, Project, Site, State, Update
from statusgen.render import Output
from statusgen.render.site import Site as SiteInputs
from statusgen.render.site import machine_outputs, page_outputs
from statusgen.render.theme import Theme

LONDON = ZoneInfo("Europe/London")
APP_DOWN = "2025-04-19-app-down"  # golden: two updates published at GOLDEN_NOW, not resolved
WEBSITE_SLOW = "2025-03-29-website-slow"  # golden: resolved on 30 March
LATER = "2025-09-01T12:00:00+01:00"  # long after every golden incident but the app's began


def at(text: str) -> datetime:
    return parse_time(text, LONDON)


def theme() -> Theme:
    """The built-in theme (golden/project has no themes/ of its own): a new one for each site,
    as each build has its own."""
    return Theme(GOLDEN_PROJECT, "default")


def site_of(project: Project, now: datetime) -> list[SiteInputs]:
    """What the outputs of a plain build are made of."""
    return plain_sites(project, now, theme())


def outputs_of(project: Project, now: datetime) -> list[Output]:
    site = site_of(project, now)
    incident_pages, other = page_outputs(site)
    return [*incident_pages, *other, *machine_outputs(site)]


def by_name(outputs: list[Output]) -> dict[str, Output]:
    found = {output.name: output for output in outputs}
    assert len(found) == len(outputs), "two outputs share a name"
    return found


def files_of(outputs: list[Output]) -> dict[str, bytes]:
    return {path: data for output in outputs for path, data in output.files().items()}


def html(data: bytes) -> ET.Element:
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def small_project(message: str = "The app does not open.") -> Project:
    """Two ended incidents on two components, made in code (their files' digests are "")."""
    site = Site("Render Status", "https://status.example.com/", LONDON, "default", 90, "")
    components = (Component("web", "Website", None, ""), Component("app", "App", None, ""))
    web = Incident("2025-04-10-web-slow", "Website slow", (
        Update(at("2025-04-10 09:00"), "investigating", (("web", State.DEGRADED_PERFORMANCE),),
               "Pages load slowly."),
        Update(at("2025-04-10 11:00"), "resolved", (), "Pages load normally again.")))
    app = Incident("2025-04-19-app-down", "App down", (
        Update(at("2025-04-19 09:30"), "investigating", (("app", State.MAJOR_OUTAGE),), message),
        Update(at("2025-04-19 12:00"), "resolved", (), "The app is back.")))
    return Project(site, (), components, (web, app))


@pytest.fixture(scope="module")
def golden() -> Project:
    return read_project(GOLDEN_PROJECT)


def golden_files(project: Project, now: str = GOLDEN_NOW) -> dict[str, bytes]:
    return render_site(project, parse_time(now, project.site.timezone), theme())


# --- the site as a whole ---------------------------------------------------------------------


def test_the_outputs_make_every_file_of_the_plain_build_each_once(golden: Project) -> None:
    now = parse_time(GOLDEN_NOW, LONDON)
    outputs = by_name(outputs_of(golden, now)).values()
    made = [path for output in outputs for path in output.files()]
    assert len(made) == len(set(made)), "two outputs make the same file"
    assert files_of(list(outputs)) == render_site(golden, now, theme())
    assert {"index.html", f"incidents/{APP_DOWN}/index.html", "feed.atom",
            "api/v2/summary.json"} <= set(made)


# --- the front page --------------------------------------------------------------------------


def front_page(data: bytes) -> tuple[str, list[tuple[str, str]], dict[str, str]]:
    """The banner's sentence, the incidents it lists (title, impact), and each component's
    state as shown."""
    page = html(data)
    banner = page.find(".//h1[@id='overall']")
    assert banner is not None
    listed = [(text(a.find(".//span[@class='banner-title']")),
               text(next(s for s in a.iter("span") if "state" in s.get("class", "").split())))
              for a in page.iterfind(".//ul[@class='banner-list']/li/a")]
    shown = {}
    for item in page.iterfind(".//li[@class='component']"):
        name = item.find("span[@class='name']/a")
        state = next(s for s in item.iterfind("span") if "state" in s.get("class", "").split())
        assert name is not None
        shown[text(name)] = text(state)
    return text(banner), listed, shown


@pytest.mark.parametrize(("now", "sentence", "listed"), [
    (GOLDEN_NOW, "Major System Outage",  # worst first
     [("App unavailable", "Critical impact"), ("Changes to opening hours over Easter", "Notice")]),
    ("2025-04-19T09:00:00+01:00", "All Systems Operational",  # before the app went down
     [("Changes to opening hours over Easter", "Notice")]),
])
def test_the_front_page_says_the_sentence_the_active_incidents_and_every_state(
        golden: Project, now: str, sentence: str, listed: list[tuple[str, str]]) -> None:
    situation = model.situation(golden, parse_time(now, LONDON))
    shown_sentence, shown_listed, states = front_page(golden_files(golden, now)["index.html"])
    assert shown_sentence == model.SENTENCES[situation.indicator] == sentence
    assert shown_listed == listed
    assert states == {c.name: situation.states[c.id].label for c in golden.components}
    assert states["App"] == ("Major outage" if now == GOLDEN_NOW else "Operational")


# --- an incident's page ----------------------------------------------------------------------


def test_an_incident_page_shows_every_update_newest_first_at_its_anchor(
        golden: Project) -> None:
    incident = next(i for i in golden.incidents if i.id == APP_DOWN)
    page = html(golden_files(golden)[f"incidents/{APP_DOWN}/index.html"])
    updates = list(page.iterfind(".//li[@class='update']"))
    assert [u.get("id") for u in updates] == ["update-2", "update-1"]
    for element, update in zip(updates, incident.updates[::-1]):
        message = element.find("div[@class='message']")
        assert message is not None
        assert text(message) == text(html(markdown_html(update.message).encode()))
        link = element.find("h3/a[@class='at']")
        assert link is not None and link.get("href") == f"#{element.get('id')}"
    assert "The app does not open." in text(updates[1])


def test_an_ended_incident_page_is_the_same_at_any_later_now(golden: Project) -> None:
    name = f"incidents/{WEBSITE_SLOW}/index.html"
    pages = [golden_files(golden, now)[name] for now in (GOLDEN_NOW, LATER)]
    assert pages[0] == pages[1]
    assert b"Pages load normally again." in pages[0]
    keys = [Keys("salt", {}).key(by_name(outputs_of(golden, parse_time(now, LONDON)))[name])
            for now in (GOLDEN_NOW, LATER)]
    assert keys[0] == keys[1]


def test_an_ongoing_incident_page_changes_with_now(golden: Project) -> None:
    """The contrast to the above: the page of an incident that goes on is made as of now."""
    name = f"incidents/{APP_DOWN}/index.html"
    assert golden_files(golden, GOLDEN_NOW)[name] != golden_files(golden, LATER)[name]


# --- the feeds -------------------------------------------------------------------------------


def expected_items(project: Project, now: datetime) -> list[str]:
    """The ids of the site feed's items, newest first: one per published update, or one for a
    maintenance announced without any."""
    published = model.situation(project, now).project
    keys = []
    for incident in published.incidents:
        if incident.is_maintenance and not incident.updates:
            assert incident.scheduled_start is not None
            keys.append((incident.scheduled_start, incident.id, "scheduled"))
        keys += [(u.at, incident.id, f"update-{n}") for n, u in enumerate(incident.updates, 1)]
    return [f"{iid}#{anchor}" for _, iid, anchor in sorted(keys, reverse=True)]


def test_the_feeds_list_one_item_per_update_newest_first(golden: Project) -> None:
    now = parse_time(GOLDEN_NOW, LONDON)
    files = golden_files(golden)
    expected = expected_items(golden, now)
    assert len(expected) == 7 and f"{APP_DOWN}#update-2" == expected[0]
    assert f"{APP_DOWN}#update-3" not in expected  # (there is none: a check on the check)

    feed = json.loads(files["feed.json"])
    assert [item["id"] for item in feed["items"]] == expected
    published = [item["date_published"] for item in feed["items"]]
    assert published == sorted(published, reverse=True)
    titles = {i.id: i.title for i in golden.incidents}
    for item in feed["items"]:
        assert item["title"].endswith(f"] {titles[item['id'].partition('#')[0]]}")

    rss = feedparser.parse(files["feed.rss"])
    assert not rss.bozo and rss.version == "rss20"
    assert [entry.id for entry in rss.entries] == expected

    atom = feedparser.parse(files["feed.atom"])
    assert not atom.bozo and atom.version == "atom10"
    base = golden.site.base_url
    assert [entry.id for entry in atom.entries] == [
        f"{base}incidents/{iid}/#{anchor}" for iid, _, anchor in
        (item.partition("#") for item in expected)]
    times = [entry.published_parsed for entry in atom.entries]
    assert times == sorted(times, reverse=True)


def test_a_component_feed_lists_only_the_incidents_that_touch_it(golden: Project) -> None:
    rss = feedparser.parse(golden_files(golden)["components/stores/feed.rss"])
    assert not rss.bozo
    assert [entry.id for entry in rss.entries] == ["2025-04-10-database-maintenance#scheduled"]


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("now", [
    GOLDEN_NOW,  # the app down, the notice pinned, a maintenance scheduled
    "2025-04-19T09:00:00+01:00",  # the notice only
    "2025-04-10T01:30:00+01:00",  # a maintenance in progress, nothing unresolved
])
def test_the_api_summary_says_what_the_model_says(golden: Project, now: str) -> None:
    moment = parse_time(now, LONDON)
    situation = model.situation(golden, moment)
    summary = json.loads(golden_files(golden, now)["api/v2/summary.json"])
    assert summary["status"]["indicator"] == situation.indicator.word
    assert summary["status"]["description"] == model.SENTENCES[situation.indicator]
    unresolved = {i.title for i in situation.project.incidents
                  if not i.is_maintenance and model.incident_status(i) != "resolved"}
    assert {i["name"] for i in summary["incidents"]} == unresolved
    assert all(i["status"] != "resolved" for i in summary["incidents"])
    maintenance = {i.title for i in situation.project.incidents if i.is_maintenance and
                   model.maintenance_status(i, moment) in ("scheduled", "in_progress",
                                                           "verifying")}
    assert {m["name"] for m in summary["scheduled_maintenances"]} == maintenance
    states = {c["name"]: c["status"] for c in summary["components"] if not c["group"]}
    assert states == {c.name: situation.states[c.id].word for c in golden.components}


def test_the_api_indicator_follows_the_moment(golden: Project) -> None:
    words = [json.loads(golden_files(golden, now)["api/v2/summary.json"])["status"]["indicator"]
             for now in ("2025-04-10T01:30:00+01:00", "2025-04-19T09:00:00+01:00", GOLDEN_NOW)]
    assert words == ["maintenance", "none", "critical"]


# --- pure builders and their keys ------------------------------------------------------------


def test_every_output_makes_the_same_bytes_each_time(golden: Project) -> None:
    """Twice in a row, and again in the reverse order of all of them: nothing one output makes
    leaves anything behind that changes another."""
    outputs = outputs_of(golden, parse_time(GOLDEN_NOW, LONDON))
    first = [output.files() for output in outputs]
    assert [output.files() for output in outputs] == first
    again = [output.files() for output in outputs[::-1]][::-1]
    assert again == first
    assert sum(map(len, first)) > 30


def keys_of(project: Project, now: datetime) -> dict[str, str]:
    """Every keyed output's key, by name, under one salt and with nothing made before."""
    keys = Keys("salt", {})
    return {o.name: keys.key(o) for o in outputs_of(project, now) if o.keyed}


@pytest.mark.parametrize("made", ["in code", "read"])
def test_equal_projects_give_equal_keys(golden: Project, made: str) -> None:
    if made == "in code":
        one, two, now = small_project(), small_project(), at("2025-04-20 12:00")
    else:
        one, two, now = golden, read_project(GOLDEN_PROJECT), parse_time(GOLDEN_NOW, LONDON)
    assert one is not two and one == two
    first, second = keys_of(one, now), keys_of(two, now)
    assert first == second
    assert len(first) > 10 and len(set(first.values())) == len(first)


def test_a_new_message_changes_the_key_of_its_page_and_no_other_incident_s() -> None:
    now = at("2025-04-20 12:00")
    before, after = small_project(), small_project(message="Nothing opens.")
    keys = keys_of(before, now), keys_of(after, now)
    changed = "incidents/2025-04-19-app-down/index.html"
    other = "incidents/2025-04-10-web-slow/index.html"
    assert keys[0][changed] != keys[1][changed]
    assert keys[0][other] == keys[1][other]
    pages = by_name(outputs_of(before, now)), by_name(outputs_of(after, now))
    assert b"Nothing opens." in pages[1][changed].files()[changed]
    assert b"Nothing opens." not in pages[0][changed].files()[changed]
    assert pages[0][other].files() == pages[1][other].files()
