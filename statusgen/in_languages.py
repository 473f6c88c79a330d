"""A site's other languages on the command line: `--message-cy TEXT` gives the Welsh of
`--message`; so `--title-TAG`, `--workaround-TAG`, and `--works-TAG`/`--broken-TAG` (repeatable,
item by item with `--works`/`--broken`). A text without one falls back to the first
language's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import overload

import click

from .parse import did_you_mean_tag
from .project import Project, Text

FIELDS = ("title", "message", "workaround", "works", "broken")
# A tag of two or three letters and its subtags: --message-file is not one.
_OPTION = re.compile(rf"--({'|'.join(FIELDS)})-([A-Za-z]{{2,3}}(?:-[A-Za-z0-9]{{1,8}})*)"
                     r"(?:=(.*))?", re.S)


class InLanguages(click.Command):
    """A command that also takes its texts in the site's other languages (`--message-cy`),
    which it finds in `ctx.meta[KEY]` as (field, tag, text)."""

    KEY = "statusgen.in_languages"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest: list[str] = []
        given: list[tuple[str, str, str]] = []
        n = 0
        while n < len(args):
            found = _OPTION.fullmatch(args[n])
            if args[n] == "--":
                rest += args[n:]
                break
            if found is None:
                rest.append(args[n])
                n += 1
                continue
            if found[3] is not None:
                value, n = found[3], n + 1
            elif n + 1 < len(args) and not args[n + 1].startswith("--"):
                value, n = args[n + 1], n + 2
            else:
                raise click.UsageError(f"{args[n]} needs a value", ctx)
            given.append((found[1], found[2], value))
        ctx.meta[self.KEY] = given
        return super().parse_args(ctx, rest)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        with formatter.section("In the site's other languages"):
            formatter.write_dl([(
                "--message-TAG TEXT", "The message in the language TAG (one of the site's "
                "'languages' but the first), e.g. --message-cy. So --title-TAG, "
                "--workaround-TAG and --works-TAG/--broken-TAG, item by item with --works and "
                "--broken. A text without one is shown in the first language.")])


class Translations:
    """The texts given in other languages for one command, checked against the site's
    languages where the project could be read (else the written file is checked)."""

    def __init__(self, project: Project | None, ctx: click.Context | None = None) -> None:
        ctx = ctx or click.get_current_context()
        self.given: dict[str, dict[str, list[str]]] = {}
        others = project.site.others if project is not None else None
        for field, tag, text in ctx.meta.get(InLanguages.KEY, []):
            if others is not None and tag not in others:
                hint = did_you_mean_tag(tag, others) or (
                    f": its other languages are {', '.join(others)}" if others else
                    ": it has one language (give site.languages to have several)")
                raise click.UsageError(f"--{field}-{tag}: the site has no other language "
                                       f"'{tag}'{hint}", ctx)
            self.given.setdefault(field, {}).setdefault(tag, []).append(text)

    @overload
    def text(self, field: str, text: str) -> str: ...

    @overload
    def text(self, field: str, text: None) -> None: ...

    def text(self, field: str, text: str | None) -> str | None:
        """`text` (None where not given) with its translations, as a Text where it has
        some."""
        found = {tag: texts[-1] for tag, texts in self.given.get(field, {}).items()}
        if not found:
            return text
        if text is None:
            raise click.UsageError(f"--{field}-{next(iter(found))} translates --{field}: give "
                                   f"--{field} too")
        return Text(text, found)

    def items(self, field: str, items: Sequence[str]) -> tuple[str, ...]:
        """`items` (of a repeatable option), each with its translation: the n-th given in a
        language translates the n-th item."""
        found = self.given.get(field, {})
        for tag, texts in found.items():
            if len(texts) != len(items):
                raise click.UsageError(f"--{field}-{tag} was given {len(texts)} time(s) and "
                                       f"--{field} {len(items)}: give one translation for "
                                       "each item, in the same order")
        return tuple(Text(item, {tag: texts[n] for tag, texts in found.items()}) if found
                     else item for n, item in enumerate(items))
