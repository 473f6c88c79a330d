"""`new` and `update`: what they write, what they keep, and what they refuse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import DEMO_NOW, REPO, WriteProject, build_site, small_config

from statusgen.cli import main

EXECUTABLE = Path(sys.executable).parent / "statusgen"

CONFIG = small_config("Test Status", components=(("website", "Website"),
                                                  ("click-and-collect", "Click & Collect")))

HAND_WRITTEN = """\
# Written by hand during the incident: every byte of this must survive.
title: Orders delayed   # a comment after a value
impact: major
updates:
  # the first update
  - at: 2025-04-19 09:30
    status: investigating
    components: {click-and-collect: partial_outage}
    message: |
      Some orders are late.

      Stores are open.
  - {at: 2025-04-19 10:00, message: Still looking.}   # flow style item
# The postmortem comes after the updates.
postmortem: |
  To be written.
"""


def run(root: Path, *args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(main, [*args, "--project", str(root)], input=stdin)
    assert "Traceback" not in result.output
    return result


def test_new_writes_a_valid_incident_with_its_first_update(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    result = run(root, "new", "Click & Collect: orders delayed", "--component",
                 "click-and-collect=partial_outage", "--message",
                 "Some orders are late.\nStores are open.", "--next-update",
                 "2025-04-19 12:00", "--at", "2025-04-19 09:30", "--impact", "major")
    assert result.exit_code == 0, result.output
    path = root / "incidents" / "2025-04-19-click-collect-orders-delayed.yaml"
    assert result.output == f"Created {path} (id {path.stem})\n"
    assert path.read_text() == """\
title: "Click & Collect: orders delayed"
impact: major
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components:
      click-and-collect: partial_outage
    message: |-
      Some orders are late.
      Stores are open.
    next_update: 2025-04-19 12:00
"""
    again = run(root, "new", "Click & Collect: orders delayed", "--message", "Another.",
                "--at", "2025-04-19 11:00")
    assert again.exit_code == 0, again.output
    assert (root / "incidents" / "2025-04-19-click-collect-orders-delayed-2.yaml").exists()
    assert run(root, "check").exit_code == 0


def test_update_appends_and_keeps_every_byte(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/orders.yaml": HAND_WRITTEN})
    result = run(root, "update", "orders", "--status", "identified", "--component",
                 "click-and-collect=major_outage", "--message", "Found: a faulty 'router' #1",
                 "--at", "2025-04-19 11:00")
    assert result.exit_code == 0, result.output
    text = (root / "incidents" / "orders.yaml").read_text()
    cut = HAND_WRITTEN.index("# The postmortem")
    added = """\
  - at: 2025-04-19 11:00
    status: identified
    components:
      click-and-collect: major_outage
    message: "Found: a faulty 'router' #1"
