"""Stage 2, parse: loaded YAML -> a frozen `Project`, collecting every problem with its place."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Problem, ProjectError
from .load import LoadedProject, Mapping, Mark, Sequence, Source
from .project import (
    EVENTS,
    IMPACTS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    SETTABLE_STATES,
    Channel,
    Component,
    CustomerImpact,
    Group,
    Impact,
    Incident,
    Project,
    Site,
    State,
    Text,
    Update,
)
from .words import SHIPPED

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s*(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,  # digits are 0-9 only, not every script's
)
# Times a status page can mean; outside them, arithmetic on dates (a day's end, the history
# window) would run off datetime's range.
YEARS = (1970, 2999)
BUILTIN_THEMES = frozenset({"default"})


# Every key a status project may hold, by where it stands (docs/project.md documents each).
KEYS: dict[str, tuple[str, ...]] = {
    "statusgen.yaml": ("site", "groups", "components", "notify"),
    "site": ("title", "base_url", "timezone", "language", "languages", "theme", "history_days",
             "description", "feed_items", "logo", "stale_after"),
    "groups": ("id", "name"),
    "components": ("id", "name", "group", "description"),
    "notify": ("name", "url", "components", "events", "language"),
    "incident": ("title", "kind", "impact", "pinned", "updates", "postmortem"),
    "updates": ("at", "status", "components", "message", "next_update", "customer_impact",
                "impact", "edited"),
    "customer_impact": ("still_works", "not_working", "workaround"),
    "maintenance": ("title", "kind", "pinned", "scheduled", "components", "updates",
                    "postmortem"),
    "scheduled": ("start", "end"),
    "maintenance updates": ("at", "status", "message", "edited"),
}


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def did_you_mean_tag(tag: str, known: list[str] | tuple[str, ...]) -> str:
    """did_you_mean for a language tag, which reads the same in any case (en-gb: en-GB)."""
    same = [k for k in known if k.casefold() == tag.casefold()]
    return f" (did you mean '{same[0]}'?)" if same else did_you_mean(tag, known)


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Read `YYYY-MM-DD HH:MM[:SS]` with an optional offset or Z; a naive time is in `tz`.

    Raises ValueError with a message for people when the text is not such a time, or names a
    local time that a daylight-saving change skips or repeats."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a date and time: write e.g. 2025-04-19 09:30, "
                         "optionally with an offset (+01:00) or Z")
    day, clock, offset = match.groups()
    if not YEARS[0] <= int(day[:4]) <= YEARS[1]:
        raise ValueError(f"'{text}' is out of range: write a time between {YEARS[0]} and "
                         f"{YEARS[1]}")
    if offset and offset != "Z" and (int(offset[1:3]) > 18 or int(offset[-2:]) > 59):
        raise ValueError(f"'{text}' has an offset that no place uses: write e.g. +01:00, from "
                         "-18:00 to +18:00")
    if len(clock.split(":")[0]) == 1:
        clock = "0" + clock
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}{offset or ''}")
    except ValueError as err:
        raise ValueError(f"'{text}' is not a valid date and time ({err})") from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    early, late = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        back = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != moment:
            raise ValueError(f"'{text}' does not exist in {tz.key} (the clocks go forward): "
                             "give an offset, e.g. +01:00")
        raise ValueError(f"'{text}' happens twice in {tz.key} (the clocks go back): "
                         "give an offset, e.g. +01:00 or +00:00")
    return early.astimezone(UTC)


class _Checker:
    """Reads one file's data, noting each problem at the mark it concerns."""

    def __init__(self, source: Source, problems: list[Problem]) -> None:
        self.path = source.shown_as
        self.problems = problems
        # Where the loader rejected a value (a YAML tag, say), it reads as null: one message
        # there is enough, not a second one about the null.
        self.rejected = {(p.line, p.column) for p in problems if p.path == self.path}
        # The site's languages, where it has several: a text may then be a map of them.
        self.languages: tuple[str, ...] = ()

    def problem(self, mark: Mark, message: str) -> None:
        if mark not in self.rejected:
            self.problems.append(Problem(self.path, mark[0], mark[1], message))

    def mapping(self, value: Any, mark: Mark, what: str) -> Mapping | None:
        if isinstance(value, Mapping):
            return value
        self.problem(mark, f"{what} must be a mapping of keys to values")
        return None

    def sequence(self, value: Any, mark: Mark, what: str) -> Sequence | None:
        if isinstance(value, Sequence):
            return value
        self.problem(mark, f"{what} must be a list")
        return None

    def keys(self, m: Mapping, allowed: tuple[str, ...], required: tuple[str, ...],
             what: str) -> None:
        for key in m:
            if key not in allowed:
                self.problem(m.key_marks[key], f"unknown key '{key}' in {what}"
                             + (did_you_mean(key, allowed) or
                                f" (expected one of: {', '.join(allowed)})"))
        for key in required:
            if key not in m:
                self.problem(m.mark, f"{what} is missing the required key '{key}'")

    def text(self, m: Mapping, key: str, default: str = "", required: bool = False) -> str:
        value = m.get(key)
        if required and key in m and (value is None or str(value).strip() == ""):
            self.problem(m.value_marks[key], f"'{key}' must not be empty")
            return default
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if key in m.raw:  # a number or boolean to YAML: keep the text as written
            return m.raw[key]
        self.problem(m.value_marks[key], f"'{key}' must be text")
        return default

    def said(self, m: Mapping, key: str, default: str = "", required: bool = False) -> str:
        """A text readers see: in a site of several languages, text or a map of its
        languages to text (a Text, when it has translations)."""
        value = m.get(key)
        if not isinstance(value, Mapping):
            return self.text(m, key, default, required)
        if not self.languages:
            self.problem(m.value_marks[key], f"'{key}' must be text (a map of languages to "
                                             "text needs the site's 'languages')")
            return default
        return self.translated(value, m.value_marks[key], f"'{key}'", required) or default

    def translated(self, texts: Mapping, mark: Mark, what: str, required: bool = False) -> str:
        """A map of the site's languages to text: a Text of the first language's."""
        first, *others = self.languages
        for tag in texts:
            if tag not in self.languages:
                self.problem(texts.key_marks[tag], f"{what} has text in '{tag}', which is not "
                             "one of the site's languages" + (
                                 did_you_mean_tag(str(tag), self.languages)
                                 or f" ({', '.join(self.languages)})"))
        said = {tag: self.text(texts, tag, required=required) for tag in self.languages
                if tag in texts}
        if first not in texts:
            self.problem(mark, f"{what} has no text in {first}, the site's first language, "
                               "which the others fall back to")
            return ""
        translations = {tag: said[tag] for tag in others if said.get(tag)}
        return Text(said[first], translations) if translations else said[first]

    def flag(self, m: Mapping, key: str) -> bool:
        value = m.get(key, False)
        if not isinstance(value, bool):
            self.problem(m.value_marks[key], f"'{key}' must be true or false")
            return False
        return value

    def ident(self, value: Any, mark: Mark, what: str) -> str | None:
        if isinstance(value, str) and ID_PATTERN.fullmatch(value):
            return value
        self.problem(mark, f"{what} '{value}' is not a valid id: use lowercase letters, digits "
                           "and '-', starting with a letter or digit, at most 100 characters")
        return None

    def time(self, m: Mapping, key: str, tz: ZoneInfo) -> datetime | None:
        value = m.get(key)
        if not isinstance(value, str):
            self.problem(m.value_marks[key], f"'{key}' must be a date and time like "
                                             "2025-04-19 09:30")
            return None
        try:
            return parse_time(value, tz)
        except ValueError as err:
            self.problem(m.value_marks[key], str(err))
            return None

    def word(self, m: Mapping, key: str, words: tuple[str, ...], what: str) -> str | None:
        value = m.get(key)
        if isinstance(value, str) and value in words:
            return value
        if value is None:
            self.problem(m.value_marks[key], f"'{key}' needs a value: one of {', '.join(words)}")
            return None
        self.problem(m.value_marks[key], f"unknown {what} '{value}'"
                     + (did_you_mean(str(value), words) or f": use one of {', '.join(words)}"))
        return None


