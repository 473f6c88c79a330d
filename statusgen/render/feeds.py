"""Feeds: one item per published update, as RSS 2.0, Atom 1.0 and JSON Feed 1.1.

`feed_outputs` gives the site's feed.rss, feed.atom and feed.json, and each component's
components/<id>/feed.atom and feed.rss with only the items of the incidents and maintenance
that touch it: an Output for each feed, made from the incidents it lists as published.

An item's id is `<incident-id>#update-<n>` (n counts from the first update, so it never
changes), or `<incident-id>#scheduled` for a maintenance announced without any update. Atom
wants a URI there, so its entries use the update's absolute URL, `<base_url>incidents/<id>/
#update-<n>`. A feed's own updated time is its newest item's time, or `now` when it is empty.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup

from .. import model
from ..language import Language
from ..markdown import Converted
from ..model import Situation
from ..project import Incident, Project, State
from ..views import IncidentView, UpdateView, update_view
from ..words import N_
from . import Output

ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "statusgen"

# Everything XML 1.0 allows (its `Char` production); the rest is dropped from every text.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("atom", ATOM)  # the RSS feed's atom:link rel="self"

# What a maintenance's status means for its components, in words.
_MAINTENANCE_STATE = {
    "scheduled": N_("Under maintenance during the window"),
    "in_progress": State.UNDER_MAINTENANCE.label,
    "verifying": State.UNDER_MAINTENANCE.label,
    "completed": State.OPERATIONAL.label,
}


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids: control characters other than tab,
    newline and carriage return, U+FFFE, U+FFFF and lone surrogates."""
    return _NOT_XML_CHAR.sub("", text)


@dataclass(frozen=True)
class FeedItem:
    id: str  # `<incident-id>#update-<n>` or `<incident-id>#scheduled`; never changes
    incident_id: str
    number: int  # the update's number; 0 for a maintenance's announcement
    url: str  # absolute: the update's anchor on the incident page
    title: str  # "[Label] Incident title", plain text
    html: str  # sanitized HTML
    text: str  # the same as plain text
    at: datetime  # published
    edited: datetime | None = None  # corrected since (statusgen amend): its updated time


@dataclass(frozen=True)
class _Channel:
    path: str  # of the feed without its extension, relative to the site root
    title: str
    description: str
    home: str  # absolute URL of the page the feed is about
    language: str  # its items' language, a BCP 47 tag


class _Words(NamedTuple):
    """How an item says things: in the site's language, at the site's time zone."""

    language: Language
    timezone: ZoneInfo

    def _(self, message: str, **values: object) -> Markup:
        """A message of the catalogue (trusted, as the templates' are), its values escaped."""
        return self.language.markup(message, **values)

    def when(self, moment: datetime) -> str:
        return self.language.moment(moment.astimezone(self.timezone))


def _states_in_words(incident: Incident, update: UpdateView,
                     names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(component name, its new state in words) for what an update changed; `names`: the
    components', by id."""
    if incident.is_maintenance:
        status = model.maintenance_status(
            replace(incident, updates=incident.updates[:update.number]), update.at)
        return [(names[cid], _MAINTENANCE_STATE[status])
                for cid in incident.maintenance_components]
    changes = [(name, state.label) for name, state in update.changes]
    if update.status == "resolved":  # resolving returns every component it still held
        changed = {name for name, _ in changes}
        before = replace(incident, updates=incident.updates[:update.number - 1])
        changes += [(names[cid], State.OPERATIONAL.label)
                    for cid in model.incident_states_at(before, update.at)
                    if names[cid] not in changed]
    return changes


def _edited(edited: datetime | None, words: _Words) -> Markup:
    """The mark of a corrected update, after its message."""
    if edited is None:
        return Markup("")
    return Markup("<p><em>{}</em></p>").format(words._("Edited %(time)s.",
                                                       time=words.when(edited)))


def _in_force(incident: Incident, update: UpdateView, words: _Words) -> Markup:
    """What customers may count on after an update, as HTML after its message: the customer
    impact in force (with when it was last confirmed, when an earlier update said it) and the
    next update it promises."""
    upto = replace(incident, updates=incident.updates[:update.number])
    impact = model.customer_impact(upto)
    html = Markup("")
    if impact is not None:
        written = model.customer_impact_update(upto)
        if written is not None and written is not upto.updates[-1]:
            html += Markup("<p><em>{}</em></p>").format(
                words._("As last confirmed %(time)s:", time=words.when(written.at)))
        for label, items in ((N_("Still working"), impact.still_works),
                             (N_("Not working"), impact.not_working)):
            if items:
                html += Markup("<p><strong>{}</strong></p><ul>{}</ul>").format(
                    words._("%(label)s:", label=words._(label)),
                    Markup("").join(Markup("<li>{}</li>").format(i) for i in items))
        if impact.workaround:
            html += Markup("<p>{}</p>").format(words._(
                "<strong>What you can do:</strong> %(workaround)s",
                workaround=impact.workaround))
    if update.next_update is not None:
        html += Markup("<p>{}</p>").format(words._("<strong>Next update</strong> by %(time)s.",
                                                   time=words.when(update.next_update)))
    return html


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|pre|blockquote|tr)>|<br\s*/?>")


