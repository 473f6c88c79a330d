"""Property-based fuzzing: random status projects through `check` and `build`.

Whatever the input, `check` and `build` either succeed or print `path:line:column: message`
lines (then the count) and exit 1: never a traceback, never a hang. When a build succeeds, every
file it wrote is read back by a real parser: pages by html5lib in strict mode, feeds by
feedparser, JSON by json, the calendar by icalendar, badges and the sitemap by ElementTree.

The examples are bounded for CI (well under two minutes for the whole file on two cores).
`STATUSGEN_FUZZ=long .venv/bin/pytest tests/test_fuzz.py` runs many more, with hypothesis's
example database, so a failure found once is tried first the next time. Every failure found
is kept below as an `@example`, so CI runs it on every build.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import icalendar
import yaml
from click.testing import CliRunner, Result
from conftest import SITE_SCRIPTS
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from statusgen.cli import main
from statusgen.load import NOT_TEXT

LONG = os.environ.get("STATUSGEN_FUZZ") == "long"
FUZZ = settings(
    max_examples=2000 if LONG else 200,
    deadline=None,  # a build takes tens of milliseconds; the bound is the example count
    derandomize=not LONG,  # CI runs the same examples each time: a red build is reproducible
    database=None if not LONG else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)

NOW = "2025-03-30 12:00"
PROBLEM_LINE = re.compile(r"[^\n]+:\d+:\d+: [^\n]+")
COUNT_LINE = re.compile(r"\d+ problems? found\.")

# --- Strategies ----------------------------------------------------------------------------

NASTY = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "[x](javascript:alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<svg onload="alert(1)"><script>alert(2)</script></svg>', "<a href='vbscript:x'>v</a>",
    "]]>", "<!--", "-->", "&amp;", "&#0;", "&#x1b;", "{{ 7*7 }}", "{% raw %}", "${7*7}",
    "\r\nBEGIN:VEVENT\r\nSUMMARY:injected", "line\rbreak", "a\x00b", "\x1b[31mred\x1b[0m",
    "\u202egnp.exe", "\u2066isolate\u2069", "\u200f\u200e", "\ufeff", "\u2028\u2029",
    "\ud800", "\udfff", "\U0001F600\u200d\U0001F525", "é" * 3, "\u0301" * 20, "x" * 400,
    "- item\n- item", "# heading", "```\ncode\n```", "> quote", "| a | b |\n|---|---|",
    "<iframe src=//evil>", "<style>*{}</style>", "<math><mi xlink:href=javascript:1>",
    "\t", " ", "", "null", "~", "yes", "1:30", "0x1F", "1e400", "-.inf", "2025-03-30",
]

printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
texts = st.one_of(
    st.sampled_from(NASTY), st.sampled_from(NASTY),
    printable, printable, printable,  # any character YAML can carry: RTL marks, emoji ...
    st.text(max_size=20),  # any code point, controls, NUL and lone surrogates included
    st.lists(st.sampled_from(NASTY) | printable, max_size=4).map("".join),
)
# Where a text is required, it must not be blank (a blank one is refused, and rightly).
filled = texts.map(lambda t: t if t.strip() else f"{t}x")
ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)

@st.composite
def times(draw: st.DrawFn, odd: bool = False) -> str:
    """Times as people write them, close to a clock change (in Europe, North America, Lord
    Howe's half hour, Samoa's skipped day); `odd` ones malformed or far out of range."""
    if odd:
        year = draw(st.sampled_from([1, 1969, 1970, 2999, 3000, 9999]))
        hour, minute = draw(st.integers(0, 24)), draw(st.sampled_from([0, 59, 60]))
        second = draw(st.sampled_from(["", ":60", ".5", ".1234567"]))
        offset = draw(st.sampled_from(["", "+24:00", "+0130", " +01:00", "+00:60", "-18:00"]))
    else:
        year = draw(st.sampled_from([2024, 2025]))
        hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 1, 30, 59]))
        second = draw(st.sampled_from(["", "", ":00", ":59"]))
        offset = draw(st.sampled_from(["", "", "", "Z", "+01:00", "-05:00", "+14:00"]))
    month, day = draw(st.sampled_from([(3, 30), (3, 31), (10, 26), (10, 27), (4, 6), (9, 7),
                                       (11, 2), (3, 9), (12, 31), (1, 1)]
                                      + ([(2, 29), (2, 30), (4, 31)] if odd else [])))
    sep = draw(st.sampled_from([" ", "T"]))
    return f"{year:04d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}{second}{offset}"


WRONG = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**30), st.floats(),
                  st.lists(st.integers(), max_size=2), st.dictionaries(ids, ids, max_size=2))
GOOD_URLS = ["https://status.example.com/", "http://x/a%20b/", "https://bücher.example/",
             "https://example.com/a b/", 'http://x/"><script>/', "https://x/<svg>/",
             "https://user:pw@host:8443/s/", "https://example.com/%2e%2e/"]
BAD_URLS = ["javascript:alert(1)",
            "https://h/p?q=1#f", "https://[::1/", "https://h:port/",
            "https://[::1]:99999/", "ftp://x/", "https://exa\nmple.com/",
            "https://example.com/status/\n/*\n  X: y", "//x/"]
GOOD_ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe",
              "Pacific/Apia", "Asia/Kolkata", "America/St_Johns", "Etc/GMT+12",
              "Pacific/Kiritimati"]
BAD_ZONES = ["Nowhere/Atlantis", "../../etc/passwd", "", "/etc/localtime", "europe/london"]
STATES = ["operational", "degraded_performance", "partial_outage", "major_outage"]


class _Picker:
    """Draws the good value, or in a broken project now and then a wrong one."""

    def __init__(self, draw: st.DrawFn, broken: bool) -> None:
        self.draw, self.broken = draw, broken

    def __call__(self, good: st.SearchStrategy[Any],
                 bad: st.SearchStrategy[Any] = WRONG) -> Any:
        if self.broken and self.draw(st.integers(0, 5)) == 0:
            return self.draw(bad)
        return self.draw(good)


@st.composite
def projects(draw: st.DrawFn, hostile: bool = True) -> dict[str, Any]:
    """A project's data: {'statusgen.yaml': data, 'incidents/<id>.yaml': data, ...}. Half are
    valid in structure (only their text and times are hostile); half have wrong values here and
    there."""
    pick = _Picker(draw, broken=draw(st.booleans()))
    text = filled if hostile else st.text(st.characters(codec="ascii", min_codepoint=32),
                                          min_size=1, max_size=10).map(lambda t: f"{t}x")
    component_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    group_ids = draw(st.lists(ids, max_size=2, unique=True))
    site: dict[str, Any] = {
        "title": pick(text),
        "base_url": pick(st.sampled_from(GOOD_URLS), st.sampled_from(BAD_URLS)),
    }
    for key, good, bad in (
            ("timezone", st.sampled_from(GOOD_ZONES), st.sampled_from(BAD_ZONES)),
            ("description", text, WRONG),
            ("theme", st.just("default"), st.sampled_from(["../..", "mine", "x/y", "."])),
            ("history_days", st.sampled_from([1, 2, 90, 3650]), st.sampled_from([0, 99999, "7"])),
            ("feed_items", st.sampled_from([1, 50, 1000]), st.sampled_from([0, 1001, -1]))):
        if draw(st.booleans()):
            site[key] = pick(good, bad)
    components = []
    for cid in component_ids:
        component = {"id": pick(st.just(cid), st.sampled_from(["UP", "../x", "", "a/b"])),
                     "name": pick(text)}
        if group_ids and draw(st.booleans()):
            component["group"] = pick(st.sampled_from(group_ids), st.just("nope"))
        if draw(st.booleans()):
            component["description"] = pick(text)
        components.append(component)
    config: dict[str, Any] = {"site": site, "components": components}
    if group_ids:
        config["groups"] = [{"id": gid, "name": pick(text)} for gid in group_ids]
    files: dict[str, Any] = {"statusgen.yaml": config}
    for number in range(draw(st.integers(0, 3))):
        name = pick(st.just(f"2025-03-30-i{number}"),
                    st.sampled_from([f"UPPER-{number}", f"-x{number}", f"a b{number}"]))
        maintenance = draw(st.booleans())
        incident: dict[str, Any] = {"title": pick(text)}
        moments = sorted(draw(st.lists(times(), min_size=0 if maintenance else 1, max_size=3)))
        updates = []
        for at in moments:
            update: dict[str, Any] = {"at": pick(st.just(at), times(odd=True)),
                                      "message": pick(text)}
            if draw(st.booleans()) or not updates:
                update["status"] = pick(st.sampled_from(
                    ["scheduled", "in_progress", "verifying", "completed"] if maintenance else
                    ["investigating", "identified", "monitoring", "resolved"]),
                    st.sampled_from(["investigatin", "completed", "investigating"]))
            if not maintenance and draw(st.booleans()):
                update["components"] = {
                    pick(st.sampled_from(component_ids), st.just("ghost")):
                    pick(st.sampled_from(STATES), st.just("broken"))}
            if not maintenance and draw(st.booleans()):
                update["next_update"] = pick(st.just(max(at, draw(times()))))
            if not maintenance and draw(st.booleans()):
                update["customer_impact"] = {
                    "still_works": pick(st.lists(text, max_size=2)),
                    "not_working": pick(st.lists(text, max_size=2) | text),
                    "workaround": pick(text)}
            updates.append(update)
        if maintenance:
            start, end = sorted(draw(st.lists(times(), min_size=2, max_size=2, unique=True)))
            incident.update(kind="maintenance", components=pick(st.lists(
                st.sampled_from(component_ids), min_size=1, max_size=2)),
                scheduled=pick(st.just({"start": start, "end": end}),
                               st.just({"start": end, "end": start})))
        elif draw(st.booleans()):
            incident["impact"] = pick(st.sampled_from(["none", "minor", "major", "critical"]),
                                      st.just("huge"))
        if updates or pick(st.just(False), st.just(True)):
            incident["updates"] = updates
        if draw(st.booleans()):
            incident["postmortem"] = pick(text)
        if draw(st.booleans()):
            incident["pinned"] = pick(st.booleans())
        files[f"incidents/{name}.yaml"] = incident
    return files


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=60)


# --- Running and reading back ----------------------------------------------------------------

def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogatepass")
        path.write_bytes(content)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_clean_outcome(result: Result) -> None:
    """Success, or problem lines and exit 1: nothing else."""
    assert not (result.exception and not isinstance(result.exception, SystemExit)), \
        f"{result.exception!r}\n{result.output}"
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        return
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines, result.output
    *problems, count = lines
    assert COUNT_LINE.fullmatch(count), result.stderr
    for line in problems:
        assert PROBLEM_LINE.fullmatch(line), line
    assert count == f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found."


_STRICT_HTML = html5lib.HTMLParser(strict=True,
                                   tree=html5lib.treebuilders.getTreeBuilder("etree"))
_ALLOWED_PROPERTIES = {"VERSION", "PRODID", "CALSCALE", "NAME", "X-WR-CALNAME", "URL",
                       "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "UID", "DTSTAMP", "LAST-MODIFIED",
                       "CREATED", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "STATUS",
                       "TRANSP"}


def _html(data: bytes, name: str) -> None:
    tree = _STRICT_HTML.parse(data.decode("utf-8"))  # raises on any parse error
    for element in tree.iter():
        tag = element.tag.rpartition("}")[2]
        if tag == "script" and not element.text and \
                SITE_SCRIPTS.fullmatch(element.attrib.get("src", "")):
            continue  # the theme's own, from static/
        assert tag not in ("script", "iframe", "object", "embed", "style"), (name, tag)
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), (name, attribute)
            if attribute in ("href", "src", "action", "formaction", "xlink:href"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), (name, value)
    assert b'http-equiv="Content-Security-Policy"' in data, name


def _feed(data: bytes, name: str) -> None:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, (name, parsed.get("bozo_exception"))


def _calendar(data: bytes, name: str) -> None:
    calendar = icalendar.Calendar.from_ical(data)
    names = {prop for component in calendar.walk() for prop in component}
    assert names <= _ALLOWED_PROPERTIES, (name, names - _ALLOWED_PROPERTIES)
    assert [c.name for c in calendar.walk()][1:] == ["VEVENT"] * len(calendar.walk("VEVENT"))
    for line in data.split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line, (name, line)


def _xml(data: bytes, name: str) -> None:
    root = ET.fromstring(data)
    for element in root.iter():
        assert not element.tag.endswith("script"), name
        assert not any(a.lower().startswith("on") for a in element.attrib), name


READERS: dict[str, Callable[[bytes, str], None]] = {
    ".html": _html, ".rss": _feed, ".atom": _feed,
    ".json": lambda data, name: json.loads(data),
    ".ics": _calendar, ".svg": _xml, ".xml": _xml,
}


def assert_site_reads_back(site: Path) -> None:
    seen = 0
    for path in sorted(site.rglob("*")):
        if path.is_file():
            reader = READERS.get(path.suffix)
            if reader is not None:
                reader(path.read_bytes(), path.relative_to(site).as_posix())
                seen += 1
    assert seen > 10
    rules = (site / "_headers").read_text().splitlines()
    assert all(line == "" or line.startswith(("#", "/", "  ")) for line in rules), rules
    assert len([line for line in rules if line.startswith("/")]) == 16, rules
    assert len((site / "robots.txt").read_text().splitlines()) == 3


def check_and_build(files: dict[str, str | bytes]) -> Result:
    """`check`, then `build` into site/: the same verdict, each clean; a built site reads
    back. Returns the build's result."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write(root, files)
        checked = run("check", "--project", folder)
        assert_clean_outcome(checked)
        built = run("build", "--project", folder, "--now", NOW)
        assert_clean_outcome(built)
        assert built.exit_code == checked.exit_code, (checked.output, built.output)
        event("built" if built.exit_code == 0 else "refused")
        if built.exit_code == 0:
            assert_site_reads_back(root / "site")
        else:
            assert not (root / "site").exists()
        return built


