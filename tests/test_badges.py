"""Status badges: well-formed SVG that says the state in words, escapes every text, and keeps
its colours readable under white text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, WriteProject, build_site

from statusgen.render.badges import (
    INDICATOR_COLOURS,
    LABEL_COLOUR,
    STATE_COLOURS,
    badge,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"


def read(data: bytes) -> tuple[ET.Element, str, str]:
    """The parsed badge, its <title> and all its visible text."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    shown = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    return root, title.text, shown


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "site"
    build_site(REPO, out)
    return out


def test_the_site_badge(demo: Path) -> None:
    root, title, shown = read((demo / "badge.svg").read_bytes())
    assert title == "M&S Service Status: Major System Outage"
    assert shown == "M&S Service Status Major System Outage"
    assert root.get("role") == "img" and root.get("aria-label") == title
    assert int(root.get("height", 0)) == 20
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert STATE_COLOURS[max(STATE_COLOURS)] in fills and LABEL_COLOUR in fills


def test_a_badge_for_every_component(demo: Path) -> None:
    expected = {"website": "Website: Partial outage", "app": "App: Partial outage",
                "home-delivery": "Home delivery: Partial outage",
                "click-and-collect": "Click & Collect: Major outage",
                "in-store": "Shopping in store: Operational",
                "payments": "Card and contactless payments: Operational",
                "returns": "Returns: Partial outage",
                "inventory": "Stock availability: Partial outage"}
    found = {p.parent.name: read(p.read_bytes())[1]
             for p in (demo / "components").glob("*/badge.svg")}
    assert found == expected


def test_hostile_titles_are_escaped(write_project: WriteProject) -> None:
    hostile = '<script>alert(1)</script> & "Status" <!-- ]]>'
    project = write_project({"statusgen.yaml": f"""\
site:
  title: '{hostile}'
  base_url: https://status.example.com/
components:
  - {{id: web, name: '<svg onload=alert(2)>'}}
"""})
    build_site(project, now="2025-04-19 12:00")
    site = project / "site"
    data = (site / "badge.svg").read_bytes()
    root, title, shown = read(data)
    assert title == f"{hostile}: All Systems Operational"
    assert shown == f"{hostile} All Systems Operational"
    assert b"<script" not in data and b"<!--" not in data
    assert [e.tag for e in root.iter()] == [f"{SVG}{tag}" for tag in
                                            ("svg", "title", "rect", "rect", "rect", "g", "text",
                                             "text")]
    component, title, _ = read((site / "components" / "web" / "badge.svg").read_bytes())
    assert title == "<svg onload=alert(2)>: Operational"
    assert not any(name.startswith("on") for e in component.iter() for name in e.attrib)


def test_characters_xml_cannot_hold_are_dropped() -> None:
    _, title, shown = read(badge("Bell\x07 and\x00 null\ufffe", "Operational", "#1d7342"))
    assert title == "Bell and null: Operational"
    assert shown == "Bell and null Operational"


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", sorted({LABEL_COLOUR, *STATE_COLOURS.values(),
                                           *INDICATOR_COLOURS.values()}))
def test_white_text_has_enough_contrast(colour: str) -> None:
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5  # WCAG AA for normal text


def test_widths_follow_the_text() -> None:
    assert text_width("iii") < text_width("aaa") < text_width("WWW")
    assert text_width("") == 0
    narrow, wide = (ET.fromstring(badge(label, "Operational", "#1d7342"))
                    for label in ("API", "Payments and checkout"))
    assert int(narrow.get("width", 0)) < int(wide.get("width", 0))
    assert badge("Payments", "Operational", "#1d7342") == \
        badge("Payments", "Operational", "#1d7342")
