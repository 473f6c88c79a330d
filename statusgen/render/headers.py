"""`_headers`: cache and CORS rules in the format Netlify and Cloudflare Pages read."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from urllib.parse import quote, urlsplit

from ..project import Project
from . import Output

# Pages, feeds, badges and the API change with every build. A minute keeps what a visitor sees
# at most a minute or two old, while a CDN answers a spike of visitors from its cache (and
# revalidates in the background); should the origin fail, caches may go on serving the last
# copy for a day rather than an error.
SHORT = "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400"
# Static files have a content hash in their names: a changed file gets a new name.
YEAR = "public, max-age=31536000, immutable"
# Widgets and readers on other sites fetch these, as they fetch Statuspage's.
CORS = ("Access-Control-Allow-Origin", "*")

# (path pattern from the site's root, headers). Exactly one rule sets Cache-Control for any
# file: Cloudflare Pages (and perhaps Netlify) joins the values of a header that two matching
# rules set, giving "max-age=60, max-age=31536000". A pattern has at most one `*` (Cloudflare's
# limit).
RULES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("/static/*", (("Cache-Control", YEAR),)),
    *((pattern, (("Cache-Control", SHORT),)) for pattern in (
        "/", "/index.html", "/404.html", "/history/*", "/incidents/*", "/components/*",
        "/badge.svg", "/sitemap.xml", "/robots.txt", "/embed.js", "/embed.html")),
    *((pattern, (("Cache-Control", SHORT), CORS)) for pattern in (
        "/feed.*", "/api/*", "/maintenance.ics")),
    ("/components/:id/feed.*", (CORS,)),  # its Cache-Control comes from /components/*
)


# What only the site's root has: a language's folder has the rest again.
_ROOT_ONLY = ("/static/*", "/api/*", "/sitemap.xml", "/robots.txt")


def headers_output(settings: Project, folders: Sequence[str] = ()) -> Output:
    """`_headers`, which only the site's settings shape, and its other languages' `folders`
    ("cy/")."""
    return Output("_headers", partial(render_headers, settings, tuple(folders)))


def render_headers(project: Project, folders: tuple[str, ...] = ()) -> dict[str, bytes]:
    """{"_headers": the rules}. Their paths start at the host's root, so a base_url with a
    path (https://example.com/status/) puts that path before each of them; each language's
    folder has the rules of the files it has."""
    # quoted, so that nothing in the path reads as a pattern (* or :) or ends a line
    base = quote(urlsplit(project.site.base_url).path.rstrip("/"), safe="/%")
    lines = ["# Cache and CORS headers for Netlify and Cloudflare Pages, written by statusgen.",
             "# Pages, feeds and the API: a minute. Content-hashed static files: a year."]
    for pattern, headers in RULES:
        lines += ["", base + pattern, *(f"  {name}: {value}" for name, value in headers)]
    for folder in folders:
        within = base + quote("/" + folder.rstrip("/"), safe="/%")
        for pattern, headers in RULES:
            if pattern not in _ROOT_ONLY:
                lines += ["", within + pattern,
                          *(f"  {name}: {value}" for name, value in headers)]
    return {"_headers": "\n".join([*lines, ""]).encode()}
