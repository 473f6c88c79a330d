"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, one item per published update.

Every feed is read back by real clients: feedparser (lenient, so the required fields are
asserted here too, on the XML itself), ElementTree, and a JSON Schema of JSON Feed 1.1.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from conftest import (
    DEMO_NOW,
    GOLDEN_PROJECT,
    REPO,
    WriteProject,
    build_site,
    small_config,
    snapshot,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from statusgen import model
from statusgen.build import read_project
from statusgen.language import Language
from statusgen.markdown import Converted
from statusgen.parse import parse_time
from statusgen.project import Incident, Update
from statusgen.render import feeds
from statusgen.render.feeds import feed_outputs
from statusgen.views import incident_views

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_FEEDS = ("feed.rss", "feed.atom", "feed.json")
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

CONFIG = small_config(base_url="https://status.example.com/shop/", components=(
    ("website", "Website"), ("app", "App"), ("stores", "Stores")))

WEBSITE = """\
title: Website slow
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {website: degraded_performance}
    message: Pages load *slowly*.
  - at: 2025-04-19 10:00
    message: Still slow.
  - at: 2025-04-19 11:00
    status: resolved
    message: Fast again.
"""

APP = """\
title: App down
updates:
  - at: 2025-04-19 09:45
    status: identified
    components: {app: major_outage}
    message: The app does not open.
  - at: 2025-04-20 09:00
    status: monitoring
    components: {app: operational}
    message: The app opens again.
"""

UPGRADE = """\
title: Payments upgrade
kind: maintenance
scheduled: {start: 2025-04-22 01:00, end: 2025-04-22 03:00}
components: [website, app]
updates:
  - {at: 2025-04-15 10:00, status: scheduled, message: Checkout may pause.}
"""

QUIET = """\
title: Database maintenance
kind: maintenance
scheduled: {start: 2025-04-10 01:00, end: 2025-04-10 02:00}
components: [stores]
"""

SMALL = {"statusgen.yaml": CONFIG, "incidents/2025-04-19-website-slow.yaml": WEBSITE,
         "incidents/2025-04-19-app-down.yaml": APP,
         "incidents/2025-04-22-payments-upgrade.yaml": UPGRADE,
         "incidents/2025-04-10-database.yaml": QUIET}

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as a JSON Schema: the required keys,
# the types and formats of the rest, and no keys the spec does not define (except `_` ones).
_URL = {"type": "string", "format": "uri"}
_DATE = {"type": "string", "format": "date-time"}
_AUTHOR = {"type": "object", "minProperties": 1, "additionalProperties": False,
           "patternProperties": {"^_": {}},
           "properties": {"name": {"type": "string"}, "url": _URL, "avatar": _URL}}
_AUTHORS = {"type": "array", "items": _AUTHOR}
JSON_FEED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "items"],
    "additionalProperties": False,
    "patternProperties": {"^_": {}},
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": _URL, "feed_url": _URL, "next_url": _URL, "icon": _URL,
        "favicon": _URL,
        "description": {"type": "string"}, "user_comment": {"type": "string"},
        "authors": _AUTHORS, "language": {"type": "string"}, "expired": {"type": "boolean"},
        "hubs": {"type": "array", "items": {
            "type": "object", "required": ["type", "url"],
            "properties": {"type": {"type": "string"}, "url": _URL}}},
        "items": {"type": "array", "items": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "additionalProperties": False,
            "patternProperties": {"^_": {}},
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "url": _URL, "external_url": _URL, "image": _URL, "banner_image": _URL,
                "title": {"type": "string"}, "summary": {"type": "string"},
                "content_html": {"type": "string"}, "content_text": {"type": "string"},
                "date_published": _DATE, "date_modified": _DATE,
                "authors": _AUTHORS, "language": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "attachments": {"type": "array", "items": {
                    "type": "object", "required": ["url", "mime_type"],
                    "properties": {"url": _URL, "mime_type": {"type": "string"},
                                   "title": {"type": "string"},
                                   "size_in_bytes": {"type": "number"},
                                   "duration_in_seconds": {"type": "number"}}}},
            },
        }},
    },
}
JSON_FEED = Draft202012Validator(JSON_FEED_SCHEMA, format_checker=FormatChecker())


