"""Problems found in a status project: values that carry the place they point at."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Shown as escapes (\n, \x1b, \u202e) in a problem line: a line break would split it in two,
# a terminal escape could rewrite the screen or a CI log, and a bidirectional control could
# make the line read as something else.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def _visible(text: str) -> str:
    return _UNSAFE.sub(lambda m: m[0].encode("unicode_escape", "backslashreplace").decode(),
                       text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at `path:line:column` (both 1-based)."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        kind = "warning: " if self.severity == "warning" else ""
        return f"{_visible(self.path)}:{self.line}:{self.column}: {kind}{_visible(self.message)}"

    def github(self) -> str:
        """The problem as a GitHub Actions workflow command, which shows it on its line of the
        pull request's changes: `::error file=PATH,line=L,col=C::MESSAGE`."""
        return (f"::{self.severity} file={_property(self.path)},line={self.line},"
                f"col={self.column}::{_data(_visible(self.message))}")

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "column": self.column,
                "severity": self.severity, "message": self.message}


def _data(text: str) -> str:
    """Text as a workflow command's message carries it (GitHub's escapes)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Text as a workflow command's property carries it."""
    return _data(_visible(text)).replace(":", "%3A").replace(",", "%2C")


class ProjectError(Exception):
    """Raised by a stage that cannot go on; carries every problem it found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = sorted(problems)
