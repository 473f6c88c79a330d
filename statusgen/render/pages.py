"""The site's HTML pages, its sitemap and robots.txt, each an Output (see statusgen.render).

An ongoing page is made as of the build's `now`, with the site's present (theme.Present: its
indicator, and the last change its live script checks for). A page whose every
incident has ended (an ended incident's own page, an older page of a component's incidents, a
month of the history) is made as it stood once the last of them settled (model.settled_at):
its `now` is that moment and it has no present, so it stays the same at any later time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from .. import history, intervals, views
from ..history import Month, Period, Uptime
from ..project import State
from ..views import ComponentView, IncidentView
from . import Output
from .theme import Present, Templates


def as_of(shown: Sequence[IncidentView], now: datetime, present: Present
          ) -> tuple[datetime, Present | None]:
    """The moment a page listing `shown` is made as of, and its present: when the last of
    them settled, without one, if all have; else now, with the site's."""
    moments = [view.settled for view in shown]
    if not moments or None in moments:
        return now, present
    return max(m for m in moments if m is not None), None


def incident_page(t: Templates, view: IncidentView, present: Present) -> Output:
    """An incident's page, as of `view.now` (see IncidentView.now)."""
    path = f"{view.path}index.html"
    return Output(path, partial(_incident_page, t, path), {
        "view": view, "present": None if view.settled is not None else present})


def _incident_page(t: Templates, path: str, view: IncidentView, present: Present | None
                   ) -> dict[str, bytes]:
    # Through the converter of the moment, in a copy that goes with the page: a build's views
    # would otherwise keep every update's HTML.
    own = view.using(t.markdown)
    timeline = history.incident_timeline(own.incident, own.names, own.now)
    return {path: t.page("incident.html", path, own.now, present, incident=own,
                         timeline=timeline)}


def front_page(t: Templates, now: datetime, present: Present, states: Mapping[str, State],
               uptime: Mapping[str, Uptime], lists: views.Lists) -> Output:
    return Output("index.html", partial(_front_page, t), {
        "now": now, "present": present, "states": states, "uptime": uptime,
        "active": lists.active, "in_progress": lists.in_progress, "upcoming": lists.upcoming,
        "recent": lists.recent})


def _front_page(t: Templates, now: datetime, present: Present, states: Mapping[str, State],
                uptime: Mapping[str, Uptime], active: list[IncidentView],
                in_progress: list[IncidentView], upcoming: list[IncidentView],
                recent: list[IncidentView]) -> dict[str, bytes]:
    ordered = views.worst_first(active)
    return {"index.html": t.page(
        "index.html", "index.html", now, present,
        groups=views.groups(t.settings, states, uptime), uptime=uptime,
        formula=intervals.UPTIME_FORMULA, named=views.worst_first([*active, *in_progress]),
        pinned=[v for v in ordered if v.pinned], active=[v for v in ordered if not v.pinned],
        in_progress=in_progress,
        upcoming=upcoming, days=views.recent_days(recent, now, t.settings.site.timezone))}


def component_pages(t: Templates, now: datetime, present: Present, component: ComponentView,
                    uptime: Uptime, periods: list[Period], touching: list[IncidentView]
                    ) -> list[Output]:
    """A component's page, with its newest incidents, and one page for each older
    views.COMPONENT_PAGE of them: no page grows with the history."""
    chunks = views.pages_of(touching)
    path = f"{component.path}index.html"
    pages = [Output(path, partial(_component_page, t, path), {
        "now": now, "present": present, "component": component, "uptime": uptime,
        "periods": periods, "current": views.worst_first([v for v in touching if v.current]),
        "incidents": chunks[0], "count": len(chunks)})]
    for number, chunk in enumerate(chunks[1:], start=2):
        path = f"{component.path}page/{number}/index.html"
        moment, shown_present = as_of(chunk, now, present)
        pages.append(Output(path, partial(_older_page, t, path), {
            "now": moment, "present": shown_present, "component": component,
            "incidents": chunk, "number": number, "count": len(chunks)}))
    return pages


def _component_page(t: Templates, path: str, now: datetime, present: Present,
                    component: ComponentView, uptime: Uptime, periods: list[Period],
                    current: list[IncidentView], incidents: list[IncidentView], count: int
                    ) -> dict[str, bytes]:
    return {path: t.page("component.html", path, now, present, component=component,
                         uptime=uptime, formula=intervals.UPTIME_FORMULA, periods=periods,
                         current=current, incidents=incidents, number=1, count=count)}


def _older_page(t: Templates, path: str, now: datetime, present: Present | None,
                component: ComponentView, incidents: list[IncidentView], number: int,
                count: int) -> dict[str, bytes]:
    return {path: t.page("component-page.html", path, now, present, component=component,
                         incidents=incidents, number=number, count=count)}


def history_pages(t: Templates, now: datetime, present: Present, months: list[Month],
                  by_id: Mapping[str, IncidentView]) -> list[Output]:
    """The history's index, and a page for each month, newest first."""
    pages = [Output("history/index.html", partial(_history_index, t),
                    {"now": now, "present": present, "months": months})]
    for number, month in enumerate(months):
        path = f"history/{month.key}/index.html"
        entries = [by_id[i] for i in month.incident_ids]
        moment, shown_present = as_of(entries, now, present)
        pages.append(Output(path, partial(_month_page, t, path), {
            "now": moment, "present": shown_present, "month": month, "entries": entries,
            "newer": months[number - 1] if number else None,
            "older": months[number + 1] if number + 1 < len(months) else None}))
    return pages


def _history_index(t: Templates, now: datetime, present: Present, months: list[Month]
                   ) -> dict[str, bytes]:
    path = "history/index.html"
    return {path: t.page("history.html", path, now, present, months=months)}


def _month_page(t: Templates, path: str, now: datetime, present: Present | None, month: Month,
                entries: list[IncidentView], newer: Month | None, older: Month | None
                ) -> dict[str, bytes]:
    return {path: t.page("history-month.html", path, now, present, month=month,
                         entries=entries, newer=newer, older=older)}


def not_found_page(t: Templates, now: datetime, present: Present) -> Output:
    return Output("404.html", partial(_not_found_page, t), {"now": now, "present": present})


def _not_found_page(t: Templates, now: datetime, present: Present) -> dict[str, bytes]:
    # A host serves 404.html at any depth, so its links start from the base URL's path.
    root = urlsplit(t.settings.site.base_url).path
    return {"404.html": t.page("404.html", "404.html", now, present, root=root)}


def sitemap(base_url: str, names: Sequence[str]) -> Output:
    """sitemap.xml, listing every page of `names` (the site's outputs) but 404.html."""
    located = sorted(name for name in names if name.endswith("index.html"))
    return Output("sitemap.xml", partial(_sitemap, base_url), {"pages": located})


def robots(base_url: str) -> Output:
    return Output("robots.txt", partial(_robots, base_url))


def _robots(base_url: str) -> dict[str, bytes]:
    return {"robots.txt": f"User-agent: *\nAllow: /\nSitemap: {base_url}sitemap.xml\n".encode()}


def _sitemap(base_url: str, pages: list[str]) -> dict[str, bytes]:
    urlset = ET.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for path in sorted(pages, key=lambda p: (p.count("/"), p)):
        ET.SubElement(ET.SubElement(urlset, "url"), "loc").text = \
            base_url + path.removesuffix("index.html")
    ET.indent(urlset)
    return {"sitemap.xml": ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"}
