"""`statusgen check` (and a failing `build`): one exact `path:line:column: message` per problem.

Each case starts from a small valid project (CONFIG, INCIDENT, MAINTENANCE), breaks one thing,
and names the exact lines the command must print. `{root}` in an expected line stands for the
project folder given to --project, which is how the paths are shown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import REPO, WriteProject, snapshot

from statusgen.cli import main
from statusgen.errors import Problem

NOW = "2025-05-14T12:00+01:00"

CONFIG = """\
site:
  title: Test Status
  base_url: https://status.example.com/
  timezone: Europe/London
groups:
  - {id: online, name: Online shopping}
  - {id: stores, name: In store}
components:
  - {id: website, name: Website, group: online}
  - {id: app, name: App, group: online}
  - {id: click-and-collect, name: Click & Collect, group: stores}
"""

INC = "incidents/2025-04-19-orders-delayed.yaml"
INCIDENT = """\
title: Click & Collect orders delayed
impact: major
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components:
      click-and-collect: partial_outage
    message: Some orders are not ready for collection.
  - at: 2025-04-19 12:00
    status: resolved
    message: Click & Collect is available again.
"""

MNT = "incidents/2025-09-01-payment-upgrade.yaml"
MAINTENANCE = """\
title: Payment system upgrade
kind: maintenance
scheduled: {start: 2025-09-01 01:00, end: 2025-09-01 04:00}
components: [website, app]
updates:
  - {at: 2025-08-20 10:00, status: scheduled, message: Orders may be paused.}
"""

GOOD: dict[str, str | bytes | None] = {
    "statusgen.yaml": CONFIG, INC: INCIDENT, MNT: MAINTENANCE,
}


def edit(text: str, old: str, new: str) -> str:
    """`text` with its one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_problems(result: Result, root: Path, expected: list[str]) -> None:
    """Exit 1 by sys.exit (not a crash), exactly these lines and the count on stderr."""
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    count = len(expected)
    lines = [line.replace("{root}", str(root)) for line in expected]
    assert result.stderr.splitlines() == [
        *lines, f"{count} problem{'s' if count != 1 else ''} found."]
    assert result.stdout == ""


NOT_AN_ID = ("is not a valid id: use lowercase letters, digits and '-', starting with a letter "
             "or digit, at most 100 characters")

