"""Reading the project through the cache: only the incident files that changed are parsed.

The read record holds, for each incident file, the state `lstat` gave (inode, size, time,
mode), the `Incident` parsed from it (which carries the digest of its content) and when its
content was read. A file whose state is unchanged is not read again; one whose content digest
is unchanged is not parsed again. The record is valid for one statusgen (its code and
libraries), one `statusgen.yaml` and one set of theme names: any change to those reads every
file anew, and a link anywhere in the project (which the loader checks) or an odd entry in
incidents/ has the loader read the whole project. It is kept in SHARDS records by file name,
so that an edit rewrites a few of them.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
import zlib
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from ..errors import ProjectError
from ..history import counted
from ..load import (
    CONFIG_NAME,
    INCIDENT_SUFFIXES,
    LoadedProject,
    Source,
    file_digest,
    load_bytes,
    load_file,
    load_project,
    lock_incidents,
    project_locales,
    shown_path,
)
from ..parse import parse_project
from ..pool import Forked, available_workers
from ..project import Incident, Project
from .records import Records, code_key

SHARDS = 64
# A file changed this close before its content was read may have changed again since with
# the same size and time (time stamps are coarse): it is read again, as git does.
RACY_NS = 2_000_000_000


class FileState(NamedTuple):
    inode: int
    size: int
    mtime_ns: int
    mode: int


def file_state(stat: os.stat_result) -> FileState:
    return FileState(stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_mode)


class Entry(NamedTuple):
    """An incident file as a build read it."""

    state: FileState
    incident: Incident  # its digest is that of the file's content
    read_at: int  # time.time_ns() when the content was read


def shard_of(name: str) -> int:
    return zlib.crc32(name.encode()) % SHARDS


@dataclass
class Scan:
    """What the project's files look like now, before anything is read."""

    key: str  # code, statusgen.yaml and the theme names: the read record is for these
    files: dict[str, FileState]  # incidents/<name> -> its state, for plain files only
    stems: dict[str, str]  # incidents/<name> -> the incident's id, for the same files
    simple: bool  # no links and no odd entries: the record may stand in for reading
    started: int  # time.time_ns() when the scan began


def scan(root: Path) -> Scan:
    started = time.time_ns()
    digest = hashlib.sha256(code_key().encode())
    simple = True
    config = root / CONFIG_NAME
    try:
        simple &= not config.is_symlink()
        digest.update(config.read_bytes())
    except OSError:
        simple = False
    themes = root / "themes"
    simple &= not themes.is_symlink()
    for folder, dirs, names in os.walk(themes):  # parse checks the name of the theme
        if folder == str(themes):
            digest.update(f"{sorted(dirs)}".encode())
        simple &= not any(os.path.islink(os.path.join(folder, n)) for n in [*dirs, *names])
    digest.update(f"{sorted(project_locales(root))}".encode())  # parse checks the language
    files, stems, plain = _incident_files(root / "incidents")
    # x.yaml and x.yml: leave it to parse to say
    simple &= plain and len(set(stems.values())) == len(stems)
    return Scan(digest.hexdigest(), files, stems, simple, started)


def _incident_files(incidents: Path) -> tuple[dict[str, FileState], dict[str, str], bool]:
    """The plain files of incidents/ (by name: their state, and their stem), and whether it
    holds nothing else that the loader would read (a link, a folder named like a file)."""
    files: dict[str, FileState] = {}
    stems: dict[str, str] = {}
    plain = not incidents.is_symlink()
    try:
        with os.scandir(incidents) as entries:
            for entry in entries:
                stem, suffix = os.path.splitext(entry.name)  # as Path.stem and .suffix
                if suffix in INCIDENT_SUFFIXES:
                    stat = entry.stat(follow_symlinks=False)
                    if entry.is_file(follow_symlinks=False):
                        files[entry.name] = file_state(stat)
                        stems[entry.name] = stem
                    else:
                        plain = False
    except FileNotFoundError:
        pass
    except OSError:  # not a folder, or not readable: the loader says what it makes of it
        plain = False
    return files, stems, plain



class Read(NamedTuple):
    """One file of incidents/ read: its source (None where it is not the plain file the scan
    found: the whole project is then read as load_project reads it; or where its bytes are
    `known`), its problems, whether it stayed as it was while being read (else it is used,
    not recorded), and whether its bytes are those recorded."""

    source: Source | None
    problems: list[object]
    steady: bool
    known: bool = False


