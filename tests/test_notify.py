"""`statusgen notify` against real servers on loopback: an SMTP server (aiosmtpd) that Apprise's
`mailto://` reaches, and an HTTP webhook receiver that its `json://` reaches. Each update must
reach each channel once: across reruns, failures, two runs at once and runs killed at random."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from conftest import HANG, WriteProject, small_config

from statusgen import notify as notify_module
from statusgen.cli import main
from statusgen.language import Language

NOW = "2025-04-19 12:00"
SECRET = "s3cr3t-token-4242"


class Inbox:
    """An SMTP server's handler: every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks its own by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


class Hook:
    """An HTTP webhook receiver: the JSON bodies it was posted, by path; it answers `status`
    and takes `delay` seconds over each."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.status = 200
        self.delay = 0.0
        self.lock = threading.Lock()


@pytest.fixture
def hook() -> Iterator[tuple[int, Hook]]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(state.delay)
            with state.lock:
                if state.status == 200:
                    state.posts.append((self.path, body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], state
    server.shutdown()
    server.server_close()


def incident(*updates: str, title: str = "Checkout failing") -> str:
    return f"title: {title}\nupdates:\n" + "".join(updates)


def update(at: str, message: str, status: str = "", components: str = "",
           extra: str = "") -> str:
    return (f"  - at: {at}\n" + (f"    status: {status}\n" if status else "")
            + (f"    components: {{{components}}}\n" if components else "")
            + f"    message: {message}\n" + extra)


IMPACT = """    next_update: 2025-04-19 13:00
    customer_impact:
      still_works: [Paying in store]
      not_working: [Paying online]
      workaround: Pay in store for now.
"""


def config(smtp_port: int, hook_port: int, extra: str = "") -> str:
    return small_config() + f"""notify:
  - name: mail
    url: "mailto://127.0.0.1:{smtp_port}?to=ops@example.com&from=status@example.com&mode=insecure"
  - name: hook
    url: "json://127.0.0.1:{hook_port}/${{HOOK_TOKEN}}"
{extra}"""


@pytest.fixture
def project(write_project: WriteProject, smtp: tuple[int, Inbox], hook: tuple[int, Hook],
            monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    monkeypatch.setattr(notify_module, "PAUSES", (0.0, 0.0))
    return write_project({
        "statusgen.yaml": config(smtp[0], hook[0]),
        "incidents/2025-04-19-checkout.yaml": incident(
            update("2025-04-19 09:00", "Old news.", "investigating", "website: major_outage"),
            update("2025-04-19 11:30", "Payments fail online.", "identified", extra=IMPACT)),
    })


def run(project: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["notify", "--project", str(project), "--now", NOW, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert SECRET not in result.output
    return result


def state_of(project: Path) -> dict[str, list[str]]:
    text = (project / ".statusgen" / "notify.json").read_text()
    assert SECRET not in text
    return json.loads(text)["channels"]


def test_a_first_run_sends_the_last_hour_and_a_rerun_nothing(
        project: Path, smtp: tuple[int, Inbox], hook: tuple[int, Hook]) -> None:
    result = run(project)
    assert result.exit_code == 0, result.output
    assert "2 messages sent; 2 older updates recorded as received" in result.output
    assert len(smtp[1].messages) == 1 and len(hook[1].posts) == 1
    mail = smtp[1].messages[0]
    assert mail["Subject"] == "[Identified] Checkout failing (Critical impact)"
    text = next(part for part in mail.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode().replace("\r\n", "\n")
    for part in ("Payments fail online.", "Still working:\n- Paying in store",
                 "Not working:\n- Paying online", "What you can do: Pay in store for now.",
                 "Next update by 19 Apr 2025, 13:00 BST.",
                 "https://status.example.com/incidents/2025-04-19-checkout/#update-2"):
        assert part in body, part
    path, posted = hook[1].posts[0]
    assert path == f"/{SECRET}" and posted["title"] == mail["Subject"]
    assert state_of(project) == {"hook": ["2025-04-19-checkout#update-1",
                                          "2025-04-19-checkout#update-2"],
                                 "mail": ["2025-04-19-checkout#update-1",
                                          "2025-04-19-checkout#update-2"]}
    again = run(project)
    assert again.exit_code == 0 and "0 messages sent." in again.output
    assert len(smtp[1].messages) == 1 and len(hook[1].posts) == 1


def test_a_new_update_reaches_each_matching_channel_once(
        project: Path, write_project: WriteProject, smtp: tuple[int, Inbox],
        hook: tuple[int, Hook]) -> None:
    run(project)
    filters = """  - name: app-only
    url: "json://127.0.0.1:{port}/app"
    components: [app]
  - name: maintenance-only
    url: "json://127.0.0.1:{port}/maintenance"
    events: [maintenance]
