"""Hostile content and hostile files.

Content: script through every field that reaches a page, a feed, the API, a badge or the
calendar is shown as text and never runs; pages carry a Content-Security-Policy that forbids
inline script, checked in a real browser. Files: YAML that constructs objects, alias bombs,
oversized and deeply nested files, links out of the project, ids and theme names that climb
out, and output folders that would replace something else: each refused with a clear
`path:line:column:` message (or `error:` line), quickly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import html5lib
import icalendar
import pytest
from click.testing import CliRunner, Result
from conftest import SITE_SCRIPTS, WriteProject

from statusgen.cli import main
from statusgen.load import MAX_FILE_BYTES, MAX_PROBLEMS
from statusgen.serve import RELOAD_PATH, RELOAD_SCRIPT, Snapshot, respond
from statusgen.write import OutputError, write_site

NOW = "2025-04-19 12:00"
PROBLEM_LINE = re.compile(r"[^\n]+:\d+:\d+: [^\n]+")

PAYLOADS = [
    "<script>alert('s')</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(2)>",
    "[link](javascript:alert(3))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
    "<a href=\"jAvAsCrIpT:alert(5)\">x</a>",
    "<svg><script>alert(6)</script><foreignObject><iframe src=//evil></iframe>"
    "</foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(7)>",
    "<form action=//evil><button formaction=javascript:alert(8)>go</button></form>",
    "<object data=evil.swf></object><embed src=evil>",
    '<div style="background:url(javascript:alert(9))">s</div>',
    "{{ site.title }}{% raw %}",
    "]]><!-- --><![CDATA[ x ]]>",
    "Ok\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\r\nEND:VEVENT",
]
PAYLOAD = " ".join(PAYLOADS)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def assert_refused(result: Result, *patterns: str) -> None:
    """Exit 1 with only problem lines, each pattern found in one of them."""
    assert result.exit_code == 1, result.output
    *problems, count = result.stderr.splitlines()
    assert re.fullmatch(r"\d+ problems? found\.", count), result.stderr
    assert all(PROBLEM_LINE.fullmatch(line) for line in problems), result.stderr
    for pattern in patterns:
        assert re.search(pattern, result.stderr), (pattern, result.stderr)


# --- Hostile content -------------------------------------------------------------------------

def q(text: str) -> str:
    """`text` as a double-quoted YAML scalar."""
    return json.dumps(text)


def hostile_project(write_project: WriteProject) -> Path:
    return write_project({
        "statusgen.yaml": f"""\
site:
  title: {q("Status " + PAYLOAD)}
  base_url: https://status.example.com/
  timezone: Europe/London
  description: {q(PAYLOAD)}
groups:
  - {{id: g, name: {q(PAYLOAD)}}}
components:
  - {{id: web, name: {q("Web " + PAYLOAD)}, group: g, description: {q(PAYLOAD)}}}
  - {{id: app, name: App}}
""",
        "incidents/2025-04-19-x.yaml": f"""\
title: {q("Outage " + PAYLOAD)}
pinned: true
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {{web: major_outage}}
    message: {q(chr(10).join(PAYLOADS))}
    next_update: 2025-04-19 13:00
    customer_impact:
      still_works: [{q(PAYLOAD)}]
      not_working: [{q(PAYLOAD)}]
      workaround: {q(PAYLOAD)}
postmortem: {q(PAYLOAD)}
""",
        "incidents/2025-04-20-m.yaml": f"""\
title: {q("Upgrade " + PAYLOADS[-1] + PAYLOADS[0])}
kind: maintenance
scheduled: {{start: 2025-04-20 01:00, end: 2025-04-20 02:00}}
components: [web]
updates:
  - {{at: 2025-04-19 10:00, status: scheduled, message: {q(chr(10).join(PAYLOADS))}}}