"""
    assert text == HAND_WRITTEN[:cut] + added + HAND_WRITTEN[cut:]
    data = yaml.safe_load(text)
    assert data["updates"][-1]["message"] == "Found: a faulty 'router' #1"
    assert data["postmortem"] == "To be written.\n"


def test_resolve_refuse_and_reopen(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/orders.yaml": HAND_WRITTEN})
    path = root / "incidents" / "orders.yaml"
    assert run(root, "update", "orders", "--resolve", "--message", "Fixed.", "--at",
               "2025-04-19 12:00").exit_code == 0
    assert yaml.safe_load(path.read_text())["updates"][-1]["status"] == "resolved"
    before = path.read_bytes()
    refused = run(root, "update", "orders", "--message", "More.", "--at", "2025-04-19 13:00")
    assert refused.exit_code == 1
    assert refused.output == "error: 'orders' is resolved: add --reopen to post to it again\n"
    assert path.read_bytes() == before
    reopened = run(root, "update", "orders", "--reopen", "--message", "It is back.",
                   "--component", "website=major_outage", "--at", "2025-04-19 14:00")
    assert reopened.exit_code == 0, reopened.output
    last = yaml.safe_load(path.read_text())["updates"][-1]
    assert last["status"] == "investigating" and last["components"] == {"website": "major_outage"}


@pytest.mark.parametrize(("args", "message"), [
    (["--component", "clik-and-collect=major_outage"],
     "error: unknown component 'clik-and-collect' (did you mean 'click-and-collect'?)"),
    (["--component", "website=down"], "error: unknown component state 'down' for website: use "
     "one of operational, degraded_performance, partial_outage, major_outage"),
    (["--status", "fixed"], "error: unknown status 'fixed': use one of investigating, "
     "identified, monitoring, resolved"),
    (["--at", "2025-04-19 08:00"], "error: the update's time, 2025-04-19 08:00, is earlier than "
     "the last update's, 2025-04-19 10:00: updates go oldest first"),
    (["--at", "2025-10-26 01:30"], "error: --at: '2025-10-26 01:30' happens twice in "
     "Europe/London (the clocks go back): give an offset, e.g. +01:00 or +00:00"),
    (["--next-update", "soon"], "error: --next-update: 'soon' is not a date and time: write "
     "e.g. 2025-04-19 09:30, optionally with an offset (+01:00) or Z"),
    (["--message", " "], "error: an update needs a message (--message or --message-file)"),
])
def test_invalid_input_changes_no_file(write_project: WriteProject, args: list[str],
                                       message: str) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/orders.yaml": HAND_WRITTEN})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    full = ["update", "orders", "--message", "Text.", "--at", "2025-04-19 11:00", *args]
    result = run(root, *full)
    assert result.exit_code == 1
    assert result.output.splitlines()[0].endswith(message), result.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_maintenance_from_new_to_completed(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    result = run(root, "new", "Payments upgrade", "--maintenance", "--start", "2025-09-01 01:00",
                 "--end", "2025-09-01 04:00", "--component", "website", "--message",
                 "Checkout may pause.", "--at", "2025-08-20 10:00")
    assert result.exit_code == 0, result.output
    path = root / "incidents" / "2025-08-20-payments-upgrade.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["kind"] == "maintenance" and data["components"] == ["website"]
    assert data["updates"][0]["status"] == "scheduled"
    done = run(root, "update", "2025-08-20-payments-upgrade", "--resolve", "--message", "Done.",
               "--at", "2025-09-01 03:00")
    assert done.exit_code == 0, done.output
    assert yaml.safe_load(path.read_text())["updates"][-1]["status"] == "completed"
    assert run(root, "check").exit_code == 0


def test_the_message_can_come_from_standard_input(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/orders.yaml": HAND_WRITTEN})
    result = run(root, "update", "orders", "--message-file", "-", "--at", "2025-04-19 11:00",
                 stdin="Line one.\n\n- a list\n")
    assert result.exit_code == 0, result.output
    last = yaml.safe_load((root / "incidents" / "orders.yaml").read_text())["updates"][-1]
    assert last["message"] == "Line one.\n\n- a list"


def _executable(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXECUTABLE), *args, "--project", str(root)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_installed_executable_new_update_resolve_build(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG})
    made = _executable(root, "new", "Website down", "--component", "website=major_outage",
                       "--message", "The website is down.", "--at", "2025-04-19 09:30")
    assert made.returncode == 0, made.stderr
    incident = "2025-04-19-website-down"
    steps = [["--status", "identified", "--component", "website=partial_outage", "--message",
              "Partly back.", "--at", "2025-04-19 10:00"]]
    for step in steps:
        done = _executable(root, "update", incident, *step)
        assert done.returncode == 0, done.stderr
    built = _executable(root, "build", "--now", "2025-04-19 11:00")
    assert built.returncode == 0, built.stderr
    api = json.loads((root / "site" / "api" / "v2" / "components.json").read_text())
    states = {c["name"]: c["status"] for c in api["components"]}
    assert states == {"Website": "partial_outage", "Click & Collect": "operational"}
    resolved = _executable(root, "update", incident, "--resolve", "--message", "Fixed.",
                           "--at", "2025-04-19 12:00")
    assert resolved.returncode == 0, resolved.stderr
    assert _executable(root, "build", "--now", "2025-04-19 13:00").returncode == 0
    api = json.loads((root / "site" / "api" / "v2" / "summary.json").read_text())
    assert api["status"]["indicator"] == "none" and api["incidents"] == []


def test_two_updates_at_once_both_land(write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/orders.yaml": HAND_WRITTEN})
    processes = [subprocess.Popen(
        [str(EXECUTABLE), "update", "orders", "--message", f"Update from operator {n}.",
         "--at", "2025-04-19 11:00", "--project", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    messages = [u["message"] for u in
                yaml.safe_load((root / "incidents" / "orders.yaml").read_text())["updates"]]
    assert sorted(messages[-2:]) == ["Update from operator 1.", "Update from operator 2."]
    assert len(messages) == 4


def test_status_in_words_and_as_the_api_summary(tmp_path: Path) -> None:
    shown = run(REPO, "status", "--now", DEMO_NOW)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "M&S Service Status: Major System Outage"
    assert "\x1b[" not in shown.output  # plain when not on a terminal
    assert any(line.split() == ["Click", "&", "Collect", "Major", "outage"] for line in lines)
    assert "    next update by 14 May 2025, 09:00 BST (overdue)" in lines
    assert "Upcoming maintenance:" in lines
    coloured = CliRunner().invoke(main, ["status", "--now", DEMO_NOW, "--project",
                                         str(REPO)], color=True)
    assert "\x1b[31m" in coloured.output  # red for the major outage on a terminal
    as_json = run(REPO, "status", "--json", "--now", DEMO_NOW)
    build_site(REPO, tmp_path / "site", now=DEMO_NOW)
    assert as_json.output == (tmp_path / "site" / "api" / "v2" / "summary.json").read_text()


def test_from_a_blank_folder_to_a_published_update(tmp_path: Path) -> None:
    root = tmp_path / "status"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    made = run(root, "new", "Website down", "--component", "website=major_outage",
               "--message", "The website is down.", "--at", "2025-04-19 09:30")
    assert made.exit_code == 0, made.output
    incident = "2025-04-19-website-down"
    path = root / "incidents" / f"{incident}.yaml"
    first = path.read_text()
    step = run(root, "update", incident, "--component", "website=degraded_performance",
               "--message", "Mostly back.", "--at", "2025-04-19 10:00")
    assert step.exit_code == 0, step.output
    assert path.read_text().startswith(first)  # appended, never rewritten
    done = run(root, "update", incident, "--resolve", "--message", "Fixed.",
               "--at", "2025-04-19 11:00")
    assert done.exit_code == 0, done.output
    built = run(root, "build", "--now", "2025-04-19 10:30")
    assert built.exit_code == 0, built.output
    summary = json.loads((root / "site" / "api" / "v2" / "summary.json").read_text())
    states = {c["id"]: c["status"] for c in summary["components"]}
    assert "degraded_performance" in states.values()
    assert [i["name"] for i in summary["incidents"]] == ["Website down"]


@pytest.mark.parametrize("command", ["init", "new", "update", "status", "check", "build",
                                     "serve"])
def test_every_command_explains_itself_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "--project" in result.output
