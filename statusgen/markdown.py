"""Markdown -> sanitized HTML: every text of an incident becomes HTML here, and only here.

`markdown_html` converts one text with Python-Markdown (through statusgen.converter) and
keeps only harmless tags, attributes and URL schemes (nh3). `Converted` is a build's memo of
what it converted, which may start from what earlier builds converted (any mapping of text to
HTML).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from markupsafe import Markup

from .load import not_text


@cache
def _sanitized() -> Callable[[str], str]:
    """statusgen.converter.sanitized_html, loaded with the first text a process converts:
    a build that converts none (a rebuild on the clock, a title or a state corrected) starts
    without Python-Markdown and nh3."""
    from .converter import sanitized_html

    return sanitized_html


def markdown_html(text: str) -> Markup:
    """Markdown -> HTML with only harmless tags, attributes and URL schemes left."""
    html = _sanitized()(text)
    # A character reference (&#x1b;) comes out of nh3 as the character itself: those no page
    # or feed can carry are dropped, as the loader refuses them written as escapes.
    return Markup(not_text(html).sub("", html))


class Converted:
    """Markdown converted to HTML, by message: what earlier builds converted (`known`), and
    what this one converts (`made`); `used` is what was asked for."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self.known: Mapping[str, str] = known or {}
        self.used: dict[str, str] = {}
        self.made: set[str] = set()

    @property
    def converted(self) -> int:
        return len(self.made)

    def html(self, text: str) -> Markup:
        found = self.used.get(text)
        if found is None:
            found = self.known.get(text)
            if found is None:
                found = str(markdown_html(text))
                self.made.add(text)
            self.used[text] = found
        return Markup(found)

