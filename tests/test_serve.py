"""`statusgen serve`: what is served, what is watched, and a live edit-reload-break-fix cycle."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteProject, build_site, small_config, snapshot

from statusgen.cli import main
from statusgen.serve import (
    Preview,
    PreviewServer,
    Snapshot,
    content_type,
    inject,
    project_files,
    respond,
    run,
)

NOW = "2025-04-20T12:00:00+01:00"
CHROMIUM = "/usr/bin/chromium"
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]

INCIDENT = """\
title: Website slow
updates:
  - at: 2025-04-19 09:30
    status: {status}
    components: {{website: degraded_performance}}
    message: {message}
"""


def project(write_project: WriteProject, base_url: str = "https://status.example.com/",
            status: str = "investigating", message: str = "Pages load slowly.") -> Path:
    return write_project({
        "statusgen.yaml": small_config(base_url=base_url),
        "incidents/2025-04-19-website-slow.yaml": INCIDENT.format(status=status, message=message),
    })


# --- What is served ------------------------------------------------------------------------

SHOP = Snapshot(
    files={
        "index.html": b"<html><body><p>Home</p></body></html>\n",
        "incidents/x/index.html": b"<html><body>X</body></html>",
        "404.html": b"<html><body>Not here</body></html>",
        "cy/index.html": b"<html lang=cy><body>Cartref</body></html>",
        "cy/404.html": b"<html lang=cy><body>Dim yma</body></html>",
        "feed.atom": b"<feed/>",
        "static/style.0123456789.css": b"body{}",
        "_headers": b"/*\n",
    },
    prefix="/shop/",
    version="abc-3",
)


@pytest.mark.parametrize(("path", "status", "location", "kind", "shows"), [
    ("/shop/", 200, None, "text/html; charset=utf-8", b"Home"),
    ("/shop/index.html", 200, None, "text/html; charset=utf-8", b"Home"),
    ("/shop/incidents/x/", 200, None, "text/html; charset=utf-8", b"X"),
    ("/shop/incidents/x", 301, "/shop/incidents/x/", None, None),
    ("/", 302, "/shop/", None, None),
    ("/shop", 302, "/shop/", None, None),
    ("/shop/nope", 404, None, "text/html; charset=utf-8", b"Not here"),
    ("/shop/cy/", 200, None, "text/html; charset=utf-8", b"Cartref"),
    ("/shop/cy/nope", 404, None, "text/html; charset=utf-8", b"Dim yma"),  # its language's
    ("/shop/cy/incidents/gone/", 404, None, "text/html; charset=utf-8", b"Dim yma"),
    ("/shop/incidents/gone/", 404, None, "text/html; charset=utf-8", b"Not here"),
    ("/elsewhere/", 404, None, "text/html; charset=utf-8", b"Not here"),
    ("/shop/../shop/feed.atom", 404, None, "text/html; charset=utf-8", b"Not here"),
    ("/shop/feed.atom", 200, None, "application/atom+xml", b"<feed/>"),
    ("/shop/static/style.0123456789.css", 200, None, "text/css; charset=utf-8", b"body{}"),
    ("/shop/_headers", 200, None, "text/plain; charset=utf-8", b"/*\n"),
    ("/__statusgen/version", 200, None, "text/plain; charset=utf-8", b"abc-3"),
])
def test_what_each_path_answers(path: str, status: int, location: str | None, kind: str | None,
                                shows: bytes | None) -> None:
    response = respond(SHOP, path)
    assert response.status == status
    assert response.location == location
    if kind is not None:
        assert response.content_type == kind
    if shows is not None:
        assert shows in response.body


def test_only_html_gets_the_reload_script() -> None:
    assert b"__statusgen/version" in respond(SHOP, "/shop/").body
    assert b"__statusgen/version" in respond(SHOP, "/shop/missing").body  # the 404 page too
    assert respond(SHOP, "/shop/feed.atom").body == b"<feed/>"


@pytest.mark.parametrize(("name", "kind"), [
    ("index.html", "text/html; charset=utf-8"),
    ("static/style.1a2b3c4d5e.css", "text/css; charset=utf-8"),
    ("badge.svg", "image/svg+xml"),
    ("sitemap.xml", "application/xml"),
    ("feed.rss", "application/rss+xml"),
    ("feed.atom", "application/atom+xml"),
    ("feed.json", "application/json"),
    ("api/v2/summary.json", "application/json"),
    ("maintenance.ics", "text/calendar; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("_headers", "text/plain; charset=utf-8"),
    ("static/icon.png", "image/png"),
    ("static/blob.unknownext", "application/octet-stream"),
])
def test_content_types(name: str, kind: str) -> None:
    assert content_type(name) == kind


def test_inject_puts_script_and_escaped_banner_before_body_end() -> None:
    page = b"<html><body><p>Hi</p></BODY></html>"
    served = inject(page, "v-1", ("incidents/a.yaml:3:5: unknown status '<script>'",))
    assert served.startswith(b"<html><body><p>Hi</p><div id=\"statusgen-problems\"")
    assert served.endswith(b"</script></BODY></html>")
    assert b"1 problem;" in served
    assert b"incidents/a.yaml:3:5: unknown status '&lt;script&gt;'" in served
    assert b"'<script>'" not in served
    assert b'data-version="v-1"' in served
    assert b"statusgen-problems" not in inject(page, "v-1", ())
    assert inject(b"<p>no body end</p>", "v", ()).startswith(b"<p>no body end</p><script")


# --- What is watched -----------------------------------------------------------------------

def test_project_files_cover_config_incidents_and_themes_only(
        write_project: WriteProject) -> None:
    root = project(write_project)
    write_project({
        "themes/mine/templates/base.html": "x",
        "themes/.git/HEAD": "ref",
        "incidents/.cache/x": "y",
        "site/index.html": "built",
        "notes.txt": "not read by a build",
    })
    found = project_files(root, root / "site")
    assert set(found) == {
        "statusgen.yaml", "incidents", "incidents/2025-04-19-website-slow.yaml",
        "themes", "themes/mine", "themes/mine/templates", "themes/mine/templates/base.html"}
    write_project({"incidents/2025-04-19-website-slow.yaml": "changed, and longer than before"})
    assert project_files(root, root / "site") != found


def test_an_output_folder_inside_themes_is_not_watched(write_project: WriteProject) -> None:
    root = write_project({"themes/out/index.html": "built", "themes/mine/static/a.css": "a"})
    assert "themes/out/index.html" not in project_files(root, root / "themes" / "out")


# --- Building for the preview --------------------------------------------------------------

def test_a_broken_edit_keeps_the_last_good_site_and_a_fix_clears_it(
        write_project: WriteProject) -> None:
    root = project(write_project)
    preview = Preview(root, NOW)
    preview.build()
    good = preview.current
    assert good.problems == ()
    assert snapshot(root / "site") == good.files
    assert not any(b"__statusgen" in data for data in good.files.values())

    preview.rebuild()  # nothing changed: open pages must not reload
    assert preview.current.version == good.version

    project(write_project, status="investigatin")
    problems = preview.rebuild()
    assert isinstance(problems, tuple) and len(problems) == 1
    assert re.fullmatch(r".*incidents/2025-04-19-website-slow\.yaml:4:13: .*investigatin.*",
                        problems[0])
    broken = preview.current
    assert broken.files == good.files and broken.problems == problems
    assert broken.version != good.version
    assert snapshot(root / "site") == good.files  # the last good site stays on disk too
    assert problems[0].encode() in respond(broken, "/").body

    project(write_project, message="Pages load slowly again.")
    assert not isinstance(preview.rebuild(), tuple)
    fixed = preview.current
    assert fixed.problems == () and fixed.version not in (good.version, broken.version)
    assert b"slowly again" in fixed.files["index.html"]
    assert b"statusgen-problems" not in respond(fixed, "/").body
    assert snapshot(root / "site") == fixed.files


def test_a_rebuild_goes_through_the_build_cache(write_project: WriteProject,
                                                tmp_path: Path) -> None:
    """An edit is rebuilt as `statusgen build` rebuilds it: only its text is converted again,
    and what is served is what a clean build writes."""
    root = project(write_project)
    preview = Preview(root, NOW)
    preview.build()
    project(write_project, message="Pages load slowly again.")
    result = preview.rebuild()
    assert not isinstance(result, tuple)
    assert "1 text converted from Markdown" in result.notes
    clean = tmp_path / "clean"
    build_site(root, clean, "--clean", now=NOW)
    assert preview.current.files == snapshot(clean) == snapshot(root / "site")


def test_a_site_that_cannot_be_written_is_not_served(write_project: WriteProject) -> None:
    root = project(write_project)
    preview = Preview(root, NOW, out=root / "out")
    preview.build()
    good = preview.current
    shutil.rmtree(root / "out")
    (root / "out").write_text("a file where the site goes")
    project(write_project, message="Not on disk, so not served.")
    problems = preview.rebuild()
    assert isinstance(problems, tuple)
    assert re.fullmatch(r"error: .*out exists and is not a folder", problems[0])
    assert preview.current.files == good.files and preview.current.problems == problems


def test_serve_refuses_an_invalid_project_like_build(write_project: WriteProject) -> None:
    root = project(write_project, status="investigatin")
    result = CliRunner().invoke(main, ["serve", "--project", str(root), "--port", "0"])
    assert result.exit_code == 1, result.output
    assert re.search(r"website-slow\.yaml:4:13: ", result.output)
    assert not (root / "site").exists()


def test_serve_reports_a_port_in_use_and_a_bad_now(write_project: WriteProject) -> None:
    root = project(write_project)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--project", str(root), "--port", str(port),
                                           "--now", NOW])
    assert result.exit_code == 1, result.output
    assert f"error: cannot serve on 127.0.0.1:{port}: " in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["serve", "--project", str(root), "--now", "soon"])
    assert result.exit_code == 2, result.output
    assert "'soon' is not a date and time" in result.output


def test_serve_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "statusgen serve --port 8000" in result.output
    assert "127.0.0.1" in result.output


# --- Live: a real server in a subprocess ---------------------------------------------------

def fetch(url: str) -> tuple[int, str, str]:
    """(status, Content-Type, body) of a GET, 4xx included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_serve_rebuilds_reloads_and_survives_a_broken_edit(
        write_project: WriteProject) -> None:
    root = project(write_project)
    server = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "serve", "--port", "0", "--project", str(root),
         "--now", NOW],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    stream = server.stdout
    assert stream is not None
    reader = threading.Thread(target=lambda: output.extend(iter(stream.readline, "")),
                              daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(line.startswith("Serving ") for line in output), "the URL")
        serving = next(line for line in output if line.startswith("Serving "))
        assert re.fullmatch(r"Serving http://127\.0\.0\.1:\d+/ \(Ctrl\+C to stop\)\n", serving)
        url = serving.split()[1]

        def version() -> str:
            return fetch(url + "__statusgen/version")[2]

        status, kind, page = fetch(url)
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert "Pages load slowly." in page and "__statusgen/version" in page
        assert not any(b"__statusgen" in data for data in snapshot(root / "site").values())
        assert fetch(url + "incidents/2025-04-19-website-slow/")[0] == 200
        status, _, page = fetch(url + "no/such/page/")
        assert status == 404 and "__statusgen/version" in page

        first = version()
        project(write_project, message="Pages load slowly; we are on it.")
        wait_for(lambda: version() != first, "a rebuild after an edit")
        assert "we are on it" in fetch(url)[2]
        assert "we are on it" in (root / "site" / "index.html").read_text()

        second = version()
        project(write_project, status="investigatin", message="Still slow.")
        wait_for(lambda: version() != second, "a rebuild after a broken edit")
        page = fetch(url)[2]
        assert "we are on it" in page and "Still slow" not in page  # the last good build
        assert "statusgen-problems" in page and "website-slow.yaml:4:13:" in page
        wait_for(lambda: any(re.search(r"website-slow\.yaml:4:13: .*investigatin", line)
                             for line in output), "the problem in the terminal")

        third = version()
        project(write_project, message="Fixed at last, all good.")
        wait_for(lambda: version() != third, "a rebuild after the fix")
        page = fetch(url)[2]
        assert "Fixed at last" in page and "statusgen-problems" not in page
        assert not any(b"__statusgen" in data for data in snapshot(root / "site").values())
    finally:
        server.terminate()
        server.wait(timeout=10)
    reader.join(timeout=5)
    assert server.returncode == 0, "".join(output)
    assert output[-1] == "Stopped.\n"
    assert "Traceback" not in "".join(output)


def test_an_open_page_reloads_itself_in_a_browser(write_project: WriteProject) -> None:
    """The injected script, in its real client: Chromium, as in test_browser.py."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    root = project(write_project)
    preview = Preview(root, NOW)
    preview.build()
    server = PreviewServer(preview, 0)
    lines: list[str] = []
    thread = threading.Thread(target=run, args=(server, lambda line, err=False: lines.append(line),
                                                0.1), daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
            page = browser.new_page()
            page.goto(server.url)
            assert "Pages load slowly." in page.inner_text("main")
            project(write_project, message="Reloaded by itself.")
            page.get_by_text("Reloaded by itself.").first.wait_for(timeout=10_000)
            project(write_project, status="investigatin", message="Broken.")
            banner = page.locator("#statusgen-problems")
            banner.wait_for(timeout=10_000)
            assert "website-slow.yaml:4:13: unknown status 'investigatin'" in banner.inner_text()
            project(write_project, message="Mended and reloaded.")
            page.get_by_text("Mended and reloaded.").first.wait_for(timeout=10_000)
            assert banner.count() == 0
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert any("problem found; still serving the last good build." in line for line in lines)
