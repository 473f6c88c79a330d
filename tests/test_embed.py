"""embed.js, the banner for a company's own site: a host page on one loopback origin, the
status site on another (served with the headers its `_headers` file asks for), both in
Debian's Chromium through Playwright; the host page's CSP allows scripts and connections only
from the status site and no styles at all."""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, build_site
from grocer import NOW as GROCER_NOW
from grocer import write_grocer

CHROMIUM = "/usr/bin/chromium"
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is not installed: browser tests skipped")
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped",
                allow_module_level=True)

WORST = "Click & Collect orders delayed and returns disrupted"
WORST_PATH = "incidents/2025-04-19-click-and-collect-and-returns/"


def _rules(site: Path) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """The site's `_headers`, as a host that reads it applies it."""
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for line in (site / "_headers").read_text().splitlines():
        if line.startswith("/"):
            pattern = re.escape(line).replace(r"\*", ".*").replace(":id", "[^/]+")
            rules.append((re.compile(pattern), []))
        elif line.startswith("  ") and rules:
            name, _, value = line.strip().partition(": ")
            rules[-1][1].append((name, value))
    return rules


def _server(folder: Path, headers: Callable[[str], list[tuple[str, str]]]) -> Iterator[str]:
    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            for name, value in headers(self.path.partition("?")[0]):
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler,
                                                                     directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _publish(summary: Path, data: dict[str, Any]) -> None:
    """A new summary.json, dated later than the one the browser has (Last-Modified counts
    seconds: within the same second it would revalidate as unchanged)."""
    before = summary.stat().st_mtime
    summary.write_text(json.dumps(data))
    os.utime(summary, (before + 10, before + 10))


def _serve_site(site: Path) -> Iterator[str]:
    rules = _rules(site)
    yield from _server(site, lambda path: [h for pattern, found in rules
                                           if pattern.fullmatch(path) for h in found])


