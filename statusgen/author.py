"""Writing incidents for operators: `new` makes a file, `update` appends one update to it.

An update is appended as text at the end of the file's `updates` list, so every comment, key
order and line the operator wrote stays as it was. The result is validated with the same parser
as `check` before it replaces the file, the replacement is atomic (temporary file + rename), and
updates to one project are serialised with a lock, so two operators posting at once both land.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
    CustomerImpact,
    Incident,
    Project,
    Text,
)
from .write import replace_file

MAX_ID = 100


class AuthorError(Exception):
    """The request cannot be carried out; nothing was written."""


@dataclass(frozen=True)
class ImpactRequest:
    """What an update says of the customer impact: the parts given replace those in force,
    the others are carried over (`clear`: there is none any more)."""

    works: tuple[str, ...] | None = None  # still works
    broken: tuple[str, ...] | None = None  # not working
    workaround: str | None = None
    clear: bool = False

    def given(self) -> bool:
        return self.clear or any(part is not None
                                 for part in (self.works, self.broken, self.workaround))


@dataclass(frozen=True)
class UpdateRequest:
    """What an operator asks to post: everything optional but what the kind requires."""

    status: str | None = None
    components: tuple[tuple[str, str], ...] = ()  # (component id, state word)
    message: str = ""
    next_update: str | None = None  # as typed: read in the site's time zone
    at: str | None = None  # as typed; None: now
    impact: str | None = None  # the incident's impact from this update on
    customer: ImpactRequest = ImpactRequest()


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


def _said(text: str, first: str, indent: str) -> str | list[str]:
    """A text readers see as a YAML value (_scalar); a Text (one with translations) as the
    lines of a map of its languages, `first` (the site's first language) first."""
    if type(text) is not Text:
        return _scalar(text, indent)
    return [f"{tag}: {_scalar(said, indent + '  ')}"
            for tag, said in ((first, str(text)), *text.translations.items())]


def stripped(text: str) -> str:
    """`text` without the white space around it, and so each of a Text's translations (an
    empty one is dropped)."""
    if type(text) is not Text:
        return text.strip()
    translations = {tag: said.strip() for tag, said in text.translations.items()
                    if said.strip()}
    return Text(text.strip(), translations) if translations else text.strip()


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


Field = tuple[str, str | list[str]]  # a key, and its value inline or its lines below it


def _update_text(fields: list[Field], dash: str, inner: str) -> str:
    """One list item: `dash` is the indent of '-', `inner` that of its keys; a value given as
    lines goes below its key, each indented two more."""
    lines = []
    for number, (key, value) in enumerate(fields):
        lead = f"{dash}- " if number == 0 else inner
        if isinstance(value, list):
            lines.append(f"{lead}{key}:")
            lines += [f"{inner}  {line}" for line in value]
        else:
            lines.append(f"{lead}{key}: {value}")
    return "\n".join(lines) + "\n"


def _impact_lines(impact: CustomerImpact, first: str, indent: str) -> list[str]:
    """A customer impact written out whole, as the lines below its key."""
    lines: list[str] = []
    for key, items in (("still_works", impact.still_works), ("not_working", impact.not_working)):
        if items:
            lines.append(f"{key}:")
            for item in items:
                said = _said(item, first, indent + "    ")
                lines += [f"  - {said}"] if isinstance(said, str) else \
                    [f"  - {said[0]}", *(f"    {line}" for line in said[1:])]
    if impact.workaround:
        lines += _keyed("workaround", _said(impact.workaround, first, indent + "  "))
    return lines


def _keyed(key: str, said: str | list[str]) -> list[str]:
    """A key and its value (as _said gives it) as lines: inline, or the map's lines below."""
    return [f"{key}: {said}"] if isinstance(said, str) else \
        [f"{key}:", *(f"  {line}" for line in said)]


def customer_impact_after(in_force: CustomerImpact | None, request: ImpactRequest
                          ) -> CustomerImpact | None:
    """The customer impact an update states: the one in force with the parts given replaced;
    None where the update says nothing of it."""
    if not request.given():
        return None
    if request.clear:
        return CustomerImpact((), (), "")
    base = in_force or CustomerImpact((), (), "")
    return CustomerImpact(
        _texts(request.works) if request.works is not None else base.still_works,
        _texts(request.broken) if request.broken is not None else base.not_working,
        stripped(request.workaround) if request.workaround is not None else base.workaround)


def _texts(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stripped(item) for item in items if item.strip())


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
    if maintenance and (request.impact or request.customer.given()):
        raise AuthorError("a maintenance update has no impact and no customer impact: say "
                          "what it changes in the message")
    if request.impact is not None and request.impact not in [i.word for i in IMPACTS]:
        raise AuthorError(f"unknown impact '{request.impact}'" + (
            did_you_mean(request.impact, [i.word for i in IMPACTS])
            or ": use one of " + ", ".join(i.word for i in IMPACTS)))
    for cid, state in request.components:
        if cid not in ids:
            raise AuthorError(f"unknown component '{cid}'" + (did_you_mean(cid, ids) or
                                                              f": components are {', '.join(ids)}"))
        if not state:
            raise AuthorError(f"--component {cid} needs the state to give it: "
                              f"--component {cid}=STATE, with STATE one of {', '.join(states)}")
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


def _update_fields(project: Project, request: UpdateRequest, now: datetime, indent: str,
                   in_force: CustomerImpact | None = None) -> list[Field]:
    """The keys of an update; `in_force`: the customer impact it carries parts over from."""
    tz = project.site.timezone
    fields: list[Field] = [("at", _time_text(_when(request.at, project, now, "--at"), tz))]
    if request.status:
        fields.append(("status", request.status))
    if request.impact:
        fields.append(("impact", request.impact))
    if request.components:
        fields.append(("components", [f"{cid}: {state}" for cid, state in request.components]))
    first = project.site.language
    fields.append(("message", _said(stripped(request.message), first, indent)))
    if request.next_update:
        fields.append(("next_update", _time_text(
            _when(request.next_update, project, now, "--next-update"), tz)))
    stated = customer_impact_after(in_force, request.customer)
    if stated is not None:
        lines = _impact_lines(stated, first, indent + "  ")
        fields.append(("customer_impact", lines) if lines else ("customer_impact", "{}"))
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
    """write.replace_file: a power cut after "Updated" cannot undo an update."""
    try:
        replace_file(path, text)
    except OSError as err:
        raise AuthorError(f"cannot write {path}: {err.strerror or err}; the file is as it "
                          "was") from None


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
        if first.customer.given():
            raise AuthorError("a maintenance has no customer impact: say what it changes in "
                              "the message")
        first = UpdateRequest(first.status or "scheduled", (), first.message, None, first.at)
    elif first.status is None:
        first = replace(first, status="investigating")
    if request.impact is not None and request.impact not in [i.word for i in IMPACTS]:
        raise AuthorError(f"unknown impact '{request.impact}': use one of "
                          + ", ".join(i.word for i in IMPACTS))
    if not first.message.strip():
        raise AuthorError("the first update needs a message (--message or --message-file)")
    _check_request(project, first, request.maintenance)
    at = _when(first.at, project, now, "--at")
    lines = _keyed("title", _said(stripped(request.title), project.site.language, ""))
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


LATEST = "latest"


def incident_path(root: Path, name: str) -> Path:
    """The file of the incident `name` names: its id, a prefix of one id alone (an exact id
    always wins), or `latest` (the unresolved incident updated most recently). Else an
    AuthorError that lists the candidates."""
    folder = root / "incidents"
    found = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in INCIDENT_SUFFIXES} \
        if folder.is_dir() else {}
    stem = _latest(root, found) if name == LATEST else name
    if stem not in found:
        matching = [s for s in found if s.startswith(name)]
        if len(matching) > 1:
            raise AuthorError(f"'{name}' begins {len(matching)} incident ids: "
                              f"{', '.join(matching[:10])}{', …' if len(matching) > 10 else ''}"
                              "; give more of the id")
        if not matching:
            raise AuthorError(f"no incident '{name}' in {folder}" + did_you_mean(name, list(found))
                              + ("" if found else ": statusgen new starts one"))
        stem = matching[0]
    why = outside_link(found[stem], root.resolve())
    if why is not None:
        raise AuthorError(f"{found[stem]} {why}")
    return found[stem]


