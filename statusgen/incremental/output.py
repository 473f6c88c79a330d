"""The output folder as the last build left it, so that a build writes only what changed.

The written record notes the folder's inode, every file's state and content digest, every
folder's time, the key each output was made from and the files it made. If the folder is
exactly so, outputs whose keys are unchanged are not made, only changed files are written, and
the rest are hard-linked from the current site into the new folder that write.NewSite swaps
in whole (files no longer in the site are simply not linked). A folder not as recorded, or a
site that changes as a whole (another theme, settings or statusgen) is written anew.

The site a swap replaces is kept as the spare, among the records: the next build is made in it
when it is as recorded, so that only the files that differ are written, linked or removed. A
site made in a fresh folder leaves its twin as the spare instead (write.NewSite).
Whether the two folders are as recorded (a `stat` of every file) is checked in another
process while the build works out the model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import Any, Literal, NamedTuple

from ..history import counted
from ..pool import Background
from ..write import NewSite, file_digest, same_file_system
from .read import FileState, file_state
from .records import Records, code_key

SPARE = "spare"  # the folder, among the records, that holds the site before the current one


class FileRecord(NamedTuple):
    state: FileState
    digest: str


@dataclass(frozen=True)
class Folder:
    """A folder of files as written: its inode, its files and the times of its folders."""

    inode: int
    files: dict[str, FileRecord]
    folders: dict[str, int]  # "." for its own

    # Pickled as columns of plain values, which pickle reads and writes many times faster
    # than as many small named records.
    def __getstate__(self) -> dict[str, Any]:
        records = self.files.values()
        return {"inode": self.inode, "folders": self.folders, "paths": list(self.files),
                "states": [tuple(r.state) for r in records],
                "digests": [r.digest for r in records]}

    def __setstate__(self, state: dict[str, Any]) -> None:
        files = {path: FileRecord(FileState(*own), digest) for path, own, digest in zip(
            state["paths"], state["states"], state["digests"])}
        for name, value in (("inode", state["inode"]), ("files", files),
                            ("folders", state["folders"])):
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Written:
    """The output folder as the last build left it, and the spare."""

    site: Folder
    salt: str  # keys.Keys: what every key of the build held
    keys: dict[str, str]  # output name -> key
    # output name -> the files it made, where they are not just the one its name says
    outputs: dict[str, tuple[str, ...]]
    spare: Folder | None


@dataclass(frozen=True)
class Made:
    """What a build made: the files to write, those already written into the new site (by
    digest), the outputs kept (their files stand), and every keyed output's key and files."""

    files: dict[str, bytes]
    written: dict[str, str]
    kept: set[str]
    keys: dict[str, str]
    outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Check(NamedTuple):
    """The spare, if it may be built in, and the site, if it is as recorded: True where the
    folder is exactly as recorded; where it holds the same files by content (restored from a
    copy: new inodes), its record with the states they now have; else None."""

    spare: Folder | Literal[True] | None
    site: Folder | Literal[True] | None


