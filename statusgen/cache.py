"""The build cache: what the last build read and wrote, so that the next redoes only what an
edit can change, and its output is byte for byte what a clean build would write.

It lives in `.statusgen-cache/<output name>/` beside the output folder (for the default
`site/`, in the project). Besides what render.Store keeps (the HTML made of the Markdown, and
each component's timeline, bars and periods) and the compiled templates, it holds two records:

- **read**: for each incident file, the state `lstat` gave (inode, size, time, mode), a digest
  of its content and the `Incident` parsed from it. A file whose state is unchanged is not read
  again; one whose content digest is unchanged is not parsed again. The record is valid for
  one statusgen (its code and libraries), one `statusgen.yaml` and one set of theme names:
  any change to those reads every file anew, and a link anywhere in the project (which the
  loader checks) or an odd entry in incidents/ has the loader read the whole project.
- **written**: the output folder as the last build left it: its inode, every file's size,
  time, inode and content digest, every folder's time, and the key each page was rendered
  from (render.Memo). If the folder is exactly so, pages whose keys are unchanged are not
  rendered, only changed files are written, and the rest are hard-linked from the current
  site into the new folder that write.NewSite swaps in whole (files no longer in the site
  are simply not linked). A folder not as recorded, or a site that changes as a whole (a new
  `now`, theme or statusgen) is written anew.

The records are signed with a key kept outside the project (`$XDG_CACHE_HOME/statusgen/key`,
made on first use), and a record whose signature does not match is ignored: a cache folder
planted in a pull request cannot pass off unchecked incidents or run code when unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import os
import pickle
import secrets
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache, partial
from operator import attrgetter
from pathlib import Path
from stat import S_ISREG
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from .errors import ProjectError
from .load import (
    CONFIG_NAME,
    INCIDENT_SUFFIXES,
    LoadedProject,
    Source,
    load_bytes,
    load_file,
    load_project,
    lock_incidents,
)
from .parse import parse_project
from .pool import Background, Forked, available_workers
from .project import Incident, Project
from .render import History, Memo, Rendered, Theme
from .write import NewSite, file_digest, same_file_system

CACHE_FOLDER = ".statusgen-cache"
SPARE = "spare"  # the folder, among the records, that holds the site before the current one
SHARDS = 64  # the read record is split by file name, so an edit rewrites a 64th of it
# A file changed this close before its content was read may have changed again since with
# the same size and time (time stamps are coarse): it is read again, as git does.
RACY_NS = 2_000_000_000
_LIBRARIES = ("jinja2", "markdown", "markupsafe", "nh3", "icalendar", "pyyaml")

_WRITTEN = hashlib.sha256(b"written").hexdigest()  # the written record's key: salt inside

FileState = tuple[int, int, int, int]  # inode, size, modification time (ns), mode
# An incident file: its state, content digest and incident, and when (time.time_ns()) its
# content was last read.
Entry = tuple[FileState, str, Incident, int]


@cache
def code_key() -> str:
    """A digest of this statusgen (every file of the package) and the libraries it uses."""
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()


def _secret() -> bytes | None:
    """The key that signs this user's cache records, made on first use; None where it can be
    neither read nor made (then nothing is cached)."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(home) / "statusgen" / "key"
    if not path.exists():
        with suppress(OSError):  # written aside, then linked into place: whole, or not at all
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".key.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            with suppress(FileExistsError):  # another build made one first: theirs stands
                os.link(tmp, path)
            tmp.unlink()
    with suppress(OSError):
        key = path.read_bytes()
        if len(key) == 32:
            return key
    return None


def _state(stat: os.stat_result) -> FileState:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_mode)