""",
    })


def _live_html(markup: str, where: str) -> list[str]:
    """Whatever in this HTML would run: script-like elements, event handlers, script URLs."""
    tree = html5lib.parse(markup, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        tag = str(element.tag).rpartition("}")[2].lower()
        if tag == "script" and not element.text and \
                SITE_SCRIPTS.fullmatch(element.attrib.get("src", "")):
            pass  # the theme's own, from static/
        elif tag in ("script", "iframe", "object", "embed", "form", "style", "base", "frame"):
            found.append(f"{where}: <{tag}>")
        for name, value in element.attrib.items():
            name = str(name).rpartition("}")[2].lower()
            if name.startswith("on") or name in ("formaction", "srcdoc") or (
                    name == "style" and not re.fullmatch(r"(--[a-z-]+:[\w.%-]+;?)+", value)):
                found.append(f"{where}: {tag}[{name}]")
            if name in ("href", "src", "action", "data", "poster") and \
                    re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                found.append(f"{where}: {tag}[{name}={value}]")
    return found


def test_script_in_every_field_never_survives_live(write_project: WriteProject) -> None:
    root = hostile_project(write_project)
    result = run("build", "--project", str(root), "--now", NOW)
    assert result.exit_code == 0, result.output
    site = root / "site"
    strict = html5lib.HTMLParser(strict=True)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 9  # front, 2 incidents, 2 components, history, its month, 404, embed
    for page in pages:
        markup = page.read_text()
        strict.parse(markup)  # well-formed: nothing broke out of an attribute or element
        assert _live_html(markup, page.name) == []
        assert markup.count("Content-Security-Policy") == 1
    incident = (site / "incidents" / "2025-04-19-x" / "index.html").read_text()
    assert "&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;" in incident  # shown as text
    assert "{{ site.title }}" in incident  # not a template

    atom = "{http://www.w3.org/2005/Atom}"
    for name in ("feed.rss", "feed.atom", "components/web/feed.atom", "components/web/feed.rss"):
        data = (site / name).read_bytes()
        feed = feedparser.parse(data)
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.feed.title.startswith(("Status <script>", "Web <script>"))
        assert all("<script>" in entry.title for entry in feed.entries)
        # The HTML as a reader gets it, before feedparser's own sanitizer: never live. (An
        # item's description and Atom content are HTML by contract; titles and the channel's
        # description are text, escaped by the serializer.)
        tree = ET.fromstring(data)
        bodies = [e.text or "" for e in [*tree.iterfind("channel/item/description"),
                                         *tree.iterfind(f"{atom}entry/{atom}content")]]
        assert len(bodies) >= len(feed.entries) > 0
        for body in bodies:
            assert _live_html(body, name) == []
    json_feed = json.loads((site / "feed.json").read_text())
    for item in json_feed["items"]:
        assert _live_html(item["content_html"], "feed.json") == []

    # The API carries text as written (a client escapes it where it shows it), exactly.
    summary = json.loads((site / "api" / "v2" / "summary.json").read_text())
    assert summary["page"]["name"] == "Status " + PAYLOAD
    assert {c["name"] for c in summary["components"]} >= {"Web " + PAYLOAD, PAYLOAD}

    for badge in [site / "badge.svg", *site.glob("components/*/badge.svg")]:
        svg = ET.fromstring(badge.read_bytes())
        tags = {element.tag.rpartition("}")[2] for element in svg.iter()}
        assert tags <= {"svg", "title", "rect", "g", "text"}, (badge, tags)
        assert all(not a.startswith("on") for e in svg.iter() for a in e.attrib)
    title = ET.fromstring((site / "components" / "web" / "badge.svg").read_bytes()).find(
        "{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text is not None and title.text.startswith("Web <script>")

    calendar = icalendar.Calendar.from_ical((site / "maintenance.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == 1  # the CRLF in the title started no event of its own
    summary_text = str(events[0]["SUMMARY"])
    assert summary_text.startswith("Upgrade Ok") and "BEGIN:VEVENT" in summary_text
    assert set(events[0]) <= {"UID", "DTSTAMP", "LAST-MODIFIED", "CREATED", "DTSTART", "DTEND",
                              "SUMMARY", "DESCRIPTION", "URL", "STATUS", "TRANSP"}


def test_pages_forbid_inline_script_in_a_real_browser(write_project: WriteProject) -> None:
    """The policy itself, in Chromium: a theme's inline script does not run, while the
    stylesheet and its data: icons load."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which("/usr/bin/chromium"):
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    root = write_project({
        "statusgen.yaml": "site: {title: T, base_url: 'https://x.example/', theme: sneaky}\n"
                          "components: [{id: a, name: A}]\n",
        "themes/sneaky/templates/404.html":
            '{% extends "default:404.html" %}{% block head %}<script>document.title = '
            '"ran"</script><img src=x onerror="document.title = \'ran too\'">{% endblock %}',
    })
    assert run("build", "--project", str(root), "--now", NOW).exit_code == 0
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        blocked: list[str] = []
        page.on("console", lambda message: blocked.append(message.text))
        page.goto((root / "site" / "404.html").as_uri())
        page.wait_for_timeout(300)
        assert "ran" not in page.title()
        assert any("Content Security Policy" in text for text in blocked), blocked
        assert page.evaluate("document.styleSheets.length") == 1
        browser.close()