# id -> (files written over GOOD, the exact lines expected)
CASES: dict[str, tuple[dict[str, str | bytes | None], list[str]]] = {
    # YAML syntax, characters, encoding
    "syntax-unclosed-quote": (
        {INC: 'title: "Click & Collect orders delayed\nupdates: []\n'},
        ["{root}/" + INC + ':1:8: the quote (") opened here is never closed: close it (YAML: '
         "found unexpected end of stream (while scanning a quoted scalar at line 1, column 8))"]),
    "syntax-unclosed-bracket": (
        {MNT: edit(MAINTENANCE, "[website, app]", "[website, app")},
        ["{root}/" + MNT + ":4:13: the '[' opened here is not closed (or an item in it lacks a "
         "','): close it with ']' (YAML: did not find expected ',' or ']' (while parsing a flow "
         "sequence at line 4, column 13))"]),
    "syntax-colon-in-value": (
        {"statusgen.yaml": edit(CONFIG, "title: Test Status", "title: Test: Status")},
        ["{root}/statusgen.yaml:2:14: ': ' inside text that is not in quotes: put the text in "
         "quotes, or start a block with | and the text on the lines below (YAML: mapping values "
         "are not allowed in this context)"]),
    "syntax-tab": (
        {INC: edit(INCIDENT, "    status: investigating", "\tstatus: investigating")},
        ["{root}/" + INC + ":5:1: a tab used for indentation: indent with spaces (YAML: found a "
         "tab character that violates indentation (while scanning a plain scalar at line 4, "
         "column 9))"]),
    "syntax-missing-colon": (
        {INC: edit(INCIDENT, "impact: major", "impact major")},
        ["{root}/" + INC + ":2:1: a key without ':' after it: write impact: major (YAML: could "
         "not find expected ':' (while scanning a simple key at line 2, column 1))"]),
    "syntax-list-item-indented-differently": (
        {INC: edit(INCIDENT, "  - at: 2025-04-19 12:00", "   - at: 2025-04-19 12:00")},
        ["{root}/" + INC + ":9:4: this list item is indented differently from the one before "
         "it: start every item of a list in the same column (YAML: did not find expected '-' "
         "indicator (while parsing a block collection at line 4, column 3))"]),
    "control-character": (  # the column counts characters, not UTF-8 bytes
        {INC: edit(INCIDENT, "title: Click & Collect orders delayed",
                   "title: Café — orders\x07 delayed")},
        ["{root}/" + INC + ":1:21: character U+0007 is not allowed in YAML"]),
    "not-utf8": (
        {INC: b"title: Orders \xe2\x80\x94 caf\xe9\n"},
        ["{root}/" + INC + ":1:20: not valid UTF-8 text"]),
    "not-utf8-after-a-bom": (
        {INC: b"\xef\xbb\xbftitle: Orders delayed\nupdates: caf\xe9\n"},
        ["{root}/" + INC + ":2:13: not valid UTF-8 text"]),
    # unknown or misspelt keys
    "unknown-key-top-level": (
        {"statusgen.yaml": CONFIG + "component:\n  - {id: returns, name: Returns}\n"},
        ["{root}/statusgen.yaml:12:1: unknown key 'component' in statusgen.yaml "
         "(did you mean 'components'?)"]),
    "unknown-key-site": (
        {"statusgen.yaml": edit(CONFIG, "  timezone:", "  timezon:")},
        ["{root}/statusgen.yaml:4:3: unknown key 'timezon' in 'site' "
         "(did you mean 'timezone'?)"]),
    "unknown-key-component": (
        {"statusgen.yaml": edit(CONFIG, "App, group: online", "App, grup: online")},
        ["{root}/statusgen.yaml:10:26: unknown key 'grup' in a component "
         "(did you mean 'group'?)"]),
    "unknown-key-incident": (
        {INC: edit(INCIDENT, "impact: major", "severity: major")},
        ["{root}/" + INC + ":2:1: unknown key 'severity' in an incident (expected one of: "
         "title, kind, impact, pinned, updates, postmortem)"]),
    "unknown-key-update": (
        {INC: edit(INCIDENT, "    components:", "    component:")},
        ["{root}/" + INC + ":6:5: unknown key 'component' in an update "
         "(did you mean 'components'?)"]),
    "unknown-key-customer-impact": (
        {INC: edit(INCIDENT, "collection.\n", "collection.\n"
                   "    customer_impact:\n      still_work: [Shopping in store]\n")},
        ["{root}/" + INC + ":10:7: unknown key 'still_work' in 'customer_impact' "
         "(did you mean 'still_works'?)"]),
    # references
    "unknown-component-in-update": (
        {INC: edit(INCIDENT, "click-and-collect: partial", "click-and-colect: partial")},
        ["{root}/" + INC + ":7:7: unknown component 'click-and-colect' "
         "(did you mean 'click-and-collect'?)"]),
    "unknown-component-in-maintenance": (
        {MNT: edit(MAINTENANCE, "[website, app]", "[website, click-collect]")},
        ["{root}/" + MNT + ":4:23: unknown component 'click-collect' "
         "(did you mean 'click-and-collect'?)"]),
    "unknown-group": (
        {"statusgen.yaml": edit(CONFIG, "group: stores}", "group: store}")},
        ["{root}/statusgen.yaml:11:59: unknown group 'store' (did you mean 'stores'?)"]),
    # words outside SPEC's
    "unknown-impact": (
        {INC: edit(INCIDENT, "impact: major", "impact: severe")},
        ["{root}/" + INC + ":2:9: unknown impact 'severe': use one of none, minor, major, "
         "critical"]),
    "unknown-incident-status": (
        {INC: edit(INCIDENT, "status: investigating", "status: investigate")},
        ["{root}/" + INC + ":5:13: unknown status 'investigate' "
         "(did you mean 'investigating'?)"]),
    "unknown-component-state": (
        {INC: edit(INCIDENT, "click-and-collect: partial_outage", "click-and-collect: down")},
        ["{root}/" + INC + ":7:26: unknown component state 'down': use one of operational, "
         "degraded_performance, partial_outage, major_outage"]),
    "unknown-maintenance-status": (
        {MNT: edit(MAINTENANCE, "status: scheduled", "status: planned")},
        ["{root}/" + MNT + ":6:36: unknown status 'planned': use one of scheduled, "
         "in_progress, verifying, completed"]),
    # times
    "updates-out-of-order": (
        {INC: edit(INCIDENT, "at: 2025-04-19 12:00", "at: 2025-04-19 09:00")},
        ["{root}/" + INC + ":9:9: this update is earlier than the one before it: list "
         "updates oldest first"]),
    "maintenance-ends-before-it-starts": (
        {MNT: edit(MAINTENANCE, "end: 2025-09-01 04:00", "end: 2025-09-01 00:30")},
        ["{root}/" + MNT + ":3:43: the maintenance window must end after it starts"]),
    "unknown-time-zone": (
        {"statusgen.yaml": edit(CONFIG, "Europe/London", "Europe/Londn")},
        ["{root}/statusgen.yaml:4:13: unknown time zone 'Europe/Londn': use an IANA name "
         "such as Europe/London or UTC"]),
    "local-time-that-does-not-exist": (
        {INC: edit(INCIDENT, "at: 2025-04-19 09:30", "at: 2025-03-30 01:30")},
        ["{root}/" + INC + ":4:9: '2025-03-30 01:30' does not exist in Europe/London "
         "(the clocks go forward): give an offset, e.g. +01:00"]),
    "local-time-that-happens-twice": (
        {INC: INCIDENT.replace("2025-04-19", "2025-10-26").replace("09:30", "01:30")},
        ["{root}/" + INC + ":4:9: '2025-10-26 01:30' happens twice in Europe/London "
         "(the clocks go back): give an offset, e.g. +01:00 or +00:00"]),
    # duplicates
    "duplicate-component-id": (
        {"statusgen.yaml": edit(CONFIG, "{id: app, name: App", "{id: website, name: App")},
        ["{root}/statusgen.yaml:10:10: duplicate component id 'website'"]),
    "duplicate-group-id": (
        {"statusgen.yaml": edit(CONFIG, "In store}\n", "In store}\n"
                                "  - {id: stores, name: Stores again}\n")},
        ["{root}/statusgen.yaml:8:10: duplicate group id 'stores'"]),
    "duplicate-incident-file": (
        {INC.replace(".yaml", ".yml"): INCIDENT},
        ["{root}/incidents/2025-04-19-orders-delayed.yml:1:1: duplicate id "
         "'2025-04-19-orders-delayed': {root}/" + INC + " has it too"]),
    "duplicate-key": (
        {INC: edit(INCIDENT, "impact: major\n", "impact: major\ntitle: Orders delayed\n")},
        ["{root}/" + INC + ":3:1: duplicate key 'title' (first given on line 1)"]),
    "duplicate-key-in-flow-mapping": (
        {"statusgen.yaml": edit(CONFIG, "name: App,", "name: App, name: Apps,")},
        ["{root}/statusgen.yaml:10:26: duplicate key 'name' (first given on line 10)"]),
    # ids
    "incident-file-name-not-an-id": (
        {"incidents/Bad_Name.yaml": INCIDENT},
        ["{root}/incidents/Bad_Name.yaml:1:1: the file name gives the id 'Bad_Name', which is "
         "not valid: use lowercase letters, digits and '-' (e.g. 2025-04-19-click-and-collect)"]),
    "component-id-not-an-id": (
        {"statusgen.yaml": edit(CONFIG, "{id: app,", "{id: App,")},
        ["{root}/statusgen.yaml:10:10: component id 'App' " + NOT_AN_ID]),
    # missing required fields
    "missing-site-title": (
        {"statusgen.yaml": edit(CONFIG, "  title: Test Status\n", "")},
        ["{root}/statusgen.yaml:2:3: 'site' is missing the required key 'title'"]),
    "empty-site-title": (
        {"statusgen.yaml": edit(CONFIG, "title: Test Status", "title: ''")},
        ["{root}/statusgen.yaml:2:10: 'title' must not be empty"]),
    "missing-site-base-url": (
        {"statusgen.yaml": edit(CONFIG, "  base_url: https://status.example.com/\n", "")},
        ["{root}/statusgen.yaml:2:3: 'site' is missing the required key 'base_url'"]),
    "feed-items-out-of-range": (
        {"statusgen.yaml": edit(CONFIG, "  timezone: Europe/London\n",
                                "  timezone: Europe/London\n  feed_items: 0\n")},
        ["{root}/statusgen.yaml:5:15: 'feed_items' must be a whole number of items from 1 to "
         "1000"]),
    "missing-components": (
        {"statusgen.yaml": CONFIG.split("components:")[0]},
        ["{root}/statusgen.yaml:1:1: statusgen.yaml is missing the required key 'components'"]),
    "missing-incident-title": (
        {INC: edit(INCIDENT, "title: Click & Collect orders delayed\n", "")},
        ["{root}/" + INC + ":1:1: an incident is missing the required key 'title'"]),
    "empty-incident-title": (
        {INC: edit(INCIDENT, "title: Click & Collect orders delayed", "title:")},
        ["{root}/" + INC + ":1:7: 'title' must not be empty"]),
    "missing-updates": (
        {INC: INCIDENT.split("updates:")[0]},
        ["{root}/" + INC + ":1:1: an incident is missing the required key 'updates'"]),
    "empty-incident-file": (
        {INC: "# to do\n"},
        ["{root}/" + INC + ":1:1: the file is empty: an incident needs 'title' and "
         "'updates'"]),
    "missing-update-at": (
        {INC: edit(INCIDENT, "  - at: 2025-04-19 12:00\n    status:", "  - status:")},
        ["{root}/" + INC + ":9:5: an update is missing the required key 'at'"]),
    "missing-update-message": (
        {INC: edit(INCIDENT, "    message: Click & Collect is available again.\n", "")},
        ["{root}/" + INC + ":9:5: an update is missing the required key 'message'"]),
    "missing-first-update-status": (
        {INC: edit(INCIDENT, "    status: investigating\n", "")},
        ["{root}/" + INC + ":4:5: the first update needs a 'status': one of investigating, "
         "identified, monitoring, resolved"]),
    "missing-maintenance-scheduled": (
        {MNT: edit(MAINTENANCE, "scheduled: {start: 2025-09-01 01:00, end: 2025-09-01 04:00}\n",
                   "")},
        ["{root}/" + MNT + ":1:1: a maintenance is missing the required key 'scheduled'"]),
    # YAML tags: only plain data
    "tag-python": (
        {INC: edit(INCIDENT, "title: Click & Collect orders delayed",
                   'title: !!python/object/apply:os.system ["echo hi"]')},
        ["{root}/" + INC + ":1:8: the YAML tag '!!python/object/apply:os.system' is not "
         "allowed here: write plain data"]),
    "tag-binary": (
        {INC: edit(INCIDENT, "title: Click", "title: !!binary Q2xpY2s= Click")},
        ["{root}/" + INC + ":1:8: the YAML tag '!!binary' is not allowed here: write plain "
         "data"]),
    "tag-custom": (
        {INC: edit(INCIDENT, "title: Click", "title: !foo Click")},
        ["{root}/" + INC + ":1:8: the YAML tag '!foo' is not allowed here: write plain data"]),
    "tag-set": (
        {INC: edit(INCIDENT, "impact: major", "impact: !!set {major}")},
        ["{root}/" + INC + ":2:9: the YAML tag '!!set' is not allowed here: write plain "
         "data"]),
    "tag-int-on-text": (
        {MNT: edit(MAINTENANCE, "title: Payment", "title: !!int Payment")},
        ["{root}/" + MNT + ":1:8: 'Payment system upgrade' is not a valid !!int value: "
         "write plain text, in quotes"]),
}