def parse_project(loaded: LoadedProject) -> Project:
    """Check and convert everything; raises ProjectError listing every problem found. The
    incident files are checked even when statusgen.yaml has problems, so one run shows all."""
    problems = list(loaded.problems)
    config = _parse_config(loaded.config, loaded.themes, loaded.locales, problems)
    incidents: list[Incident] = []
    seen: dict[str, str] = {}
    for source in loaded.incidents:
        check = _Checker(source, problems)
        if ID_PATTERN.fullmatch(source.stem) is None:
            check.problem((1, 1), f"the file name gives the id '{source.stem}', which is not "
                                  "valid: use lowercase letters, digits and '-' "
                                  "(e.g. 2025-04-19-click-and-collect)")
            continue
        if source.stem in seen:
            check.problem((1, 1), f"duplicate id '{source.stem}': {seen[source.stem]} has it too")
            continue
        seen[source.stem] = source.shown_as
        if source.data is None:
            if not any(p.path == source.shown_as for p in problems):
                check.problem((1, 1), "the file is empty: an incident needs 'title' and "
                                      "'updates'")
            continue
        if config is not None:
            check.languages = config.site.languages if config.site.others else ()
            incident = _parse_incident(source, config, check)
            if incident is not None:
                incidents.append(incident)
    if problems or config is None:
        raise ProjectError(problems)
    return Project(config.site, config.groups, config.components,
                   tuple(sorted(incidents, key=lambda i: i.id)), config.notify)


