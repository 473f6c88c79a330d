"""Stage 5, write: put a rendered site on disk all at once, or not at all.

The site is written into a fresh sibling folder, `.site.new-<pid>`, which then takes the place
of `site` in one step. On Linux and macOS the two folders are exchanged by one system call
(`renameat2` with RENAME_EXCHANGE, `renamex_np` with RENAME_SWAP), so at every instant `site`
is a complete folder, the old site or the new one, even if the build is killed with SIGKILL;
the old site, now under the temporary name, is then deleted, or kept as the spare that the
next build brings up to date instead of making a fresh folder (see NewSite). Where the system
cannot exchange (another OS, or a file system without the call), the old folder is renamed
aside and the new one into place: a build killed between those two renames leaves no `site`
for that moment, and the next build or `serve` puts the old site back before anything else.

`site` stays a plain folder, not a link to a versioned one: `cp -r`, `rsync`, `tar`, `aws s3
sync`, GitHub's upload-pages-artifact and the hosts' own build steps all see ordinary files,
and `git status` shows nothing new. Writers to one output folder take a lock on its parent
folder, so two builds (or a build and `serve`) never tread on each other's temporary folders,
and whatever such a folder a killed build left behind is removed by the next.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path, PurePosixPath

from .load import CONFIG_NAME

# A previous build is recognised by this file, so that a build never replaces a folder of
# someone else's files (`--out ~/Documents`, `--out .git`).
SITE_MARK = "api/v2/summary.json"
# Folders of the project that a build reads: the site must never take their place.
_INPUTS = ("incidents", "themes", ".git", CONFIG_NAME)


class OutputError(Exception):
    """The site could not be written where asked; the previous site is untouched."""


def check_output_folder(out: Path, project_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the project, the system or
    files that are not a site statusgen built."""
    out, root = out.resolve(), project_root.resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to write the site to {out}: choose a folder such as site/")
    if out == root or out in root.parents:
        raise OutputError(f"refusing to write the site to {out}: it would replace the project "
                          "itself; choose a folder inside it such as site/")
    for name in _INPUTS:
        inner = root / name
        if out == inner or inner in out.parents:
            raise OutputError(f"refusing to write the site to {out}: it would replace or sit "
                              f"inside the project's {name}; choose a folder such as site/")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and not (out / SITE_MARK).is_file() and any(out.iterdir()):
        raise OutputError(f"refusing to replace {out}: it holds files but is not a site that "
                          f"statusgen built (it has no {SITE_MARK}); empty or remove it, or "
                          "choose another folder")


def same_file_system(a: Path, b: Path) -> bool:
    """Whether two folders are on one file system, where they can be exchanged."""
    return a.stat().st_dev == b.stat().st_dev


def file_digest(data: bytes) -> str:
    """What the cache knows a written file by."""
    return hashlib.sha256(data).hexdigest()


class NewSite:
    """The next site, made in a folder beside `out` and put in its place whole by `publish`,
    so a failure or a kill at any point leaves the previous site as it was, or the new one
    complete. As a context manager it holds the writers' lock from start to end. Its methods
    raise OutputError.

    The folder is fresh (`.site.new-<pid>`), or the `spare`: the site before last, which the
    build before kept after its swap, and which `begin` reuses when the caller knows what it
    holds, so that only the files that differ are written, linked or removed. After the swap,
    the old site is kept as the spare, if one is asked for, else removed. A fresh folder has a
    twin (`.site.twin-<pid>`) where a spare is asked for: each of its files is hard-linked
    there as it comes, and the twin becomes the spare after the swap (`twinned`), so that the
    next build is made in it as after any other."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.target = out.resolve()  # where `out` is a link, the folder it leads to is replaced
        self.folder = self.target.parent / f".{self.target.name}.new-{os.getpid()}"
        self.spare: Path | None = None
        self.reused = False
        self.published = False
        self.twinned = False  # the spare is the twin: the site now in place, hard-linked
        self._twin: str | None = None
        # the folders made so far in each, as text: tens of thousands of files
        self._made: set[str] = set()
        self._twin_made: set[str] = set()
        self._stack = ExitStack()

    def __enter__(self) -> NewSite:
        with self._failing():
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._stack.enter_context(writers_lock(self.target.parent))
            try:
                recover(self.target)
            except BaseException:
                self._stack.close()
                raise
        return self

    def __exit__(self, *error: object) -> None:
        try:
            if self.reused and not self.published:
                assert self.spare is not None
                shutil.rmtree(self.spare, ignore_errors=True)  # half changed: known no more
            elif not self.reused:  # the unfinished new site, or the old one after the swap
                shutil.rmtree(self.folder, ignore_errors=True)
            if self._twin is not None:
                shutil.rmtree(self._twin, ignore_errors=True)
        finally:
            self._stack.close()

    def begin(self, spare: Path | None = None, reuse: bool = False) -> None:
        """Start the new site in the folder `spare` if `reuse`, else in a fresh folder (and
        remove the spare, whose content is not known) with its twin."""
        self.spare = spare
        with self._failing():
            # where `out` leads to another file system than the records, the two folders
            # cannot be exchanged
            if spare is not None and reuse and same_file_system(spare, self.target.parent):
                self.folder, self.reused = spare, True
            else:
                if spare is not None:
                    shutil.rmtree(spare, ignore_errors=True)
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder.mkdir()
                # the twin becomes the spare by a rename: on the spare's file system only
                if spare is not None and same_file_system(
                        next(p for p in spare.parents if p.exists()), self.target.parent):
                    self._twin = f"{self.target.parent}/.{self.target.name}.twin-{os.getpid()}"
                    shutil.rmtree(self._twin, ignore_errors=True)
                    os.mkdir(self._twin)
                    self._twin_made = {self._twin}
        self._made = {str(self.folder)}

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except OSError as err:
            raise OutputError(f"cannot write the site to {self.out}: "
                              f"{err.strerror or err}; the previous site is unchanged") from None

    def _path(self, name: str) -> Path:
        """Where `name` goes in the new folder, its folder made, and in a reused folder what
        stood there removed (it may be shared with the current site, and so is never changed
        in place); refuses names outside the site."""
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise OutputError(f"refusing to write outside the site: {name!r}")
        path = self.folder / name
        _parent_made(str(path), self._made)
        if self.reused:
            path.unlink(missing_ok=True)
        return path

    def write(self, files: Mapping[str, bytes]) -> None:
        with self._failing():
            for name, data in files.items():
                self._path(name).write_bytes(data)
                self._twinned(name)

    def link(self, names: Iterable[str], replace: bool = False) -> None:
        """Hard-link each of `names` from the current site into the new one (a copy where the
        file system has no hard links), in place of the file written there with `replace`:
        a file keeps its inode and time from build to build while its bytes stay the same.
        Files are never changed in place, so the old and the new folder can share them."""
        with self._failing():
            for name in names:
                path = self._path(name)
                if replace:
                    path.unlink(missing_ok=True)
                try:
                    os.link(self.target / name, path)
                except OSError as err:
                    if err.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
                        raise
                    shutil.copy2(self.target / name, path)
                self._twinned(name, replace)

    def _twinned(self, name: str, replace: bool = False) -> None:
        """The file just put at `name` in the new folder, hard-linked into the twin (in place
        of the one there with `replace`); where it cannot be, there is no twin."""
        if self._twin is None:
            return
        twin = f"{self._twin}/{name}"
        try:
            _parent_made(twin, self._twin_made)
            if replace:
                with suppress(FileNotFoundError):
                    os.unlink(twin)
            os.link(f"{self.folder}/{name}", twin)
        except OSError:  # no hard links here, say: then no spare, as none was left
            shutil.rmtree(self._twin, ignore_errors=True)
            self._twin = None

    def remove(self, names: Iterable[str]) -> None:
        """Remove files from a reused folder, and the folders they leave empty."""
        with self._failing():
            emptied: set[Path] = set()
            for name in names:
                path = self._path(name)
                path.unlink(missing_ok=True)
                emptied.update(path.parents)
            for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
                if folder != self.folder and self.folder in folder.parents:
                    with suppress(OSError):  # not empty
                        folder.rmdir()

    def publish(self) -> None:
        """Swap the new folder in place of the site, then keep the twin, else the old site,
        as the spare."""
        with self._failing():
            _swap(self.folder, self.target)
            self.published = True
        if self._twin is not None:  # the old site is removed at the end
            assert self.spare is not None
            with suppress(OSError):  # another file system: no spare
                os.rename(self._twin, self.spare)
                self._twin, self.twinned = None, True
        elif not self.reused and self.spare is not None and self.folder.exists():
            with suppress(OSError):  # another file system: it is removed instead
                self.folder.rename(self.spare)


def _parent_made(path: str, made: set[str]) -> None:
    """The folder `path` goes in, made unless it is among those `made` already."""
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def write_site(files: dict[str, bytes], out: Path, unchanged: Iterable[str] = ()) -> None:
    """Write `files` as the whole new site at `out` (see NewSite); `unchanged` names files of
    the current site to keep as they are, hard-linked, so that a build that changed a few
    pages writes only those and is still swapped in whole."""
    with NewSite(out) as new:
        new.begin()
        new.write(files)
        new.link(unchanged)
        new.publish()


def recover(target: Path) -> None:
    """Tidy what a killed build left beside `target`: the old site goes back in place if the
    kill came between the two renames of the fallback swap, and the rest is removed. Only to
    be called under the writers' lock, when no other build is half-way."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(new|old|twin)-\d+")
    for path in sorted(target.parent.iterdir()):
        found = pattern.fullmatch(path.name)
        if found is None:
            continue
        if found[1] == "old" and not target.exists() and not target.is_symlink():
            path.rename(target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically: a reader, or a process killed at any moment, sees
    the old file or the new, never half. The file and the rename are on disk before it
    returns, so a power cut cannot undo it either. Raises OSError; the file is then as it
    was."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
    with suppress(OSError):  # the rename itself, on disk
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextmanager
def writers_lock(parent: Path) -> Iterator[None]:
    """An exclusive advisory lock on the output's parent folder (no lock file to litter the
    project); nothing is locked where the file system has no locks."""
    handle = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _swap(new: Path, target: Path) -> None:
    """Put the folder `new` in place of `target`; afterwards `new` holds the old site, if
    any is left."""
    if not target.exists() and not target.is_symlink():
        new.rename(target)
    elif not _exchange(new, target):
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
        try:
            new.rename(target)
        except OSError:
            old.rename(target)
            raise
        old.rename(new)


AT_FDCWD = -100  # Linux: paths relative to the working folder
RENAME_EXCHANGE = 2  # Linux <linux/fs.h>
RENAME_SWAP = 2  # macOS <stdio.h>


@functools.cache
def _exchange_call() -> Callable[[bytes, bytes], int] | None:
    """The C library's atomic exchange of two paths, where there is one."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to ask
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):  # glibc 2.28 and later
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                              ctypes.c_uint]
        renameat2.restype = ctypes.c_int
        return lambda a, b: int(renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE))
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):  # pragma: no cover - macOS
        renamex_np = libc.renamex_np
        renamex_np.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        renamex_np.restype = ctypes.c_int
        return lambda a, b: int(renamex_np(a, b, RENAME_SWAP))
    return None  # pragma: no cover - other systems: the two-rename fallback


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names of `a` and `b` in one step; False where the system cannot."""
    call = _exchange_call()
    if call is None:
        return False
    if call(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # e.g. a file system that cannot exchange: fall back on two renames
    raise OSError(code, os.strerror(code), str(b))