def _text(html: str) -> str:
    """An item's HTML as plain text: a paragraph per block, a line per list item."""
    text = ""
    for part in _BLOCK_END.split(html):
        words = Markup(part).striptags()
        if words:
            item = "<li" in part
            text += ("\n" if item else "\n\n") if text else ""
            text += f"- {words}" if item else words
    return text


def _details(incident: Incident, states: list[tuple[str, str]], words: _Words) -> Markup:
    """The window of a maintenance and the components' new states (messages of the
    catalogue), as HTML after the message."""
    html = Markup("")
    if incident.is_maintenance:
        assert incident.scheduled_start is not None and incident.scheduled_end is not None
        html += Markup("<p>{}</p>").format(words._(
            "Scheduled window: %(start)s to %(end)s.", start=words.when(incident.scheduled_start),
            end=words.when(incident.scheduled_end)))
    if states:
        rows = Markup("").join(Markup("<li>{}</li>").format(words._(
            "%(name)s: %(state)s", name=name, state=words._(state))) for name, state in states)
        html += Markup("<p>{}</p><ul>{}</ul>").format(words._("Affected components:"), rows)
    return html


def _item(incident: Incident, number: int, anchor: str, url: str, title: str, html: Markup,
          at: datetime, edited: datetime | None = None) -> FeedItem:
    return FeedItem(id=f"{incident.id}#{anchor}", incident_id=incident.id, number=number,
                    url=xml_text(url), title=xml_text(title), html=xml_text(str(html)),
                    text=xml_text(_text(html)), at=at, edited=edited)


ItemKey = tuple[datetime, str, int]  # an item's time, incident id and number: its order


def _item_keys(incident: Incident) -> list[ItemKey]:
    """The keys of an incident's items: one per update (numbered as its view numbers them), or
    one for a maintenance announced without any."""
    if incident.is_maintenance and not incident.updates:
        assert incident.scheduled_start is not None
        return [(incident.scheduled_start, incident.id, 0)]
    return [(update.at, incident.id, n) for n, update in enumerate(incident.updates, 1)]


def _latest(incident: Incident) -> datetime:
    """The time of its newest item (updates are in time order: parse sees to it)."""
    if incident.updates:
        return incident.updates[-1].at
    assert incident.scheduled_start is not None
    return incident.scheduled_start


def _newest(incidents: list[Incident], limit: int) -> list[ItemKey]:
    """The keys of the `limit` newest items of `incidents` (given by their newest item, newest
    first), newest first (ties: by incident id, then by update number, both descending). Only
    the first incidents are looked at: once `limit` items are found, an incident whose newest
    item is older than all of them has none to add, nor have those after it."""
    found: list[ItemKey] = []
    for incident in incidents:
        if len(found) >= limit:
            found.sort(reverse=True)
            del found[limit:]
            if _latest(incident) < found[-1][0]:
                break
        found += _item_keys(incident)
    found.sort(reverse=True)
    return found[:limit]


def update_item(incident: Incident, number: int, settings: Project, converted: Converted,
                names: Mapping[str, str], language: Language) -> FeedItem:
    """The item of update `number` (0: the announcement of a maintenance without updates) in
    `language`; `names`: the components', by id."""
    page = f"{settings.site.base_url}incidents/{incident.id}/"
    words = _Words(language, settings.site.timezone)
    if number:
        update = update_view(incident, number, names, converted)
        states = _states_in_words(incident, update, names)
        return _item(incident, update.number, update.anchor, f"{page}#{update.anchor}",
                     f"[{language.gettext(update.label)}] {incident.title}",
                     update.html + _edited(update.edited, words)
                     + _in_force(incident, update, words)
                     + _details(incident, states, words), update.at, update.edited)
    # announced without an update: one item, dated at the start of its window
    assert incident.scheduled_start is not None
    states = [(names[cid], _MAINTENANCE_STATE["scheduled"])
              for cid in incident.maintenance_components]
    return _item(incident, 0, "scheduled", page,
                 f"[{language.gettext(N_('Scheduled'))}] {incident.title}",
                 Markup("<p>{}</p>").format(words._("Maintenance is scheduled."))
                 + _details(incident, states, words), incident.scheduled_start)