def built_files(root: Path, now: str, out: Path | None = None) -> dict[str, bytes]:
    """Build `root` as of `now`; every file of the site by relative path."""
    out = out or root / "site"
    build_site(root, out, now=now)
    return snapshot(out)


def feeds_of(files: dict[str, bytes]) -> list[str]:
    return [name for name in files if re.fullmatch(r"(components/[^/]+/)?feed\.\w+", name)]


def entries(files: dict[str, bytes], name: str) -> list[dict[str, Any]]:
    """The items of one feed as {id, link, title, published, html}, in feed order; checks
    along the way everything the feed's format requires."""
    data = files[name]
    if name.endswith(".json"):
        return _json_entries(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, (name, parsed.get("bozo_exception"))
    root = ET.fromstring(data)
    if name.endswith(".rss"):
        assert parsed.version == "rss20"
        found = _rss_entries(root)
    else:
        assert parsed.version == "atom10"
        found = _atom_entries(root)
    assert [e["id"] for e in found] == [e.id for e in parsed.entries]
    for entry, got in zip(found, parsed.entries):
        assert got.published_parsed is not None
        assert name.endswith(".rss") or got.updated_parsed is not None
        assert got.link == entry["link"] and got.title == entry["title"]
    return found


def _time(text: str | None) -> datetime:
    assert text
    return datetime.fromisoformat(text)


def _rss_entries(root: ET.Element) -> list[dict[str, Any]]:
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None and self_link.get("rel") == "self"
    found = []
    for item in channel.findall("item"):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false" and guid.text
        found.append({"id": guid.text, "link": item.findtext("link"),
                      "title": item.findtext("title"),
                      "published": parsedate_to_datetime(item.findtext("pubDate") or ""),
                      "html": item.findtext("description")})
    return found


def _atom_entries(root: ET.Element) -> list[dict[str, Any]]:
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert (root.findtext(ATOM + required) or "").strip(), required
    assert [link.get("rel") for link in root.findall(f"{ATOM}link")] == ["alternate", "self"]
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        content = entry.find(f"{ATOM}content")
        link = entry.find(f"{ATOM}link")
        assert content is not None and content.get("type") == "html"
        assert link is not None and link.get("rel") == "alternate"
        published = _time(entry.findtext(f"{ATOM}published"))
        assert _time(entry.findtext(f"{ATOM}updated")) == published
        found.append({"id": entry.findtext(f"{ATOM}id"), "link": link.get("href"),
                      "title": entry.findtext(f"{ATOM}title"), "published": published,
                      "html": content.text})
    return found


def _json_entries(data: bytes) -> list[dict[str, Any]]:
    feed = json.loads(data)
    errors = [e.message for e in JSON_FEED.iter_errors(feed)]
    assert errors == []
    return [{"id": item["id"], "link": item["url"], "title": item["title"],
             "published": _time(item["date_published"]), "html": item["content_html"]}
            for item in feed["items"]]


def published_updates(root: Path, now: str) -> dict[str, int]:
    """Incident id -> how many of its updates are published at `now` (0: a maintenance
    without updates, announced by one item)."""
    project = read_project(root)
    moment = parse_time(now, project.site.timezone)
    counts = {}
    for incident in project.incidents:
        shown = sum(1 for u in incident.updates if u.at <= moment)
        if shown or (incident.is_maintenance and not incident.updates):
            counts[incident.id] = shown
    return counts


def expected_ids(counts: dict[str, int]) -> set[str]:
    return {f"{iid}#update-{n}" for iid, count in counts.items() for n in range(1, count + 1)} \
        | {f"{iid}#scheduled" for iid, count in counts.items() if count == 0}


def test_the_demo_feeds_have_one_item_per_published_update(tmp_path: Path) -> None:
    files = built_files(REPO, DEMO_NOW, tmp_path / "site")
    counts = published_updates(REPO, DEMO_NOW)
    expected = expected_ids(counts)
    assert 0 < len(expected) <= 50  # the default cap does not hide any
    for name in SITE_FEEDS:
        found = entries(files, name)
        ids = [e["id"] if not name.endswith(".atom") else _bare_id(e["id"]) for e in found]
        assert len(ids) == len(set(ids)) and set(ids) == expected, name
        times = [e["published"] for e in found]
        assert times == sorted(times, reverse=True), name
    # an update written after "now" is in no feed
    assert b"later than we promised" not in b"".join(files[n] for n in feeds_of(files))
    assert b"2025-09-02-payment-system-upgrade" not in files["feed.atom"]


def test_items_carry_what_still_works_what_to_do_and_the_next_update(tmp_path: Path) -> None:
    """A subscriber learns what the page said after each update, not only its message."""
    files = built_files(REPO, DEMO_NOW, tmp_path / "site")
    returns = "2025-04-19-click-and-collect-and-returns"
    said = {  # update n: what its item must say, in every format
        2: ["Still working", "Browsing and ordering on the website and app", "Not working",
            "Some stores cannot process returns", "What you can do:",
            "Next update</strong> by 21 Apr 2025, 12:00 BST"],
        3: ["As last confirmed 19 Apr 2025, 14:00 BST", "Home delivery of online orders",
            "Next update</strong> by 22 Apr 2025, 09:00 BST"],
    }
    items = {i["id"]: i for i in json.loads(files["feed.json"])["items"]}
    for name in SITE_FEEDS:
        if name.endswith(".json"):  # (feedparser reads RSS and Atom)
            by_id = {iid: item["content_html"] for iid, item in items.items()}
        else:
            parsed = feedparser.parse(files[name])
            assert not parsed.bozo, (name, parsed.get("bozo_exception"))
            by_id = {(_bare_id(e.id) if name.endswith(".atom") else e.id):
                     (e.content[0].value if "content" in e else e.summary)
                     for e in parsed.entries}
        for number, parts in said.items():
            html = by_id[f"{returns}#update-{number}"]
            for part in parts:
                assert part in html, (name, number, part)
    text = items[f"{returns}#update-2"]["content_text"]
    assert "Still working:\n- Shopping in our stores\n" in text
    assert text.count("Next update by 21 Apr 2025, 12:00 BST.") == 1
    assert "<" not in text  # plain text


def _bare_id(atom_id: str) -> str:
    """https://…/incidents/<id>/#update-<n> -> <id>#update-<n>"""
    match = re.fullmatch(r"https://[^#]+/incidents/([a-z0-9-]+)/#((?:update-\d+|scheduled))",
                         atom_id)
    assert match, atom_id
    return f"{match[1]}#{match[2]}"


def test_links_lead_to_the_update_on_its_incident_page(tmp_path: Path) -> None:
    files = built_files(REPO, DEMO_NOW, tmp_path / "site")
    base = "https://status.example.com/"
    checked = 0
    for name in feeds_of(files):
        for entry in entries(files, name):
            assert entry["link"].startswith(base)
            parts = urlsplit(entry["link"])
            page = parts.path.removeprefix("/") + "index.html"
            assert page in files, entry["link"]
            assert f'id="{parts.fragment}"'.encode() in files[page], entry["link"]
            assert entry["id"].rpartition("#")[2] == parts.fragment
            checked += 1
    assert checked > 100


def test_ids_never_change_and_builds_are_byte_identical(write_project: WriteProject,
                                                        tmp_path: Path) -> None:
    root = write_project(SMALL)
    one = built_files(root, "2025-04-19 10:30", tmp_path / "one")
    again = built_files(root, "2025-04-19 10:30", tmp_path / "again")
    later = built_files(root, "2025-04-25 12:00", tmp_path / "later")
    assert {n: one[n] for n in feeds_of(one)} == {n: again[n] for n in feeds_of(again)}
    for name in feeds_of(one):
        before = {e["id"]: e for e in entries(one, name)}
        after = {e["id"]: e for e in entries(later, name)}
        assert before.keys() <= after.keys(), name
        for key, entry in before.items():
            assert after[key] == entry, (name, key)  # same link, title, time and content
    assert len(entries(later, "feed.json")) > len(entries(one, "feed.json"))


def test_small_project_items_titles_content_and_order(write_project: WriteProject) -> None:
    root = write_project(SMALL)
    now = "2025-04-25 12:00"
    files = built_files(root, now)
    assert set(feeds_of(files)) == {*SITE_FEEDS, *(f"components/{c}/feed.{ext}" for c in
                                                   ("website", "app", "stores")
                                                   for ext in ("atom", "rss"))}
    found = entries(files, "feed.json")
    assert {e["id"] for e in found} == expected_ids(published_updates(root, now))
    by_id = {e["id"]: e for e in found}
    assert [e["id"] for e in found] == [
        "2025-04-19-app-down#update-2",
        "2025-04-19-website-slow#update-3",
        "2025-04-19-website-slow#update-2",
        "2025-04-19-app-down#update-1",
        "2025-04-19-website-slow#update-1",
        "2025-04-22-payments-upgrade#update-1",
        "2025-04-10-database#scheduled",
    ]
    first = by_id["2025-04-19-website-slow#update-1"]
    assert first["title"] == "[Investigating] Website slow"
    assert first["link"] == ("https://status.example.com/shop/incidents/2025-04-19-website-slow/"
                             "#update-1")
    assert first["published"] == datetime(2025, 4, 19, 8, 30, tzinfo=UTC)
    assert "<em>slowly</em>" in first["html"]
    assert "<li>Website: Degraded performance</li>" in first["html"]
    assert by_id["2025-04-19-website-slow#update-2"]["title"] == "[Update] Website slow"
    resolved = by_id["2025-04-19-website-slow#update-3"]
    assert resolved["title"] == "[Resolved] Website slow"
    assert "<li>Website: Operational</li>" in resolved["html"]
    assert "<li>App: Operational</li>" in by_id["2025-04-19-app-down#update-2"]["html"]
    maintenance = by_id["2025-04-22-payments-upgrade#update-1"]
    assert maintenance["title"] == "[Scheduled] Payments upgrade"
    assert "Scheduled window: 22 Apr 2025, 01:00 BST to 22 Apr 2025, 03:00 BST." in \
        maintenance["html"]
    assert "<li>Website: Under maintenance during the window</li>" in maintenance["html"]
    announced = by_id["2025-04-10-database#scheduled"]
    assert announced["title"] == "[Scheduled] Database maintenance"
    assert announced["link"] == "https://status.example.com/shop/incidents/2025-04-10-database/"
    assert announced["published"] == datetime(2025, 4, 10, 0, 0, tzinfo=UTC)
    atom = ET.fromstring(files["feed.atom"])
    assert atom.findtext(f"{ATOM}updated") == "2025-04-20T08:00:00Z"  # the newest item's
    assert [e.findtext(f"{ATOM}id") for e in atom.findall(f"{ATOM}entry")][-1] == \
        "https://status.example.com/shop/incidents/2025-04-10-database/#scheduled"


def test_component_feeds_hold_only_their_incidents(write_project: WriteProject) -> None:
    root = write_project(SMALL)
    files = built_files(root, "2025-04-25 12:00")
    touching = {"website": {"2025-04-19-website-slow", "2025-04-22-payments-upgrade"},
                "app": {"2025-04-19-app-down", "2025-04-22-payments-upgrade"},
                "stores": {"2025-04-10-database"}}
    everything = entries(files, "feed.rss")
    for component, incidents in touching.items():
        for ext in ("atom", "rss"):
            found = entries(files, f"components/{component}/feed.{ext}")
            ids = [e["id"] if ext == "rss" else _bare_id(e["id"]) for e in found]
            assert ids == [e["id"] for e in everything if e["id"].split("#")[0] in incidents]
        head = ET.fromstring(files[f"components/{component}/feed.rss"]).find("channel")
        assert head is not None
        assert head.findtext("link") == f"https://status.example.com/shop/components/{component}/"


def test_an_empty_feed_is_dated_now(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    files = built_files(root, "2025-04-25 12:00")
    for name in feeds_of(files):
        assert entries(files, name) == []
    assert ET.fromstring(files["feed.atom"]).findtext(f"{ATOM}updated") == "2025-04-25T11:00:00Z"
    head = ET.fromstring(files["components/app/feed.rss"]).find("channel")
    assert head is not None and head.findtext("lastBuildDate") == "Fri, 25 Apr 2025 11:00:00 GMT"


def test_feed_items_caps_every_feed(write_project: WriteProject) -> None:
    root = write_project({**SMALL, "statusgen.yaml": CONFIG.replace(
        "  timezone: Europe/London\n", "  timezone: Europe/London\n  feed_items: 2\n")})
    files = built_files(root, "2025-04-25 12:00")
    for name in feeds_of(files):
        found = entries(files, name)
        assert len(found) <= 2, name
    assert [e["id"] for e in entries(files, "feed.json")] == [
        "2025-04-19-app-down#update-2", "2025-04-19-website-slow#update-3"]
    assert [e["id"] for e in entries(files, "components/stores/feed.rss")] == [
        "2025-04-10-database#scheduled"]
    assert len(entries(files, "components/website/feed.atom")) == 2


# Few distinct times, so that items tie on their time and are ordered by id and number.
_AT = st.sampled_from([datetime(2025, 4, day, tzinfo=UTC) for day in (1, 2, 3, 4)])


@st.composite
def _incidents(draw: st.DrawFn) -> list[Incident]:
    found = []
    for n in range(draw(st.integers(0, 12))):
        times = sorted(draw(st.lists(_AT, max_size=4)))
        maintenance = not times or draw(st.booleans())
        found.append(Incident(
            f"i{n}", "t", tuple(Update(at, None, (), "m") for at in times),
            is_maintenance=maintenance,
            scheduled_start=draw(_AT) if maintenance else None,
            scheduled_end=datetime(2025, 5, 1, tzinfo=UTC) if maintenance else None))
    return found


@settings(max_examples=300, deadline=None)
@given(_incidents(), st.integers(1, 6))
def test_a_feed_takes_the_newest_items_as_sorting_them_all_would(
        incidents: list[Incident], limit: int) -> None:
    """A feed looks only at the incidents whose newest items are newest: what it lists is
    what sorting every item of every incident would give."""
    every = sorted((key for i in incidents for key in feeds._item_keys(i)), reverse=True)
    order = sorted(incidents, key=lambda i: (feeds._latest(i), i.id), reverse=True)
    assert feeds._newest(order, limit) == every[:limit]


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click](javascript:alert(3))",
    '<a href="javascript:alert(4)">x</a>',
    '"><svg onload=alert(5)>',
    "<iframe src=https://evil.example></iframe>",
    '<a href="data:text/html,<script>alert(6)</script>">d</a>',
]


