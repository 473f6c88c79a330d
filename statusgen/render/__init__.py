"""Stage 4, render: the project at `now` -> the site's files, as pure builders.

Every output of the site (a page, the feeds, the API, the calendar, the badges) is an
`Output`: the files `make(**inputs)` makes, where `inputs` are every value it reads besides
what all outputs of a build share (the site's settings, the theme, the static files' names and
the code: the salt of statusgen.incremental.keys). So the same inputs give the same bytes,
and a build that kept an output's files may skip it when its inputs are unchanged. Nothing
here touches the disk (but the theme's files, through `Theme`), forks or knows of a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple


class Output(NamedTuple):
    """Files of the site: `make(**inputs)`, a pure function of `inputs`. `name` is the path of
    its file (of its first file, where it makes several), unique in the site. `keyed` is False
    where digesting the inputs would cost about as much as making the files (the API): those
    are made by every build."""

    name: str
    make: Callable[..., dict[str, bytes]]
    inputs: Mapping[str, Any] = {}
    keyed: bool = True

    def files(self) -> dict[str, bytes]:
        return self.make(**self.inputs)
