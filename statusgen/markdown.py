"""Markdown -> sanitized HTML: every text of an incident becomes HTML here, and only here.

`markdown_html` converts one text with Python-Markdown and keeps only harmless tags,
attributes and URL schemes (nh3). `Converted` is a build's memo of what it converted, which
may start from what earlier builds converted (any mapping of text to HTML).
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

import markdown
import nh3
from markdown import inlinepatterns
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .load import not_text

# What parts of Markdown react to: single characters, and three marks of more. Each is looked
# for with `in`, many times faster than a regular expression.
_CHARACTERS = "`\\<&*_[!#>\t"
_LINE_END_SPACE, _REFERENCE_MARK, _FOUR_SPACES = " \n", "]:", "    "


def _marks(text: str) -> frozenset[str]:
    """The characters and marks that `text` holds; _LINE_END_SPACE for a space or a tab just
    before a line end."""
    marks = [c for c in _CHARACTERS if c in text]
    if " \n" in text or "\t\n" in text or " \r" in text or "\t\r" in text:
        marks.append(_LINE_END_SPACE)
    if _REFERENCE_MARK in text:
        marks.append(_REFERENCE_MARK)
    if _FOUR_SPACES in text:
        marks.append(_FOUR_SPACES)
    return frozenset(marks)


def _has(*groups: str) -> Callable[[frozenset[str]], bool]:
    """Whether a text holds, of every group, one character at least."""
    return lambda marks: all(not marks.isdisjoint(group) for group in groups)


def _indented(marks: frozenset[str]) -> bool:
    return _FOUR_SPACES in marks or "\t" in marks or "<" in marks


# Parts of Python-Markdown (registry, name) and what a text must hold for each to change
# anything. Every piece of text goes through each inline pattern in turn, which is most of
# the time Markdown takes: a converter without the parts that cannot apply to a text gives
# the same HTML, faster. Mostly single characters, since Markdown joins text around the raw
# HTML it sets aside ("!<b>[x](y)" holds an image) but never makes a character up (save
# spaces from tabs and newlines from returns). tests/test_markdown.py compares the two
# converters on many texts.
_NEEDS: dict[tuple[str, str], Callable[[frozenset[str]], bool]] = {
    **{("inlinePatterns", name): needs for name, needs in {
        "backtick": _has("`"), "escape": _has("\\"), "autolink": _has("<"),
        "automail": _has("<"), "html": _has("<"), "entity": _has("&"), "em_strong": _has("*_"),
        "link": _has("["), "image_link": _has("!", "["),
        # two spaces at the end of a line: from spaces or a tab just before it, or before
        # raw HTML set aside
        "linebreak": lambda marks: "<" in marks or _LINE_END_SPACE in marks,
    }.items()},
    # raw HTML blocks, and character references that it writes out again ("&copy" -> "&copy;")
    ("preprocessors", "html_block"): _has("<&"),
    ("treeprocessors", "unescape"): _has("\\"),  # puts back what "escape" set aside
    # "[id]: https://..."
    ("parser.blockprocessors", "reference"): lambda marks: _REFERENCE_MARK in marks,
    ("parser.blockprocessors", "hashheader"): _has("#"),
    ("parser.blockprocessors", "quote"): _has(">"),
    # an indented block: four spaces or a tab (or spaces around raw HTML set aside)
    **{("parser.blockprocessors", name): _indented for name in ("code", "indent")},
}
# These only ever link to a reference the text defines, and whether it defines any is known
# exactly once its blocks are parsed: see _References.
_REFERENCES = ("reference", "short_reference", "image_reference", "short_image_ref")
_converters = threading.local()


class _References(Treeprocessor):
    """Runs between the block parser and the inline patterns: a text that defines no reference
    has its inline patterns applied without the four that can only link to one (a quarter of
    the time the others take)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.every = md.inlinePatterns
        self.some = md.inlinePatterns[:]  # a copy, with names and priorities
        for name in _REFERENCES:
            self.some.deregister(name, strict=False)

    def run(self, root: ET.Element) -> None:
        inline: Any = self.md.treeprocessors["inline"]
        inline.inlinePatterns = self.every if self.md.references else self.some


_BRACKET = re.compile(r"[\[\]]")


def _bracket_ends(data: str) -> dict[int, int]:
    """For the index just after each `[` of `data` that closes, the index just after the `]`
    that closes it."""
    ends: dict[int, int] = {}
    opened: list[int] = []
    for bracket in _BRACKET.finditer(data):
        if bracket.group() == "[":
            opened.append(bracket.end())
        elif opened:
            ends[opened.pop()] = bracket.end()
    return ends


class _Brackets(inlinepatterns.LinkInlineProcessor):
    """Python-Markdown's link and image patterns, finding the `]` that closes a `[` among the
    text's brackets only: its own way looks at every character of the text again for every
    link in it, most of a link's cost (benchmarks/RESULTS.md). The same text, index and
    answer (tests/test_markdown.py compares with the full converter)."""

    _brackets: tuple[str | None, dict[int, int]] = (None, {})  # the text, and its ends

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        if index == 0 or data[index - 1] != "[":  # not after a bracket: never asked
            return super().getText(data, index)
        if self._brackets[0] is not data:
            self._brackets = (data, _bracket_ends(data))
        end = self._brackets[1].get(index)
        if end is None:
            return data[index:], len(data), False
        return data[index:end - 1], end, True


# Each of Python-Markdown's processors that finds a link's text, given that way of finding it
_FASTER: dict[type, type] = {
    kind: type(kind.__name__, (_Brackets, kind), {}) for kind in (
        inlinepatterns.LinkInlineProcessor, inlinepatterns.ImageInlineProcessor,
        inlinepatterns.ReferenceInlineProcessor, inlinepatterns.ShortReferenceInlineProcessor,
        inlinepatterns.ImageReferenceInlineProcessor,
        inlinepatterns.ShortImageReferenceInlineProcessor)}


def _converter(text: str) -> markdown.Markdown:
    """A converter for `text`, one per thread and set of patterns, reset between texts
    (`reset()` leaves nothing of the last text behind): building one costs as much as
    converting a message."""
    marks = _marks(text)
    made = getattr(_converters, "made", None)
    if made is None:
        made = _converters.made = {}
    if marks not in made:
        unused = [part for part, needs in _NEEDS.items() if not needs(marks)]
        converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        for registry, name in unused:
            parts = converter.parser.blockprocessors if registry.startswith("parser.") \
                else getattr(converter, registry)
            parts.deregister(name, strict=False)
        for pattern in converter.inlinePatterns:
            if type(pattern) in _FASTER:  # in its place, its priority kept
                pattern.__class__ = _FASTER[type(pattern)]
        converter.treeprocessors.register(_References(converter), "references", 25)
        made[marks] = converter
    return made[marks].reset()


# nh3's defaults (its tags, attributes and URL schemes), made once rather than per text
_SANITIZER = nh3.Cleaner(link_rel="noopener noreferrer nofollow")


def markdown_html(text: str) -> Markup:
    """Markdown -> HTML with only harmless tags, attributes and URL schemes left."""
    html = _SANITIZER.clean(_converter(text).convert(text))
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