def _latest(root: Path, files: dict[str, Path]) -> str:
    """The id of the unresolved incident (not a maintenance) whose last update is the newest;
    files that do not parse are passed over, as a broken file must not stop an update."""
    newest: tuple[datetime, str] | None = None
    for stem, path in files.items():
        try:
            incident = _project_with(root, stem, path, path.read_text(encoding="utf-8")
                                     ).incidents[0]
        except (ProjectError, AuthorError, OSError, UnicodeDecodeError):
            continue
        if model.is_active(incident, incident.updates[-1].at) and \
                (newest is None or (incident.updates[-1].at, stem) > newest):
            newest = (incident.updates[-1].at, stem)
    if newest is None:
        raise AuthorError("no incident is unresolved: name the one to update by its id")
    return newest[1]


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
    incident_id = path.stem
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
        item = _update_text(_update_fields(project, request, now, inner,
                                           model.customer_impact(incident)), dash, inner)
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
    return replace(request, status=status)


@dataclass(frozen=True)
class AmendRequest:
    """A correction to a published update: the parts given replace its own."""

    message: str | None = None
    next_update: str | None = None  # as typed
    impact: str | None = None
    customer: ImpactRequest = ImpactRequest()

    def given(self) -> bool:
        return any(part is not None for part in (self.message, self.next_update, self.impact)) \
            or self.customer.given()