@dataclass(frozen=True)
class _Config:
    site: Site
    groups: tuple[Group, ...]
    components: tuple[Component, ...]
    # False when the component list itself has problems: incident files are then not told
    # that ids are unknown, which would only echo the problem in statusgen.yaml.
    components_known: bool
    notify: tuple[Channel, ...] = ()


def _parse_config(source: Source, themes: frozenset[str], locales: frozenset[str],
                  problems: list[Problem]) -> _Config | None:
    check = _Checker(source, problems)
    if source.data is None:
        if not any(p.path == source.shown_as for p in problems):
            check.problem((1, 1), "the file is empty: it needs 'site' and 'components'")
        return None
    doc = check.mapping(source.data, (1, 1), "statusgen.yaml")
    if doc is None:
        return None
    before = len(problems)
    check.keys(doc, KEYS["statusgen.yaml"], ("site", "components"), "statusgen.yaml")
    site = None
    if "site" in doc:
        site = _parse_site(doc, check, themes, locales)
    groups: list[Group] = []
    if doc.get("groups") is not None:
        for entry, gid in _entries(check, doc, "groups", "a group", ("id", "name"), "group id"):
            if gid is not None:
                if any(g.id == gid for g in groups):
                    check.problem(entry.value_marks["id"], f"duplicate group id '{gid}'")
                else:
                    groups.append(Group(gid, check.said(entry, "name", gid)))
    components: list[Component] = []
    group_ids = [g.id for g in groups]
    before_components = len(problems)
    if "components" in doc:
        for entry, cid in _entries(check, doc, "components", "a component", ("id", "name"),
                                   "component id"):
            group = entry.get("group")
            if group is not None and group not in group_ids:
                check.problem(entry.value_marks["group"], f"unknown group '{group}'"
                              + (did_you_mean(str(group), group_ids)
                                 or (f": groups are {', '.join(group_ids)}" if group_ids
                                     else ": define it under 'groups'")))
            if cid is None:
                continue
            if any(c.id == cid for c in components):
                check.problem(entry.value_marks["id"], f"duplicate component id '{cid}'")
                continue
            components.append(Component(cid, check.said(entry, "name", cid),
                                        str(group) if group is not None else None,
                                        check.said(entry, "description")))
        if not components and len(problems) == before:
            check.problem(doc.value_marks["components"], "'components' lists no component")
    if site is None:  # reported above; a stand-in lets the incident files be checked too
        site = Site("", "https://status.invalid/", ZoneInfo("UTC"), "default", 90, "")
    channels = _parse_notify(doc, check, [c.id for c in components], site.languages) \
        if doc.get("notify") is not None else ()
    return _Config(site, tuple(groups), tuple(components),
                   components_known=len(problems) == before_components and "components" in doc,
                   notify=channels)