def test_serve_reloads_through_a_script_file_the_policy_allows() -> None:
    snapshot = Snapshot(files={"index.html": b"<html><head></head><body>x</body></html>"},
                        version='v"1<')
    page = respond(snapshot, "/").body
    assert b'<script id="statusgen-reload" src="/__statusgen/reload.js"' in page
    assert b'data-version="v&quot;1&lt;"' in page  # the version cannot break out
    assert re.search(rb"<script[^>]*>\s*[^<\s]", page) is None  # no inline script at all
    script = respond(snapshot, RELOAD_PATH)
    assert (script.status, script.content_type) == (200, "text/javascript; charset=utf-8")
    assert script.body == RELOAD_SCRIPT
    assert respond(Snapshot(prefix="/shop/"), RELOAD_PATH).status == 200  # at any base path


# --- Hostile YAML --------------------------------------------------------------------------

CONFIG = """\
site: {title: T, base_url: 'https://status.example.com/'}
components: [{id: web, name: Web}]
"""


@pytest.mark.parametrize(("text", "message"), [
    ("title: !!python/object/apply:os.system ['touch {marker}']\nupdates: []\n",
     r"a\.yaml:1:8: the YAML tag '!!python/object/apply:os\.system' is not allowed"),
    ("title: !!python/name:os.system\nupdates: []\n", r"1:8: the YAML tag '!!python/name:os"),
    ("title: !!python/object/new:subprocess.Popen [[touch, '{marker}']]\n",
     r"1:8: the YAML tag '!!python/object/new:subprocess\.Popen'"),
    ("title: !!binary aGk=\n", r"1:8: the YAML tag '!!binary' is not allowed"),
    ("title: !custom x\n", r"1:8: the YAML tag '!custom' is not allowed"),
    ("title: !!set {a, b}\n", r"1:8: the YAML tag '!!set' is not allowed"),
    ("? [a, b]\n: c\n", r"1:3: a key must be plain text"),
    ("<<: {title: x}\n", r"1:1: merge keys \('<<'\) are not supported"),
    ("title: \"\\x1b[2J\\x1b[Hpwned\"\n", r"1:8: character U\+001B is not allowed in text"),
    ("title: \"a\\0b\"\n", r"1:8: character U\+0000 is not allowed in text"),
    # written as they are (YAML takes them), not as escapes: in a value, and in a key
    ("title: a\ufdd0b\n", r"1:8: character U\+FDD0 is not allowed in text"),
    ("title: x\nupdates: []\nb\U0001fffe: c\n", r"3:1: character U\+1FFFE is not allowed"),
    ("title: \"\\ud800\"\n", r"1:\d+: YAML syntax error: .*Unicode"),
])
def test_yaml_that_would_construct_objects_or_smuggle_characters_is_refused(
        write_project: WriteProject, tmp_path: Path, text: str, message: str) -> None:
    marker = tmp_path / "pwned"
    root = write_project({"statusgen.yaml": CONFIG,
                          "incidents/a.yaml": text.replace("{marker}", str(marker))})
    assert_refused(run("check", "--project", str(root)), message)
    assert not marker.exists()


# A hang would stop the run here, not a slow machine: speed is the benchmark's to measure.
HANG = 120

# The C parser (libyaml, when PyYAML has it) and the pure-Python one refuse different things
# themselves; statusgen must give its own message with either.
PARSERS = {"C": "", "pure Python": "import sys; sys.modules['yaml._yaml'] = None; "}


def check_with(parser: str, root: Path) -> subprocess.CompletedProcess[str]:
    """`statusgen check` in its own process, with PyYAML's C parser or without it."""
    code = PARSERS[parser] + "from statusgen.cli import command; command()"
    done = subprocess.run([sys.executable, "-c", code, "check", "--project", str(root)],
                          capture_output=True, text=True, timeout=HANG, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_an_alias_bomb_is_refused(write_project: WriteProject) -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 10):  # a billion laughs: 10^9 values once expanded
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 10)
                     + "]")
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": "\n".join(lines)})
    done = check_with("C", root)
    assert done.returncode == 1, done.stderr
    assert re.search(r"a\.yaml:\d+:\d+: the document holds more than 100000 values", done.stderr)


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("text", "where"), [
    ("a: " + "[" * 200_000 + "]" * 200_000, "1:53"),  # crashed the interpreter: C recursion
    ("a: " + "[" * 1_001 + "]" * 1_001, "1:53"),  # newer libyaml refuses this itself
    ("[" * 1_001 + "]" * 1_001, "1:51"),
    ("a: " + "{a: " * 100_000 + "}" * 100_000, "1:200"),
    ("- " * 300_000 + "x", "1:101"),
    ("".join(" " * n + "a:\n" for n in range(60)), "52:52"),
], ids=["flow", "flow past libyaml's limit", "flow at the top", "flow mappings", "block list",
        "block mappings"])