def feed_outputs(at: Situation, by_id: Mapping[str, IncidentView], settings: Project,
                 converted: Converted, language: Language) -> list[Output]:
    """The site's feeds and every component's; `settings`: the project's, without incidents.
    A feed is made of the incidents it lists (as published) and the numbers of their updates,
    and dated by its newest item (`now` when it has none)."""
    site = settings.site
    incidents = {i.id: i for i in at.project.incidents}
    # by their newest item, newest first: each feed looks only at the first few
    order = sorted(at.project.incidents, key=lambda i: (_latest(i), i.id), reverse=True)
    touching: dict[str, list[Incident]] = {c.id: [] for c in settings.components}
    for incident in order:
        for shown in by_id[incident.id].affected:  # model.affected_components, worked out
            touching[shown.id].append(incident)

    made: dict[tuple[str, int], FeedItem] = {}  # the feeds share many items

    def feed(channel: _Channel, chosen: list[ItemKey], formats: Sequence[str]) -> Output:
        return Output(f"{channel.path}.{formats[0]}",
                      partial(_feed_files, settings, converted, language, made, formats), {
                          "channel": channel, "updated": chosen[0][0] if chosen else at.now,
                          "items": [(incidents[iid], number) for _, iid, number in chosen]})

    _ = language.gettext
    outputs = [feed(_Channel("feed", xml_text(site.title), xml_text(
        site.description or _("Every update on incidents and maintenance from %(title)s.")
        % {"title": site.title}), site.base_url, language.tag),
        _newest(order, site.feed_items), ("rss", "atom", "json"))]
    for component in settings.components:
        outputs.append(feed(_Channel(
            f"components/{component.id}/feed", xml_text(f"{component.name} · {site.title}"),
            xml_text(_("Every update on incidents and maintenance affecting %(name)s, from "
                       "%(title)s.") % {"name": component.name, "title": site.title}),
            f"{site.base_url}components/{component.id}/", language.tag),
            _newest(touching[component.id], site.feed_items), ("rss", "atom")))
    return outputs


def _feed_files(settings: Project, converted: Converted, language: Language,
                made: dict[tuple[str, int], FeedItem], formats: Sequence[str],
                channel: _Channel, updated: datetime,
                items: list[tuple[Incident, int]]) -> dict[str, bytes]:
    """A feed's files; `made`: the items made for the other feeds of the same incidents as
    published (one build's)."""
    names = {c.id: c.name for c in settings.components}
    for incident, number in items:
        if (incident.id, number) not in made:
            made[incident.id, number] = update_item(incident, number, settings, converted,
                                                    names, language)
    listed = [made[incident.id, number] for incident, number in items]
    return {f"{channel.path}.{form}": _FORMATS[form](channel, listed, updated, settings)
            for form in formats}


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrib.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _rss(channel: _Channel, items: list[FeedItem], updated: datetime, project: Project
         ) -> bytes:
    rss = ET.Element("rss", version="2.0")
    head = _add(rss, "channel")
    _add(head, "title", channel.title)
    _add(head, "link", channel.home)
    _add(head, "description", channel.description)
    _add(head, "language", channel.language)
    _add(head, f"{{{ATOM}}}link", rel="self", type="application/rss+xml",
         href=f"{project.site.base_url}{channel.path}.rss")
    _add(head, "lastBuildDate", format_datetime(updated.astimezone(UTC), usegmt=True))
    _add(head, "generator", GENERATOR)
    for item in items:
        entry = _add(head, "item")
        _add(entry, "title", item.title)
        _add(entry, "link", item.url)
        _add(entry, "guid", item.id, isPermaLink="false")
        _add(entry, "pubDate", format_datetime(item.at.astimezone(UTC), usegmt=True))
        _add(entry, "description", item.html)
    return _xml(rss)


def _atom(channel: _Channel, items: list[FeedItem], updated: datetime, project: Project
          ) -> bytes:
    # Atom as the default namespace, declared on the root, so no element needs a prefix
    # (ElementTree's default_namespace option refuses unprefixed attributes such as rel).
    self_url = f"{project.site.base_url}{channel.path}.atom"
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": channel.language})
    _add(feed, "title", channel.title)
    _add(feed, "subtitle", channel.description)
    _add(feed, "link", rel="alternate", type="text/html", href=channel.home)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "id", self_url)
    _add(feed, "updated", _rfc3339(updated))
    _add(_add(feed, "author"), "name", project.site.title)
    _add(feed, "generator", GENERATOR)
    for item in items:
        entry = _add(feed, "entry")
        _add(entry, "title", item.title)
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(entry, "id", atom_id(item, project.site.base_url))
        _add(entry, "published", _rfc3339(item.at))
        _add(entry, "updated", _rfc3339(item.edited or item.at))
        _add(entry, "content", item.html, type="html")
    return _xml(feed)


def atom_id(item: FeedItem, base_url: str) -> str:
    """The Atom id of an item: `<base_url>incidents/<incident-id>/#update-<n>` (or
    `#scheduled`), an absolute URL carrying the item's permanent id."""
    return f"{base_url}incidents/{item.incident_id}/#{item.id.partition('#')[2]}"


def _json_feed(channel: _Channel, items: list[FeedItem], updated: datetime,
               project: Project) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": f"{project.site.base_url}{channel.path}.json",
        "description": channel.description,
        "language": channel.language,
        "authors": [{"name": xml_text(project.site.title)}],
        "items": [{
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.html,
            "content_text": item.text,
            "date_published": _rfc3339(item.at),
            "date_modified": _rfc3339(item.edited or item.at),
        } for item in items],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_FORMATS = {"rss": _rss, "atom": _atom, "json": _json_feed}