# A URL's ${NAME}: read from the environment when sending, never written anywhere.
SECRET = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _parse_notify(doc: Mapping, check: _Checker, component_ids: list[str],
                  languages: tuple[str, ...]) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    for entry, name in _entries(check, doc, "notify", "a channel", ("name", "url"),
                                "channel name"):
        url = check.text(entry, "url")
        if url and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url) is None:
            check.problem(entry.value_marks["url"], "a channel's url is an Apprise URL, such as "
                          "slack://${SLACK_TOKEN} or mailto://...: it starts with its scheme "
                          "and ://")
        if url and "$" in SECRET.sub("", url):
            check.problem(entry.value_marks["url"], "write a secret in a url as ${NAME}, read "
                          "from the environment variable NAME when sending")
        components = _listed(entry, "components", component_ids, check)
        events = _listed(entry, "events", list(EVENTS), check)
        language = check.text(entry, "language")
        if language and language not in languages:
            check.problem(entry.value_marks["language"], f"'{language}' is not one of the "
                          f"site's languages ({', '.join(languages)})"
                          + did_you_mean_tag(language, languages))
        if name is not None and any(c.name == name for c in channels):
            check.problem(entry.value_marks["name"], f"duplicate channel name '{name}'")
        elif name is not None and url:
            channels.append(Channel(name, url, tuple(components), tuple(events or EVENTS),
                                    "" if language == languages[0] else language))
    return tuple(channels)


def _listed(entry: Mapping, key: str, known: list[str], check: _Checker) -> list[str]:
    """A channel's list of components or events, each one of `known`."""
    if key not in entry:
        return []
    seq = check.sequence(entry[key], entry.value_marks[key], f"'{key}'")
    found = []
    for value, mark in zip(seq or [], seq.item_marks if seq is not None else []):
        if value not in known:
            check.problem(mark, f"unknown {key[:-1]} '{value}'" + (
                did_you_mean(str(value), known) or f": use one of {', '.join(known)}"))
        else:
            found.append(str(value))
    return found


def _items(check: _Checker, doc: Mapping, key: str) -> list[tuple[Any, Mark]]:
    seq = check.sequence(doc.get(key), doc.value_marks[key], f"'{key}'")
    return list(zip(seq, seq.item_marks)) if seq is not None else []


def _entries(check: _Checker, doc: Mapping, key: str, what: str, required: tuple[str, ...],
             ident: str) -> Iterator[tuple[Mapping, str | None]]:
    """The mappings listed under statusgen.yaml's `key`, their keys checked, each with its
    id (its first required key; None when it lacks a good one)."""
    first = required[0]
    for item, mark in _items(check, doc, key):
        entry = check.mapping(item, mark, what)
        if entry is None:
            continue
        check.keys(entry, KEYS[key], required, what)
        yield entry, check.ident(entry[first], entry.value_marks[first], ident) \
            if first in entry else None


# A line break in base_url would start a line of its own in robots.txt and break the
# calendar; the serializers escape everything else (quotes, <, >) where it is written.
_NOT_IN_URL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _good_base_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:  # e.g. "https://[::1" or "https://host:99999/"
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query \
        and not parts.fragment and "?" not in url and "#" not in url \
        and _NOT_IN_URL.search(url) is None


