"""The status project as frozen values: what parse produces and the model computes on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from .words import N_


class State(IntEnum):
    """A component's state, best to worst, so `max()` gives the worst. An incident's state
    outranks maintenance: a real outage during a maintenance window is what readers need."""

    OPERATIONAL = 0
    UNDER_MAINTENANCE = 1
    DEGRADED_PERFORMANCE = 2
    PARTIAL_OUTAGE = 3
    MAJOR_OUTAGE = 4

    @property
    def word(self) -> str:
        """Statuspage's word, as written in the YAML and the API."""
        return _STATE_WORDS[self]

    @property
    def label(self) -> str:
        """The state in plain words for people."""
        return _STATE_LABELS[self]


# Worked out once: pages and records ask for them tens of thousands of times.
_STATE_WORDS = {state: state.name.lower() for state in State}
_STATE_LABELS = {
    State.OPERATIONAL: N_("Operational"),
    State.UNDER_MAINTENANCE: N_("Under maintenance"),
    State.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    State.PARTIAL_OUTAGE: N_("Partial outage"),
    State.MAJOR_OUTAGE: N_("Major outage"),
}


class Impact(IntEnum):
    """An incident's impact and the page's overall indicator (Statuspage's words)."""

    NONE = 0
    MAINTENANCE = 1
    MINOR = 2
    MAJOR = 3
    CRITICAL = 4

    @property
    def word(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        """An incident's weight in words: "Notice", "Maintenance", "Major impact"."""
        return _IMPACT_LABELS[self]


_IMPACT_LABELS = {
    Impact.NONE: N_("Notice"),
    Impact.MAINTENANCE: N_("Maintenance"),
    Impact.MINOR: N_("Minor impact"),
    Impact.MAJOR: N_("Major impact"),
    Impact.CRITICAL: N_("Critical impact"),
}


class Text(str):
    """A text of the project in its first language, with its translations by language tag
    (written in YAML as a map of language to text): as a str, the first language's."""

    translations: Mapping[str, str]

    def __new__(cls, first: str, translations: Mapping[str, str]) -> Text:
        text = super().__new__(cls, first)
        text.translations = translations
        return text

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other) is True and \
            getattr(other, "translations", None) == self.translations

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"Text({str.__repr__(self)}, {dict(self.translations)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return Text, (str(self), dict(self.translations))


class Fallback(str):
    """A text shown in another language than its own, which has no translation: the first
    language's, with that language's tag and direction, which pages mark it with."""

    lang: str
    dir: str

    def __new__(cls, text: str, lang: str, direction: str) -> Fallback:
        made = super().__new__(cls, text)
        made.lang, made.dir = lang, direction
        return made

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other) is True and getattr(other, "lang", None) == self.lang

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"Fallback({str.__repr__(self)}, {self.lang!r}, {self.dir!r})"

    def __fingerprint__(self) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[object, ...]:
        return Fallback, (str(self), self.lang, self.dir)


class Said:
    """The texts of a project as one language shows them (Project.in_language): each its
    translation, else the first language's as a Fallback; `tag` None for the first language."""

    def __init__(self, tag: str | None, first: str, direction: str) -> None:
        self.tag, self.first, self.direction = tag, first, direction

    def __call__(self, text: str) -> str:
        if self.tag is None:
            return str(text) if type(text) is Text else text
        said = text.translations.get(self.tag) if type(text) is Text else None
        return said if said is not None else Fallback(text, self.first, self.direction)

    def all(self, texts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(self, texts))


INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
# The component states an update may set (under_maintenance comes from maintenance windows).
SETTABLE_STATES = tuple(s for s in State if s is not State.UNDER_MAINTENANCE)
IMPACTS = tuple(i for i in Impact if i is not Impact.MAINTENANCE)


@dataclass(frozen=True)
class Site:
    title: str
    base_url: str  # always ends with "/"
    timezone: ZoneInfo
    theme: str
    history_days: int
    description: str
    feed_items: int = 50  # the most items a feed lists
    logo: str = ""  # an image inside the project, relative to its root; "" for the title in text
    stale_after: timedelta = timedelta(hours=24)  # an incident without an update for longer: warn
    language: str = "en"  # a BCP 47 tag with a catalogue (statusgen.language): the first
    others: tuple[str, ...] = ()  # the site's other languages, each under /<tag>/

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *self.others)


@dataclass(frozen=True)
class Group:
    id: str
    name: str


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    group: str | None
    description: str


@dataclass(frozen=True)
class CustomerImpact:
    still_works: tuple[str, ...]
    not_working: tuple[str, ...]
    workaround: str


@dataclass(frozen=True)
class Update:
    at: datetime  # aware
    status: str | None  # None: the status stays as it was ("Update")
    components: tuple[tuple[str, State], ...]  # state changes this update makes
    message: str  # Markdown
    next_update: datetime | None = None
    customer_impact: CustomerImpact | None = None  # replaces the one before; empty: none now
    impact: Impact | None = None  # the incident's impact from this update on
    edited: datetime | None = None  # when it was last corrected (statusgen amend)


@dataclass(frozen=True)
class Incident:
    """An incident, a notice (no components) or, with `is_maintenance`, a maintenance."""

    id: str
    title: str
    updates: tuple[Update, ...]  # oldest first
    impact: Impact | None = None  # as first written (updates may change it); None: derived
    pinned: bool = False
    postmortem: str = ""
    is_maintenance: bool = False
    scheduled_start: datetime | None = None  # maintenance only
    scheduled_end: datetime | None = None
    maintenance_components: tuple[str, ...] = ()
    # A digest of the file it was read from ("" when made in code): with the number of its
    # updates published, it tells an incident as published from any other.
    digest: str = field(default="", compare=False, repr=False)
    # What later stages work out from it, once per value (model.state_steps): not part of
    # the value, so never compared, shown or pickled.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "derived": {}}

    def __fingerprint__(self) -> str:
        """What the incident as published is known by (statusgen.incremental.keys)."""
        if self.digest:
            return f"{self.id}:{self.digest}:{len(self.updates)}"
        return repr(self)


@dataclass(frozen=True)
class Channel:
    """Where `statusgen notify` sends each update (statusgen.yaml's `notify:`)."""

    name: str  # an id: the state file records what it has received under it
    url: str  # an Apprise URL; each ${NAME} in it is read from the environment when sending
    components: tuple[str, ...] = ()  # only updates of incidents that touch these; (): all
    events: tuple[str, ...] = ("incident", "maintenance")
    language: str = ""  # one of the site's languages; "": the first


EVENTS = ("incident", "maintenance")


@dataclass(frozen=True)
class Project:
    site: Site
    groups: tuple[Group, ...]
    components: tuple[Component, ...]
    incidents: tuple[Incident, ...]  # sorted by id
    # Only `statusgen notify` reads them: no page shows them, so no key of the build holds them.
    notify: tuple[Channel, ...] = field(default=(), compare=False, repr=False)

    def in_language(self, said: Said) -> Project:
        """The project with every text as `said` shows it: what one language's outputs are
        made of. Only texts change: what later stages work out of an incident is shared."""
        site = self.site
        return replace(
            self, site=replace(site, title=said(site.title),
                               description=said(site.description)),
            groups=tuple(replace(g, name=said(g.name)) for g in self.groups),
            components=tuple(replace(c, name=said(c.name), description=said(c.description))
                             for c in self.components),
            incidents=tuple(incident_in(i, said) for i in self.incidents))


def incident_in(incident: Incident, said: Said) -> Incident:
    """The incident with every text as `said` shows it (Project.in_language)."""
    made = replace(incident, title=said(incident.title), postmortem=said(incident.postmortem),
                   updates=tuple(replace(u, message=said(u.message), customer_impact=None
                                         if u.customer_impact is None else CustomerImpact(
                                             said.all(u.customer_impact.still_works),
                                             said.all(u.customer_impact.not_working),
                                             said(u.customer_impact.workaround)))
                                 for u in incident.updates))
    object.__setattr__(made, "derived", incident.derived)  # the same states, times, steps
    return made