def read_incident(root: Path, name: str, digest: str | None = None) -> Read:
    """The file `name` of incidents/, loaded unless its bytes have the `digest` of the file
    as last read (a file only touched, or checked out again: git gives every file a new
    time), which is then not loaded again."""
    path = root / "incidents" / name
    try:
        before = path.lstat()
        if not S_ISREG(before.st_mode):
            return Read(None, ["not a plain file"], False)
        raw = path.read_bytes()
    except OSError:
        return Read(None, ["unreadable"], False)
    found = file_digest(raw)
    steady = False
    with suppress(OSError):
        steady = file_state(path.lstat()) == file_state(before)
    if found == digest:
        return Read(None, [], steady, known=True)
    shown = shown_path(root, f"incidents/{name}")
    data, problems = load_bytes(raw, shown)
    return Read(Source(shown, path.stem, data, found), list(problems), steady)


class Found(NamedTuple):
    name: str
    incident: Incident | None  # None: the recorded one stands (the file was only touched)
    steady: bool  # unchanged while read: it may be recorded


@dataclass(frozen=True)
class ShardRead:
    """What reading the changed files of one shard of the read record gave."""

    shard: int
    parsed: int  # files parsed
    found: list[Found]
    # From a worker process: the shard's entries, pickled (and saved as its record if
    # `saved`), in place of the steady files of `found`: the incidents cross once
    record: bytes | None = None
    saved: bool = False


