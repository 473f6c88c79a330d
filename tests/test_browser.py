"""The built demo in a real browser: Debian's Chromium driven by Playwright, served on loopback.

axe-core comes from npm (`make test` installs it into .cache/npm); set STATUSGEN_SCREENSHOTS to
a folder to have the phone and desktop screenshots, light and dark, written there."""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import DEMO_NOW, REPO, build_site
from grocer import NOW as GROCER_NOW
from grocer import write_grocer

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is not installed: browser tests skipped")
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped",
                allow_module_level=True)

PAGES = {
    "front": "",
    "incident": "incidents/2025-04-19-click-and-collect-and-returns/",
    "component": "components/click-and-collect/",
    "history": "history/",
    "month": "history/2025-04/",
}
PHONE = {"viewport": {"width": 393, "height": 727}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("demo") / "site"
    build_site(REPO, site)
    yield from _serve(site)


@pytest.fixture(scope="module")
def example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo in the repository's example theme (other colours and header)."""
    project = tmp_path_factory.mktemp("example")
    for name in ("incidents", "themes"):
        shutil.copytree(REPO / name, project / name)
    config = (REPO / "statusgen.yaml").read_text()
    (project / "statusgen.yaml").write_text(config.replace("theme: default", "theme: example"))
    build_site(project, project / "site")
    yield from _serve(project / "site")


@pytest.fixture(scope="module", params=["ar", "cy"])
def language_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo in Arabic (right to left) and in Welsh."""
    project = tmp_path_factory.mktemp(f"demo-{request.param}")
    shutil.copytree(REPO / "incidents", project / "incidents")
    config = (REPO / "statusgen.yaml").read_text()
    (project / "statusgen.yaml").write_text(config.replace("language: en-GB",
                                                           f"language: {request.param}"))
    build_site(project, project / "site")
    yield from _serve(project / "site")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def _watch(page: Any) -> tuple[list[str], list[str]]:
    """Console errors and requests to any host but the loopback one, as they happen."""
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).scheme != "data"
            and urlsplit(r.url).hostname != "127.0.0.1" else None)
    return errors, foreign


@pytest.mark.parametrize("path", [*PAGES.values(), "no-such-page/"])
@pytest.mark.parametrize("width", [320, 1920])
def test_pages_load_cleanly_from_phone_to_wide_screen(browser: Any, base_url: str, path: str,
                                                      width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors, foreign = _watch(page)
    response = page.goto(base_url + path)
    assert response is not None
    assert response.status == (404 if path.startswith("no-such") else 200)
    if path.startswith("no-such"):
        errors = [e for e in errors if "404" not in e]  # the page's own status
    assert errors == []
    assert foreign == []
    scrolls = page.evaluate("document.documentElement.scrollWidth")
    assert scrolls <= width, f"horizontal scroll at {width} px: content is {scrolls} px wide"
    if width == 1920 and response.ok:  # a column that stays readable, centred
        box = page.locator("main").bounding_box()
        assert box["width"] <= 960 and abs(box["x"] * 2 + box["width"] - width) <= 2
    context.close()


WORD = "Brightwells" + "x" * 99 + ".example."  # 120 characters and no place to break
LONG_URL = "https://example.com/" + "a" * 100


@pytest.fixture(scope="module")
def long_words_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project with a 120-character word in every text that reaches a page."""
    project = tmp_path_factory.mktemp("long-words")
    (project / "incidents").mkdir()
    (project / "statusgen.yaml").write_text(f"""\
site: {{title: {WORD}, base_url: "https://status.example.com/", timezone: Europe/London,
       description: {WORD}}}
groups: [{{id: online, name: {WORD}}}]
components:
  - {{id: website, name: {WORD}, group: online, description: {WORD}}}
  - {{id: app, name: {WORD}, description: {WORD}}}
""")
    message = f"{WORD} [{WORD}]({LONG_URL}) {LONG_URL} `{WORD}`\n\n    {WORD} {WORD}\n"
    impact = f"{{still_works: [{WORD}], not_working: [{WORD}], workaround: {WORD}}}"
    (project / "incidents" / "2025-05-13-long.yaml").write_text(f"""\
title: {WORD}
updates:
  - {{at: 2025-05-13 09:00, status: identified, components: {{website: major_outage}},
     message: {json.dumps(message)}, next_update: 2025-05-14 15:00, customer_impact: {impact}}}
  - {{at: 2025-05-14 09:00, message: {json.dumps(message)}}}
""")
    (project / "incidents" / "2025-05-01-ended.yaml").write_text(f"""\
title: {WORD}
updates:
  - {{at: 2025-05-01 09:00, status: investigating, components: {{app: partial_outage}},
     message: {json.dumps(message)}}}
  - {{at: 2025-05-01 10:00, status: resolved, message: {WORD}}}
postmortem: {json.dumps(message)}
""")
    (project / "incidents" / "2025-05-20-window.yaml").write_text(f"""\
title: {WORD}
kind: maintenance
scheduled: {{start: 2025-05-14 11:00, end: 2025-05-14 14:00}}
components: [app]
updates:
  - {{at: 2025-05-10 10:00, status: scheduled, message: {json.dumps(message)}}}
""")
    build_site(project, project / "site")
    yield from _serve(project / "site")


@pytest.mark.parametrize("path", ["", "incidents/2025-05-13-long/", "incidents/2025-05-01-ended/",
                                  "incidents/2025-05-20-window/", "components/website/",
                                  "components/app/", "history/", "history/2025-05/", "404.html"])
def test_no_word_of_any_length_scrolls_the_page_sideways(browser: Any, long_words_url: str,
                                                         path: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(long_words_url + path)
    assert WORD[:40] in page.locator("body").inner_text()  # the words are there
    scrolls = page.evaluate("document.documentElement.scrollWidth")
    assert scrolls <= 320, f"{path or 'index.html'} is {scrolls} px wide at 320 px"
    context.close()


def test_the_front_page_asks_for_nothing_but_its_css_script_and_icon(browser: Any,
                                                              base_url: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path)
            if urlsplit(r.url).scheme != "data" else None)
    page.goto(base_url, wait_until="networkidle")
    kinds = sorted(p.rsplit(".", 1)[-1] if p != "/" else "page" for p in asked)
    # the icon, if asked for; the live script, which asks for nothing for a minute
    assert kinds in (["css", "js", "page"], ["css", "js", "page", "svg"]), asked
    context.close()


def test_the_front_page_reads_with_javascript_off(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.clock.install(time=_at("2025-06-01T12:00:00+01:00"))  # every promise has passed
    page.goto(base_url)
    assert page.locator("h1").first.inner_text().strip() == "Major System Outage"
    # as built: no news, no relative times, the promises as they stood at the build
    assert page.locator(".live").inner_text() == "" and page.locator(".ago").count() == 0
    built = page.request.get(base_url).text()
    assert page.locator(".next:not(.overdue)").count() == built.count('<p class="next" ') > 0
    text = page.locator("main").inner_text()
    assert "Still working" in text and "Next update" in text and "Overdue" in text
    title = "Click & Collect orders delayed and returns disrupted"
    link = page.get_by_role("link", name=title).first
    link.click()
    assert page.url.endswith("/incidents/2025-04-19-click-and-collect-and-returns/")
    assert page.locator("ol.updates > li").count() >= 3
    context.close()


IMPACT_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
IMPACT_WORDS = {"none": "Notice", "maintenance": "Maintenance", "minor": "Minor impact",
                "major": "Major impact", "critical": "Critical impact"}


@pytest.mark.parametrize(("width", "height"), [(320, 568), (375, 667), (390, 844)])
def test_the_first_phone_screen_names_every_open_incident_worst_first(
        browser: Any, base_url: str, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    unresolved = page.request.get(base_url + "api/v2/incidents/unresolved.json").json()
    by_start = sorted(unresolved["incidents"], key=lambda i: i["started_at"], reverse=True)
    expected = [(i["name"], IMPACT_WORDS[i["impact"]]) for i in
                sorted(by_start, key=lambda i: IMPACT_RANK[i["impact"]], reverse=True)]
    assert len(expected) == 4 and expected[0][1] == "Critical impact"  # the demo's crisis
    page.goto(base_url)
    items = page.locator(".banner-list li")
    shown = [(item.locator(".banner-title").inner_text(), item.locator(".state").inner_text())
             for item in items.all()]
    assert shown == expected
    for locator in (page.locator("h1"), items.last):
        box = locator.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, (width, locator)
    context.close()


@pytest.fixture
def live_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo served from a folder of its own, which a test may change under the page."""
    site = tmp_path / "site"
    build_site(REPO, site)
    for url in _serve(site):
        yield url, site


def _at(moment: str) -> Any:
    return datetime.fromisoformat(moment)


def test_the_live_script_says_when_the_site_has_news_and_reloads(
        browser: Any, live_site: tuple[str, Path]) -> None:
    url, site = live_site
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors, _ = _watch(page)
    page.clock.install(time=_at(DEMO_NOW))
    page.goto(url)
    live = page.locator(".live")
    page.clock.run_for(61_000)  # a check: nothing new
    assert live.inner_text() == ""
    status = site / "api" / "v2" / "status.json"
    data = json.loads(status.read_text())
    data["page"]["updated_at"] = "2025-05-14T12:00:30.000+01:00"  # a build since
    status.write_text(json.dumps(data))
    page.clock.run_for(30_000)
    assert live.inner_text() == ""  # not before the minute is up
    page.clock.run_for(31_000)
    page.get_by_role("button", name="Show the latest").wait_for()
    assert "There is news since this page was loaded." in live.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Show the latest").click()
    assert live.inner_text() == ""  # the page as it is now
    assert errors == []
    context.close()


def test_the_live_script_marks_a_passed_promise_overdue_and_keeps_times_current(
        browser: Any, base_url: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors, _ = _watch(page)
    page.clock.install(time=_at("2025-05-14T12:05:00+01:00"))
    page.goto(base_url)
    assert page.locator(".asof").inner_text() == "Updated 14 May 2025, 12:00 BST (5 minutes ago)"
    title = "Click & Collect orders delayed and returns disrupted"
    card = page.locator("article.card", has=page.get_by_role("heading", name=title))
    promise = card.locator(".next")
    assert promise.inner_text().startswith("Next update by 20 May 2025, 12:00 BST (in 6 days)")
    page.clock.fast_forward(6 * 24 * 3600_000)  # six days on: 20 May, 12:05
    page.clock.run_for(60_000)
    assert promise.inner_text() == \
        "Overdue: the next update was due by 20 May 2025, 12:00 BST (6 minutes ago)."
    assert "overdue" in (promise.get_attribute("class") or "")
    assert page.locator(".asof").inner_text().endswith("(6 days ago)")
    assert errors == []
    context.close()


def test_a_day_bar_tells_its_day_on_hover_and_on_focus(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url)
    bar = page.locator("ol.bars li.bar.state-major_outage").last
    tip = bar.locator(".tip")
    assert tip.bounding_box()["width"] <= 1  # hidden from sight, not from screen readers
    assert "Major outage for" in tip.text_content()
    bar.hover()
    assert tip.bounding_box()["width"] > 50
    page.mouse.move(0, 0)
    assert tip.bounding_box()["width"] <= 1
    bar.locator("a").first.focus()  # the keyboard reaches a day through its incident links
    assert tip.bounding_box()["width"] > 50
    context.close()


def test_an_incident_prints_as_a_clean_notice(browser: Any, base_url: str) -> None:
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(base_url + PAGES["incident"])
    page.emulate_media(media="print")
    for hidden in (".masthead nav", ".crumbs", ".lanes", ".footer .subscribe", ".skip"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in ("h1", ".what", ".lanes-table", "ol.updates"):
        assert page.locator(shown).first.is_visible(), shown
    colours = page.evaluate("[getComputedStyle(document.body).color,"
                            " getComputedStyle(document.body).backgroundColor]")
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]  # black on white, even in dark
    context.close()


def _axe(browser: Any, url: str, scheme: str) -> tuple[list[dict[str, Any]], str]:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE.relative_to(REPO)}: `make test` installs "
                    "it with npm (npm install --prefix .cache/npm axe-core@4.14.1)")
    # bypass_csp: the pages' Content-Security-Policy would refuse the injected script.
    context = browser.new_context(color_scheme=scheme, reduced_motion="reduce",
                                  bypass_csp=True, **DESKTOP)
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                          ".violations.map(v => ({id: v.id, impact: v.impact,"
                          " nodes: v.nodes.map(n => n.target.join(' '))}))")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    context.close()
    return found, background


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(browser: Any, base_url: str, name: str, scheme: str) -> None:
    violations, background = _axe(browser, base_url + PAGES[name], scheme)
    assert violations == [], json.dumps(violations, indent=1)
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(18, 18, 18)")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_example_theme(browser: Any, example_url: str,
                                                      scheme: str) -> None:
    violations, _ = _axe(browser, example_url, scheme)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["front", "incident", "component"])
def test_axe_finds_no_violations_in_other_languages(browser: Any, language_url: str, name: str,
                                                    scheme: str) -> None:
    violations, _ = _axe(browser, language_url + PAGES[name], scheme)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("width", [390, 1366])
def test_right_to_left_pages_mirror_and_time_runs_from_the_right(browser: Any,
                                                                 language_url: str,
                                                                 width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(language_url + PAGES["component"])
    rtl = page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    bars = page.locator(".bars").first.locator(".bar")
    oldest, today = bars.first.bounding_box(), bars.last.bounding_box()
    assert (oldest["x"] > today["x"]) is rtl  # the oldest day at the start of the line
    scale = page.locator(".uptime-scale span").first.bounding_box()
    assert (scale["x"] > width / 2) is rtl  # "90 days ago" above the oldest day
    promise = page.locator(".next").first
    side = "right" if rtl else "left"
    assert promise.evaluate(f"e => getComputedStyle(e).border{side.title()}Width") == "3px"
    page.goto(language_url + PAGES["incident"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    update = page.locator(".update").first
    assert update.evaluate(f"e => getComputedStyle(e).border{side.title()}Width") == "1px"
    shots = os.environ.get("STATUSGEN_SCREENSHOTS")
    if shots:
        tag = page.evaluate("document.documentElement.lang")
        for name in ("front", "incident"):
            page.goto(language_url + PAGES[name])
            page.screenshot(path=f"{shots}/{tag}-{name}-{width}.png", full_page=True)
    context.close()


@pytest.fixture(scope="module")
def grocer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A grocer's site in English and Welsh (tests/grocer.py)."""
    project = write_grocer(tmp_path_factory.mktemp("grocer"))
    build_site(project, project / "site", now=GROCER_NOW)
    yield from _serve(project / "site")


GROCER_PAGES = ["", "cy/", "cy/incidents/2025-04-20-app-sign-in/",
                "cy/incidents/2025-05-01-click-and-collect/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", GROCER_PAGES)
def test_axe_finds_no_violations_in_a_site_of_two_languages(browser: Any, grocer_url: str,
                                                            path: str, scheme: str) -> None:
    violations, _ = _axe(browser, grocer_url + path, scheme)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("width", [390, 1366])
def test_the_language_switcher_leads_to_the_same_page_in_the_other_language(
        browser: Any, grocer_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    path = "incidents/2025-05-01-click-and-collect/"
    page.goto(grocer_url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    switcher = page.get_by_role("navigation", name="Languages")
    assert switcher.is_visible()
    switcher.get_by_role("link", name="Cymraeg").click()
    assert page.url == grocer_url + "cy/" + path
    assert page.evaluate("document.documentElement.lang") == "cy"
    assert page.locator("h1").inner_text() == "Oedi archebion Clicio a Chasglu"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("navigation", name="Ieithoedd").get_by_role("link", name="English").click()
    assert page.url == grocer_url + path
    context.close()


def test_screenshots_for_review(browser: Any, base_url: str) -> None:
    folder = os.environ.get("STATUSGEN_SCREENSHOTS")
    if not folder:
        pytest.skip("set STATUSGEN_SCREENSHOTS=FOLDER to write screenshots of the demo there")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        for scheme in ("light", "dark"):
            context = browser.new_context(color_scheme=scheme, **options)
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(base_url + path)
                target = out / f"{name}-{device}-{scheme}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                if name == "front":  # what a reader sees before scrolling
                    target = out / f"{name}-{device}-{scheme}-first-screen.png"
                    page.screenshot(path=str(target))
                    written.append(target)
            context.close()
    assert all(p.stat().st_size > 1000 for p in written)
