"""Every output of the site at `now`, in the two parts a build may make apart: the pages, and
the machine-readable files (feeds, API, calendar, badges, _headers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from .. import history, views
from ..history import Histories
from ..model import Situation
from ..views import IncidentView
from . import Output, pages
from .api import api_output, last_change
from .badges import badges_output
from .embed import embed_output
from .feeds import feed_outputs
from .headers import headers_output
from .ical import ical_output
from .theme import Present, Templates


@dataclass(frozen=True)
class Site:
    """What the outputs of the site in one language are made of: the project at `at.now`
    (its texts in that language), the templates bound to its settings, every incident's view
    by id, the components' histories, and the theme's static files by name (their
    content-hashed names are `templates.assets`). A site of several languages is one of these
    for each; the first is at the root (`templates.folder` is ""), each other in its folder."""

    at: Situation
    templates: Templates
    by_id: Mapping[str, IncidentView]
    histories: Histories
    static: Mapping[str, bytes]


def machine_outputs(sites: Sequence[Site]) -> list[Output]:
    """The feeds, the calendar, the badges and the embeddable banner of each language; the
    API (in the first) and `_headers`."""
    first = sites[0]
    outputs = []
    for site in sites:
        at, t = site.at, site.templates
        outputs += in_folder(t.folder, [
            *feed_outputs(at, site.by_id, t.settings, t.markdown, t.language),
            *([api_output(at, site.by_id, site.histories.lines, t.language)]
              if site is first else []),
            ical_output(at, t.settings, t.markdown, t.language),
            badges_output(t.settings, t.language, at.indicator, at.states),
            embed_output(t.settings, t.language, t.home, first.templates.language.tag)])
    return [*outputs, headers_output(first.templates.settings,
                                     [s.templates.folder for s in sites[1:]])]


def page_outputs(sites: Sequence[Site]) -> tuple[list[Output], list[Output]]:
    """The incident pages of every language (many: a build may make them in several
    processes), and the other pages with the static files, sitemap.xml and robots.txt."""
    incident_pages: list[Output] = []
    html: list[Output] = []
    for site in sites:
        own_incidents, own = _pages(site)
        incident_pages += in_folder(site.templates.folder, own_incidents)
        html += in_folder(site.templates.folder, own)
    first = sites[0]
    base_url = first.templates.home
    return incident_pages, [
        static_output(first.templates.assets, first.static), *html,
        pages.sitemap(base_url, [o.name for o in [*incident_pages, *html]]),
        pages.robots(base_url)]


def _pages(site: Site) -> tuple[list[Output], list[Output]]:
    """The incident pages and the other pages of one language."""
    at, t = site.at, site.templates
    project, now = at.project, at.now
    present = Present(at.indicator, last_change(at, site.by_id, site.histories.lines))
    uptimes, periods = site.histories.uptimes, site.histories.periods
    lists = views.lists(at, site.by_id)
    html = [pages.front_page(t, now, present, at.states, uptimes, lists)]
    for component in project.components:
        html += pages.component_pages(
            t, now, present, views.component_view(component, at.states),
            uptimes[component.id], periods[component.id], lists.touching[component.id])
    html += pages.history_pages(t, now, present, history.months(
        project, project.site.timezone), site.by_id)
    html.append(pages.not_found_page(t, now, present))
    return [pages.incident_page(t, view, present) for view in site.by_id.values()], html


def site_outputs(sites: Sequence[Site]) -> list[Output]:
    incident_pages, other = page_outputs(sites)
    return [*incident_pages, *other, *machine_outputs(sites)]


def in_folder(folder: str, outputs: list[Output]) -> list[Output]:
    """`outputs` with their files in `folder` ("" for the site's root)."""
    if not folder:
        return outputs
    return [Output(folder + o.name, partial(_in_folder, folder, o.make), o.inputs, o.keyed)
            for o in outputs]


def _in_folder(folder: str, make: Callable[..., dict[str, bytes]], /, **inputs: Any
               ) -> dict[str, bytes]:
    return {folder + path: data for path, data in make(**inputs).items()}


def static_output(assets: Mapping[str, str], static: Mapping[str, bytes]) -> Output:
    """The static files under their content-hashed names, which the salt of every key holds:
    the same names, the same bytes."""
    return Output("static/", partial(_static, {assets[n]: data for n, data in static.items()}))


def _static(files: dict[str, bytes]) -> dict[str, bytes]:
    return dict(files)