class _Dangers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "svg", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src") and value and \
                    value.strip().lower().startswith(("javascript:", "data:")):
                self.found.append(f"{tag}[{name}={value}]")


def test_control_characters_and_hostile_html_stay_out(write_project: WriteProject) -> None:
    # Written as YAML escapes, control characters are refused where they stand (see
    # test_hostile.py); as Markdown character references they reach the renderer.
    message = "\\n\\n".join(h.replace('"', '\\"') for h in HOSTILE)
    incident = f"""\
title: "Bad <script>alert(0)</script> title"
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {{app: major_outage}}
    message: "Start&#1;&#8;&#x0b;&#x0c;&#x1F;&#xFFFF; end.\\n\\n{message}\\ttab&#x7f;"
"""
    root = write_project({"statusgen.yaml": CONFIG.replace(
        "{id: app, name: App}", '{id: app, name: "App <b onmouseover=x>"}'),
        "incidents/x.yaml": incident})
    files = built_files(root, "2025-04-19 12:00")
    for name in feeds_of(files):
        text = files[name].decode("utf-8")
        assert not NOT_XML.search(text), name
        assert not re.search(r"\\u00(0[0-8bcef]|1[0-9a-f])", text, re.I), name  # JSON escapes
        for entry in entries(files, name):  # no bozo, every required field
            assert entry["title"] == "[Investigating] Bad <script>alert(0)</script> title"
            assert "Start end." in entry["html"] and "tab" in entry["html"]
            dangers = _Dangers()
            dangers.feed(entry["html"])
            assert dangers.found == [], (name, entry["html"])
            assert "javascript:" not in entry["html"].lower()
            assert "App &lt;b onmouseover=x&gt;: Major outage" in entry["html"]
        assert len(entries(files, name)) == (1 if name in SITE_FEEDS or "/app/" in name else 0)