class _Records:
    """Signed pickles in one folder: `load` returns None for anything missing, unsigned, from
    another key or unreadable; `save` replaces a record through a temporary file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.secret = _secret()

    def _mac(self, kind: bytes, data: bytes | memoryview) -> bytes:
        assert self.secret is not None
        mac = hmac.new(self.secret, kind + b"\0", "sha256")
        mac.update(data)
        return mac.digest()

    def load(self, name: str, key: str) -> Any:
        if self.secret is None:
            return None
        try:
            raw = (self.folder / name).read_bytes()
        except OSError:
            return None
        # views, not copies: a read record of 10,000 incidents is 75 MB
        mac, stored, data = raw[:32], raw[32:96], memoryview(raw)[96:]
        if stored != key.encode() or not hmac.compare_digest(mac, self._mac(stored, data)):
            return None
        try:
            return pickle.loads(data)
        except Exception:  # written by this key, but unreadable (a half-written disk?)
            return None

    def save(self, name: str, key: str, value: Any) -> None:
        self.write(name, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def write(self, name: str, key: str, data: bytes) -> None:
        """Save a value already pickled."""
        if self.secret is None:
            return
        stored = key.encode()
        assert len(stored) == 64
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.new-{os.getpid()}"
        with open(tmp, "wb") as handle:  # in parts: a record may be tens of megabytes
            handle.writelines((self._mac(stored, data), stored, data))
        tmp.replace(self.folder / name)


@dataclass
class _Scan:
    """What the project's files look like now, before anything is read."""

    key: str  # code, statusgen.yaml and the theme names: the read record is for these
    files: dict[str, FileState]  # incidents/<name> -> its state, for plain files only
    stems: dict[str, str]  # incidents/<name> -> the incident's id, for the same files
    simple: bool  # no links and no odd entries: the record may stand in for reading
    started: int  # time.time_ns() when the scan began


def _scan(root: Path) -> _Scan:
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
    files: dict[str, FileState] = {}
    stems: dict[str, str] = {}
    incidents = root / "incidents"
    simple &= not incidents.is_symlink()
    try:
        with os.scandir(incidents) as entries:
            for entry in entries:
                stem, suffix = os.path.splitext(entry.name)  # as Path.stem and .suffix
                if suffix in INCIDENT_SUFFIXES:
                    stat = entry.stat(follow_symlinks=False)
                    if entry.is_file(follow_symlinks=False):
                        files[entry.name] = _state(stat)
                        stems[entry.name] = stem
                    else:
                        simple = False
    except FileNotFoundError:
        pass
    except OSError:  # not a folder, or not readable: the loader says what it makes of it
        simple = False
    # x.yaml and x.yml: leave it to parse to say
    simple &= len(set(stems.values())) == len(stems)
    return _Scan(digest.hexdigest(), files, stems, simple, started)


def _shown(root: Path, relative: str) -> str:
    """A path as load.load_project shows it in messages."""
    return relative if root == Path(".") else str(root / relative)


def _read_incident(root: Path, name: str) -> tuple[Source | None, list[Any], str]:
    """One file of incidents/ as load.load_project reads it, and its content digest ("" when
    it changed while being read). None, with a reason, where it is not the plain file the scan
    found: the whole project is then read as load_project reads it."""
    path = root / "incidents" / name
    try:
        before = path.lstat()
        if not S_ISREG(before.st_mode):
            return None, ["not a plain file"], ""
        raw = path.read_bytes()
    except OSError:
        return None, ["unreadable"], ""
    shown = _shown(root, f"incidents/{name}")
    data, problems = load_bytes(raw, shown)
    digest = hashlib.sha256(raw).hexdigest()
    with suppress(OSError):
        if _state(path.lstat()) == _state(before):
            return Source(shown, path.stem, data), list(problems), digest
    return Source(shown, path.stem, data), list(problems), ""


@dataclass(frozen=True)
class _ShardRead:
    """What reading the changed files of one shard of the read record gave."""

    shard: int
    parsed: int  # files parsed
    # (name, digest, incident) of each file read; the incident None where the recorded one
    # stands (the file was touched, not changed), the digest "" where it changed while read
    found: list[tuple[str, str, Incident | None]]
    # From a worker process: the shard's entries, pickled (and saved as its record if
    # `saved`), in place of the recorded files of `found`: the incidents cross once
    record: bytes | None = None
    saved: bool = False