# --- The properties ----------------------------------------------------------------------------

def seed(base_url: str = "https://x/", **incident: Any) -> dict[str, Any]:
    """A one-component project, with one incident file if any of its keys are given."""
    files: dict[str, Any] = {"statusgen.yaml": {
        "site": {"title": "t", "base_url": base_url}, "components": [{"id": "a", "name": "a"}]}}
    if incident:
        files["incidents/i.yaml"] = incident
    return files


@FUZZ
@given(projects())
# The seed corpus: every failure the fuzzing found, run first on every build.
@example(seed(title="x", updates=[  # OverflowError: a time that cannot be put in UTC
    {"at": "0001-01-01 00:00+01:00", "status": "investigating", "message": "m"}]))
@example(seed(title="x", updates=[  # the same at the other end, in the site's zone
    {"at": "9999-12-31 23:59", "status": "investigating", "message": "m"}]))
@example(seed(  # TypeError in history: a maintenance that touched no component's steps
    title="x", kind="maintenance", components=["a"],
    scheduled={"start": "2024-03-30 00:00", "end": "2024-03-31 00:00"},
    updates=[{"at": "2024-03-30 00:00", "message": "m", "status": "completed"}]))
@example(seed("https://exa\nmple.com/"))  # ValueError in icalendar: a line break in a URL
@example(seed("https://[::1/"))  # ValueError from urlsplit: an unclosed IPv6 address
@example(seed("https://example.com/\n/*\n  Access-Control-Allow-Origin: evil"))  # _headers
@example(seed("https://h/p?q=1#f"))  # every link would land in the query or the fragment
def test_random_projects_check_and_build_cleanly(project: dict[str, Any]) -> None:
    """Structurally plausible projects with hostile text, odd times and wrong types."""
    check_and_build({name: dump(data) for name, data in project.items()})


