"""The words statusgen writes, in the site's language: gettext catalogues (statusgen's own in
statusgen/locales/<tag>.po, shipped compiled as <tag>.mo, under the project's
locales/<tag>.po) and CLDR's dates, times, durations, lists and numbers through Babel.

The catalogues' messages are English (British spelling). Code marks a message with N_ where
it is defined and translates it where it is shown, in the one language of that output.
"""

from __future__ import annotations

import copy
import gettext
import hashlib
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from .errors import Problem, ProjectError
from .load import shown_path

if TYPE_CHECKING:  # Babel is loaded when CLDR is first asked (see Language)
    from babel import Locale
    from babel.dates import DateTimePattern
    from babel.messages.catalog import Catalog

OWN_CATALOGUES = Path(__file__).parent / "locales"


def cldr_locale(tag: str) -> Locale | None:
    """The CLDR locale of a BCP 47 tag ("en-GB"), or None if CLDR has none."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def read_catalogue(path: Path, shown: str, tag: str) -> Catalog:
    """A .po file; raises ProjectError at the line of what is wrong in it."""
    from babel.messages.pofile import PoFileError, read_po  # only a project's own catalogue

    try:
        with path.open("rb") as file:
            catalogue = read_po(file, locale=tag.replace("-", "_"), abort_invalid=True)
    except PoFileError as err:
        line = getattr(err, "lineno", 1) or 1
        raise ProjectError([Problem(shown, line, 1, f"{err}: see the docs' Languages page "
                                                    "for what a catalogue holds")]) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ProjectError([Problem(shown, 1, 1, f"cannot read this catalogue: {err}")]) \
            from None
    problems = [Problem(shown, message.lineno or 1, 1, f"{error}: the translation must keep "
                                                       "the message's %(name)s placeholders")
                for message, errors in catalogue.check() for error in errors]
    if problems:
        raise ProjectError(problems)
    return catalogue


def own_catalogue(root: Path, tag: str) -> tuple[Path, str]:
    """Where the project at `root` keeps its own words for `tag`, and that file as messages
    show it."""
    return root / "locales" / f"{tag}.po", shown_path(root, f"locales/{tag}.po")


def catalogue_problems(root: Path, tag: str) -> list[Problem]:
    """What is wrong in the project's own catalogue of its language, if it has one."""
    path, shown = own_catalogue(root, tag)
    if not path.is_file():
        return []
    try:
        read_catalogue(path, shown, tag)
    except ProjectError as err:
        return list(err.problems)
    return []