def test_deep_nesting_is_refused_where_it_goes_too_deep(
        write_project: WriteProject, parser: str, text: str, where: str) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": text})
    done = check_with(parser, root)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"{root / 'incidents' / 'a.yaml'}:{where}: nested more than 50 levels deep",
        "1 problem found."]


@pytest.mark.parametrize("name", ["statusgen.yaml", "incidents/a.yaml"])
def test_a_file_over_the_size_limit_is_refused_unread(write_project: WriteProject,
                                                      name: str) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    big = root / name
    big.parent.mkdir(exist_ok=True)
    with open(big, "wb") as handle:
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: the size alone is read
    assert_refused(run("check", "--project", str(root)),
                   rf"{re.escape(name)}:1:1: file is {50 * MAX_FILE_BYTES} bytes; the limit is "
                   f"{MAX_FILE_BYTES}")


def test_a_file_of_many_mistakes_stops_at_a_hundred(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG,
                          "incidents/a.yaml": "{" + "a: 1, " * 50_000 + "}"})
    result = run("check", "--project", str(root))
    assert_refused(result, rf"more than {MAX_PROBLEMS} problems in this file: stopped here")
    assert len(result.stderr.splitlines()) == MAX_PROBLEMS + 2


def test_problem_lines_show_control_characters_as_escapes(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG,
                          "incidents/a\nb\x1b[31m.yaml": "title: x\n",
                          "incidents/c.yaml": "title: x\nimpact: \"\\u202e\\u2028huge\"\n"})
    result = run("check", "--project", str(root))
    assert_refused(result, r"incidents/a\\nb\\x1b\[31m\.yaml:1:1: the file name gives the id "
                           r"'a\\nb\\x1b\[31m'",
                   r"c\.yaml:2:9: unknown impact '\\u202e\\u2028huge'")
    assert "\x1b" not in result.output


# --- Links and names that climb out ------------------------------------------------------------

@pytest.fixture
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("elsewhere") / "id_rsa"
    path.write_text("title: SECRET-KEY-MATERIAL\n")
    return path


@pytest.mark.parametrize("link", ["statusgen.yaml", "incidents/leak.yaml", "incidents",
                                  "themes/mine/static/leak.css", "themes/mine/templates/404.html",
                                  "themes/mine/static", "themes/mine"])
def test_a_link_out_of_the_project_is_refused_and_never_read(
        write_project: WriteProject, secret: Path, link: str) -> None:
    root = write_project({"statusgen.yaml": CONFIG.replace("}\n", ", theme: mine}\n", 1),
                          "themes/mine/static/ok.css": "body{}",
                          "incidents/ok.yaml": "title: Fine\nupdates:\n  - {at: 2025-04-19 09:00,"
                                               " status: resolved, message: m}\n"})
    path = root / link
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(secret if "." in path.name else secret.parent)
    for command in ("check", "build"):
        result = run(command, "--project", str(root), "--now", NOW) if command == "build" \
            else run(command, "--project", str(root))
        assert_refused(result, rf"{re.escape(link)}:1:1: .*is a link to a file outside the "
                               "project")
        assert "SECRET-KEY-MATERIAL" not in result.output
    assert not (root / "site").exists()


def test_links_inside_the_project_and_dangling_editor_links_are_fine(
        write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG,
                          "shared/a.yaml": "title: Shared\nupdates:\n  - {at: 2025-04-19 09:00,"
                                           " status: investigating, message: m}\n"})
    (root / "incidents").mkdir()
    (root / "incidents" / "a.yaml").symlink_to(root / "shared" / "a.yaml")
    (root / "incidents" / ".#a.yaml").symlink_to("root@host.1234:1700000000")  # Emacs's lock
    result = run("check", "--project", str(root))
    assert result.exit_code == 0, result.output


def test_update_refuses_an_incident_that_links_out(write_project: WriteProject,
                                                   secret: Path) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    (root / "incidents").mkdir()
    (root / "incidents" / "leak.yaml").symlink_to(secret)
    result = run("update", "--project", str(root), "leak", "--message", "x")
    assert result.exit_code == 1
    assert "is a link to a file outside the project" in result.output
    assert secret.read_text() == "title: SECRET-KEY-MATERIAL\n"


@pytest.mark.parametrize(("config", "message"), [
    ("site: {title: T, base_url: 'https://x/', theme: ../../etc}\ncomponents: [{id: a, name: A}]",
     r"statusgen\.yaml:1:49: theme '\.\./\.\./etc' is not a valid id"),
    ("site: {title: T, base_url: 'https://x/', theme: /etc}\ncomponents: [{id: a, name: A}]",
     r"theme '/etc' is not a valid id"),
    ("site: {title: T, base_url: 'https://x/'}\ncomponents: [{id: ../../x, name: A}]",
     r"statusgen\.yaml:2:19: component id '\.\./\.\./x' is not a valid id"),
    ("site: {title: T, base_url: 'https://x/'}\ngroups: [{id: ../g, name: G}]\n"
     "components: [{id: a, name: A, group: ../g}]", r"group id '\.\./g' is not a valid id"),
])
def test_ids_and_theme_names_that_climb_out_are_refused(write_project: WriteProject,
                                                        config: str, message: str) -> None:
    root = write_project({"statusgen.yaml": config})
    assert_refused(run("check", "--project", str(root)), message)


def test_commands_given_an_id_that_climbs_out_touch_nothing(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": "title: x\nupdates: "
                          "[{at: 2025-04-19 09:00, status: resolved, message: m}]\n"})
    before = (root / "statusgen.yaml").read_bytes()
    for incident in ("../statusgen", "../../etc/passwd", "/etc/passwd", "a/../a"):
        result = run("update", "--project", str(root), incident, "--message", "x")
        assert result.exit_code == 1 and result.output.startswith("error: no incident ")
    result = run("new", "--project", str(root), "../../../tmp/x", "--message", "m")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"Created .*/incidents/\d{4}-\d\d-\d\d-tmp-x\.yaml \(id .*\)\n",
                        result.output)
    assert (root / "statusgen.yaml").read_bytes() == before


# --- Output folders that must not be replaced ----------------------------------------------

@pytest.mark.parametrize("out", [".", "/", "..", "incidents", "themes", "themes/mine/static",
                                 ".git", "statusgen.yaml", "notes"])
def test_an_output_folder_that_would_replace_something_else_is_refused(
        write_project: WriteProject, out: str) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": "title: x\n"
                          "updates: [{at: 2025-04-19 09:00, status: resolved, message: m}]\n",
                          "themes/mine/static/a.css": "a{}", ".git/HEAD": "ref",
                          "notes/todo.txt": "my own files"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    target = out if out == "/" else str(root / out)
    result = run("build", "--project", str(root), "--out", target, "--now", NOW)
    assert result.exit_code == 1, result.output
    assert re.fullmatch(r"error: (refusing to (write the site to|replace) .*|.* exists and is "
                        r"not a folder)\n", result.output), result.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_an_empty_folder_a_previous_site_and_a_linked_site_are_replaced(
        write_project: WriteProject, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    (root / "site").mkdir()
    assert run("build", "--project", str(root), "--now", NOW).exit_code == 0
    (root / "site" / "stale.html").write_text("from an older build")
    assert run("build", "--project", str(root), "--now", NOW).exit_code == 0
    assert not (root / "site" / "stale.html").exists()
    served = tmp_path_factory.mktemp("www") / "status"  # e.g. a web server's root
    shutil.move(root / "site", served)
    (root / "site").symlink_to(served)
    assert run("build", "--project", str(root), "--now", NOW).exit_code == 0
    assert (root / "site").is_symlink() and (served / "index.html").is_file()


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "a/../../b", ""])
def test_the_writer_refuses_a_path_outside_the_site(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match="refusing to write outside the site"):
        write_site({name: b"x"}, tmp_path / "site")
    assert list(tmp_path.iterdir()) == []


def test_update_refuses_a_file_it_cannot_read_or_that_would_grow_too_big(
        write_project: WriteProject) -> None:
    good = "title: x\nupdates:\n  - {at: 2025-04-19 09:00, status: investigating, message: m}\n"
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": b"title: \xff\xfe\n",
                          "incidents/b.yaml": good})
    result = run("update", "--project", str(root), "a", "--message", "x")  # was a traceback
    assert_refused(result, r"incidents/a\.yaml:1:8: not valid UTF-8 text")
    big = "word " * (MAX_FILE_BYTES // 5)
    result = run("update", "--project", str(root), "b", "--message", big)
    assert result.exit_code == 1
    assert re.fullmatch(r"error: the incident file would be \d+ bytes with this; the limit is "
                        rf"{MAX_FILE_BYTES}: start a new incident instead\n", result.output)
    assert (root / "incidents" / "b.yaml").read_text() == good