""".format(port=hook[0])
    write_project({"statusgen.yaml": config(smtp[0], hook[0], filters)})
    first = run(project)  # the new channels' first run: the last hour only, and only theirs
    assert [p for p, _ in hook[1].posts] == [f"/{SECRET}"]  # website only: nothing for them
    assert "0 messages sent" in first.output
    write_project({"incidents/2025-04-19-checkout.yaml": incident(
        update("2025-04-19 09:00", "Old news.", "investigating", "website: major_outage"),
        update("2025-04-19 11:30", "Payments fail online.", "identified", extra=IMPACT),
        update("2025-04-19 11:50", "The app too.", components="app: partial_outage"))})
    result = run(project)
    assert result.exit_code == 0 and "4 messages sent." in result.output, result.output
    assert len(smtp[1].messages) == 2
    paths = Counter(path for path, _ in hook[1].posts)
    # the incident now touches the app: that channel gets its updates since it began
    assert paths == {f"/{SECRET}": 2, "/app": 2}  # never /maintenance
    assert "The app too." in hook[1].posts[-1][1]["message"]


def test_a_failing_channel_exits_1_and_is_caught_up_next_run(
        project: Path, smtp: tuple[int, Inbox], hook: tuple[int, Hook]) -> None:
    hook[1].status = 500
    result = run(project)
    assert result.exit_code == 1
    assert "channel 'hook': the service did not accept the message; the next run sends " \
           "what it missed" in result.output
    assert len(smtp[1].messages) == 1  # the other channel is served
    assert "hook" in state_of(project) and state_of(project)["hook"] == [
        "2025-04-19-checkout#update-1"]  # recorded as old, not as sent
    hook[1].status = 200
    again = run(project)
    assert again.exit_code == 0, again.output
    assert len(hook[1].posts) == 1 and len(smtp[1].messages) == 1  # nothing twice


def test_a_missing_secret_fails_that_channel_without_showing_the_url(
        project: Path, hook: tuple[int, Hook], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOOK_TOKEN")
    result = run(project)
    assert result.exit_code == 1
    assert "channel 'hook': the environment variable HOOK_TOKEN is not set" in result.output
    assert "127.0.0.1" not in result.output


def test_a_dry_run_prints_and_records_nothing(project: Path, smtp: tuple[int, Inbox],
                                              hook: tuple[int, Hook]) -> None:
    result = run(project, "--dry-run")
    assert result.exit_code == 0
    assert "would send to mail: [Identified] Checkout failing (Critical impact)" in result.output
    assert "would send to hook:" in result.output
    assert not (project / ".statusgen").exists()
    assert smtp[1].messages == [] and hook[1].posts == []


def test_since_widens_a_first_run(project: Path, hook: tuple[int, Hook]) -> None:
    result = run(project, "--since", "2025-04-19 08:00")
    assert result.exit_code == 0 and "4 messages sent." in result.output
    assert [p["message"].splitlines()[2] for _, p in hook[1].posts] == [
        "Old news.", "Payments fail online."]


def _notify_process(project: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", "notify", "--project", str(project), "--now", NOW],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "HOOK_TOKEN": SECRET})


def _many(write_project: WriteProject, count: int) -> None:
    updates = [update(f"2025-04-19 11:{n:02d}", f"Update {n}.", "investigating" if n == 0
                      else "", "website: degraded_performance" if n == 0 else "")
               for n in range(count)]
    write_project({"incidents/2025-04-19-checkout.yaml": incident(*updates)})


def test_two_runs_at_once_send_each_update_once(
        project: Path, write_project: WriteProject, hook: tuple[int, Hook]) -> None:
    _many(write_project, 8)
    hook[1].delay = 0.05
    runs = [_notify_process(project) for _ in range(2)]
    outputs = [r.communicate(timeout=HANG)[0].decode() for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    counts = Counter(p["message"].splitlines()[2] for _, p in hook[1].posts)
    assert counts == {f"Update {n}.": 1 for n in range(8)}
    assert all(SECRET not in output for output in outputs)


def test_runs_killed_at_random_lose_nothing_and_repeat_at_most_once_each(
        project: Path, write_project: WriteProject, hook: tuple[int, Hook]) -> None:
    _many(write_project, 12)
    hook[1].delay = 0.1
    chance = random.Random(7)
    kills = 0
    for _ in range(12):  # until a run is left to finish
        process = _notify_process(project)
        try:
            process.wait(timeout=chance.uniform(0.4, 1.6))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        break
    finished = _notify_process(project)
    assert finished.wait(timeout=HANG) == 0
    counts = Counter(p["message"].splitlines()[2] for _, p in hook[1].posts)
    assert set(counts) == {f"Update {n}." for n in range(12)}  # nothing lost
    assert sum(counts.values()) - 12 <= kills  # at most one repeat for each kill
    assert kills >= 1  # the test killed something


def _at(text: str, found: str) -> str:
    """path-free `line:column:` of the first `found` in `text`, as check reports it."""
    before = text[:text.index(found)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}:"


def test_check_refuses_an_unknown_scheme_and_warns_of_an_unset_secret(
        write_project: WriteProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOOK_TOKEN", raising=False)
    text = small_config() + """notify:
  - {name: a, url: "json://hooks.example.com/${HOOK_TOKEN}"}
  - {name: b, url: "nosuchservice://x", components: [websit], events: [incidents]}