class Language:
    """The words and formats of one language: `gettext`/`ngettext` through its catalogue,
    and CLDR's ways of writing a moment, a day, a month, a duration or a percentage.

    What it writes once it remembers (`memo`): pages show the same days, hours and lengths of
    time many times. A build keeps the memo for the next (statusgen.incremental), which then
    asks CLDR only for what it has not written before: Babel and its locale data are loaded
    on the first such question, not before."""

    def __init__(self, tag: str, root: Path | None = None) -> None:
        self.tag = tag
        digest = hashlib.sha256(tag.encode())
        shipped = OWN_CATALOGUES / f"{tag}.mo"  # compiled from its .po by `make locales`
        translations: gettext.NullTranslations = gettext.NullTranslations()
        if shipped.is_file():
            data = shipped.read_bytes()
            digest.update(data)
            translations = gettext.GNUTranslations(io.BytesIO(data))
        own, shown = own_catalogue(root, tag) if root is not None else (None, "")
        if own is not None and own.is_file():
            digest.update(own.read_bytes())
            mine = _compiled(read_catalogue(own, shown, tag))
            mine.add_fallback(translations)  # the project's own words win
            translations = mine
        self.translations = translations
        self.fingerprint = digest.hexdigest()
        self.memo: dict[tuple[object, ...], str] = {}

    @cached_property
    def locale(self) -> Locale:
        found = cldr_locale(self.tag)
        if found is None:  # parse lets through only the tags CLDR knows
            raise ValueError(f"CLDR has no locale for {self.tag!r}")
        return found

    @cached_property
    def _patterns(self) -> _Patterns:
        return _Patterns(self.locale)

    @property
    def direction(self) -> str:
        """"rtl" (right to left) or "ltr"."""
        return self._remembered(("direction",), lambda: "rtl" if
                                self.locale.text_direction == "rtl" else "ltr")

    def own_name(self, whole: bool = False) -> str:
        """The language's name in itself, capitalised ("Cymraeg"); `whole`: with its region
        ("English (United Kingdom)"), to tell it from another of the same language."""
        def made() -> str:
            locale = self.locale
            name = locale.get_display_name(locale) if whole else \
                locale.get_language_name(locale)
            return (name or self.tag)[:1].upper() + (name or self.tag)[1:]
        return self._remembered(("name", whole), made)

    def __fingerprint__(self) -> str:
        """The tag and every catalogue drawn on (statusgen.incremental.keys)."""
        return self.fingerprint

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def markup(self, message: str, **values: object) -> Markup:
        """A message as HTML: its words trusted (the catalogue's, like a template's), its
        %(name)s values escaped."""
        return Markup(self.gettext(message)) % values

    def _remembered(self, key: tuple[object, ...], make: Callable[[], str]) -> str:
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = make()
        return found

    def moment(self, local: datetime, with_date: bool = True) -> str:
        """'25 Apr 2025, 15:00 BST' (en-GB), '25 avr. 2025, 15:00 UTC+01:00' (fr): a time in
        its own zone, with its date unless `with_date` is False."""
        key = ("clock", local.hour, local.minute)
        if key not in self.memo:
            self._clocks()
        clock = self.memo[key]
        zone = self._remembered(("zone", local.tzinfo, local.utcoffset(), local.dst()),
                                lambda: self.zone(local))
        if not with_date:
            return f"{clock} {zone}"
        joined = self._remembered(("datetime",), lambda: self._patterns.datetime)
        return joined.replace("{1}", self.shortday(local)).replace("{0}", f"{clock} {zone}")

    def _clocks(self) -> None:
        """Every minute of the day on the clock (a day has only 1,440, and a new `now` is
        likely a minute not yet written)."""
        clock = self._patterns.clock
        self.memo.update({("clock", h, m): clock.apply(time(h, m), self.locale)
                          for h in range(24) for m in range(60)})

    def zone(self, local: datetime) -> str:
        """The zone's short name where the language has one ('BST'), else its offset
        ('UTC+01:00'), as CLDR falls back."""
        from babel.dates import format_time, get_timezone_gmt

        name = format_time(local, "z", locale=self.locale)
        if " " in name or name[:1] in "+-":
            return get_timezone_gmt(local, "long", locale=self.locale)
        return name

    def day(self, local: date) -> str:
        """'25 April 2025': CLDR's long date."""
        return self._remembered(("day", local.year, local.month, local.day),
                                lambda: self._patterns.long_day.apply(local, self.locale))

    def shortday(self, local: date) -> str:
        """'25 Apr 2025'."""
        return self._remembered(("shortday", local.year, local.month, local.day),
                                lambda: self._patterns.short_day.apply(local, self.locale))

    def month(self, first: date) -> str:
        """'April 2025': the month of `first`."""
        return self._remembered(("month", first.year, first.month),
                                lambda: self._patterns.month.apply(first, self.locale))

    def duration(self, length: timedelta, nearest: bool = False) -> str:
        """'3 hours 20 minutes', '23 days 4 hours': the two largest units, for people. Whole
        minutes are counted down, or to the `nearest` (a day bar's share of a day). Made of
        remembered units each time: a length of time is rarely shown twice, and the memo a
        build keeps must not grow with every `now`."""
        seconds = length.total_seconds()
        minutes = round(seconds / 60) if nearest else int(seconds // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [self._unit(n, unit) for n, unit in (
            (days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute")) if n]
        if not parts:
            return self.gettext("less than a minute")
        if len(parts) == 1:
            return parts[0]
        # The language's own join: CLDR's lists say "a(c)" in Welsh, and Babel's Arabic
        # pair of units repeats the second.
        return self.gettext("%(larger)s %(smaller)s") % {"larger": parts[0],
                                                         "smaller": parts[1]}

    def _unit(self, n: int, unit: str) -> str:
        if (unit, n) not in self.memo and ("duration-minute", 1) not in self.memo:
            self._units()
        return self._remembered((unit, n), lambda: _format_unit(n, unit, self.locale))

    def _units(self) -> None:
        """Every count of minutes and hours a duration shows, and of days up to a year (the
        lengths of time on a page change with each `now`)."""
        self.memo.update({(unit, n): _format_unit(n, unit, self.locale)
                          for unit, most in (("duration-minute", 59), ("duration-hour", 23),
                                             ("duration-day", 366)) for n in range(1, most + 1)})

    def percent(self, figure: str) -> str:
        """'99.95' (a percentage from 0 to 100, as the API writes it) -> '99.95%', '99,95 %'.
        Below 1,000 no digit is grouped, so one figure written by CLDR shows how all are."""
        form = self._remembered(("percent",), lambda: self._patterns.percent.apply(
            Decimal("0.1234"), self.locale))
        whole, _, part = figure.partition(".")
        if "12" in form and "34" in form and len(whole) <= 3 and len(part) == 2:
            i, j = form.index("12"), form.index("34")
            return form[:i] + whole + form[i + 2:j] + part + form[j + 2:]
        return self._remembered(("percent", figure), lambda: self._patterns.percent.apply(
            Decimal(figure) / 100, self.locale))

    def names(self, items: Sequence[str]) -> str:
        """'Website, App and Stores': a list of names, as the language joins one."""
        return self._remembered(("names", *items), lambda: _format_list(
            list(items), self.locale)) if items else ""


def _format_unit(n: int, unit: str, locale: Locale) -> str:
    from babel.units import format_unit

    return format_unit(n, unit, length="long", locale=locale)


def _format_list(items: list[str], locale: Locale) -> str:
    from babel.lists import format_list

    return format_list(items, locale=locale)


class _Patterns:
    """CLDR's patterns of a locale, found once (Babel's format_* functions look them up
    each time they are asked)."""

    def __init__(self, locale: Locale) -> None:
        from babel.dates import get_datetime_format

        self.datetime = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}"
        self.clock = locale.time_formats["short"]
        self.long_day = locale.date_formats["long"]
        self.short_day = _skeleton("yMMMd", locale)
        self.month = _skeleton("yMMMM", locale)
        self.percent = copy.copy(locale.percent_formats[None])
        self.percent.frac_prec = (2, 2)  # uptime is shown to two places everywhere


def _skeleton(skeleton: str, locale: Locale) -> DateTimePattern:
    """CLDR's pattern for a skeleton ("yMMMd": year, abbreviated month, day) in `locale`, or
    the nearest it has, as format_skeleton finds it."""
    from babel.dates import match_skeleton

    found = skeleton if skeleton in locale.datetime_skeletons else \
        match_skeleton(skeleton, locale.datetime_skeletons)
    return locale.datetime_skeletons[found or "yMd"]


def _compiled(catalogue: Catalog) -> gettext.GNUTranslations:
    from babel.messages.mofile import write_mo

    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