def amend_update(root: Path, name: str, number: int | None, request: AmendRequest,
                 now: datetime | Callable[[], datetime]) -> tuple[Path, int]:
    """Correct update `number` (from 1; default the last) of an incident in place, marking it
    edited at `now`; every other line of the file stays as it was. Returns the file and the
    number of the update corrected."""
    if not request.given():
        raise AuthorError("say what to correct: --message, --next-update, --impact, --works, "
                          "--broken, --workaround or --clear-impact")
    path = incident_path(root, name)
    with project_lock(root):
        if callable(now):
            now = now()
        text = path.read_bytes().decode("utf-8")
        project = _project_with(root, path.stem, path, text)
        incident = project.incidents[0]
        count = len(incident.updates)
        number = count if number is None else number
        if not 1 <= number <= count:
            raise AuthorError(f"'{incident.id}' has updates 1 to {count}: there is no update "
                              f"{number}")
        start, end, dash, inner = _item_span(text, number)
        fields = _amended_fields(project, incident, number, request, now, inner)
        new_text = text[:start] + _update_text(fields, dash, inner) + text[end:]
        _project_with(root, path.stem, path, new_text)
        _replace(path, new_text)
    return path, number


def _amended_fields(project: Project, incident: Incident, number: int, request: AmendRequest,
                    now: datetime, inner: str) -> list[Field]:
    """The keys of update `number` with the correction applied, and when it was made."""
    update = incident.updates[number - 1]
    tz = project.site.timezone
    stated = update.customer_impact
    if request.customer.given():
        in_force = stated if stated is not None else model.customer_impact(
            replace(incident, updates=incident.updates[:number - 1]))
        stated = customer_impact_after(in_force, request.customer)
    customer = ImpactRequest() if stated is None else ImpactRequest(
        stated.still_works, stated.not_working, stated.workaround,
        clear=not (stated.still_works or stated.not_working or stated.workaround))
    corrected = UpdateRequest(
        update.status, tuple((cid, state.word) for cid, state in update.components),
        request.message if request.message is not None else update.message,
        request.next_update if request.next_update is not None else (
            _time_text(update.next_update, tz) if update.next_update else None),
        _time_text(update.at, tz),
        request.impact if request.impact is not None else (
            update.impact.word if update.impact else None), customer)
    _check_request(project, corrected, incident.is_maintenance)
    if not corrected.message.strip():
        raise AuthorError("an update needs a message")
    if now < update.at:
        raise AuthorError("the correction would be dated before the update it corrects")
    return [*_update_fields(project, corrected, now, inner), ("edited", _time_text(now, tz))]


def _item_span(text: str, number: int) -> tuple[int, int, str, str]:
    """Where update `number` stands in the text: (start of its first line, end of its last,
    the indent of its '-', that of its keys)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise AuthorError(f"the incident file is not valid YAML: {err}") from None
    assert isinstance(root, yaml.MappingNode)  # the parser has read it as an incident
    value = next(v for k, v in root.value if k.value == "updates")
    if not isinstance(value, yaml.SequenceNode) or value.flow_style:
        raise AuthorError("'updates' must be a block list ('- at: …' items) to correct one")
    item = value.value[number - 1]
    lines = text.splitlines(keepends=True)
    first = item.start_mark.line
    end = item.end_mark
    # It ends where the next token begins: at a line's start or its indent (the next item's
    # '-'), else within its last line.
    before = lines[end.line][:end.column] if end.line < len(lines) else ""
    last = end.line if not before.strip() else end.line + 1
    dash = " " * value.start_mark.column
    inner = " " * item.start_mark.column if not item.flow_style else dash + "  "
    return sum(map(len, lines[:first])), sum(map(len, lines[:last])), dash, inner


def read_incident(root: Path, name: str) -> tuple[Project, Incident]:
    """The incident `name` names (as incident_path takes it), with the project's settings;
    raises AuthorError or ProjectError."""
    path = incident_path(root, name)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ProjectError(load_file(path, _shown_path(root, path))[1]) from None
    project = _project_with(root, path.stem, path, text)
    return project, project.incidents[0]
