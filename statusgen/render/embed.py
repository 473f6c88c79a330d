"""The banner for a company's own site and app web views (SPEC §7): `embed.js`, and
`embed.html`, the same banner as a page for an `<iframe>` where a host allows no third-party
script.

The script is hand-written (embed.js beside this module, dependency-free); a build fills in its
CONFIG: the site's base URL, the words it shows, its stylesheet (embed.css) and each
component's id as the API writes it (api.statuspage_id), so that
`data-components="click-and-collect"` finds the incidents api/v2/summary.json lists.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from markupsafe import escape

from ..language import Language
from ..project import Impact, Project
from ..views import STATUS_LABELS
from . import Output
from .api import statuspage_id
from .theme import compact_css

_SOURCE = Path(__file__).parent
# embed.html's own: its script and the API from the site, nothing else (the banner styles
# itself through a constructed stylesheet, which style-src does not govern).
_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'; " \
    "form-action 'none'"
# The statuses of what the banner shows: unresolved incidents, maintenance in progress.
_SHOWN_STATUSES = ("investigating", "identified", "monitoring", "in_progress", "verifying")


def embed_output(settings: Project, language: Language, home: str, names: str) -> Output:
    """embed.js and embed.html, which only the site's settings and language shape; `home`:
    the site's root URL, where the API is (in the language `names`), which `settings`' base
    URL is in or under."""
    return Output("embed.js", partial(render_embed, settings, language, home, names))


def render_embed(settings: Project, language: Language, home: str, names: str
                 ) -> dict[str, bytes]:
    site = settings.site
    _ = language.gettext
    config = {
        "base": home,
        "up": "../" * site.base_url.removeprefix(home).count("/"),  # to the API
        "names": names,  # the language of the incidents' titles, which come from the API
        "lang": language.tag,
        "dir": language.direction,
        "ids": {c.id: statuspage_id("component", c.id) for c in settings.components},
        "words": {
            **{i.word: _(i.label) for i in (Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)},
            "maintenance": _("Maintenance in progress"),
            **{s: _(STATUS_LABELS[s]) for s in _SHOWN_STATUSES},
            "more": _("What still works"), "details": _("Details"), "dismiss": _("Dismiss"),
        },
        "css": compact_css((_SOURCE / "embed.css").read_bytes()).decode().strip(),
    }
    # JSON is a JavaScript expression; "</" kept apart, should the script ever be inlined.
    # Its opening comment is for readers of the source, not for every host page's visitors.
    source = (_SOURCE / "embed.js").read_text()
    script = source[source.index("*/") + 2:].lstrip().replace(
        "__CONFIG__", json.dumps(config, ensure_ascii=False).replace("</", "<\\/"))
    title = _("%(title)s: status banner") % {"title": site.title}
    page = f"""<!doctype html>
<html lang="{language.tag}"{' dir="rtl"' if language.direction == "rtl" else ""}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title>
</head>
<body>
<script src="embed.js" async data-query></script>
</body>
</html>
"""
    return {"embed.js": script.encode(), "embed.html": page.encode()}
