"""Incident templates: `templates/NAME.yaml` in a project, the first update of an incident a
team has planned for (a title, components and their states, a message and the customer
impact), with `{placeholders}` filled in when it is used (`statusgen new --template NAME`).

```yaml
title: "{service} unavailable"
components: {payments: major_outage}
message: "{service} is not working. We are investigating."
customer_impact:
  still_works: [Shopping in our stores]
  not_working: ["{service}"]
  workaround: "{workaround}"
```
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, ProjectError
from .load import Mapping, Sequence, load_file
from .project import CustomerImpact

KEYS = ("title", "components", "message", "customer_impact")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


@dataclass(frozen=True)
class Template:
    """A template's texts, placeholders and all."""

    title: str
    components: tuple[tuple[str, str], ...]
    message: str
    impact: CustomerImpact | None

    def texts(self) -> list[str]:
        found = [self.title, self.message]
        if self.impact is not None:
            found += [*self.impact.still_works, *self.impact.not_working, self.impact.workaround]
        return found

    def placeholders(self) -> list[str]:
        """The names of its {placeholders}, in the order they first appear."""
        names: dict[str, None] = {}
        for text in self.texts():
            for _, name, _, _ in string.Formatter().parse(text):
                if name:
                    names.setdefault(name)
        return list(names)

    def filled(self, values: dict[str, str]) -> Template:
        def fill(text: str) -> str:
            return text.format_map(values)

        impact = None if self.impact is None else CustomerImpact(
            tuple(map(fill, self.impact.still_works)), tuple(map(fill, self.impact.not_working)),
            fill(self.impact.workaround))
        return Template(fill(self.title), self.components, fill(self.message), impact)


def load_template(root: Path, name: str) -> Template:
    """templates/NAME.yaml of the project at `root`; raises ProjectError with its problems
    (or a missing file, at the place it should be)."""
    shown = str(root / "templates" / f"{name}.yaml")
    if not _NAME.fullmatch(name):
        raise ProjectError([Problem(shown, 1, 1, f"'{name}' is not a template name: use "
                                                 "lowercase letters, digits, '-' and '_'")])
    path = root / "templates" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (root / "templates").glob("*.yaml")) \
            if (root / "templates").is_dir() else []
        raise ProjectError([Problem(shown, 1, 1, "no such template" + (
            f": the project has {', '.join(known)}" if known else
            ": write templates/NAME.yaml (see the docs' Commands page)"))])
    data, problems = load_file(path, shown)
    if problems:
        raise ProjectError(problems)
    return _parse(data, shown)


def _parse(data: Any, shown: str) -> Template:
    problems: list[Problem] = []

    def problem(mark: tuple[int, int], message: str) -> None:
        problems.append(Problem(shown, *mark, message))

    if not isinstance(data, Mapping):
        raise ProjectError([Problem(shown, 1, 1, "a template is a mapping of keys: "
                                                 + ", ".join(KEYS))])
    for key in data:
        if key not in KEYS:
            problem(data.key_marks[key], f"unknown key '{key}' in a template: use "
                                         + ", ".join(KEYS))
    texts = {key: data.get(key) for key in ("title", "message")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            problem(data.value_marks.get(key, data.mark), f"a template needs a '{key}' (text)")
    components = data.get("components")
    if "components" in data and not isinstance(components, Mapping):
        problem(data.value_marks["components"], "'components' maps component ids to states")
    if not isinstance(components, Mapping):
        components = {}
    impact = _impact(data.get("customer_impact"))
    for text in [v for v in texts.values() if isinstance(v, str)]:
        try:
            list(string.Formatter().parse(text))
        except ValueError as err:
            problem(data.mark, f"a placeholder is not closed in {text!r}: {err}")
    if problems:
        raise ProjectError(problems)
    return Template(str(texts["title"]), tuple((str(c), str(s)) for c, s in components.items()),
                    str(texts["message"]), impact)


def _impact(value: Any) -> CustomerImpact | None:
    if not isinstance(value, Mapping):
        return None

    def items(key: str) -> tuple[str, ...]:
        found = value.get(key) or ()
        return tuple(map(str, found)) if isinstance(found, Sequence) else (str(found),)

    return CustomerImpact(items("still_works"), items("not_working"),
                          str(value.get("workaround") or ""))
