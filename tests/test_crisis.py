"""A crisis posted from the shell alone: `new` and `update` with the customer impact, the
impact and the promise, no YAML typed by hand; after each step the front page answers the three
questions (what is broken, what still works and what to do, when the next update comes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import main

ID = "2025-06-02-card-payments-failing"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def front_page(project: Path, now: str) -> str:
    """The built front page's text, tags and spaces folded."""
    run("build", "--project", str(project), "--now", now)
    html = (project / "site" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").replace("&#39;", "'")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "status"
    run("init", str(root))
    (root / "incidents" / "2025-01-14-example-website-slow.yaml").unlink()
    return root


def test_a_crisis_posted_with_commands_alone(project: Path) -> None:
    p = ("--project", str(project))
    out = run("new", "Card payments failing", *p, "--at", "2025-06-02 09:00",
              "--impact", "critical", "--component", "payments=major_outage",
              "--message", "Card payments on the website fail.",
              "--works", "Paying in the app", "--works", "Orders by phone",
              "--broken", "Card payments on the website",
              "--workaround", "Pay in the app or call us.", "--next-update", "2025-06-02 10:00")
    assert ID in out
    page = front_page(project, "2025-06-02 09:05")
    for text in ("Major System Outage", "Card payments failing", "Major outage",
                 "Paying in the app", "Orders by phone", "Card payments on the website",
                 "Pay in the app or call us.", "Jun 2, 2025, 10:00 AM"):
        assert text in page, text

    # Better: the impact lowered, a part of the impact changed, the rest carried over.
    run("update", "2025-06-02-card", *p, "--at", "2025-06-02 09:50", "--status", "identified",
        "--impact", "major", "--component", "payments=partial_outage",
        "--message", "About half of card payments go through.",
        "--broken", "Some card payments on the website", "--next-update", "2025-06-02 11:00")
    page = front_page(project, "2025-06-02 09:55")
    assert "Partial System Outage" in page and "Major System Outage" not in page
    for text in ("Partial outage", "Paying in the app", "Some card payments on the website",
                 "Pay in the app or call us.", "Jun 2, 2025, 11:00 AM"):
        assert text in page, text

    # `latest` names it; a new workaround, the lists kept.
    run("update", "latest", *p, "--at", "2025-06-02 10:55", "--status", "monitoring",
        "--component", "payments=degraded_performance",
        "--message", "A fix is in place; payments are slower than usual.",
        "--workaround", "If a payment fails, try again in a minute.",
        "--next-update", "2025-06-02 12:00")
    page = front_page(project, "2025-06-02 11:00")
    for text in ("Degraded performance", "If a payment fails, try again in a minute.",
                 "Paying in the app", "Jun 2, 2025, 12:00 PM"):
        assert text in page, text
    assert "Pay in the app or call us." not in page

    # A correction: the workaround of update 3 was wrong. The page says the corrected words,
    # marked edited; the feeds keep the item's id and date its change.
    before = (project / "incidents" / f"{ID}.yaml").read_text()
    result = CliRunner().invoke(main, ["amend", ID, *p, "--update", "3", "--workaround",
                                       "If a payment fails, try again in five minutes."],
                                env={"SOURCE_DATE_EPOCH": "1748862600"})  # 2 Jun 2025 11:10 UTC
    assert result.exit_code == 0, result.output
    after = (project / "incidents" / f"{ID}.yaml").read_text()
    assert after.startswith(before[:before.index("  - at: 2025-06-02 10:55")])
    page = front_page(project, "2025-06-02 11:15")
    assert "try again in five minutes" in page and "try again in a minute" not in page
    incident = (project / "site" / "incidents" / ID / "index.html").read_text()
    assert "Edited <time" in incident and "Jun 2, 2025, 11:10\u202fAM" in incident
    atom = (project / "site" / "feed.atom").read_text()
    assert f"incidents/{ID}/#update-3</id>" in atom and "2025-06-02T11:10:00Z</updated>" in atom

    # No customer impact any more, though it is still watched.
    run("update", ID, *p, "--at", "2025-06-02 11:50", "--clear-impact",
        "--message", "Payments work normally; we are still watching.")
    page = front_page(project, "2025-06-02 11:55")
    assert "Card payments failing" in page
    assert "Paying in the app" not in page and "try again in a minute" not in page

    run("update", ID, *p, "--at", "2025-06-02 13:00", "--resolve",
        "--message", "Card payments work normally again.")
    page = front_page(project, "2025-06-02 13:05")
    assert "All Systems Operational" in page
    text = (project / "incidents" / f"{ID}.yaml").read_text()
    assert text.count("customer_impact:") == 4 and "customer_impact: {}" in text


def test_an_update_without_a_state_or_to_two_incidents_at_once_is_refused(
        project: Path) -> None:
    p = ("--project", str(project))
    run("new", "Card payments failing", *p, "--at", "2025-06-02 09:00",
        "--component", "payments=major_outage", "--message", "Failing.")
    run("new", "Card payments slow", *p, "--at", "2025-06-02 09:10",
        "--component", "payments=degraded_performance", "--message", "Slow.")
    before = {f.name: f.read_bytes() for f in (project / "incidents").iterdir()}
    for args, why in [
            (("2025-06-02-card", "--message", "x"), "begins 2 incident ids"),
            (("nothing-like-it", "--message", "x"), "no incident 'nothing-like-it'"),
            ((ID, "--component", "payments", "--message", "x"),
             "--component payments needs the state to give it"),
            ((ID, "--impact", "huge", "--message", "x"), "unknown impact 'huge'"),
            ((ID, "--clear-impact", "--works", "x", "--message", "x"), "--clear-impact")]:
        result = CliRunner().invoke(main, ["update", *args, *p])
        assert result.exit_code in (1, 2), result.output
        assert why in result.stderr, (args, result.stderr)
    assert {f.name: f.read_bytes() for f in (project / "incidents").iterdir()} == before


def test_amend_corrects_one_update_and_keeps_every_other_line(project: Path) -> None:
    p = ("--project", str(project))
    run("new", "Card payments failing", *p, "--at", "2025-06-02 09:00",
        "--component", "payments=major_outage", "--message", "Failing.",
        "--works", "The app", "--broken", "The website")
    (project / "incidents" / f"{ID}.yaml").write_text(
        (project / "incidents" / f"{ID}.yaml").read_text().replace(
            "title:", "# kept: a comment above the title\ntitle:") + "# and one at the end\n")
    run("update", ID, *p, "--at", "2025-06-02 09:30", "--message", "Still failing.")
    before = (project / "incidents" / f"{ID}.yaml").read_text()
    run("amend", ID, *p, "--update", "1", "--broken", "Card payments on the website",
        "--message", "Card payments fail.")
    after = (project / "incidents" / f"{ID}.yaml").read_text()
    first = before.index("  - at: 2025-06-02 09:00")
    second = before.index("  - at: 2025-06-02 09:30")
    assert after[:first] == before[:first] and after.endswith(before[second:])
    amended = after[first:after.index("  - at: 2025-06-02 09:30")]
    assert "message: Card payments fail." in amended and "- The app" in amended
    assert "- Card payments on the website" in amended and "edited: " in amended
    for args, why in [(("--message", "x", "--update", "3"), "there is no update 3"),
                      ((), "say what to correct"),
                      (("--impact", "enormous"), "unknown impact 'enormous'")]:
        result = CliRunner().invoke(main, ["amend", ID, *p, *args])
        assert result.exit_code in (1, 2) and why in result.stderr, (args, result.stderr)
    assert (project / "incidents" / f"{ID}.yaml").read_text() == after


TEMPLATE = """\
title: "{service} unavailable"
components: {payments: major_outage}
message: "{service} is not working. We are investigating."
customer_impact:
  still_works: [Paying in the app]
  not_working: ["{service}"]
  workaround: "{workaround}"
"""


def test_new_from_a_template_fills_its_placeholders(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "payments-down.yaml").write_text(TEMPLATE)
    p = ("--project", str(project))
    out = run("new", "--template", "payments-down", *p, "--set", "service=Card payments",
              "--set", "workaround=Pay in the app.", "--at", "2025-06-02 09:00")
    assert "2025-06-02-card-payments-unavailable" in out
    page = front_page(project, "2025-06-02 09:05")
    for text in ("Card payments unavailable", "Card payments is not working.",
                 "Paying in the app", "Pay in the app.", "Major outage"):
        assert text in page, text
    missing = CliRunner().invoke(main, ["new", "--template", "payments-down", *p,
                                        "--set", "service=x"])
    assert missing.exit_code == 2 and "{workaround}" in missing.stderr
    unknown = CliRunner().invoke(main, ["new", "--template", "payment-down", *p])
    assert unknown.exit_code == 1
    assert "payment-down.yaml:1:1: no such template: the project has payments-down" \
        in unknown.stderr
    (project / "templates" / "bad.yaml").write_text("title: x\nmesage: y\n")
    bad = CliRunner().invoke(main, ["new", "--template", "bad", *p])
    assert bad.exit_code == 1 and "bad.yaml:2:1: unknown key 'mesage'" in bad.stderr