def test_lone_surrogates_and_other_non_characters_are_dropped(
        write_project: WriteProject) -> None:
    # YAML cannot carry a lone surrogate, but nothing in the renderer should rely on that.
    root = write_project({**SMALL})
    project = read_project(root)
    now = parse_time("2025-04-25 12:00", project.site.timezone)
    incident = project.incidents[1]
    # the message goes through the HTML sanitizer, which takes only valid text; the title not
    bad = replace(incident.updates[0], message="a\ufffeb\uffffc\x00d\x1be")
    project = replace(project, incidents=(
        project.incidents[0], replace(incident, title="Ti\ud83dt\udc00le", updates=(bad,)),
        *project.incidents[2:]))
    at = model.situation(project, now)
    outputs = feed_outputs(at, incident_views(at), replace(at.project, incidents=()), Converted(),
                           Language("en-GB"))
    for name, data in {p: d for o in outputs for p, d in o.files().items()}.items():
        text = data.decode("utf-8")  # would fail on a lone surrogate
        assert not NOT_XML.search(text), name
        if "/website/" not in name and "/stores/" not in name:  # the app's incident
            assert "abcde" in text and "[Identified] Title" in text, name
        if name.endswith(".json"):
            json.loads(text)
        else:
            ET.fromstring(data)
            assert not feedparser.parse(data).bozo