@FUZZ
@given(projects(hostile=False), st.data())
def test_mutated_yaml_text_never_crashes(project: dict[str, Any], data: st.DataObject) -> None:
    """The same projects written out, then cut, spliced and sprinkled with YAML's own syntax."""
    files = {name: dump(value) for name, value in project.items()}
    name = data.draw(st.sampled_from(sorted(files)))
    text = files[name]
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 20)))
        insert = data.draw(st.sampled_from([
            "", ":", "- ", "\n  ", "&a ", "*a", "!!python/object:os.system ", "{", "[", "'",
            '"', "\t", "\x00", "<<: *a\n", "? ", "|\n", "%YAML 1.1\n---\n", "\n---\n", "#",
            "!!binary ", "\ufeff", "\x85", "@"]) | st.text(max_size=3))
        text = text[:at] + insert + text[end:]
    files[name] = text
    check_and_build(files)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["statusgen.yaml", "incidents/x.yaml"]))
@example(b"\xef\xbb\xbf\xff", "statusgen.yaml")
@example(b"a: " + b"[" * 100_000, "statusgen.yaml")  # a segfault: C recursion in PyYAML
@example(b"a: " + b"[" * 100_000, "incidents/x.yaml")
def test_random_bytes_in_a_file_never_crash(data: bytes, name: str) -> None:
    files: dict[str, str | bytes] = {
        "statusgen.yaml": dump({"site": {"title": "t", "base_url": "https://x/"},
                                "components": [{"id": "a", "name": "a"}]})}
    files[name] = data
    check_and_build(files)