def _parse_site(doc: Mapping, check: _Checker, themes: frozenset[str],
                locales: frozenset[str]) -> Site | None:
    site = check.mapping(doc["site"], doc.value_marks["site"], "'site'")
    if site is None:
        return None
    check.keys(site, KEYS["site"], ("title", "base_url"), "'site'")
    base_url = check.text(site, "base_url")
    if "base_url" in site and not _good_base_url(base_url):
        check.problem(site.value_marks["base_url"], f"base_url '{base_url}' must be an absolute "
                                                    "http(s) URL without line breaks, a query or "
                                                    "a fragment, e.g. https://status.example.com/")
    if not base_url.endswith("/"):
        base_url += "/"
    tz_name = check.text(site, "timezone", "UTC")
    tz = ZoneInfo("UTC")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        check.problem(site.value_marks["timezone"], f"unknown time zone '{tz_name}': use an "
                                                    "IANA name such as Europe/London or UTC")
    theme = check.text(site, "theme", "default")
    if "theme" in site and check.ident(theme, site.value_marks["theme"], "theme") is not None \
            and theme not in themes | BUILTIN_THEMES:
        check.problem(site.value_marks["theme"], f"no theme '{theme}': make themes/{theme}/ "
                                                 "or use the built-in 'default'")
    days = site.get("history_days", 90)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        check.problem(site.value_marks["history_days"],
                      "'history_days' must be a whole number of days from 1 to 3650")
        days = 90
    feed_items = site.get("feed_items", 50)
    if isinstance(feed_items, bool) or not isinstance(feed_items, int) \
            or not 1 <= feed_items <= 1000:
        check.problem(site.value_marks["feed_items"],
                      "'feed_items' must be a whole number of items from 1 to 1000")
        feed_items = 50
    first, *others = _languages(site, check, locales)
    check.languages = (first, *others) if others else ()
    return Site(check.said(site, "title", required=True), base_url, tz, theme, days,
                check.said(site, "description"), feed_items, _logo(site, check),
                _stale_after(site, check), first, tuple(others))


def _languages(site: Mapping, check: _Checker, locales: frozenset[str]) -> list[str]:
    """site.language, or site.languages (the first at the site's root, each other under
    /<tag>/): languages statusgen has a catalogue for, or the project has."""
    if "languages" not in site:
        tag = check.text(site, "language", "en")
        return [_language(tag, site.value_marks.get("language", site.mark), check, locales)]
    if "language" in site:
        check.problem(site.key_marks["languages"], "give either 'language' (one) or "
                                                   "'languages' (several), not both")
    listed = check.sequence(site["languages"], site.value_marks["languages"], "'languages'")
    tags: list[str] = []
    for tag, mark in zip(listed or (), listed.item_marks if listed else ()):
        if not isinstance(tag, str):
            check.problem(mark, "each of 'languages' must be a language tag, e.g. en-GB")
        elif tag in tags:
            check.problem(mark, f"'{tag}' is listed twice in 'languages'")
        else:
            tags.append(_language(tag, mark, check, locales))
    if listed is not None and not listed:
        check.problem(site.value_marks["languages"], "'languages' lists no language: give "
                                                     "one or more, the first at the root")
    return tags or ["en"]


def _language(tag: str, mark: Mark, check: _Checker, locales: frozenset[str]) -> str:
    """A language statusgen has a catalogue for, or the project has (locales/<tag>.po) and
    CLDR knows."""
    if tag in SHIPPED:
        return tag
    if tag not in locales:
        known = sorted({*SHIPPED, *locales})
        check.problem(mark, f"no catalogue for the language '{tag}'" + (
            did_you_mean_tag(tag, known) or f": statusgen has {', '.join(SHIPPED)}; for "
                                            f"another, translate one into locales/{tag}.po"))
        return "en"
    from .language import cldr_locale  # Babel, only for a language statusgen does not ship

    if cldr_locale(tag) is None:
        check.problem(mark, f"'{tag}' is not a language tag CLDR knows: write a BCP 47 tag "
                            "such as pt-BR, and name its catalogue after it")
        return "en"
    return tag


_DURATION = re.compile(r"(\d+)\s*(m|h|d)")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def _stale_after(site: Mapping, check: _Checker) -> timedelta:
    """How long an unresolved incident may go without an update before `check` warns: a
    number and m, h or d (default 24h)."""
    text = str(site.get("stale_after", "24h")).strip()
    found = _DURATION.fullmatch(text)
    if found is None or int(found[1]) == 0:
        check.problem(site.value_marks["stale_after"], f"'stale_after' is '{text}': write a "
                                                       "number and m, h or d, e.g. 24h or 90m")
        return timedelta(hours=24)
    return int(found[1]) * _UNITS[found[2]]


LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
MAX_LOGO_BYTES = 1_000_000