def test_the_json_feed_schema_has_teeth() -> None:
    bad = {"version": "https://jsonfeed.org/version/1", "title": "x", "items": [
        {"id": "a", "url": "not a url", "content_html": "", "date_published": "yesterday"},
        {"id": "b", "colour": "red"}]}
    problems = sorted(e.message for e in JSON_FEED.iter_errors(bad))
    assert len(problems) == 5, problems  # version, uri, date-time, no content, unknown key


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[tuple[str | None, str | None, str | None]] = []
        self.subscribe: list[str | None] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "alternate":
            self.alternates.append((found.get("type"), found.get("title"), found.get("href")))
        if tag == "a":
            self._href, self._text = found.get("href"), ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._text.strip().startswith("Subscribe"):
            self.subscribe.append(self._href)


@pytest.mark.parametrize(("root", "base_path"), [(REPO, "/"),
                                                 (GOLDEN_PROJECT,
                                                  "/golden/")], ids=["demo", "golden"])
def test_every_page_advertises_the_feeds(tmp_path: Path, root: Path, base_path: str) -> None:
    files = built_files(root, DEMO_NOW, tmp_path / "site")
    pages = [name for name in files if name.endswith(".html") and name != "embed.html"]
    assert len(pages) > 3
    for page in pages:
        parser = _Head()
        parser.feed(files[page].decode())
        types = [kind for kind, _, _ in parser.alternates]
        own = page.startswith("components/")  # a component page also offers its own feeds
        assert types == ["application/atom+xml", "application/rss+xml",
                         "application/feed+json"] + (["application/atom+xml",
                                                      "application/rss+xml"] if own else []), page
        assert all(title for _, title, _ in parser.alternates), page
        hrefs = [href for _, _, href in parser.alternates]
        assert len(parser.subscribe) == (2 if own else 1), page
        for href in [*hrefs, *parser.subscribe]:
            assert href
            if page == "404.html":  # served at any depth: it links from the base path
                assert href.startswith(base_path), href
                target = href.removeprefix(base_path)
            else:
                assert not urlsplit(href).scheme and not href.startswith("/"), (page, href)
                target = urljoin("/" + page, href).lstrip("/")
            assert target in files, (page, href)
        assert parser.subscribe[0] is not None and parser.subscribe[0].endswith("feed.atom")