@dataclass
class ShardReader:
    """Reads the changed files of one shard (in a worker process, where there are many, which
    then makes and saves the shard's record itself)."""

    root: Path
    scan: Scan
    old: Mapping[str, Entry]
    entries: Mapping[str, Entry]  # the unchanged files
    config: Source
    themes: frozenset[str]
    locales: frozenset[str]
    records: Records
    parent: int = field(default_factory=os.getpid)

    def __call__(self, names: Sequence[str]) -> list[ShardRead | None]:
        """The files `names`, shard after shard (each shard's together); None where a file
        has problems."""
        read: list[ShardRead | None] = []
        for _, own in groupby(names, key=shard_of):
            shard = self._shard(list(own))
            if None in shard:
                return [None]
            read += shard
        return read

    def _shard(self, names: list[str]) -> list[ShardRead | None]:
        found: list[Found] = []
        sources: list[Source] = []
        steady: dict[str, tuple[str, bool]] = {}
        for name in names:
            before = self.old.get(name)
            read = read_incident(self.root, name, before.incident.digest
                                 if before is not None else None)
            if read.known:  # the recorded incident stands
                found.append(Found(name, None, read.steady))
            elif read.source is None or read.problems:
                return [None]
            else:
                sources.append(read.source)
                steady[read.source.stem] = (name, read.steady)
        try:
            more = parse_project(LoadedProject(self.config, tuple(sources), self.themes, (),
                                               self.locales))
        except ProjectError:
            return [None]
        found += [Found(steady[i.id][0], i, steady[i.id][1]) for i in more.incidents]
        shard = shard_of(names[0])
        if os.getpid() == self.parent:
            return [ShardRead(shard, len(sources), found)]
        return [self._recorded(shard, len(sources), found)]

    def _recorded(self, shard: int, parsed: int, found: list[Found]) -> ShardRead:
        """In a worker: the shard's record made and saved here, handed over in place of the
        incidents it parsed; where it parsed none (files only touched, or checked out again),
        the main process has them all already: only what was found crosses."""
        own = {name: entry for name, entry in self.entries.items() if shard_of(name) == shard}
        for name, incident, steady in found:
            if steady:
                own[name] = Entry(self.scan.files[name],
                                  incident if incident is not None else self.old[name].incident,
                                  self.scan.started)
        record = pickle.dumps(own, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.records.write(f"read-{shard}", self.scan.key, record)
            saved = self.records.secret is not None
        except OSError:  # then the main process saves it, after the site
            saved = False
        if not parsed:
            return ShardRead(shard, parsed, found, None, saved)
        return ShardRead(shard, parsed, [f for f in found if not f.steady], record, saved)


class ReadCache:
    """The project read through the read record of `records`; `clean` ignores the record
    (and replaces it)."""

    def __init__(self, records: Records, clean: bool = False) -> None:
        self.records = records
        self.clean = clean
        self.notes: list[str] = []
        self._key = ""
        self._entries: dict[str, Entry] = {}
        self._changed: set[int] = set()  # shards to save

    def read_project(self, root: Path) -> Project:
        """The project, as build.read_project gives it (the same Project, or the same
        ProjectError), parsing only the incident files that changed since the last build."""
        with lock_incidents(root):
            found = scan(root)
            self._key = found.key
            old = self._load(found) if found.simple else {}
            project = self._read_changed_files(root, found, old) if found.simple else None
            if project is None:
                project = self._read_everything(root, found)
        return project

    def _load(self, found: Scan) -> dict[str, Entry]:
        old: dict[str, Entry] = {}
        if not self.clean:
            for shard in range(SHARDS):
                part = self.records.load(f"read-{shard}", found.key)
                if part is None:
                    return {}
                old.update(part)
        return old

    def _read_changed_files(self, root: Path, found: Scan,
                            old: dict[str, Entry]) -> Project | None:
        """The project from the record and the files that changed (all of them, without a
        record), read and parsed in worker processes when there are many. None when a file
        has problems: reading everything then reports all of them."""
        changed = sorted(name for name, state in found.files.items()
                         if name not in old or old[name].state != state
                         or state.mtime_ns >= old[name].read_at - RACY_NS)
        entries = {name: old[name] for name in found.files.keys() - set(changed)}
        settings = _settings(root)
        if settings is None:
            return None
        by_shard: dict[int, list[str]] = {}
        for name in changed:
            by_shard.setdefault(shard_of(name), []).append(name)
        config, themes, locales, configured = settings
        reader = ShardReader(root, found, old, entries, config, themes, locales, self.records)
        with Forked(reader, _in_chunks(by_shard, available_workers()),
                    available_workers()) as reading:
            results = list(reading)
        if None in results:
            return None
        incidents = self._take([r for r in results if r is not None], found, old, entries)
        parsed = sum(r.parsed for r in results if r is not None)
        files = counted(len(found.files), "incident file")
        self.notes.append(f"all {files} parsed" if not old
                          else f"{parsed} of {files} parsed, the rest from the cache")
        return replace(configured, incidents=tuple(sorted(incidents, key=attrgetter("id"))))

    def _take(self, results: list[ShardRead], found: Scan, old: dict[str, Entry],
              entries: dict[str, Entry]) -> list[Incident]:
        """Every incident, from what the shards read and the entries that stand; the entries
        noted for the record."""
        incidents = []
        saved = set()
        for part in results:
            if part.record is not None:
                entries.update(pickle.loads(part.record))
            if part.saved:
                saved.add(part.shard)
            for name, incident, steady in part.found:
                if incident is None:
                    incident = old[name].incident
                if steady:
                    entries[name] = Entry(found.files[name], incident, found.started)
                else:  # it changed while being read: use it, but do not record it
                    incidents.append(incident)
        incidents += [entry.incident for entry in entries.values()]
        self._remember(old, entries)
        self._changed -= saved
        return incidents

    def _read_everything(self, root: Path, found: Scan) -> Project:
        project = parse_project(load_project(root, lock=False))  # raises ProjectError
        by_id = {i.id: i for i in project.incidents}
        entries: dict[str, Entry] = {}
        for name, state in found.files.items():
            incident = by_id.get(found.stems[name])
            with suppress(OSError):
                path = root / "incidents" / name
                if found.simple and incident is not None and \
                        file_state(path.lstat()) == state:  # as when the scan saw it
                    entries[name] = Entry(state, incident, found.started)
        self._remember({}, entries)
        self.notes.append(f"all {counted(len(found.files), 'incident file')} parsed")
        return project

    def _remember(self, old: dict[str, Entry], entries: dict[str, Entry]) -> None:
        self._entries = entries
        if not old:
            self._changed = set(range(SHARDS))
            return
        for name in old.keys() ^ entries.keys():
            self._changed.add(shard_of(name))
        for name, entry in entries.items():
            before = old.get(name)
            if before is entry or (before is not None and (
                    before.state, before.incident.digest, before.read_at) ==
                    (entry.state, entry.incident.digest, entry.read_at)):
                continue  # (most are the very entry the record held)
            self._changed.add(shard_of(name))

    def save(self) -> None:
        """Keep the shards of the record that changed (raises OSError)."""
        for shard in sorted(self._changed):
            self.records.save(f"read-{shard}", self._key, {
                name: entry for name, entry in self._entries.items()
                if shard_of(name) == shard})


def _in_chunks(by_shard: dict[int, list[str]], workers: int) -> list[list[str]]:
    """The files to read in a few chunks for each worker process, each chunk whole shards:
    each chunk is handed over to a worker and back, which costs about a millisecond."""
    shards = [by_shard[shard] for shard in sorted(by_shard)]
    size = max(1, -(-len(shards) // (4 * workers)))
    return [[name for names in shards[i:i + size] for name in names]
            for i in range(0, len(shards), size)]


def _settings(root: Path) -> tuple[Source, frozenset[str], frozenset[str], Project] | None:
    """statusgen.yaml, the theme names, the project's languages and the project they make
    (without incidents), if they are valid (else None: reading everything then reports their
    problems)."""
    shown = shown_path(root, CONFIG_NAME)
    data, problems = load_file(root / CONFIG_NAME, shown)
    config = Source(shown, "statusgen", data)
    themes = frozenset(p.name for p in (root / "themes").iterdir() if p.is_dir()) \
        if (root / "themes").is_dir() else frozenset()
    locales = project_locales(root)
    try:
        return config, themes, locales, parse_project(
            LoadedProject(config, (), themes, tuple(problems), locales))
    except ProjectError:
        return None