"""
    root = write_project({"statusgen.yaml": text})
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert f"statusgen.yaml:{_at(text, 'websit]')} unknown component 'websit' (did you mean " \
           "'website'?)" in result.output
    assert f"statusgen.yaml:{_at(text, 'incidents]')} unknown event 'incidents' (did you " \
           "mean 'incident'?)" in result.output
    text = text.replace(", components: [websit], events: [incidents]", "")
    root = write_project({"statusgen.yaml": text})
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    at = _at(text, '"nosuch')
    assert f"statusgen.yaml:{at} channel 'b': Apprise knows no scheme " \
           "'nosuchservice'" in result.output
    text = text.replace("nosuchservice://x", "json://hooks.example.com/b")
    root = write_project({"statusgen.yaml": text})
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 0, result.output
    at = _at(text, '"json')
    assert f"statusgen.yaml:{at} warning: channel 'a': the environment variable " \
           "HOOK_TOKEN is not set here" in result.output


def test_messages_speak_the_site_language(write_project: WriteProject, hook: tuple[int, Hook],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_module, "PAUSES", (0.0, 0.0))
    project = write_project({
        "statusgen.yaml": small_config(language="cy") + f"""notify:
  - name: hook
    url: "json://127.0.0.1:{hook[0]}/cy"
""",
        "incidents/2025-04-19-checkout.yaml": incident(
            update("2025-04-19 11:30", "Payments fail online.", "identified", extra=IMPACT)),
    })
    assert run(project).exit_code == 0
    posted = hook[1].posts[0][1]
    language = Language("cy")
    assert posted["title"] == (f"[{language.gettext('Identified')}] Checkout failing "
                               f"({language.gettext('Notice')})")
    for words in ("Still working", "Not working"):
        assert f"{language.gettext(words)}:\n- " in posted["message"]
    assert "19 Ebr 2025 13:00" in posted["message"]  # CLDR's Welsh date


def test_each_channel_speaks_its_language_in_a_site_of_several(
        write_project: WriteProject, hook: tuple[int, Hook],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_module, "PAUSES", (0.0, 0.0))
    config = small_config(components=(("website", "{en-GB: Website, cy: Gwefan}"),
                                      ("app", "App"))).replace(
        "  language: en-GB\n", "  languages: [en-GB, cy]\n")
    project = write_project({
        "statusgen.yaml": config + f"""notify:
  - name: english
    url: "json://127.0.0.1:{hook[0]}/en"
  - name: welsh
    url: "json://127.0.0.1:{hook[0]}/cy"
    language: cy
""",
        "incidents/2025-04-19-checkout.yaml": """\
title: {en-GB: Checkout failing, cy: Methu talu}
updates:
  - at: 2025-04-19 11:30
    status: identified
    components: {website: partial_outage}
    message: {en-GB: Payments fail online., cy: Mae taliadau ar-lein yn methu.}
    customer_impact:
      still_works: [Paying in store]
""",
    })
    assert run(project).exit_code == 0
    posted = {path: body for path, body in hook[1].posts}
    welsh, english = posted["/cy"], posted["/en"]
    assert welsh["title"].startswith(f"[{Language('cy').gettext('Identified')}] Methu talu")
    assert "Mae taliadau ar-lein yn methu." in welsh["message"]
    assert "Gwefan" in welsh["message"] and "Paying in store" in welsh["message"]  # a fallback
    assert "https://status.example.com/cy/incidents/2025-04-19-checkout/" in welsh["message"]
    assert english["title"].startswith("[Identified] Checkout failing")
    assert "Payments fail online." in english["message"] and "Methu" not in english["message"]
    assert "https://status.example.com/incidents/2025-04-19-checkout/" in english["message"]


def test_a_channel_language_must_be_one_of_the_site(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": small_config() + """notify:
  - name: welsh
    url: "json://127.0.0.1:9/cy"
    language: cy
"""})
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert "statusgen.yaml:12:15: 'cy' is not one of the site's languages (en-GB)" \
        in result.output