@FUZZ
@given(st.lists(texts, min_size=7, max_size=7))
@example(["t", "n", "d", "m", "\x1b", "w", "x"])  # a parse error in every page: refused now
@example(["\t", "\u2028", "\u202e", "\ufeff", "]]>", "\r", "-->"])
@example(["t", "n", "d", "m", "p", "w", "\x85"])  # U+0085: a line break to YAML, so built
def test_hostile_text_in_every_field_never_survives_live(values: list[str]) -> None:
    """A valid project whose every text field holds hostile text: it must build, and the
    readers above find no live script anywhere."""
    title, name, description, message, postmortem, works, workaround = values
    title, name, message = (f"{value}x" if not value.strip() else value
                            for value in (title, name, message))  # required: never blank
    files = {
        "statusgen.yaml": dump({
            "site": {"title": title, "base_url": "https://status.example.com/",
                     "description": description, "timezone": "Europe/London"},
            "groups": [{"id": "g", "name": name}],
            "components": [{"id": "a", "name": name, "group": "g",
                            "description": description}]}),
        "incidents/2025-03-30-x.yaml": dump({
            "title": title, "postmortem": postmortem, "updates": [
                {"at": "2025-03-30 00:30", "status": "investigating", "message": message,
                 "components": {"a": "major_outage"},
                 "customer_impact": {"still_works": [works], "not_working": [works],
                                     "workaround": workaround}},
                {"at": "2025-03-30 02:30", "status": "resolved", "message": message}]}),
        "incidents/2025-03-31-m.yaml": dump({
            "title": title, "kind": "maintenance", "components": ["a"],
            "scheduled": {"start": "2025-03-31 01:00", "end": "2025-03-31 02:00"},
            "updates": [{"at": "2025-03-29 10:00", "status": "scheduled",
                         "message": message}]}),
    }
    result = check_and_build(files)
    # What the loader will see: YAML itself reads some characters differently (U+0085 is a
    # line break to it), and refuses others.
    seen = [yaml.safe_load(dump(value)) for value in values]
    if any(isinstance(value, str) and NOT_TEXT.search(value) for value in seen):
        assert re.search(r"is not allowed in text|invalid Unicode", result.stderr), result.output
    else:
        assert result.exit_code == 0, result.output
