"""The words statusgen writes, in the site's language: gettext catalogues (statusgen's own in
statusgen/locales/<tag>.po, under the project's locales/<tag>.po) and CLDR's dates, times,
durations, lists and numbers through Babel.

The catalogues' messages are English (British spelling). Code marks a message with N_ where
it is defined and translates it where it is shown, in the one language of that output.
"""

from __future__ import annotations

import copy
import hashlib
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_timezone_gmt,
)
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations
from babel.units import format_unit

from .errors import Problem, ProjectError
from .load import shown_path

OWN_CATALOGUES = Path(__file__).parent / "locales"
DOMAIN = "statusgen"


def cldr_locale(tag: str) -> Locale | None:
    """The CLDR locale of a BCP 47 tag ("en-GB"), or None if CLDR has none."""
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def read_catalogue(path: Path, shown: str, tag: str) -> Catalog:
    """A .po file; raises ProjectError at the line of what is wrong in it."""
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


def catalogue_problems(root: Path, tag: str) -> list[Problem]:
    """What is wrong in the project's own catalogue of its language, if it has one."""
    path = root / "locales" / f"{tag}.po"
    if not path.is_file():
        return []
    try:
        read_catalogue(path, shown_path(root, f"locales/{tag}.po"), tag)
    except ProjectError as err:
        return list(err.problems)
    return []


class Language:
    """The words and formats of one language: `gettext`/`ngettext` through its catalogue,
    and CLDR's ways of writing a moment, a day, a month, a duration or a percentage."""

    def __init__(self, tag: str, root: Path | None = None) -> None:
        locale = cldr_locale(tag)
        if locale is None:
            raise ValueError(f"CLDR has no locale for {tag!r}")
        self.tag = tag
        self.locale = locale
        self.direction = "rtl" if locale.text_direction == "rtl" else "ltr"
        catalogue = Catalog(locale=locale, domain=DOMAIN)
        sources = [(OWN_CATALOGUES / f"{tag}.po", str(OWN_CATALOGUES / f"{tag}.po"))]
        if root is not None:
            sources.append((root / "locales" / f"{tag}.po", shown_path(root, f"locales/{tag}.po")))
        digest = hashlib.sha256(tag.encode())
        for path, shown in sources:
            if path.is_file():
                digest.update(path.read_bytes())
                for message in read_catalogue(path, shown, tag):
                    if message.id and message.string and not message.fuzzy:
                        if message.id in catalogue:  # the project's own words win
                            del catalogue[message.id]
                        catalogue[message.id] = message
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)
        compiled.seek(0)
        self.translations = Translations(compiled, domain=DOMAIN)
        self.fingerprint = digest.hexdigest()
        self._percent = copy.copy(locale.percent_formats[None])
        self._percent.frac_prec = (2, 2)  # uptime is shown to two places everywhere
        self._moments: dict[tuple[datetime, bool], str] = {}

    def __fingerprint__(self) -> str:
        """The tag and every catalogue drawn on (statusgen.incremental.keys)."""
        return self.fingerprint

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def moment(self, local: datetime, with_date: bool = True) -> str:
        """'25 Apr 2025, 15:00 BST' (en-GB), '25 avr. 2025, 15:00 UTC+01:00' (fr): a time in
        its own zone, with its date unless `with_date` is False."""
        key = (local, with_date)
        found = self._moments.get(key)
        if found is None:
            time = f"{format_time(local, 'short', locale=self.locale)} {self.zone(local)}"
            found = time if not with_date else str(get_datetime_format(
                "medium", locale=self.locale)).replace("{1}", self.shortday(local)).replace(
                "{0}", time)
            self._moments[key] = found
        return found

    def zone(self, local: datetime) -> str:
        """The zone's short name where the language has one ('BST'), else its offset
        ('UTC+01:00'), as CLDR falls back."""
        name = format_time(local, "z", locale=self.locale)
        if " " in name or name[:1] in "+-":
            return get_timezone_gmt(local, "long", locale=self.locale)
        return name

    def day(self, local: date) -> str:
        """'25 April 2025': CLDR's long date."""
        return format_date(local, "long", locale=self.locale)

    def shortday(self, local: date) -> str:
        """'25 Apr 2025'."""
        return format_skeleton("yMMMd", local, locale=self.locale)

    def month(self, first: date) -> str:
        """'April 2025': the month of `first`."""
        return format_skeleton("yMMMM", first, locale=self.locale)

    def duration(self, length: timedelta, nearest: bool = False) -> str:
        """'3 hours 20 minutes', '23 days 4 hours': the two largest units, for people. Whole
        minutes are counted down, or to the `nearest` (a day bar's share of a day)."""
        seconds = length.total_seconds()
        minutes = round(seconds / 60) if nearest else int(seconds // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [format_unit(n, unit, length="long", locale=self.locale)
                 for n, unit in ((days, "duration-day"), (hours, "duration-hour"),
                                 (minutes, "duration-minute")) if n]
        if not parts:
            return self.gettext("less than a minute")
        if len(parts) == 1:
            return parts[0]
        # The language's own join: CLDR's lists say "a(c)" in Welsh, and Babel's Arabic
        # pair of units repeats the second.
        return self.gettext("%(larger)s %(smaller)s") % {"larger": parts[0], "smaller": parts[1]}

    def percent(self, figure: str) -> str:
        """'99.95' (a percentage, as the API writes it) -> '99.95%', '99,95 %'."""
        return self._percent.apply(Decimal(figure) / 100, self.locale)

    def names(self, items: list[str]) -> str:
        """'Website, App and Stores': a list of things, as the language joins one."""
        return format_list(items, locale=self.locale) if items else ""