def _logo(site: Mapping, check: _Checker) -> str:
    """`logo`: an image file inside the project, as a path relative to it with '/'. The build
    copies it into the site, so it is checked on disk here: it must exist and stay inside the
    project, even through a symlink. ("" when there is no logo.)"""
    logo = check.text(site, "logo")
    if not logo:
        return ""
    mark = site.value_marks["logo"]
    if "://" in logo:
        check.problem(mark, f"logo '{logo}' must be an image file in the project, not a URL: "
                            "save it as, say, images/logo.svg and give that path")
        return ""
    if "\\" in logo or logo.startswith("/") or ":" in logo \
            or any(part in ("", ".", "..") for part in logo.split("/")):
        check.problem(mark, f"logo '{logo}' must be a path inside the project, relative to "
                            "statusgen.yaml and written with '/', such as images/logo.svg")
        return ""
    if not logo.lower().endswith(LOGO_SUFFIXES):
        check.problem(mark, f"logo '{logo}' must be an image: {', '.join(LOGO_SUFFIXES)}")
        return ""
    root = Path(check.path).parent  # the checker's path is the project's statusgen.yaml
    try:
        found = (root / logo).resolve(strict=True)
        inside = found.is_relative_to(root.resolve(strict=True))
        size = found.stat().st_size if found.is_file() else None
    except (OSError, ValueError):  # ValueError: a NUL in the path
        check.problem(mark, f"no file '{logo}' in the project")
        return ""
    if not inside:
        check.problem(mark, f"logo '{logo}' leads outside the project")
    elif size is None:
        check.problem(mark, f"logo '{logo}' is not a file")
    elif size > MAX_LOGO_BYTES:
        check.problem(mark, f"logo '{logo}' is {size} bytes; the limit is {MAX_LOGO_BYTES}")
    else:
        return logo
    return ""




def _parse_incident(source: Source, config: _Config, check: _Checker) -> Incident | None:
    site = config.site
    doc = check.mapping(source.data, (1, 1), "an incident file")
    if doc is None:
        return None
    before = len(check.problems)
    kind = doc.get("kind", "incident")
    if kind not in ("incident", "maintenance"):
        check.problem(doc.value_marks["kind"], f"unknown kind '{kind}': use incident "
                                               "(the default) or maintenance")
        return None
    maintenance = kind == "maintenance"
    component_ids = [c.id for c in config.components] if config.components_known else None
    if maintenance:
        check.keys(doc, KEYS["maintenance"], ("title", "scheduled", "components"),
                   "a maintenance")
    else:
        check.keys(doc, KEYS["incident"], ("title", "updates"), "an incident")
    impact = None
    if "impact" in doc and not maintenance:
        word = check.word(doc, "impact", tuple(i.word for i in IMPACTS), "impact")
        impact = Impact[word.upper()] if word else None
    start = end = None
    affected: list[str] = []
    if maintenance and "scheduled" in doc:
        window = check.mapping(doc["scheduled"], doc.value_marks["scheduled"], "'scheduled'")
        if window is not None:
            check.keys(window, KEYS["scheduled"], ("start", "end"), "'scheduled'")
            start = check.time(window, "start", site.timezone) if "start" in window else None
            end = check.time(window, "end", site.timezone) if "end" in window else None
            if start and end and end <= start:
                check.problem(window.value_marks["end"], "the maintenance window must end after "
                                                         "it starts")
    if maintenance and "components" in doc:
        for item, mark in _items(check, doc, "components"):
            if _known_component(check, item, mark, component_ids):
                affected.append(item)
    updates = _parse_updates(doc, check, site, component_ids, maintenance) \
        if doc.get("updates") is not None or not maintenance else []
    if len(check.problems) > before:
        return None
    return Incident(
        id=source.stem,
        title=check.said(doc, "title", required=True),
        updates=tuple(updates),
        impact=impact,
        pinned=check.flag(doc, "pinned"),
        postmortem=check.said(doc, "postmortem"),
        is_maintenance=maintenance,
        scheduled_start=start,
        scheduled_end=end,
        maintenance_components=tuple(affected),
        digest=source.digest,
    )


