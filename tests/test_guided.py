"""Guided mode at a real terminal (a pseudo-terminal): `update ID` without a message asks for
each part with the values in force as defaults, shows the update as the page will say it, and
writes only after a yes; "no" leaves the file byte for byte as it was. Without a terminal, a
missing message is a usage error."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import main

ID = "2025-06-02-card-payments-failing"
HANG = 60  # seconds without the expected prompt: only a hang takes this long


class Terminal:
    """`statusgen ARGS` on a pseudo-terminal: `expect` reads until a text shows, `send` types
    a line."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "statusgen", *args], cwd=cwd, stdin=slave, stdout=slave,
            stderr=slave, env={**os.environ, "SOURCE_DATE_EPOCH": "1748862000"},  # 11:00 UTC
            close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str) -> str:
        deadline = time.monotonic() + HANG
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], max(deadline - time.monotonic(),
                                                                    0))
            if not ready:
                raise AssertionError(f"no {text!r} in:\n{self.seen}")
            try:
                chunk = os.read(self.master, 4096).decode(errors="replace")
            except OSError:  # the other end closed
                chunk = ""
            if not chunk:
                raise AssertionError(f"ended without {text!r}:\n{self.seen}")
            self.seen += chunk.replace("\r\n", "\n")
        found, _, self.seen = self.seen.partition(text)
        return found + text

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def answer(self, *dialogue: tuple[str, str]) -> None:
        """Each (prompt, line): wait for the prompt, then type the line."""
        for prompt, line in dialogue:
            self.expect(prompt)
            self.send(line)

    def close(self) -> int:
        code = self.process.wait(timeout=HANG)
        os.close(self.master)
        return code


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "status"
    for args in (["init", str(root)],
                 ["new", "Card payments failing", "--project", str(root), "--at",
                  "2025-06-02 09:00", "--component", "payments=major_outage", "--message",
                  "Card payments fail.", "--works", "Paying in the app", "--broken",
                  "Card payments on the website", "--workaround", "Pay in the app.",
                  "--next-update", "2025-06-02 10:00"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    return root


def answer_until_preview(term: Terminal) -> str:
    term.expect("Status (investigating, identified, monitoring, resolved) [investigating]:")
    term.send("identified")
    term.expect("Payments is (")
    term.expect("[major_outage]:")
    term.send("partial_outage")
    term.expect("What customers need to know now")
    term.expect("-:")
    term.send("About half of card payments go through.")
    term.expect("-:")
    term.send("")
    term.expect("now: Paying in the app")
    term.expect("-:")
    term.send("")  # Enter keeps what still works
    term.expect("now: Card payments on the website")
    term.expect("-:")
    term.send("Some card payments on the website")
    term.expect("-:")
    term.send("")
    term.expect("[Pay in the app.]:")
    term.send("")
    term.expect("Next update by")
    term.expect("[2025-06-02 12:00]:")  # the promise had passed: an hour from now
    term.send("2025-06-02 12:30")
    return term.expect("Post this update? [y/N]:")


def test_guided_update_asks_shows_and_writes_after_a_yes(project: Path) -> None:
    path = project / "incidents" / f"{ID}.yaml"
    before = path.read_text()
    term = Terminal("update", "latest", cwd=project)
    shown = answer_until_preview(term)
    for text in ("Card payments failing · Identified", "Payments: Partial outage",
                 "About half of card payments go through.", "Still working: Paying in the app",
                 "Not working: Some card payments on the website", "What you can do: Pay in "
                 "the app.", "Next update by 2 Jun 2025, 12:30 UTC."):
        assert text in shown, text
    term.send("y")
    term.expect(f"Updated incidents/{ID}.yaml")
    assert term.close() == 0
    after = path.read_text()
    assert after.startswith(before)
    added = after[len(before):]
    for text in ("status: identified", "payments: partial_outage",
                 "message: About half of card payments go through.",
                 "- Some card payments on the website", "- Paying in the app",
                 "next_update: 2025-06-02 12:30"):
        assert text in added, text


def test_no_leaves_the_file_byte_for_byte(project: Path) -> None:
    path = project / "incidents" / f"{ID}.yaml"
    before = path.read_bytes()
    term = Terminal("update", ID, cwd=project)
    answer_until_preview(term)
    term.send("n")
    term.expect("Nothing was written.")
    assert term.close() == 0
    assert path.read_bytes() == before


def test_without_a_terminal_a_missing_message_is_a_usage_error(project: Path) -> None:
    path = project / "incidents" / f"{ID}.yaml"
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-m", "statusgen", "update", ID], cwd=project,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=HANG)
    assert done.returncode == 2 and "give --message or --message-file" in done.stderr
    assert path.read_bytes() == before


def test_guided_new_asks_for_the_components_and_their_states(project: Path) -> None:
    term = Terminal("new", "Website slow", cwd=project)
    term.answer(("[investigating]:", ""), ("Components affected (", "website app"),
                ("[partial_outage]:", "degraded_performance"), ("[partial_outage]:", ""),
                ("-:", "Pages load slowly."), ("-:", ""))
    term.expect("Still working")
    term.answer(("-:", "Ordering by phone"), ("-:", ""))
    term.expect("Not working")
    term.answer(("-:", ""), ("[-]:", ""), ("[2025-06-02 12:00]:", ""))
    shown = term.expect("Post this update? [y/N]:")
    assert "Website: Degraded performance" in shown and "Mobile app: Partial outage" in shown
    term.send("y")
    term.expect("Created incidents/2025-06-02-website-slow.yaml")
    assert term.close() == 0
    text = (project / "incidents" / "2025-06-02-website-slow.yaml").read_text()
    for line in ("website: degraded_performance", "app: partial_outage",
                 "- Ordering by phone", "next_update: 2025-06-02 12:00"):
        assert line in text, line


def test_guided_new_asks_for_the_title_and_the_message_in_each_language(project: Path) -> None:
    config = project / "statusgen.yaml"
    config.write_text(config.read_text().replace("  language: en\n",
                                                 "  languages: [en-GB, cy]\n"))
    term = Terminal("new", "Website slow", cwd=project)
    term.answer(("The title, in Welsh (cy) (Enter leaves it in en-GB):", "Y wefan yn araf"),
                ("[investigating]:", ""), ("Components affected (", "website"),
                ("[partial_outage]:", ""), ("-:", "Pages load slowly."), ("-:", ""))
    term.expect("What customers need to know now, in Welsh (cy)")
    term.answer(("-:", "Mae tudalennau'n araf."), ("-:", ""),
                ("-:", ""), ("-:", ""),  # still working, not working: as they are
                ("[-]:", ""), ("[2025-06-02 12:00]:", ""))
    term.expect("Post this update? [y/N]:")
    term.send("y")
    term.expect("Created incidents/2025-06-02-website-slow.yaml")
    assert term.close() == 0
    text = (project / "incidents" / "2025-06-02-website-slow.yaml").read_text()
    assert text.startswith("title:\n  en-GB: Website slow\n  cy: Y wefan yn araf\n")
    assert "    message:\n      en-GB: Pages load slowly.\n      cy: Mae tudalennau'n araf.\n" \
        in text
    done = subprocess.run([sys.executable, "-m", "statusgen", "check"], cwd=project,
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr
