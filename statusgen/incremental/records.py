"""Signed records: what a build keeps for the next, in one folder, each a pickle signed with a
key kept outside the project (`$XDG_CACHE_HOME/statusgen/key`, made on first use). A record
whose signature does not match is ignored: a cache folder planted in a pull request cannot
pass off unchecked incidents or run code when unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re
import secrets
import sys
from collections.abc import Iterable
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

LIBRARIES = ("jinja2", "markdown", "markupsafe", "nh3", "icalendar", "pyyaml", "babel")
_PACKAGE = Path(__file__).parent.parent
_DIST_INFO = re.compile(r"(.+?)-([^-]+)\.dist-info")  # the folder an installer leaves


@cache
def code_key() -> str:
    """A digest of this statusgen (every file of the package) and the libraries it uses."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    versions = installed(LIBRARIES)
    for name in LIBRARIES:
        digest.update(f"{name}={versions[name]}".encode())
    return digest.hexdigest()


def _normal(name: str) -> str:
    """A distribution's name as its metadata folder's name may spell it (PEP 503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def installed(names: Iterable[str]) -> dict[str, str]:
    """The version of each distribution of `names`: from the name of the first metadata
    folder (NAME-VERSION.dist-info) that sys.path holds for it, as importlib.metadata finds
    it, without loading importlib.metadata (and the email package it loads), tens of
    milliseconds of a build that converts no Markdown. Elsewhere (an egg, a zip file) it is
    asked."""
    wanted = {_normal(name): name for name in names}
    found: dict[str, str] = {}
    for folder in sys.path:
        with suppress(OSError):
            for entry in sorted(os.listdir(folder or ".")):
                matched = _DIST_INFO.fullmatch(entry)
                if matched and (name := wanted.get(_normal(matched[1]))) is not None:
                    found.setdefault(name, matched[2])
    if len(found) < len(wanted):
        import importlib.metadata
        for name in wanted.values():
            found.setdefault(name, importlib.metadata.version(name))
    return found


def secret() -> bytes | None:
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


class Records:
    """Signed pickles in one folder: `load` returns None for anything missing, unsigned, from
    another key or unreadable; `save` replaces a record through a temporary file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.secret = secret()

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
        # views, not copies: a read record holds every incident
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