def _known_component(check: _Checker, item: Any, mark: Mark, ids: list[str] | None) -> bool:
    if ids is None or item in ids:
        return True
    check.problem(mark, f"unknown component '{item}'"
                  + (did_you_mean(str(item), ids) or f": components are {', '.join(ids)}"))
    return False


def _parse_updates(doc: Mapping, check: _Checker, site: Site, component_ids: list[str] | None,
                   maintenance: bool) -> list[Update]:
    updates: list[Update] = []
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    allowed = KEYS["maintenance updates"] if maintenance else KEYS["updates"]
    items = _items(check, doc, "updates") if "updates" in doc else []
    if "updates" in doc and not items and isinstance(doc["updates"], Sequence):
        check.problem(doc.value_marks["updates"], "'updates' is empty: give at least one")
    previous: datetime | None = None
    for index, (item, mark) in enumerate(items):
        entry = check.mapping(item, mark, "an update")
        if entry is None:
            continue
        check.keys(entry, allowed, ("at", "message"), "an update")
        if index == 0 and not maintenance and "status" not in entry:
            check.problem(entry.mark, "the first update needs a 'status': one of "
                                      + ", ".join(statuses))
        at = check.time(entry, "at", site.timezone) if "at" in entry else None
        if at is not None and previous is not None and at < previous:
            check.problem(entry.value_marks["at"], "this update is earlier than the one before "
                                                   "it: list updates oldest first")
        previous = at or previous
        status = check.word(entry, "status", statuses, "status") if "status" in entry else None
        changes: list[tuple[str, State]] = []
        states = check.mapping(entry["components"], entry.value_marks["components"],
                               "'components'") if "components" in entry else None
        if states is not None:
            for cid in states:
                if not _known_component(check, cid, states.key_marks[cid], component_ids):
                    continue
                word = check.word(states, cid, tuple(s.word for s in SETTABLE_STATES),
                                  "component state")
                if word:
                    changes.append((cid, State[word.upper()]))
        next_update = None
        if entry.get("next_update") is not None:
            next_update = check.time(entry, "next_update", site.timezone)
            if next_update and at and next_update < at:
                check.problem(entry.value_marks["next_update"], "the next update is promised "
                                                                "before this update was posted")
        impact = None
        if entry.get("customer_impact") is not None:
            impact = _parse_customer_impact(entry, check)
        level = check.word(entry, "impact", tuple(i.word for i in IMPACTS), "impact") \
            if "impact" in entry else None
        edited = check.time(entry, "edited", site.timezone) if "edited" in entry else None
        if edited and at and edited < at:
            check.problem(entry.value_marks["edited"], "an update cannot be edited before it "
                                                       "was posted")
        if at is not None:
            updates.append(Update(at, status, tuple(changes), check.said(entry, "message"),
                                  next_update, impact, Impact[level.upper()] if level else None,
                                  edited))
    return updates


def _item(check: _Checker, seq: Sequence, n: int, what: str) -> str:
    """Item `n` of a list of texts: text (a number or boolean as written), or a map of the
    site's languages to text."""
    item, mark = seq[n], seq.item_marks[n]
    if isinstance(item, Mapping) and check.languages:
        return check.translated(item, mark, what)
    if not isinstance(item, str) and n not in seq.raw:
        check.problem(mark, f"{what} must be text")
    return seq.raw.get(n, str(item))


def _parse_customer_impact(entry: Mapping, check: _Checker) -> CustomerImpact | None:
    m = check.mapping(entry["customer_impact"], entry.value_marks["customer_impact"],
                      "'customer_impact'")
    if m is None:
        return None
    check.keys(m, KEYS["customer_impact"], (), "'customer_impact'")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("still_works", "not_working"):
        value = m.get(key)
        if value is None:
            lists[key] = ()
        elif isinstance(value, str | Mapping):
            lists[key] = (check.said(m, key),)
        else:
            seq = check.sequence(value, m.value_marks[key], f"'{key}'")
            if seq is not None:
                lists[key] = tuple(_item(check, seq, n, f"each item of '{key}'")
                                   for n in range(len(seq)))
    return CustomerImpact(lists.get("still_works", ()), lists.get("not_working", ()),
                          check.said(m, "workaround"))