class _Templates(BytecodeCache):
    """Templates compiled by earlier builds, kept in a signed record: Jinja compares each
    with its source (by checksum) before using it."""

    def __init__(self, known: dict[str, bytes] | None) -> None:
        self.known = known or {}
        self.changed = False

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.known:
            bucket.bytecode_from_string(self.known[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.known[bucket.key] = bucket.bytecode_to_string()
        self.changed = True


@dataclass
class BuildCache:
    """The cache of one output folder; `clean` ignores what it holds (and replaces it)."""

    out: Path
    clean: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # incident id -> content digest
    notes: list[str] = field(default_factory=list)  # what it did, for `build --profile`
    _read: dict[str, Entry] = field(default_factory=dict)
    _read_key: str = ""
    _read_changed: set[int] = field(default_factory=set)  # shards to save
    _written: dict[str, Any] | None = None  # the output folder, when it is as recorded
    _spare: dict[str, Any] | None = None  # the spare folder, when it is as recorded
    # the written record, while another process checks the folders it describes
    _checking: tuple[dict[str, Any], Background[tuple[bool, bool]]] | None = None
    _begun: bool = False  # the new site, in NewSite
    _salt: str = ""
    _templates: _Templates | None = None

    def __post_init__(self) -> None:
        # beside `out` as given: where `out` is a link to a web server's folder, not there
        target = Path(os.path.abspath(self.out))
        self.records = _Records(target.parent / CACHE_FOLDER / target.name)

    # --- reading ---------------------------------------------------------------------------

    def read_project(self, root: Path) -> Project:
        """The project, as build.read_project gives it (the same Project, or the same
        ProjectError), parsing only the incident files that changed since the last build."""
        with suppress(OSError):  # made first, so the output's parent holds the same folders
            self.records.folder.mkdir(parents=True, exist_ok=True)  # throughout the build
        with lock_incidents(root):
            scan = _scan(root)
            self._read_key = scan.key
            old: dict[str, Entry] = {}
            if not self.clean and scan.simple:
                for shard in range(SHARDS):
                    found = self.records.load(f"read-{shard}", scan.key)
                    if found is None:
                        old = {}
                        break
                    old.update(found)
            project = self._read_changed_files(root, scan, old) if scan.simple else None
            if project is None:
                project = self._read_everything(root, scan)
        return project

    def _read_changed_files(self, root: Path, scan: _Scan,
                            old: dict[str, Entry]) -> Project | None:
        """The project from the record and the files that changed (all of them, without a
        record), read and parsed in worker processes when there are many. None when a file
        has problems: reading everything then reports all of them."""
        changed = sorted(name for name, state in scan.files.items()
                         if name not in old or old[name][0] != state
                         or state[2] >= old[name][3] - RACY_NS)
        entries = {name: old[name] for name in scan.files.keys() - set(changed)}
        shown = _shown(root, CONFIG_NAME)
        data, problems = load_file(root / CONFIG_NAME, shown)
        config = Source(shown, "statusgen", data)
        themes = frozenset(p.name for p in (root / "themes").iterdir() if p.is_dir()) \
            if (root / "themes").is_dir() else frozenset()
        try:
            parsed = parse_project(LoadedProject(config, (), themes, tuple(problems)))
        except ProjectError:
            return None
        by_shard: dict[int, list[str]] = {}
        for name in changed:
            by_shard.setdefault(_shard(name), []).append(name)

        @cache
        def recorded() -> dict[int, dict[str, Entry]]:
            """The unchanged files, by shard: for a worker process, which saves shards."""
            found: dict[int, dict[str, Entry]] = {}
            for name, entry in entries.items():
                found.setdefault(_shard(name), {})[name] = entry
            return found
        parent = os.getpid()

        def read(names: Sequence[str]) -> list[_ShardRead | None]:
            """The files `names`, all of one shard; None where a file has problems."""
            found: list[tuple[str, str, Incident | None]] = []
            sources, digests = [], {}
            for name in names:
                source, problems, digest = _read_incident(root, name)
                if source is None or problems:
                    return [None]
                if digest and name in old and old[name][1] == digest:
                    found.append((name, digest, None))
                else:
                    sources.append(source)
                    digests[source.stem] = (name, digest)
            try:
                more = parse_project(LoadedProject(config, tuple(sources), themes, ()))
            except ProjectError:
                return [None]
            found += [(*digests[i.id], i) for i in more.incidents]
            shard = _shard(names[0])
            if os.getpid() == parent:
                return [_ShardRead(shard, len(sources), found)]
            # A worker makes the shard's record, and hands it over in place of the incidents.
            own = dict(recorded().get(shard, {}))
            for name, digest, incident in found:
                if digest:
                    own[name] = (scan.files[name], digest,
                                 incident if incident is not None else old[name][2],
                                 scan.started)
            record = pickle.dumps(own, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self.records.write(f"read-{shard}", scan.key, record)
                saved = self.records.secret is not None
            except OSError:  # then the main process saves it, after the site
                saved = False
            return [_ShardRead(shard, len(sources), [f for f in found if not f[1]], record,
                               saved)]

        with Forked(read, [by_shard[shard] for shard in sorted(by_shard)],
                    available_workers()) as reading:
            results = list(reading)
        incidents = []
        saved = set()
        parsed_now = 0
        for part in results:
            if part is None:
                return None
            parsed_now += part.parsed
            if part.record is not None:
                entries.update(pickle.loads(part.record))
                if part.saved:
                    saved.add(part.shard)
            for name, digest, incident in part.found:
                if incident is None:
                    incident = old[name][2]
                if digest:
                    entries[name] = (scan.files[name], digest, incident, scan.started)
                else:  # it changed while being read: use it, but do not record it
                    incidents.append(incident)
                    self.sources[incident.id] = f"unrecorded:{secrets.token_hex(8)}"
        incidents += [entry[2] for entry in entries.values()]
        for name, entry in entries.items():
            self.sources[scan.stems[name]] = entry[1]
        self._remember(old, entries)
        self._read_changed -= saved
        self.notes.append(f"all {_count(len(scan.files), 'incident file')} parsed" if not old
                          else f"{parsed_now} of {_count(len(scan.files), 'incident file')} "
                          "parsed, the rest from the cache")
        return Project(parsed.site, parsed.groups, parsed.components,
                       tuple(sorted(incidents, key=attrgetter("id"))))

    def _read_everything(self, root: Path, scan: _Scan) -> Project:
        project = parse_project(load_project(root, lock=False))  # raises ProjectError
        by_id = {i.id: i for i in project.incidents}
        entries: dict[str, Entry] = {}
        for name, state in scan.files.items():
            stem = scan.stems[name]
            path = root / "incidents" / name
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                unchanged = _state(path.lstat()) == state  # as when the scan saw it
            except OSError:
                unchanged = False
            if unchanged and scan.simple and stem in by_id:
                entries[name] = (state, digest, by_id[stem], scan.started)
                self.sources[stem] = digest
        for stem in by_id.keys() - self.sources.keys():
            self.sources[stem] = f"unrecorded:{secrets.token_hex(8)}"
        self._remember({}, entries)
        self.notes.append(f"all {_count(len(scan.files), 'incident file')} parsed")
        return project

    def _remember(self, old: dict[str, Entry], entries: dict[str, Entry]) -> None:
        self._read = entries
        for name in old.keys() ^ entries.keys():
            self._read_changed.add(_shard(name))
        for name, entry in entries.items():
            before = old.get(name)
            if before is entry or (before is not None and
                                   (before[:2], before[3]) == (entry[:2], entry[3])):
                continue  # (most are the very entry the record held)
            self._read_changed.add(_shard(name))
        if not old:
            self._read_changed = set(range(SHARDS))

    # --- what builds make, kept (render.Store) ---------------------------------------------

    def load_markdown(self, shard: int) -> dict[str, dict[str, str]]:
        """The HTML made of the Markdown of a shard of incidents, as the last build kept it."""
        return {} if self.clean else self.records.load(f"markdown-{shard}", code_key()) or {}

    def save_markdown(self, shard: int, record: dict[str, dict[str, str]]) -> None:
        """Keep it for the next build. Called by the worker processes as they go: each shard
        is one record, written by one of them."""
        with suppress(OSError):  # a full disk: the site comes first, the next build converts
            self.records.save(f"markdown-{shard}", code_key(), record)

    def load_history(self, component: str) -> History | None:
        """A component's timeline, uptime bars and periods, as the last build kept them."""
        return None if self.clean else self.records.load(f"history-{component}", code_key())

    def save_history(self, component: str, record: History) -> None:
        """Keep it for the next build (a full disk: the site comes first, and the next build
        works it out again)."""
        with suppress(OSError):
            self.records.save(f"history-{component}", code_key(), record)

    # --- rendering and writing -------------------------------------------------------------

    def templates(self) -> BytecodeCache:
        """For the theme's Jinja environment: the templates compiled by the last build."""
        if self._templates is None:
            self._templates = _Templates(None if self.clean else
                                         self.records.load("templates", code_key()))
        return self._templates

    def memo(self, theme: Theme) -> Memo:
        """What render needs to leave unchanged pages as they are on disk. Whether the output
        folder and the spare are as recorded (tens of thousands of `stat` calls) is checked
        in another process meanwhile: the keys of the pages written before are known when
        render first reads them."""
        self._salt = hashlib.sha256(f"{code_key()}:{theme.fingerprint()}".encode()).hexdigest()
        previous: Mapping[str, str] = {}
        html: dict[str, str] = {}
        if not self.clean:
            written = self.records.load("written", _WRITTEN)
            if written is not None:
                self._checking = (written, Background(partial(self._check, written)))
                previous = _Later(self._previous)
            html = self.records.load("html", code_key()) or {}
        return Memo(self._salt, self.sources, previous, html, self)

    def _check(self, written: dict[str, Any]) -> tuple[bool, bool]:
        """Whether the spare folder, then the output folder, are as `written` records them."""
        spare = written.get("spare")
        folder = self.records.folder / SPARE
        reusable = False
        with suppress(OSError):
            reusable = spare is not None and _intact(spare, str(folder)) and \
                same_file_system(folder, Path(self.out).resolve().parent)
        # Made in the spare, the new site takes from the current one only files that the
        # spare does not hold as they are: only those must be as recorded.
        only = None if not reusable or spare is None else {
            path for path, (_, digest) in written["files"].items()
            if spare["files"].get(path, (None, None))[1] != digest}
        return reusable, _intact(written, os.path.abspath(self.out), only)

    def _checked(self) -> None:
        """Take the answer of the check that memo started, once."""
        if self._checking is not None:
            written, check = self._checking
            self._checking = None
            with check:
                reusable, intact = check.result()
            if reusable:
                self._spare = written["spare"]
            if intact:
                self._written = written

    def _previous(self) -> dict[str, str]:
        """The key of each page in the output folder, if it is as recorded and made by the
        same code and theme (else every page is made anew)."""
        self._checked()
        same = self._written is not None and self._written["salt"] == self._salt
        return self._written["keys"] if same and self._written is not None else {}

    def writer(self, new: NewSite) -> Callable[[Mapping[str, bytes]], None]:
        """What writes files into the new site as render makes them: the site is begun at the
        first, once the check memo started has answered."""
        def write(files: Mapping[str, bytes]) -> None:
            self._begin(new)
            new.write(files)
        return write

    def _begin(self, new: NewSite) -> None:
        """Start the new site, once: in the spare folder if it is as recorded, else afresh."""
        if not self._begun:
            self._checked()
            new.begin(self.records.folder / SPARE, reuse=self._spare is not None)
            self._begun = True

    def close(self) -> None:
        """End the check that memo started, where the build ended before it was needed."""
        if self._checking is not None:
            with self._checking[1]:
                self._checking = None

    def publish(self, rendered: Rendered, new: NewSite) -> None:
        """Complete the new site with what `rendered` holds besides what is in it already, and
        swap it in, under the writers' lock that `new` has held since before `memo`. Files
        whose bytes the spare folder already holds stay; those the current site holds (if it
        is as the last build left it) are hard-linked from it, the kept pages among them; only
        the others are written."""
        self._begin(new)
        digests = {path: file_digest(data) for path, data in rendered.files.items()}
        digests.update(rendered.written)
        live = self._written["files"] if self._written is not None else {}
        base = self._spare["files"] if new.reused and self._spare is not None else {}
        wanted = {**digests, **{path: live[path][1] for path in rendered.kept}}

        def holds(files: dict[str, Any], path: str) -> bool:
            return path in files and files[path][1] == wanted[path]

        writing = {path: data for path, data in rendered.files.items()
                   if not holds(base, path) and not holds(live, path)}
        linking = [path for path in [*rendered.files, *rendered.kept]
                   if path not in writing and not holds(base, path)]
        relinking = [path for path in rendered.written if holds(live, path)]
        removing = [path for path in base if path not in wanted]
        new.write(writing)
        new.link(linking)
        new.link(relinking, replace=True)
        new.remove(removing)
        new.publish()
        fresh = {*writing, *rendered.written} - set(relinking)
        # the folders whose entries changed: the spare's others are as its record says
        touched = {".", *(f for path in [*writing, *rendered.written, *linking, *removing]
                          for f in _folders_of(path))}
        # the same files as the spare: the same folders
        folders = self._spare["folders"] if new.reused and self._spare else {}
        self._record(rendered, digests, {**base, **{p: live[p] for p in [*linking, *relinking]}},
                     fresh, folders, touched, bool(folders) and wanted.keys() == base.keys())
        counts = {"written": len(fresh), "linked from the current site": len(linking)
                  + len(relinking), "kept from the site before last": len(wanted) - len(fresh)
                  - len(linking) - len(relinking), "removed": len(removing)}
        self.notes.append(", ".join(f"{_count(n, 'file') if not done else n} {what}"
                                    for done, (what, n) in enumerate(
                                        (what, n) for what, n in counts.items() if n)))

    def _record(self, rendered: Rendered, digests: dict[str, str], before: dict[str, Any],
                fresh: set[str], folders_before: dict[str, int], touched: set[str],
                same_folders: bool) -> None:
        """Note the output folder as it now is, for the next build: the files `fresh` or not
        in `before` as they are now, the others as `before` says, and likewise its folders
        (those of `folders_before`, if `same_folders`), `touched` or not in `folders_before`;
        and the site it replaced, kept as the spare, as the last build noted it."""
        out = os.path.abspath(self.out)
        files: dict[str, Any] = {}
        try:
            for path in [*rendered.files, *rendered.written, *rendered.kept]:
                if path in fresh or path not in before:
                    files[path] = (_state(os.stat(f"{out}/{path}")), digests[path])
                else:
                    files[path] = before[path]
            folders = set(folders_before) if same_folders else \
                {folder for path in files for folder in _folders_of(path)}
            spare = None
            if self._written is not None and (self.records.folder / SPARE).exists():
                spare = {key: self._written[key] for key in ("inode", "files", "folders")}
            record = {"inode": os.stat(out).st_ino, "salt": self._salt, "keys": rendered.keys,
                      "files": files,
                      "folders": {f: folders_before[f] if f in folders_before and f not in
                                  touched else os.stat(f"{out}/{f}").st_mtime_ns
                                  for f in sorted(folders)},
                      "spare": spare}
            self.records.save("written", _WRITTEN, record)
            if rendered.html:
                self.records.save("html", code_key(), rendered.html)
        except OSError as err:
            self.notes.append(f"could not record the output folder: {err}")

    def save(self) -> None:
        """Keep what was read (the shards that changed) and the templates compiled, for the
        next build; after the site, which comes first where room is short. One record at a
        time: a build of 10,000 incidents reads 70 MB of them."""
        records: list[tuple[str, str, Callable[[], Any]]] = []
        if self._templates is not None and self._templates.changed:
            known = self._templates.known
            records.append(("templates", code_key(), lambda: known))
        for shard in sorted(self._read_changed):
            records.append((f"read-{shard}", self._read_key, partial(self._read_shard, shard)))
        try:
            for name, key, value in records:
                self.records.save(name, key, value())
        except OSError as err:
            self.notes.append(f"could not save the cache: {err}")

    def _read_shard(self, shard: int) -> dict[str, Entry]:
        return {name: entry for name, entry in self._read.items() if _shard(name) == shard}


class _Later(Mapping[str, str]):
    """A mapping made when first read."""

    def __init__(self, make: Callable[[], Mapping[str, str]]) -> None:
        self._make = make
        self._made: Mapping[str, str] | None = None

    def _get(self) -> Mapping[str, str]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getitem__(self, key: str) -> str:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _intact(written: dict[str, Any], folder: str, only: set[str] | None = None) -> bool:
    """Whether `folder` is as `written` notes it: the same folder, no file added or removed in
    any of its folders and no file changed; or, with `only`, the same folder with those files
    unchanged."""
    try:
        if os.stat(folder).st_ino != written["inode"]:
            return False
        if only is None:
            for path, mtime in written["folders"].items():
                if os.stat(f"{folder}/{path}").st_mtime_ns != mtime:
                    return False
        files = written["files"]
        for path in files if only is None else only:
            if _state(os.stat(f"{folder}/{path}")) != files[path][0]:
                return False
    except OSError:
        return False
    return True


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'s' if n != 1 else ''}"


def _folders_of(path: str) -> list[str]:
    """The folders that hold `path`, innermost first: "a/b/c.html" -> a/b, a and "." (the
    site's own)."""
    found = []
    while path != ".":
        path = path.rpartition("/")[0] or "."
        found.append(path)
    return found


def _shard(name: str) -> int:
    return zlib.crc32(name.encode()) % SHARDS