BUILD_CASES = ("syntax-unclosed-quote", "not-utf8", "unknown-key-update",
               "unknown-component-in-maintenance", "unknown-time-zone",
               "local-time-that-does-not-exist", "duplicate-incident-file",
               "incident-file-name-not-an-id", "missing-site-title", "tag-python")


def test_the_base_project_is_valid(write_project: WriteProject) -> None:
    root = write_project(GOOD)
    result = run("check", "--project", str(root))
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 3 components, 1 incident and 1 maintenance window.\n"


@pytest.mark.parametrize(("files", "expected"), CASES.values(), ids=CASES.keys())
def test_check_reports_the_exact_place(write_project: WriteProject,
                                       files: dict[str, str | bytes | None],
                                       expected: list[str]) -> None:
    root = write_project({**GOOD, **files})
    assert_problems(run("check", "--project", str(root)), root, expected)


@pytest.mark.parametrize("case", BUILD_CASES)
def test_a_failed_build_reports_and_leaves_the_site_untouched(write_project: WriteProject,
                                                              case: str) -> None:
    files, expected = CASES[case]
    root = write_project(GOOD)
    first = run("build", "--project", str(root), "--now", NOW)
    assert first.exit_code == 0, first.output
    before, entries = snapshot(root / "site"), sorted(p.name for p in root.iterdir())
    assert "index.html" in before

    write_project(files)
    assert_problems(run("build", "--project", str(root), "--now", NOW), root, expected)
    assert snapshot(root / "site") == before
    assert sorted(p.name for p in root.iterdir()) == entries  # no half-written folder beside


