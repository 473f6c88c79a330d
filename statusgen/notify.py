"""`statusgen notify`: each published update, once, to every channel of `notify:` (SPEC §7).

What each channel has received is recorded in a state file (default `.statusgen/notify.json`
in the project): `{"version": 1, "channels": {"<name>": ["<incident-id>#update-<n>", ...]}}`,
its ids sorted. The file is replaced whole (written aside, then renamed) after every message a
channel accepts, so a run killed between a send and its record repeats at most that one
message. Its folder is locked while a run works, as a build locks its output's, so two runs
never send at once: the second waits, then finds what the first recorded.

A channel's first run records everything published before the last hour (or before
`--since`) as received and sends only what is newer. Which incidents a channel takes is
decided on each as published now: once an incident touches a channel's component, the
channel gets its updates since the channel's first run.

Messages go through Apprise. A send that fails is tried again after a pause, twice; then that
channel is left, its later updates too (so they arrive in order), for the next run to send,
and the run ends with exit 1. Each `${NAME}` in a URL is read from the environment at send
time only: no URL is printed or stored, and Apprise's own log, whose messages can hold one, is
silenced.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import model
from .errors import Problem
from .language import Language
from .load import CONFIG_NAME, Mapping, Sequence, load_file, shown_path
from .markdown import Converted
from .parse import SECRET
from .project import Channel, Incident, Project, Said, incident_in
from .render.feeds import update_item
from .write import replace_file, writers_lock

STATE = Path(".statusgen") / "notify.json"
FIRST_RUN = timedelta(hours=1)  # what a channel's first run sends
PAUSES = (2.0, 8.0)  # seconds before the second and the third try


class NotifyError(Exception):
    """The state file cannot be read or written: nothing was sent."""


@dataclass(frozen=True)
class Pending:
    """A published update, as the state file knows it."""

    key: str  # <incident-id>#update-<n>: what the state file records
    at: datetime
    incident: Incident
    number: int  # from 1


@dataclass(frozen=True)
class Message:
    title: str
    body: str  # plain text, ending with the update's absolute URL


def published_updates(project: Project, now: datetime) -> list[Pending]:
    """Every update published by `now`, oldest first."""
    found = [Pending(f"{incident.id}#update-{number}", update.at, incident, number)
             for incident in model.published(project, now).incidents
             for number, update in enumerate(incident.updates, start=1)]
    return sorted(found, key=lambda p: (p.at, p.incident.id, p.number))


class Messages:
    """Each update's message in one language, made when first asked for (most updates were
    sent long ago), once for all the channels that take it. In a site of several languages,
    `said` shows the texts in this one, whose pages are in `folder` ("cy/")."""

    def __init__(self, project: Project, language: Language, said: Said | None = None,
                 folder: str = "") -> None:
        settings = replace(project, incidents=())
        if said is not None:
            settings = settings.in_language(said)
            settings = replace(settings, site=replace(
                settings.site, base_url=settings.site.base_url + folder))
        self.settings = settings
        self.said = said
        self.language = language
        self.names = {c.id: c.name for c in settings.components}
        self.converted = Converted()
        self.made: dict[str, Message] = {}

    def __call__(self, pending: Pending) -> Message:
        if pending.key not in self.made:
            incident, number = pending.incident, pending.number
            if self.said is not None:
                incident = incident_in(incident, self.said)
            item = update_item(incident, number, self.settings, self.converted, self.names,
                               self.language)
            upto = replace(incident, updates=incident.updates[:number])
            impact = self.language.gettext(model.incident_impact(upto).label)
            self.made[pending.key] = Message(f"{item.title} ({impact})",
                                             f"{impact}.\n\n{item.text}\n\n{item.url}")
        return self.made[pending.key]


def wanted(channel: Channel, incident: Incident) -> bool:
    """Whether the channel takes updates of this incident: its kind, and its components."""
    if ("maintenance" if incident.is_maintenance else "incident") not in channel.events:
        return False
    if not channel.components:
        return True
    touched = incident.maintenance_components if incident.is_maintenance \
        else model.affected_components(incident)
    return any(cid in channel.components for cid in touched)


def resolve(url: str, environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    """The URL with each ${NAME} from the environment; KeyError names a missing one."""
    return SECRET.sub(lambda m: environ[m[1]], url)


def send_apprise(url: str, title: str, body: str) -> str | None:
    """One message through Apprise: None once it is accepted, else why not (no URL in it)."""
    import apprise  # only a run that sends pays for loading its ~190 services

    log = logging.getLogger("apprise")
    log.disabled = True  # its messages can hold a URL, and so a secret
    # The service itself, not an Apprise() of one: that sends through a thread pool whose
    # thread outlives the call (and would keep a later build in this process from forking).
    service = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if service is None:
        return "Apprise cannot use this url (check its scheme and parts)"
    # The message is plain text, and sent as such (an email as text/plain): every service
    # takes it, and no conversion runs its lines together.
    service.notify_format = apprise.NotifyFormat.TEXT
    if not service.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
        return "the service did not accept the message"
    return None


Sender = Callable[[str, str, str], "str | None"]


@dataclass
class Outcome:
    sent: list[tuple[str, str]]  # (channel, title), in order
    failed: list[tuple[str, str]]  # (channel, why)
    skipped: int  # updates a first run recorded without sending


def notify(root: Path, project: Project, now: datetime, state_path: Path,
           since: datetime | None = None, dry_run: bool = False, send: Sender = send_apprise,
           echo: Callable[[str], None] = print) -> Outcome:
    """Send each channel what it has not received (see the module's docstring)."""
    outcome = Outcome([], [], 0)
    pending = published_updates(project, now)
    compose = _composers(root, project)
    with _locked(state_path, dry_run):
        state = read_state(state_path)
        for channel in project.notify:
            mine = [p for p in pending if wanted(channel, p.incident)]
            received = set(state.get(channel.name, ()))
            if channel.name not in state:  # its first run: no flood of history, even from
                cutoff = since if since is not None else now - FIRST_RUN  # incidents that
                old = {p.key for p in pending if p.at < cutoff}  # touch its components later
                outcome.skipped += len(old & {p.key for p in mine})
                received |= old
                state[channel.name] = sorted(received)
                if not dry_run:
                    write_state(state_path, state)
            for update in (p for p in mine if p.key not in received):
                message = compose[channel.language](update)
                if dry_run:
                    echo(f"would send to {channel.name}: {message.title}\n"
                         + "\n".join(f"  {line}" for line in message.body.splitlines()))
                    continue
                why = _deliver(channel, message, send)
                if why is not None:
                    outcome.failed.append((channel.name, why))
                    break  # the rest wait, so that they arrive in order
                received.add(update.key)
                state[channel.name] = sorted(received)
                write_state(state_path, state)
                outcome.sent.append((channel.name, message.title))
                echo(f"sent to {channel.name}: {message.title}")
    return outcome


def _composers(root: Path, project: Project) -> dict[str, Messages]:
    """The messages in each language a channel takes, by its `language` ("": the first)."""
    site = project.site
    first = Language(site.language, root)
    if not site.others:
        return {"": Messages(project, first)}
    made = {"": Messages(project, first, Said(None, first.tag, first.direction))}
    for tag in {channel.language for channel in project.notify} - {""}:
        made[tag] = Messages(project, Language(tag, root),
                             Said(tag, first.tag, first.direction), f"{tag}/")
    return made


def _deliver(channel: Channel, message: Message, send: Sender) -> str | None:
    """Send with retries: None once accepted, else why not."""
    try:
        url = resolve(channel.url)
    except KeyError as missing:
        return f"the environment variable {missing.args[0]} is not set"
    why = None
    for pause in (0.0, *PAUSES):
        time.sleep(pause)
        try:
            why = send(url, message.title, message.body)
        except Exception as err:
            why = f"sending failed ({type(err).__name__})"
        if why is None:
            return None
    return why


def read_state(path: Path) -> dict[str, list[str]]:
    """{channel: ids received}; {} when there is no state file yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise NotifyError(f"{path}: cannot read the notification state ({err}); move it aside "
                          "to start again (each channel then sends only the last hour)") from None
    channels = data.get("channels") if isinstance(data, dict) else None
    if data.get("version") != 1 or not isinstance(channels, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in channels.values()):
        raise NotifyError(f"{path}: not a statusgen notification state (version 1); move it "
                          "aside to start again")
    return {name: list(ids) for name, ids in channels.items()}


def write_state(path: Path, state: dict[str, list[str]]) -> None:
    """Replace the state file whole: a run killed at any moment leaves the old or the new."""
    text = json.dumps({"version": 1, "channels": dict(sorted(state.items()))}, indent=1) + "\n"
    try:
        replace_file(path, text)
    except OSError as err:
        raise NotifyError(f"{path}: cannot record what was sent ({err.strerror or err}); "
                          "the next run may send the last message again") from None


@contextmanager
def _locked(path: Path, dry_run: bool) -> Iterator[None]:
    """One run at a time for this state file: its folder locked, as a build locks its output's
    (a dry run writes nothing: it takes no lock). A second run waits for the first."""
    if dry_run:
        yield
        return
    with ExitStack() as held:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            held.enter_context(writers_lock(path.parent))
        except OSError as err:
            raise NotifyError(f"{path}: cannot lock the notification state "
                              f"({err.strerror or err})") from None
        yield


def channel_problems(root: Path, project: Project) -> list[Problem]:
    """What `check` says of the channels: a scheme Apprise does not know (an error), and a
    ${NAME} not set in this environment (a warning: CI may set it where this runs not)."""
    if not project.notify:
        return []
    import apprise

    schemes = {p.lower() for s in apprise.Apprise().details()["schemas"]
               for p in (*(s.get("protocols") or ()), *(s.get("secure_protocols") or ()))}
    config, _ = load_file(root / CONFIG_NAME, shown_path(root, CONFIG_NAME))
    marks = _url_marks(config)
    shown = shown_path(root, CONFIG_NAME)
    found = []
    for channel, (line, column) in zip(project.notify, marks):
        scheme = channel.url.partition("://")[0].lower()
        if scheme not in schemes:
            found.append(Problem(shown, line, column, f"channel '{channel.name}': Apprise knows "
                                 f"no scheme '{scheme}' (see its list of services)"))
        for name in SECRET.findall(channel.url):
            if name not in os.environ:
                found.append(Problem(shown, line, column, f"channel '{channel.name}': the "
                                     f"environment variable {name} is not set here",
                                     "warning"))
    return found


def _url_marks(config: Any) -> list[tuple[int, int]]:
    """Where each channel's url is written, in the channels' order."""
    listed = config.get("notify") if isinstance(config, Mapping) else None
    if not isinstance(listed, Sequence):
        return []
    return [entry.value_marks.get("url", mark) if isinstance(entry, Mapping) else mark
            for entry, mark in zip(listed, listed.item_marks)]
