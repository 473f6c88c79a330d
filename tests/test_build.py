"""Building sites end to end: determinism, safety of output and content, relative links."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import DEMO_NOW, REPO, SITE_SCRIPTS, WriteProject, run_build, snapshot

from statusgen.cli import _status

CONFIG = """\
site:
  title: Example Status
  base_url: https://status.example.com/shop/
  timezone: Europe/London
  language: en-GB
groups:
  - {id: online, name: Online}
components:
  - {id: website, name: Website, group: online}
  - {id: app, name: App, group: online}
  - {id: stores, name: Stores}
"""

INCIDENT = """\
title: Website slow
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {website: degraded_performance}
    message: Pages load *slowly*.
    next_update: 2025-04-19 10:30
"""


def test_two_builds_with_the_same_now_are_byte_identical(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_build(REPO, "--out", str(one), "--now", DEMO_NOW)[0] == 0
    assert run_build(REPO, "--out", str(two), "--now", DEMO_NOW)[0] == 0
    assert snapshot(one) == snapshot(two)
    assert len(snapshot(one)) > 5


def test_source_date_epoch_fixes_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1747220400")  # 2025-05-14T12:00:00+01:00
    assert run_build(REPO, "--out", str(tmp_path / "epoch"))[0] == 0
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert run_build(REPO, "--out", str(tmp_path / "now"), "--now", DEMO_NOW)[0] == 0
    assert snapshot(tmp_path / "epoch") == snapshot(tmp_path / "now")


def test_the_demo_in_the_middle_of_the_crisis(tmp_path: Path) -> None:
    code, output = run_build(REPO, "--out", str(tmp_path / "site"), "--now", DEMO_NOW)
    assert code == 0, output
    assert re.fullmatch(r"Built .*: \d+ pages, \d+ files in \d+\.\d\d s\.\n", output)
    index = (tmp_path / "site" / "index.html").read_text()
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", index)))
    assert "Major System Outage" in text
    assert re.search(r"Click & Collect [^.]*\. Major outage", text)
    assert re.search(r"Shopping in store [^.]*\. Operational", text)
    assert "Still working" in text and "Not working" in text
    assert "Overdue" in text  # the stock update promised for 09:00 is late
    assert "Next update by 20 May 2025, 12:00 BST" in text
    # an update written after "now" is not shown anywhere yet
    assert "later than we promised" not in text
    assert "payment-system-upgrade" not in index
    assert '<time datetime="2025-05-13T' in index


def test_a_failed_build_leaves_the_previous_site_untouched(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": INCIDENT})
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    before = snapshot(project / "site")
    (project / "incidents" / "a.yaml").write_text(INCIDENT.replace("degraded_performance",
                                                                   "broken"))
    code, output = run_build(project, "--now", "2025-04-20 12:00")
    assert code == 1
    assert output.startswith(f"{project}/incidents/a.yaml:5:27: unknown component state 'broken'")
    assert snapshot(project / "site") == before
    assert {p.name for p in project.iterdir()} == {"statusgen.yaml", "incidents", "site",
                                                   ".statusgen-cache"}


@pytest.mark.parametrize("out", [".", "/"])
def test_refuses_to_replace_the_project_or_the_root(write_project: WriteProject, out: str) -> None:
    project = write_project({"statusgen.yaml": CONFIG})
    target = str(project) if out == "." else out
    code, output = run_build(project, "--out", target, "--now", "2025-04-19 12:00")
    assert code == 1
    assert output.startswith("error: refusing to write the site to")
    assert (project / "statusgen.yaml").exists()


def test_bad_now_is_a_usage_error(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": CONFIG})
    code, output = run_build(project, "--now", "yesterday")
    assert code == 2
    assert "'yesterday' is not a date and time" in output


def test_the_program_prints_all_it_says_and_exits_as_its_command_does(
        tmp_path: Path) -> None:
    """`statusgen` leaves without taking its objects apart one by one (cli.command): what it
    printed still arrives whole, and its exit status is the command's."""
    out = tmp_path / "site"
    program = [sys.executable, "-m", "statusgen", "build", "--project", str(REPO), "--out",
               str(out)]
    done = subprocess.run([*program, "--now", DEMO_NOW, "--profile"], capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Built {out}: ") and lines[-1].endswith("from Markdown")
    assert (out / "index.html").is_file()
    usage = subprocess.run([*program, "--now", "yesterday"], capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2 and "'yesterday' is not a date and time" in usage.stderr


def test_an_exit_status_is_as_python_gives_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert (_status(None), _status(0), _status(3)) == (0, 0, 3)
    assert _status("no site") == 1 and capsys.readouterr().err == "no site\n"


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
        if tag == "script" and SITE_SCRIPTS.fullmatch(dict(attrs).get("src") or ""):
            pass  # the theme's own, from static/
        elif tag in ("script", "iframe", "object", "embed"):
            self.found.append(tag)
        if tag == "svg" and ("class", "lane-bar") not in attrs:  # only our own timeline lanes
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src") and value and \
                    value.strip().lower().startswith(("javascript:", "data:")):
                self.found.append(f"{tag}[{name}={value}]")


def test_hostile_markdown_and_titles_are_neutralised(write_project: WriteProject) -> None:
    payload = "\n\n".join(HOSTILE)
    quoted = payload.replace("'", "''")
    config = CONFIG.replace("Example Status", '"<script>alert(0)</script> Status"') \
        .replace("{id: stores, name: Stores}", "{id: stores, name: '<img src=x onerror=alert(7)>'}")
    incident = f"""\
title: '{HOSTILE[0]} {HOSTILE[4].replace("'", "''")}'
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {{stores: major_outage}}
    message: '{quoted}'
    customer_impact:
      still_works: ['{HOSTILE[1]}']
      workaround: '{HOSTILE[0]}'
postmortem: '{quoted}'
"""
    project = write_project({"statusgen.yaml": config, "incidents/x.yaml": incident})
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    pages = [p for p in (project / "site").rglob("*.html")]
    assert len(pages) == 9  # front, incident, 404, 3 components, history, its month, embed
    for page in pages:
        parser = _Dangers()
        parser.feed(page.read_text())
        assert parser.found == [], page
    incident_page = (project / "site" / "incidents" / "x" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in incident_page  # shown, not run
    assert 'rel="noopener noreferrer nofollow"' not in incident_page or "javascript:" not in \
        incident_page


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and not (tag == "link" and
                                                          ("rel", "canonical") in attrs):
                self.links.append(value)


def test_every_link_is_relative_and_resolves(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run_build(REPO, "--out", str(site), "--now", DEMO_NOW)[0] == 0
    checked = 0
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # served at any depth: it links from the base path (tested below)
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.links:
            assert not urlsplit(link).scheme and not link.startswith("/"), (page, link)
            here = "/" + page.relative_to(site).as_posix()
            target = urlsplit(urljoin(here, link)).path.lstrip("/")
            resolved = site / target
            if target == "" or target.endswith("/"):
                resolved = resolved / "index.html"
            assert resolved.is_file(), (page, link)
            checked += 1
    assert checked > 50


def test_404_links_from_the_base_path_and_sitemap_lists_every_page(
        write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": INCIDENT})
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    site = project / "site"
    parser = _Links()
    parser.feed((site / "404.html").read_text())
    links = [link for link in parser.links if not link.startswith("#")]
    assert links and all(link.startswith("/shop/") for link in links)
    for link in links:
        assert (site / link.removeprefix("/shop/")).exists()
    urls = [loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert urls == ["https://status.example.com/shop/",
                    "https://status.example.com/shop/history/",
                    "https://status.example.com/shop/components/app/",
                    "https://status.example.com/shop/components/stores/",
                    "https://status.example.com/shop/components/website/",
                    "https://status.example.com/shop/history/2025-04/",
                    "https://status.example.com/shop/incidents/a/"]
    assert (site / "robots.txt").read_text() == (
        "User-agent: *\nAllow: /\nSitemap: https://status.example.com/shop/sitemap.xml\n")


def test_times_carry_the_zone_abbreviation_and_machine_form(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": INCIDENT})
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    page = (project / "site" / "incidents" / "a" / "index.html").read_text()
    assert '<time datetime="2025-04-19T09:30:00+01:00">19 Apr 2025, 09:30 BST</time>' in page
    assert 'class="next overdue"' in page  # promised 10:30, now 12:00
    winter = INCIDENT.replace("2025-04-19", "2025-01-19")
    write_project({"incidents/a.yaml": winter})
    assert run_build(project, "--now", "2025-01-19 10:00")[0] == 0
    page = (project / "site" / "incidents" / "a" / "index.html").read_text()
    assert '<time datetime="2025-01-19T09:30:00+00:00">19 Jan 2025, 09:30 GMT</time>' in page
    assert 'class="next overdue"' not in page  # (its words wait in a <template>)


def test_a_project_theme_overrides_the_builtin_one_file_by_file(
        write_project: WriteProject) -> None:
    project = write_project({
        "statusgen.yaml": CONFIG.replace("  timezone: Europe/London\n",
                                         "  timezone: Europe/London\n  theme: mine\n"),
        "themes/mine/templates/404.html":
            '{% extends "default:404.html" %}{% block title %}Lost · {{ site.title }}'
            "{% endblock %}",
        "themes/mine/static/favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    site = project / "site"
    assert "<title>Lost · Example Status</title>" in (site / "404.html").read_text()
    assert "Page not found" in (site / "404.html").read_text()  # the built-in body remains
    icons = list((site / "static").glob("favicon.*.svg"))
    assert [p.read_text() for p in icons] == ["<svg xmlns='http://www.w3.org/2000/svg'/>"]
    assert list((site / "static").glob("style.*.css"))  # not overridden: the built-in one


def test_a_broken_theme_template_is_one_line_and_keeps_the_old_site(
        write_project: WriteProject) -> None:
    config = CONFIG.replace("  timezone: Europe/London\n",
                            "  timezone: Europe/London\n  theme: mine\n")
    project = write_project({"statusgen.yaml": config,
                             "themes/mine/templates/404.html": "{% extends 'base.html' %}\n"})
    assert run_build(project, "--now", "2025-04-19 12:00")[0] == 0
    before = snapshot(project / "site")
    write_project({"themes/mine/templates/404.html": "{% extends 'base.html' %}\n{% if %}\n"})
    code, output = run_build(project, "--now", "2025-04-19 12:00", "--clean")
    assert code == 1
    assert output.splitlines() == [
        f"{project}/themes/mine/templates/404.html:2:1: Expected an expression, got 'end of "
        "statement block'"]
    assert snapshot(project / "site") == before
    write_project({"themes/mine/templates/404.html": "{{ nothing.here }}\n"})
    code, output = run_build(project, "--now", "2025-04-19 12:00", "--clean")
    assert code == 1 and output.startswith("error: the theme failed: 404.html: ")
    assert snapshot(project / "site") == before
    # the overall state in the header of every page: not on an ended incident's page
    write_project({"themes/mine/templates/404.html": "{% extends 'base.html' %}\n",
                   "themes/mine/templates/base.html": "{% extends 'default:base.html' %}{% block "
                   "masthead %}<p>{{ sentence }}</p>{% endblock %}",
                   "incidents/over.yaml": INCIDENT.replace("investigating", "resolved")})
    code, output = run_build(project, "--now", "2025-04-19 12:00", "--clean")
    assert code == 1 and len(output.splitlines()) == 1
    assert re.fullmatch(r"error: the theme failed: (incidents/over|history/2025-04)/index\.html: "
                        r"'sentence' is undefined \(a page of ended incidents only is made as it "
                        r"stood when they had ended: .*\)\n", output)
    assert snapshot(project / "site") == before