def test_times_with_an_offset_across_the_clock_changes_are_accepted(
        write_project: WriteProject) -> None:
    root = write_project({**GOOD, INC: """\
title: Overnight outage
updates:
  - {at: 2025-03-30 01:30+00:00, status: investigating, message: Down.}
  - {at: 2025-03-30T01:30Z, message: Still down.}
  - {at: 2025-10-26 01:30+01:00, status: monitoring, message: Watching.}
  - {at: 2025-10-26 01:30+00:00, status: resolved, message: Fixed.}
"""})
    result = run("check", "--project", str(root))
    assert result.exit_code == 0, result.output


def test_a_python_tag_is_never_executed(write_project: WriteProject, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for command in ("check", "build"):
        root = write_project({**GOOD, INC: edit(
            INCIDENT, "title: Click & Collect orders delayed",
            f'title: !!python/object/apply:os.system ["touch {marker}"]')})
        assert_problems(run(command, "--project", str(root)), root, [
            "{root}/" + INC + ":1:8: the YAML tag '!!python/object/apply:os.system' is not "
            "allowed here: write plain data"])
        assert not marker.exists()
    assert not (tmp_path / "site").exists()


def test_every_problem_in_every_file_at_once_sorted(write_project: WriteProject) -> None:
    root = write_project({
        **GOOD,
        INC: edit(edit(INCIDENT, "    components:", "    component:"),
                  "status: resolved", "status: fixed"),
        MNT: edit(MAINTENANCE, "[website, app]", "[website, ap]"),
        "incidents/2025-01-01-broken.yaml": "title: [\n",
        "incidents/Old Notice.yml": "title: Old\n",
    })
    assert_problems(run("check", "--project", str(root)), root, [
        "{root}/incidents/2025-01-01-broken.yaml:2:1: YAML syntax error: did not find "
        "expected node content",
        "{root}/" + INC + ":6:5: unknown key 'component' in an update "
        "(did you mean 'components'?)",
        "{root}/" + INC + ":10:13: unknown status 'fixed': use one of investigating, "
        "identified, monitoring, resolved",
        "{root}/" + MNT + ":4:23: unknown component 'ap' (did you mean 'app'?)",
        "{root}/incidents/Old Notice.yml:1:1: the file name gives the id 'Old Notice', which "
        "is not valid: use lowercase letters, digits and '-' "
        "(e.g. 2025-04-19-click-and-collect)",
    ])


def test_the_repository_demo_is_valid() -> None:
    result = run("check", "--project", str(REPO))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")
    assert result.stderr == ""


def test_python_dash_m_statusgen_check(write_project: WriteProject) -> None:
    root = write_project({**GOOD, MNT: edit(MAINTENANCE, "[website, app]",
                                            "[website, click-collect]")})
    command = [sys.executable, "-m", "statusgen", "check", "--project", str(root)]
    bad = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr.splitlines() == [
        f"{root}/{MNT}:4:23: unknown component 'click-collect' "
        "(did you mean 'click-and-collect'?)",
        "1 problem found.",
    ]
    write_project(GOOD)
    good = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (good.returncode, good.stderr) == (0, "")
    assert good.stdout.startswith("OK: 3 components")


def test_incident_files_are_checked_even_when_the_config_has_problems(
        write_project: WriteProject) -> None:
    root = write_project({**GOOD, "statusgen.yaml": edit(CONFIG, "Europe/London", "Mars/Base"),
                          INC: edit(INCIDENT, "investigating", "investigatin")})
    assert_problems(run("check", "--project", str(root)), root, [
        "{root}/" + INC + ":5:13: unknown status 'investigatin' (did you mean 'investigating'?)",
        "{root}/statusgen.yaml:4:13: unknown time zone 'Mars/Base': use an IANA name such as "
        "Europe/London or UTC",
    ])


def test_a_broken_component_list_is_not_echoed_by_every_incident(
        write_project: WriteProject) -> None:
    root = write_project({**GOOD, "statusgen.yaml": edit(CONFIG, "{id: app,", "{id: App,")})
    assert_problems(run("check", "--project", str(root)), root, [
        "{root}/statusgen.yaml:10:10: component id 'App' is not a valid id: use lowercase "
        "letters, digits and '-', starting with a letter or digit, at most 100 characters"])


def test_text_that_yaml_reads_as_a_number_keeps_its_form(write_project: WriteProject) -> None:
    root = write_project({**GOOD, INC: edit(INCIDENT, "title: Click & Collect orders delayed",
                                            "title: 1:30")})
    result = run("build", "--project", str(root), "--now", NOW)
    assert result.exit_code == 0, result.output
    page = (root / "site" / "incidents" / "2025-04-19-orders-delayed" / "index.html").read_text()
    assert "<title>1:30 · Test Status</title>" in page


def test_check_formats_its_problems_for_github_and_for_programs(
        write_project: WriteProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """--format github: one annotation per problem, on standard output, with GitHub's escapes
    (a comma or colon in the path, a percent sign or a line break in the message); --format
    json: every problem with its place and severity. Both exit 1 as text does."""
    root = write_project({**GOOD, "incidents/a,b.yaml": INCIDENT,
                          INC: edit(INCIDENT, "status: resolved", "status: '100% fixed'")})
    monkeypatch.chdir(root)  # paths in the repository, as a workflow gives them
    github = run("check", "--format", "github")
    assert github.exit_code == 1 and github.stderr == ""
    assert github.stdout.splitlines() == [
        "::error file=incidents/2025-04-19-orders-delayed.yaml,line=10,col=13::unknown status "
        "'100%25 fixed': use one of investigating, identified, monitoring, resolved",
        "::error file=incidents/a%2Cb.yaml,line=1,col=1::the file name gives the id 'a,b', "
        "which is not valid: use lowercase letters, digits and '-' "
        "(e.g. 2025-04-19-click-and-collect)"]
    found = run("check", "--format", "json")
    assert found.exit_code == 1
    assert [(p["path"], p["line"], p["column"], p["severity"]) for p in json.loads(found.stdout)] \
        == [(INC, 10, 13, "error"), ("incidents/a,b.yaml", 1, 1, "error")]


def test_a_clean_project_gives_no_annotation_and_an_empty_list(
        write_project: WriteProject) -> None:
    root = write_project(GOOD)
    github = run("check", "--project", str(root), "--format", "github")
    assert (github.exit_code, github.stdout) == (0, "")
    found = run("check", "--project", str(root), "--format", "json")
    assert (found.exit_code, json.loads(found.stdout)) == (0, [])
    assert run("check", "--project", str(root), "--format", "xml").exit_code == 2


def test_a_line_break_in_a_problem_cannot_start_another_annotation() -> None:
    """GitHub reads a command only at the start of a line: a problem is always one line."""
    problem = Problem("incidents/x.yaml", 3, 1, "bad value 'a\r\n::error::forged': quote it")
    assert problem.github() == ("::error file=incidents/x.yaml,line=3,col=1::bad value "
                                "'a\\r\\n::error::forged': quote it")


def test_check_warns_of_a_zone_without_summer_time_and_of_readers_kept_waiting(
        write_project: WriteProject) -> None:
    """Warnings do not fail the check (exit 0): each at the line to look at, as of --now."""
    open_incident = edit(INCIDENT, """  - at: 2025-04-19 12:00
    status: resolved
    message: Click & Collect is available again.
""", "").replace("    message: Some orders are not ready for collection.\n",
                 "    message: Some orders are not ready for collection.\n"
                 "    next_update: 2025-04-19 11:00\n")
    root = write_project({**GOOD, INC: open_incident,
                          "statusgen.yaml": edit(CONFIG, "Europe/London", "GMT")})
    soon = run("check", "--project", str(root), "--now", "2025-04-19T10:00+01:00")
    assert soon.exit_code == 0
    assert soon.stderr.splitlines() == [
        f"{root}/statusgen.yaml:4:13: warning: timezone GMT never changes to summer time, so "
        "summer times would be an hour off if you meant local time: did you mean "
        "Europe/London?"]
    late = run("check", "--project", str(root), "--now", "2025-04-20 12:00")
    assert late.exit_code == 0 and late.stdout.endswith("; 3 warnings.\n")
    assert late.stderr.splitlines()[:2] == [
        f"{root}/{INC}:4:9: warning: no update for 1 day 2 hours: readers are "
        "waiting; post one, even to say nothing has changed",
        f"{root}/{INC}:9:18: warning: the next update was promised by 2025-04-19 11:00, "
        "1 day 1 hour ago: post it, and a new promise"]
    found = json.loads(run("check", "--project", str(root), "--now", "2025-04-20 12:00",
                           "--format", "json").stdout)
    assert [p["severity"] for p in found] == ["warning"] * 3
    github = run("check", "--project", str(root), "--now", "2025-04-20 12:00", "--format",
                 "github")
    assert github.exit_code == 0 and github.stdout.count("::warning file=") == 3