@pytest.fixture
def status(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo, served from a folder of its own (a test may change it)."""
    site = tmp_path / "site"
    build_site(REPO, site)
    for url in _serve_site(site):
        yield url, site


@pytest.fixture
def shop(tmp_path: Path, status: tuple[str, Path]) -> Iterator[Callable[[str], str]]:
    """A shop's page on another origin, under a strict CSP: `shop(attributes)` is the URL of
    one whose script tag carries those attributes."""
    origin = status[0].rstrip("/")
    folder = tmp_path / "shop"
    folder.mkdir()
    policy = (f"default-src 'none'; script-src {origin}; connect-src {origin}; "
              "style-src 'none'; img-src 'none'")

    def page(attributes: str) -> str:
        name = f"{abs(hash(attributes))}.html"
        (folder / name).write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
            f'</head><body><header><p>A shop</p></header>'
            f'<script src="{status[0]}embed.js" async {attributes}></script>'
            '<main><h1>Our products</h1></main></body></html>')
        return url + name

    served = _server(folder, lambda path: [("Content-Security-Policy", policy)])
    url = next(served)
    yield page
    next(served, None)  # stops it


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield browser
        browser.close()


def _open(browser: Any, url: str, **options: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(**options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    return context, page, problems


def test_the_banner_names_the_worst_incident_and_links_to_it_under_a_strict_csp(
        browser: Any, status: tuple[str, Path], shop: Callable[[str], str]) -> None:
    context, page, problems = _open(browser, shop(""))
    banner = page.get_by_role("status")
    banner.wait_for()
    assert banner.inner_text().startswith(f"Critical impact {WORST} (Identified)")
    link = banner.get_by_role("link", name="What still works")
    assert link.get_attribute("href") == status[0] + WORST_PATH
    colours = page.evaluate("""() => { const b = document.querySelector('body > div')
        .shadowRoot.querySelector('.banner'); const s = getComputedStyle(b);
        return [s.borderTopStyle, s.display]; }""")
    assert colours == ["solid", "flex"]  # styled, though the page allows no style
    assert page.evaluate("Object.keys(window).filter(k => /statusgen|CONFIG/i.test(k))") == []
    assert problems == []  # no CSP report, no error
    context.close()


def test_the_banner_follows_the_components_it_is_given(
        browser: Any, shop: Callable[[str], str]) -> None:
    context, page, _ = _open(browser, shop('data-components="website, app"'))
    page.get_by_role("status").wait_for()
    assert "Online orders paused on the website and app" in page.get_by_role("status").inner_text()
    page.goto(shop('data-components="payments,in-store"'))  # nothing wrong there
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("status").count() == 0
    context.close()


def test_no_banner_when_all_is_well_and_it_goes_once_resolved(
        browser: Any, status: tuple[str, Path], shop: Callable[[str], str]) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(shop(""))
    banner = page.get_by_role("status")
    banner.wait_for()
    summary = status[1] / "api" / "v2" / "summary.json"
    data = json.loads(summary.read_text())
    data["incidents"] = []  # all resolved
    data["scheduled_maintenances"] = []
    _publish(summary, data)
    page.clock.run_for(299_000)
    assert banner.is_visible()  # until the next check, five minutes on
    page.clock.run_for(2_000)
    banner.wait_for(state="hidden")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not page.get_by_role("status").is_visible()
    context.close()


def test_dismissed_stays_dismissed_until_a_newer_update(
        browser: Any, status: tuple[str, Path], shop: Callable[[str], str]) -> None:
    context, page, _ = _open(browser, shop(""))
    banner = page.get_by_role("status")
    banner.get_by_role("button", name="Dismiss").click()
    assert not banner.is_visible()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not page.get_by_role("status").is_visible()
    summary = status[1] / "api" / "v2" / "summary.json"
    data = json.loads(summary.read_text())
    worst = next(i for i in data["incidents"] if i["name"] == WORST)
    worst["updated_at"] = "2025-05-14T12:30:00.000+01:00"  # a newer update
    _publish(summary, data)
    page.reload()
    page.get_by_role("status").wait_for()
    context.close()


def test_a_hostile_title_shows_as_text(browser: Any, status: tuple[str, Path],
                                       shop: Callable[[str], str]) -> None:
    summary = status[1] / "api" / "v2" / "summary.json"
    data = json.loads(summary.read_text())
    hostile = '<img src=x onerror="document.title=\'owned\'"><b>bold</b>'
    next(i for i in data["incidents"] if i["name"] == WORST)["name"] = hostile
    _publish(summary, data)
    context, page, _ = _open(browser, shop(""))
    page.get_by_role("status").wait_for()
    assert hostile in page.get_by_role("status").inner_text()
    assert page.evaluate("document.querySelector('body > div').shadowRoot"
                         ".querySelectorAll('img, b').length") == 0
    assert page.title() == "Shop"
    context.close()


def test_embed_html_is_the_banner_for_an_iframe(browser: Any, status: tuple[str, Path]) -> None:
    context, page, problems = _open(browser, status[0] + "embed.html?components=returns")
    page.get_by_role("status").wait_for()
    assert WORST in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="What still works").get_attribute("target") == "_top"
    assert problems == []
    page.goto(status[0] + "embed.html?components=payments")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("status").count() == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_in_the_banner(browser: Any, shop: Callable[[str], str],
                                              scheme: str) -> None:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE}: `make test` installs it")
    context, page, _ = _open(browser, shop(""), color_scheme=scheme, bypass_csp=True)
    page.get_by_role("status").wait_for()
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document.querySelector('body > div'),"
                          " {resultTypes: ['violations']})).violations.map(v => v.id)")
    assert found == []
    context.close()


def test_the_banner_is_small(status: tuple[str, Path]) -> None:
    script = (status[1] / "embed.js").read_bytes()
    assert len(gzip.compress(script, 9)) <= 3 * 1024
    assert b"__CONFIG__" not in script


def test_the_banner_of_another_language_speaks_it_and_leads_to_its_pages(
        browser: Any, tmp_path: Path) -> None:
    """The Welsh banner of a site in English and Welsh (tests/grocer.py): Welsh words, the
    incident's title from the API (in English, marked so), a link to the Welsh page."""
    project = write_grocer(tmp_path / "grocer")
    build_site(project, project / "site", now=GROCER_NOW)
    served = _serve_site(project / "site")
    origin = next(served)
    (tmp_path / "host").mkdir()
    (tmp_path / "host/index.html").write_text(
        '<!doctype html><html lang="cy"><head><meta charset="utf-8"><title>Siop</title></head>'
        f'<body><script src="{origin}cy/embed.js" async></script><main><h1>Siop</h1></main>'
        "</body></html>")
    host = _server(tmp_path / "host", lambda path: [(
        "Content-Security-Policy", f"default-src 'none'; script-src {origin}; "
        f"connect-src {origin}; style-src 'none'")])
    context, page, problems = _open(browser, next(host))
    banner = page.get_by_role("status")
    banner.wait_for()
    assert banner.inner_text().startswith("Effaith ddifrifol Click & Collect orders delayed "
                                          "(Ymchwilio)")
    assert banner.evaluate("b => b.lang") == "cy"
    title = banner.locator("span[lang]")
    assert (title.inner_text(), title.get_attribute("lang")) == \
        ("Click & Collect orders delayed", "en-GB")
    link = banner.get_by_role("link")
    assert link.get_attribute("href") == origin + "cy/incidents/2025-05-01-click-and-collect/"
    assert problems == []
    context.close()
    next(host, None)
    next(served, None)