class OutputCache:
    """The written record of the output folder `out`, and its spare among `records`."""

    def __init__(self, records: Records, out: Path, clean: bool = False) -> None:
        self.records = records
        self.out = out
        self.notes: list[str] = []
        self._written: Written | None = None  # once checked: None unless intact
        self._spare: Folder | None = None  # once checked: None unless reusable
        self._check: tuple[Written, Background[Check]] | None = None
        if not clean:
            written = records.load("written", code_key())
            if written is not None:
                self._check = (written, Background(partial(_check, written, str(
                    records.folder / SPARE), os.path.abspath(out))))

    def previous(self, salt: str) -> dict[str, str]:
        """The key of each output the site holds, if it is as recorded and was made with the
        same salt (else every output is made anew)."""
        self._checked()
        same = self._written is not None and self._written.salt == salt
        return self._written.keys if same and self._written is not None else {}

    def files_of(self, names: Iterable[str]) -> set[str]:
        """The files that these outputs of the site made."""
        outputs = self._written.outputs if self._written is not None else {}
        return {path for name in names for path in outputs.get(name, (name,))}

    def _checked(self) -> None:
        """Take the answer of the check, once."""
        if self._check is not None:
            written, background = self._check
            self._check = None
            with background:
                spare, site = background.result()
            self._spare = written.spare if spare is True else spare
            if site is not None:
                self._written = written if site is True else replace(written, site=site)

    def begin(self, new: NewSite) -> None:
        """Start the new site: in the spare folder if it and the site are as recorded, else
        afresh (with a twin, the next spare: the site it replaces is not known)."""
        self._checked()
        new.begin(self.records.folder / SPARE,
                  reuse=self._spare is not None and self._written is not None)

    def close(self) -> None:
        """End the check, where the build ended before it was needed."""
        if self._check is not None:
            with self._check[1]:
                self._check = None

    def publish(self, made: Made, new: NewSite, salt: str) -> None:
        """Complete the new site with what `made` holds besides what is in it already, and
        swap it in, under the writers' lock that `new` holds. Files whose bytes the spare
        already holds stay; those the current site holds (if it is as the last build left it)
        are hard-linked from it, the kept outputs' files among them; only the others are
        written."""
        digests = {path: file_digest(data) for path, data in made.files.items()}
        digests.update(made.written)
        live = self._written.site.files if self._written is not None else {}
        base = self._spare.files if new.reused and self._spare is not None else {}
        kept = self.files_of(made.kept)
        wanted = {**digests, **{path: live[path].digest for path in kept}}

        def holds(files: Mapping[str, FileRecord], path: str) -> bool:
            return path in files and files[path].digest == wanted[path]

        writing = {path: data for path, data in made.files.items()
                   if not holds(base, path) and not holds(live, path)}
        linking = [path for path in [*made.files, *kept]
                   if path not in writing and not holds(base, path)]
        relinking = [path for path in made.written if holds(live, path)]
        removing = [path for path in base if path not in wanted]
        new.write(writing)
        new.link(linking)
        new.link(relinking, replace=True)
        new.remove(removing)
        new.publish()
        fresh = {*writing, *made.written} - set(relinking)
        self._record(made, salt, wanted, digests, {
            **base, **{p: live[p] for p in [*linking, *relinking]}}, fresh, new.reused, {
            ".", *(f for path in [*writing, *made.written, *linking, *removing]
                   for f in _folders_of(path))}, new.twinned)
        counts = {"written": len(fresh), "linked from the current site": len(linking)
                  + len(relinking), "kept from the site before last": len(wanted) - len(fresh)
                  - len(linking) - len(relinking), "removed": len(removing)}
        self.notes.append(", ".join(f"{counted(n, 'file') if not done else n} {what}"
                                    for done, (what, n) in enumerate(
                                        (what, n) for what, n in counts.items() if n)))

    def _record(self, made: Made, salt: str, wanted: Mapping[str, str],
                digests: Mapping[str, str], before: Mapping[str, FileRecord], fresh: set[str],
                reused: bool, touched: set[str], linked: bool) -> None:
        """Note the output folder as it now is, for the next build: the files `fresh` or not
        in `before` as they are now, the others as `before` says; its folders likewise (where
        it was made in the spare and holds the same files, the spare's folders but those
        `touched`); and the site it replaced, kept as the spare, as the last build noted it,
        or the spare `linked` from it, the same files in folders of its own."""
        out = os.path.abspath(self.out)
        spare_before = self._spare if reused else None
        try:
            files = {path: FileRecord(file_state(os.stat(f"{out}/{path}")), wanted[path])
                     if path in fresh or path not in before else before[path]
                     for path in wanted}
            known = spare_before.folders if spare_before is not None else {}
            # the same files as the spare: the same folders
            same = bool(known) and spare_before is not None and \
                wanted.keys() == spare_before.files.keys()
            folders = set(known) if same else {f for path in files for f in _folders_of(path)}
            spare = None
            if linked:
                kept = str(self.records.folder / SPARE)
                spare = Folder(os.stat(kept).st_ino, files, {
                    f: os.stat(f"{kept}/{f}").st_mtime_ns for f in sorted(folders)})
            elif self._written is not None and (self.records.folder / SPARE).exists():
                spare = self._written.site
            # the files of each output, where they are not just the one its name says
            outputs = {name: own for name, own in made.outputs.items() if own != (name,)}
            if self._written is not None:
                outputs.update({name: self._written.outputs[name] for name in made.kept
                                if name in self._written.outputs})
            self.records.save("written", code_key(), Written(
                Folder(os.stat(out).st_ino, files, {
                    f: known[f] if f in known and f not in touched
                    else os.stat(f"{out}/{f}").st_mtime_ns for f in sorted(folders)}),
                salt, made.keys, outputs, spare))
        except OSError as err:
            self.notes.append(f"could not record the output folder: {err}")


