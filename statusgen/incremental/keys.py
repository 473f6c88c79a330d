"""Keys: what an output is made from, digested, so that a build skips what it would make the same.

An output's key is a digest of the salt (the code, and the `Templates` every output of the
build shares: theme, settings, static files' names) and of its inputs, the very values its
`make` receives. `fingerprint` turns a value into text: plain values as they are written,
collections item by item, a value that says what it is made of by its `__fingerprint__()` (an
incident, a view, the templates), other dataclasses field by field. A value it cannot read
is refused, rather than a key that misses it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from ..render import Output


def _iso(moment: date) -> str:
    return moment.isoformat()


# How values of these types read: the rest are looked at more closely (and remembered).
_PLAIN: dict[type, Callable[[Any], str]] = {
    **dict.fromkeys((str, int, float, bool, type(None)), repr), datetime: _iso, date: _iso,
    timedelta: repr}


_TEXT = {str, int, float, bool, type(None)}  # what repr writes as _PLAIN does


class Fingerprints:
    """`fingerprint` for one build, which remembers what it found for each value (they are
    shown on many pages: an incident's view on its own page, in lists, in feeds)."""

    def __init__(self) -> None:
        self._found: dict[int, tuple[object, str]] = {}  # by id(), with the value, kept alive

    def __call__(self, value: object) -> str:
        known = self._found.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        plain = _PLAIN.get(type(value))
        if plain is not None:
            return plain(value)
        found = self._made(value)
        self._found[id(value)] = (value, found)
        return found

    def _made(self, value: object) -> str:
        if isinstance(value, Enum):
            return f"{type(value).__name__}.{value.name}"
        own = getattr(value, "__fingerprint__", None)
        if own is not None:
            return str(own())
        if isinstance(value, Mapping):
            return "{" + ",".join(f"{self(k)}:{self(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list | tuple):
            if set(map(type, value)) <= _TEXT:  # (many are: ids, paths) written at once
                return repr(list(value))
            return "[" + ",".join(map(self, value)) + "]"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = (f.name for f in dataclasses.fields(value) if f.compare)
            return f"{type(value).__name__}(" + ",".join(
                self(getattr(value, name)) for name in fields) + ")"
        raise TypeError(f"cannot tell what a {type(value).__name__} is made of: give it a "
                        "__fingerprint__() method")


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Keys:
    """The keys of a build's outputs under `salt`, beside those of the outputs the last build
    wrote (`previous`, by name): `unchanged` says which it need not make again."""

    def __init__(self, salt: str, previous: Mapping[str, str]) -> None:
        self.salt = salt
        self.previous = previous
        self.keys: dict[str, str] = {}
        self.kept: set[str] = set()  # the names of the outputs found unchanged
        self._fingerprint = Fingerprints()

    def key(self, output: Output) -> str:
        fingerprint = self._fingerprint
        parts = [self.salt, output.name]
        for name, value in output.inputs.items():
            parts += (name, fingerprint(value))
        return digest(*parts)

    def unchanged(self, output: Output) -> bool:
        """Whether the last build made `output` from the same inputs; its key is noted."""
        if not output.keyed:
            return False
        key = self.keys[output.name] = self.key(output)
        if self.previous.get(output.name) != key:
            return False
        self.kept.add(output.name)
        return True

    def changed(self, outputs: Iterable[Output]) -> list[Output]:
        return [output for output in outputs if not self.unchanged(output)]
