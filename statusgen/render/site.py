"""Every output of the site at `now`, in the two parts a build may make apart: the pages, and
the machine-readable files (feeds, API, calendar, badges, _headers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

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
    """What the site's outputs are made of: the project at `at.now`, the templates bound to
    its settings, every incident's view by id, the components' histories, and the theme's
    static files by name (their content-hashed names are `templates.assets`)."""

    at: Situation
    templates: Templates
    by_id: Mapping[str, IncidentView]
    histories: Histories
    static: Mapping[str, bytes]


def machine_outputs(site: Site) -> list[Output]:
    """The feeds, the API, the calendar, the badges, the embeddable banner and `_headers`."""
    at, t = site.at, site.templates
    return [*feed_outputs(at, site.by_id, t.settings, t.markdown, t.language),
            api_output(at, site.by_id, site.histories.lines, t.language),
            ical_output(at, t.settings, t.markdown, t.language),
            badges_output(t.settings, t.language, at.indicator, at.states),
            embed_output(t.settings, t.language),
            headers_output(t.settings)]


def page_outputs(site: Site) -> tuple[list[Output], list[Output]]:
    """The incident pages (many: a build may make them in several processes), and the other
    pages with the static files, sitemap.xml and robots.txt."""
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
    incident_pages = [pages.incident_page(t, view, present) for view in site.by_id.values()]
    base_url = project.site.base_url
    return incident_pages, [
        static_output(t.assets, site.static), *html,
        pages.sitemap(base_url, [o.name for o in [*incident_pages, *html]]),
        pages.robots(base_url)]


def site_outputs(site: Site) -> list[Output]:
    incident_pages, other = page_outputs(site)
    return [*incident_pages, *other, *machine_outputs(site)]


def static_output(assets: Mapping[str, str], static: Mapping[str, bytes]) -> Output:
    """The static files under their content-hashed names, which the salt of every key holds:
    the same names, the same bytes."""
    return Output("static/", partial(_static, {assets[n]: data for n, data in static.items()}))


def _static(files: dict[str, bytes]) -> dict[str, bytes]:
    return dict(files)
