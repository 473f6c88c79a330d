"""Writing incidents for operators: `new` makes a file, `update` appends one update to it.

An update is appended as text at the end of the file's `updates` list, so every comment, key
order and line the operator wrote stays as it was. The result is validated with the same parser
as `check` before it replaces the file, the replacement is atomic (temporary file + rename), and
updates to one project are serialised with a lock, so two operators posting at once both land.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from . import model
from .errors import ProjectError
from .load import (
    INCIDENT_SUFFIXES,
    MAX_FILE_BYTES,
    Source,
    load_file,
    load_project,
    load_text,
    lock_incidents,
    outside_link,
)
from .parse import did_you_mean, parse_project, parse_time
from .project import (
    IMPACTS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    SETTABLE_STATES,
    Incident,
    Project,
)

MAX_ID = 100


class AuthorError(Exception):
    """The request cannot be carried out; nothing was written."""


@dataclass(frozen=True)
class UpdateRequest:
    """What an operator asks to post: everything optional but what the kind requires."""

    status: str | None = None
    components: tuple[tuple[str, str], ...] = ()  # (component id, state word)
    message: str = ""
    next_update: str | None = None  # as typed: read in the site's time zone
    at: str | None = None  # as typed; None: now


# -- text that YAML reads back exactly ---------------------------------------------------------

def _scalar(text: str, indent: str) -> str:
    """`text` as a YAML value that reads back exactly: plain where YAML would read it as this
    very text, a literal block for readable multi-line text, else double-quoted (JSON's escapes
    are YAML's), which holds anything."""
    printable = all(c == "\n" or (c.isprintable() and c != "\t") for c in text)
    if "\n" in text and printable and not text.startswith((" ", "\n")):
        body = "\n".join(f"{indent}  {line}" if line else "" for line in text.split("\n"))
        return "|-\n" + body
    if printable and text == text.strip() and "\n" not in text:
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def _time_text(moment: datetime, tz: ZoneInfo) -> str:
    """The local wall time (seconds only when there are some), with its offset only where the
    wall time alone would be ambiguous at a clock change."""
    local = moment.astimezone(tz).replace(microsecond=0)
    naive = f"{local:%Y-%m-%d %H:%M}" + (f":{local:%S}" if local.second else "")
    try:
        if parse_time(naive, tz) == moment.replace(microsecond=0):
            return naive
    except ValueError:
        pass
    return f"{naive}{local.isoformat()[-6:]}"  # e.g. +01:00


def _update_text(fields: list[tuple[str, str | list[tuple[str, str]]]], dash: str,
                 inner: str) -> str:
    """One list item: `dash` is the indent of '-', `inner` that of its keys."""
    lines = []
    for number, (key, value) in enumerate(fields):
        lead = f"{dash}- " if number == 0 else inner
        if isinstance(value, list):
            lines.append(f"{lead}{key}:")
            lines += [f"{inner}  {cid}: {state}" for cid, state in value]
        else:
            lines.append(f"{lead}{key}: {value}")
    return "\n".join(lines) + "\n"


# -- checking a request against the project ------------------------------------------------------

def _check_request(project: Project, request: UpdateRequest, maintenance: bool) -> None:
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    if request.status is not None and request.status not in statuses:
        raise AuthorError(f"unknown status '{request.status}'"
                          + (did_you_mean(request.status, statuses)
                             or f": use one of {', '.join(statuses)}"))
    ids = [c.id for c in project.components]
    states = [s.word for s in SETTABLE_STATES]
    if maintenance and request.components:
        raise AuthorError("a maintenance update cannot set component states: its window does")
    for cid, state in request.components:
        if cid not in ids:
            raise AuthorError(f"unknown component '{cid}'" + (did_you_mean(cid, ids) or
                                                              f": components are {', '.join(ids)}"))
        if state not in states:
            raise AuthorError(f"unknown component state '{state}' for {cid}"
                              + (did_you_mean(state, states)
                                 or f": use one of {', '.join(states)}"))


def _when(text: str | None, project: Project, now: datetime, what: str) -> datetime:
    if text is None:
        return now
    try:
        return parse_time(text, project.site.timezone)
    except ValueError as err:
        raise AuthorError(f"{what}: {err}") from None


def _update_fields(project: Project, request: UpdateRequest, now: datetime,
                   indent: str) -> list[tuple[str, str | list[tuple[str, str]]]]:
    tz = project.site.timezone
    fields: list[tuple[str, str | list[tuple[str, str]]]] = [
        ("at", _time_text(_when(request.at, project, now, "--at"), tz))]
    if request.status:
        fields.append(("status", request.status))
    if request.components:
        fields.append(("components", list(request.components)))
    fields.append(("message", _scalar(request.message.strip(), indent)))
    if request.next_update:
        fields.append(("next_update", _time_text(
            _when(request.next_update, project, now, "--next-update"), tz)))
    return fields


# -- writing ---------------------------------------------------------------------------------------

@contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Serialise writers to one project's incidents (an exclusive lock on the folder, which
    builds take shared while they read). Under it, no other writer is half-way, so a temporary
    file left in the folder is from one that was killed: it is removed."""
    folder = root / "incidents"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as err:
        raise AuthorError(f"cannot make {folder}: {err.strerror or err}") from None
    with lock_incidents(root, exclusive=True):
        for leftover in folder.glob(".*.tmp-*"):
            if _TMP.fullmatch(leftover.name):
                leftover.unlink(missing_ok=True)
        yield


def _shown_path(root: Path, path: Path) -> str:
    return str(path.relative_to(root)) if root == Path(".") else str(path)


def _project_with(root: Path, stem: str, path: Path, text: str) -> Project:
    """The project's config with just this one incident file, as `text` would make it; raises
    ProjectError with the problems of that file (or of the config). Other incident files do not
    matter here: a broken file elsewhere must not stop an update in a crisis."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise AuthorError(f"the incident file would be {size} bytes with this; the limit is "
                          f"{MAX_FILE_BYTES}: start a new incident instead")
    loaded = load_project(root, lock=False)  # the caller holds the lock
    shown = next((s.shown_as for s in loaded.incidents if s.stem == stem),
                 _shown_path(root, path))
    data, problems = load_text(text, shown)
    kept = tuple(p for p in loaded.problems if p.path == loaded.config.shown_as) + tuple(problems)
    return parse_project(type(loaded)(loaded.config, (Source(shown, stem, data),),
                                      loaded.themes, kept))


_TMP = re.compile(r"\..+\.tmp-\d+")


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically: a reader, or a process killed at any moment, sees
    the old file or the new, never half. The file and the rename are on disk before it
    returns, so a power cut after "Updated" cannot undo an update either."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except OSError as err:
        raise AuthorError(f"cannot write {path}: {err.strerror or err}; the file is as it "
                          "was") from None
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
    with suppress(OSError):  # the rename itself, on disk
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def slug(title: str) -> str:
    """'Click & Collect orders delayed' -> 'click-collect-orders-delayed'."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "incident"


@dataclass(frozen=True)
class NewRequest:
    title: str
    first: UpdateRequest
    impact: str | None = None
    maintenance: bool = False
    start: str | None = None
    end: str | None = None


def new_incident(root: Path, project: Project, request: NewRequest, now: datetime) -> Path:
    """Write incidents/<date>-<slug>.yaml with its first update; returns its path."""
    tz = project.site.timezone
    if not request.title.strip():
        raise AuthorError("the title must not be empty")
    first = request.first
    affected = [cid for cid, _ in first.components]
    if request.maintenance:
        if not (request.start and request.end):
            raise AuthorError("a maintenance needs --start and --end")
        if request.impact:
            raise AuthorError("a maintenance has no --impact")
        if not affected:
            raise AuthorError("a maintenance needs the components it affects (--component ID)")
        _check_request(project, UpdateRequest(components=tuple(
            (cid, "major_outage") for cid in affected)), maintenance=False)  # the ids only
        first = UpdateRequest(first.status or "scheduled", (), first.message, None, first.at)
    elif first.status is None:
        first = UpdateRequest("investigating", first.components, first.message,
                              first.next_update, first.at)
    if request.impact is not None and request.impact not in [i.word for i in IMPACTS]:
        raise AuthorError(f"unknown impact '{request.impact}': use one of "
                          + ", ".join(i.word for i in IMPACTS))
    if not first.message.strip():
        raise AuthorError("the first update needs a message (--message or --message-file)")
    _check_request(project, first, request.maintenance)
    at = _when(first.at, project, now, "--at")
    lines = [f"title: {_scalar(request.title.strip(), '')}"]
    if request.maintenance:
        start = _when(request.start, project, now, "--start")
        end = _when(request.end, project, now, "--end")
        lines += ["kind: maintenance",
                  f"scheduled: {{start: {_time_text(start, tz)}, end: {_time_text(end, tz)}}}",
                  "components: [" + ", ".join(affected) + "]"]
    if request.impact:
        lines.append(f"impact: {request.impact}")
    lines.append("updates:")
    text = "\n".join(lines) + "\n" + _update_text(_update_fields(project, first, now, "    "),
                                                   "  ", "    ")
    day = f"{at.astimezone(tz):%Y-%m-%d}"
    base = f"{day}-{slug(request.title)}"[:MAX_ID - 4].rstrip("-")
    folder = root / "incidents"
    with project_lock(root):
        taken = {p.stem for p in folder.iterdir() if p.suffix in INCIDENT_SUFFIXES} \
            if folder.is_dir() else set()
        stem = base
        number = 2
        while stem in taken:
            stem, number = f"{base}-{number}", number + 1
        path = folder / f"{stem}.yaml"
        _project_with(root, stem, path, text)
        _replace(path, text)
    return path


def incident_path(root: Path, incident_id: str) -> Path:
    """The file of an incident, or an AuthorError naming the closest id."""
    folder = root / "incidents"
    found = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in INCIDENT_SUFFIXES} \
        if folder.is_dir() else {}
    if incident_id not in found:
        raise AuthorError(f"no incident '{incident_id}' in {folder}"
                          + did_you_mean(incident_id, list(found)))
    why = outside_link(found[incident_id], root.resolve())
    if why is not None:
        raise AuthorError(f"{found[incident_id]} {why}")
    return found[incident_id]


def _insertion(text: str) -> tuple[int, str, str, bool]:
    """Where a new update goes: (offset, indent of '-', indent of its keys, whether the
    'updates:' key must be written too)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise AuthorError(f"the incident file is not valid YAML: {err}") from None
    if not isinstance(root, yaml.MappingNode):
        raise AuthorError("the incident file is not a mapping of keys")
    lines = text.splitlines(keepends=True)
    for key, value in root.value:
        if key.value != "updates":
            continue
        if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
            raise AuthorError("'updates' must be a block list ('- at: …' items) to append to it")
        dash = " " * value.start_mark.column
        inner = " " * value.value[0].start_mark.column
        # Right after the last item, before any comment or key that follows the list.
        end = value.value[-1].end_mark
        line = end.line + 1 if end.column else end.line
        return sum(len(text) for text in lines[:line]), dash, inner, False
    return len(text), "  ", "    ", True


def append_update(root: Path, incident_id: str, request: UpdateRequest,
                  now: datetime | Callable[[], datetime], resolve: bool = False,
                  reopen: bool = False) -> Path:
    """Append one update to an incident's file, keeping every line already in it. `now` may
    be a clock, read once the lock is held: an update without --at is posted at the moment it
    is written, so one that waited for another operator's is never earlier than it."""
    path = incident_path(root, incident_id)
    with project_lock(root):  # read, check and replace as one step against other writers
        if callable(now):
            now = now()
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):  # the loader says where and why, as check does
            raise ProjectError(load_file(path, _shown_path(root, path))[1]) from None
        project = _project_with(root, incident_id, path, text)
        incident = project.incidents[0]
        at = _when(request.at, project, now, "--at")
        if incident.updates and at < incident.updates[-1].at:
            tz = project.site.timezone
            raise AuthorError(f"the update's time, {_time_text(at, tz)}, is earlier than the "
                              f"last update's, {_time_text(incident.updates[-1].at, tz)}: "
                              "updates go oldest first")
        request = _settled(incident, request, at, resolve, reopen)
        _check_request(project, request, incident.is_maintenance)
        if not request.message.strip():
            raise AuthorError("an update needs a message (--message or --message-file)")
        offset, dash, inner, add_key = _insertion(text)
        item = _update_text(_update_fields(project, request, now, inner), dash, inner)
        head = text[:offset]
        if head and not head.endswith("\n"):
            head += "\n"
        new_text = head + ("updates:\n" if add_key else "") + item + text[offset:]
        _project_with(root, incident_id, path, new_text)
        _replace(path, new_text)
    return path


def _settled(incident: Incident, request: UpdateRequest, at: datetime, resolve: bool,
             reopen: bool) -> UpdateRequest:
    """The request with --resolve and --reopen applied, refusing to post (at `at`) to a
    finished incident unless reopening it."""
    done = "completed" if incident.is_maintenance else "resolved"
    status = request.status
    if resolve:
        if status not in (None, done):
            raise AuthorError(f"--resolve sets the status to {done}: drop --status {status}")
        status = done
    finished = (model.maintenance_status(incident, at) if incident.is_maintenance
                else model.incident_status(incident)) == done
    if finished and not reopen:
        raise AuthorError(f"'{incident.id}' is {done}: add --reopen to post to it again")
    if finished and status is None:
        status = "in_progress" if incident.is_maintenance else "investigating"
    return UpdateRequest(status, request.components, request.message, request.next_update,
                         request.at)
