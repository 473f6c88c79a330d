"""The built demo in a real browser: Debian's Chromium driven by Playwright, served on loopback."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from statusgen.cli import main

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is not installed: browser tests skipped")
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped",
                allow_module_level=True)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("demo") / "site"
    result = CliRunner().invoke(main, ["build", "--project", str(REPO), "--out", str(site),
                                       "--now", "2025-05-14T12:00:00+01:00"])
    assert result.exit_code == 0, result.output
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


PAGES = ["", "incidents/2025-04-19-click-and-collect-and-returns/", "no-such-page/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_cleanly_at_phone_width(browser, base_url: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url)
            if urlsplit(r.url).hostname != "127.0.0.1" else None)
    response = page.goto(base_url + path)
    assert response is not None
    assert response.status == (404 if path.startswith("no-such") else 200)
    if path.startswith("no-such"):
        errors = [e for e in errors if "404" not in e]  # the page's own status
    assert errors == []
    assert foreign == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"horizontal scroll at 320 px: content is {width} px wide"
    context.close()


def test_the_front_page_reads_with_javascript_off(browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url)
    assert page.locator("h1").first.inner_text().strip() == "Major System Outage"
    text = page.locator("main").inner_text()
    assert "Still working" in text and "Next update" in text and "Overdue" in text
    title = "Click & Collect orders delayed and returns disrupted"
    link = page.get_by_role("link", name=title).first
    link.click()
    assert page.url.endswith("/incidents/2025-04-19-click-and-collect-and-returns/")
    assert page.locator("ol.updates > li").count() >= 3
    context.close()


def test_a_day_bar_tells_its_day_on_hover_and_on_focus(browser, base_url: str) -> None:
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