def _check(written: Written, spare_folder: str, out: str) -> Check:
    """The spare, then the output folder, as `written` records them, if they are so."""
    spare = None
    with suppress(OSError):
        if written.spare is not None and same_file_system(Path(spare_folder),
                                                          Path(out).resolve().parent):
            spare = _as_recorded(written.spare, spare_folder)
    # Made in the spare, the new site takes from the current one only files that the
    # spare does not hold as they are: only those must be as recorded.
    only = None if spare is None else {
        path for path, record in written.site.files.items()
        if spare.files.get(path, FileRecord(FileState(0, 0, 0, 0), "")).digest != record.digest}
    return Check(_answer(spare, written.spare),
                 _answer(_as_recorded(written.site, out, only), written.site))


def _answer(found: Folder | None, recorded: Folder | None) -> Folder | Literal[True] | None:
    """What crosses back for a folder: True where it is as recorded (its record need not
    cross), its refreshed record where it was known by content, else None."""
    return True if found is not None and found is recorded else found


def _as_recorded(folder: Folder, path: str, only: set[str] | None = None) -> Folder | None:
    """`folder` as `path` now holds it, if it holds it (with `only`, those files of it): the
    same files by their states, or else by their content, as in a copy restored from a CI
    cache (new inodes, and times as tar keeps them); then with the states they now have."""
    if _intact(folder, path, only):
        return folder
    return _same_content(folder, path, only)


def _intact(folder: Folder, path: str, only: set[str] | None = None) -> bool:
    """Whether `path` is as `folder` notes it: the same folder, no file added or removed in
    any of its folders and no file changed; or, with `only`, the same folder with those files
    unchanged."""
    try:
        if os.stat(path).st_ino != folder.inode:
            return False
        if only is None:
            for name, mtime in folder.folders.items():
                if os.stat(f"{path}/{name}").st_mtime_ns != mtime:
                    return False
        for name in folder.files if only is None else only:
            if file_state(os.stat(f"{path}/{name}")) != folder.files[name].state:
                return False
    except OSError:
        return False
    return True


def _same_content(folder: Folder, path: str, only: set[str] | None) -> Folder | None:
    """`folder` with the states its files and folders now have at `path`, if `path` holds
    the same files (with `only`, those files) with the same bytes, and nothing else."""
    try:
        inode = os.stat(path).st_ino
        if only is None and _tree(path) != (folder.files.keys(), folder.folders.keys()):
            return None
        files = dict(folder.files)
        for name in folder.files if only is None else only:
            state = file_state(os.lstat(f"{path}/{name}"))  # a plain file, not a link
            if not S_ISREG(state.mode):
                return None
            with open(f"{path}/{name}", "rb") as handle:
                if file_digest(handle.read()) != files[name].digest:
                    return None
            files[name] = FileRecord(state, files[name].digest)
        folders = folder.folders if only is not None else {
            name: os.stat(f"{path}/{name}").st_mtime_ns for name in folder.folders}
    except OSError:
        return None
    return Folder(inode, files, folders)


def _tree(path: str) -> tuple[set[str], set[str]]:
    """The files and the folders under `path`, by their paths from it ("." itself)."""
    files: set[str] = set()
    folders: set[str] = set()
    for at, _, names in os.walk(path):
        own = os.path.relpath(at, path)
        folders.add(own)
        files.update(name if own == "." else f"{own}/{name}" for name in names)
    return files, folders


def _folders_of(path: str) -> list[str]:
    """The folders that hold `path`, innermost first: "a/b/c.html" -> a/b, a and "." (the
    site's own)."""
    found = []
    while path != ".":
        path = path.rpartition("/")[0] or "."
        found.append(path)
    return found
