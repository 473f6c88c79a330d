"""The _headers file: one cache rule for every file, CORS where other sites read, sub-paths."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import WriteProject, build_site, small_config

from statusgen.build import read_project
from statusgen.render.headers import SHORT, YEAR, render_headers

CONFIG = small_config()

INCIDENT = """\
title: Website slow
updates:
  - {at: 2025-04-19 09:30, status: investigating, components: {website: major_outage},
     message: Slow.}
"""

MAINTENANCE = """\
title: Upgrade
kind: maintenance
scheduled: {start: 2025-05-01 01:00, end: 2025-05-01 02:00}
components: [app]
"""


def built(write_project: WriteProject, config: str = CONFIG) -> Path:
    root = write_project({"statusgen.yaml": config, "incidents/a.yaml": INCIDENT,
                          "incidents/m.yaml": MAINTENANCE})
    build_site(root, now="2025-04-19 12:00")
    return root / "site"


def rules(text: str) -> list[tuple[str, dict[str, str]]]:
    """The rules as the hosts read them: a path line, then indented `Name: value` lines."""
    parsed: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            parsed.append((line, {}))
        else:
            assert line.startswith("  "), line
            name, _, value = line.strip().partition(": ")
            parsed[-1][1][name] = value
    return parsed


def matches(pattern: str, path: str) -> bool:
    """Netlify's and Cloudflare's matching: `*` is any text, slashes too; `:name` one segment."""
    parts = re.split(r"(\*|:\w+)", pattern)
    regex = "".join(".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p)
                    for p in parts)
    return re.fullmatch(regex, path) is not None


def requested_as(name: str, base: str) -> list[str]:
    """The URL paths a file is fetched at: a folder's index.html also at the folder."""
    paths = [f"{base}/{name}"]
    if name == "index.html" or name.endswith("/index.html"):
        paths.append(f"{base}/{name.removesuffix('index.html')}")
    return paths


def headers_for(parsed: list[tuple[str, dict[str, str]]], path: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pattern, headers in parsed:
        if matches(pattern, path):
            for name, value in headers.items():
                found.setdefault(name, []).append(value)
    return found


def test_every_file_has_one_cache_rule_and_shared_files_allow_any_origin(
        write_project: WriteProject) -> None:
    site = built(write_project)
    parsed = rules((site / "_headers").read_text())
    names = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    shared = re.compile(r"api/.*|feed\.\w+|components/[^/]+/feed\.\w+|maintenance\.ics")
    checked = set()
    for name in names:
        if name == "_headers":
            continue  # the hosts read it and do not serve it
        for path in requested_as(name, ""):
            headers = headers_for(parsed, path)
            # one value: hosts join the values of every matching rule into one header
            expected = YEAR if name.startswith("static/") else SHORT
            assert headers.get("Cache-Control") == [expected], path
            cors = ["*"] if shared.fullmatch(name) else None
            assert headers.get("Access-Control-Allow-Origin") == cors, path
            checked.add(name.split("/")[0])
    assert {"static", "api", "components", "incidents", "history", "feed.atom", "feed.json",
            "feed.rss", "maintenance.ics", "index.html", "404.html", "badge.svg"} <= checked
    assert list((site / "static").iterdir())  # the hashed files were checked


def test_hashed_static_files_are_cached_for_a_year_and_nothing_else_is(
        write_project: WriteProject) -> None:
    site = built(write_project)
    parsed = rules((site / "_headers").read_text())
    hashed = re.compile(r"static/.+\.[0-9a-f]{10}(\.\w+)?")
    for path in site.rglob("*"):
        name = path.relative_to(site).as_posix()
        if path.is_file() and name != "_headers":
            year = headers_for(parsed, "/" + name).get("Cache-Control") == [YEAR]
            assert year == bool(hashed.fullmatch(name)), name
    assert YEAR == "public, max-age=31536000, immutable"
    assert "max-age=60" in SHORT


def test_the_rules_fit_netlify_and_cloudflare_limits(write_project: WriteProject) -> None:
    text = (built(write_project) / "_headers").read_text()
    parsed = rules(text)
    assert len(parsed) <= 100  # Cloudflare Pages reads at most 100 rules
    for pattern, headers in parsed:
        assert pattern.count("*") <= 1, pattern  # Cloudflare: one splat per rule
        assert headers, pattern
    assert all(len(line) <= 2000 for line in text.splitlines())
    assert text.endswith("\n") and "\r" not in text


def test_a_base_url_with_a_path_prefixes_every_rule(write_project: WriteProject) -> None:
    config = CONFIG.replace("https://status.example.com/", "https://example.com/help/status/")
    site = built(write_project, config)
    parsed = rules((site / "_headers").read_text())
    assert all(pattern.startswith("/help/status/") for pattern, _ in parsed)
    assert headers_for(parsed, "/help/status/")["Cache-Control"] == [SHORT]
    assert headers_for(parsed, "/help/status/api/v2/summary.json")[
        "Access-Control-Allow-Origin"] == ["*"]
    static = next(p.name for p in (site / "static").iterdir())
    assert headers_for(parsed, f"/help/status/static/{static}")["Cache-Control"] == [YEAR]
    assert headers_for(parsed, f"/static/{static}") == {}  # not the host's own /static/


def test_a_path_cannot_inject_patterns_or_lines(write_project: WriteProject) -> None:
    config = CONFIG.replace("https://status.example.com/", "https://example.com/a*b:c d/")
    root = write_project({"statusgen.yaml": config})
    patterns = [pattern for pattern, _ in rules(render_headers(read_project(root))["_headers"]
                                              .decode())]
    assert "/a%2Ab%3Ac%20d/static/*" in patterns
    assert all(p.startswith("/a%2Ab%3Ac%20d/") and " " not in p for p in patterns)


def test_headers_stays_out_of_the_sitemap(write_project: WriteProject) -> None:
    site = built(write_project)
    assert (site / "_headers").is_file()
    sitemap = (site / "sitemap.xml").read_text()
    assert "_headers" not in sitemap
    urls = [loc.text or "" for loc in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert urls and all(url.endswith("/") for url in urls)
