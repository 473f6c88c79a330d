"""Markdown -> HTML as Python-Markdown converts it, faster, then through nh3 (statusgen.markdown
loads this module with the first text it converts).

Two kinds of change, neither changing the HTML (tests/test_markdown.py compares with the full
converter on many texts, in the locked and the lowest versions of Markdown):

- a converter for a text leaves out the parts of Markdown that cannot apply to it, and its
  inline processor passes over each pattern that cannot match a piece of text;
- a few of Markdown's parts are given a faster way to the same answer (the hot spots of a
  profile: benchmarks/RESULTS.md), each installed by class, so that the order and priorities
  of Markdown's registries stay as the installed version has them.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, cast

import markdown
import nh3
from markdown import (
    blockparser,
    blockprocessors,
    inlinepatterns,
    preprocessors,
    treeprocessors,
    util,
)
from markdown.extensions.sane_lists import SaneListExtension

# What the block parts of Markdown react to: single characters, and two marks of more. Each
# is looked for with `in`, many times faster than a regular expression.
_CHARACTERS = "\\<&#>\t"
_REFERENCE_MARK, _FOUR_SPACES = "]:", "    "


def _marks(text: str) -> frozenset[str]:
    """The characters and marks that `text` holds once Markdown's first step has removed the
    placeholders' marks (STX, ETX), which joins what stood around them ("  \x02  " holds
    four spaces)."""
    if util.STX in text or util.ETX in text:
        text = text.replace(util.STX, "").replace(util.ETX, "")
    marks = [c for c in _CHARACTERS if c in text]
    if _REFERENCE_MARK in text:
        marks.append(_REFERENCE_MARK)
    if _FOUR_SPACES in text:
        marks.append(_FOUR_SPACES)
    return frozenset(marks)


def _has(characters: str) -> Callable[[frozenset[str]], bool]:
    """Whether a text holds one of `characters` at least."""
    return lambda marks: not marks.isdisjoint(characters)


def _indented(marks: frozenset[str]) -> bool:
    return _FOUR_SPACES in marks or "\t" in marks or "<" in marks


# Parts of Python-Markdown (registry, name) outside the inline patterns, and what a text must
# hold for each to change anything: a converter without the parts that cannot apply to a text
# gives the same HTML, faster. Mostly single characters, since Markdown never makes a character
# up (save spaces from tabs and newlines from returns).
_NEEDS: dict[tuple[str, str], Callable[[frozenset[str]], bool]] = {
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
# What each inline pattern's regular expression matches literally, one of these at least: a
# piece of text without any is left as it is by the pattern, which need not look at it. Every
# piece of text goes through each inline pattern in turn, most of the time Markdown takes.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "escape": ("\\",), "linebreak": ("  \n",), "entity": ("&",),
    **dict.fromkeys(("reference", "link", "short_reference"), ("[",)),
    **dict.fromkeys(("image_link", "image_reference", "short_image_ref"), ("![",)),
    **dict.fromkeys(("autolink", "automail", "html"), ("<",)),
    **dict.fromkeys(("not_strong", "em_strong", "em_strong2"), ("*", "_")),
}
# These only ever link to a reference the text defines, and whether it defines any is known
# exactly once its blocks are parsed: see _Inline.
_REFERENCES = ("reference", "short_reference", "image_reference", "short_image_ref")
_converters = threading.local()

_Patterns = list[tuple[inlinepatterns.Pattern, tuple[str, ...]]]


def _triggered(registry: Any, leave: tuple[str, ...] = ()) -> _Patterns:
    """The inline patterns of `registry` but those named in `leave`, in order, each with
    what it matches literally ("" for a pattern not known here: in every text)."""
    named = {id(registry[name]): name for name in _TRIGGERS if name in registry}
    return [(pattern, _TRIGGERS[named[id(pattern)]] if id(pattern) in named else ("",))
            for pattern in registry if named.get(id(pattern)) not in leave]


class _Inline(treeprocessors.InlineProcessor):
    """Python-Markdown's inline processor, passing over each pattern whose literal text a
    piece of text does not hold (its regular expression could not match, so the pattern would
    leave the text as it is), and over the four that can only link to a reference when the
    text defines none."""

    def prepare(self) -> None:
        self._every = _triggered(self.inlinePatterns)
        self._some = _triggered(self.inlinePatterns, _REFERENCES)
        self._patterns = self._every

    def run(self, tree: ET.Element, ancestors: list[str] | None = None) -> ET.Element:
        self._patterns = self._every if self.md.references else self._some
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """Python-Markdown's own loop over the patterns, from `patternIndex`, with the
        patterns that cannot match passed over."""
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, start = self._patterns, 0
        while patternIndex < len(patterns):
            pattern, triggers = patterns[patternIndex]
            for trigger in triggers:
                if trigger in data:
                    data, matched, start = apply(pattern, data, patternIndex, start)
                    break
            else:
                matched, start = False, 0
            if not matched:
                patternIndex += 1
        return data


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
    link in it, most of a link's cost. The same text, index and answer."""

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


class _Setext(blockprocessors.SetextHeaderProcessor):
    """A heading underlined with = or -: its expression matches a first line, then a line of
    them; where the second line starts otherwise, it cannot (and its lazy match of the first
    line, character by character, is the block parser's slowest test)."""

    def test(self, parent: ET.Element, block: str) -> bool:
        end = block.find("\n")
        return end >= 0 and block[end + 1:end + 2] in ("=", "-") and super().test(parent, block)


_MARK_STARTS_A_LINE = re.compile(r"\n {0,3}[-_*]")


class _Rule(blockprocessors.HRProcessor):
    """A horizontal rule: a line of -, _ or *, after three spaces at most. Its expression is
    tried at every character of the block; only a block with a line that starts so can
    match."""

    def test(self, parent: ET.Element, block: str) -> bool:
        if block.lstrip(" ")[:1] not in ("-", "_", "*") \
                and _MARK_STARTS_A_LINE.search(block) is None:
            return False
        return super().test(parent, block)


class _Whitespace(preprocessors.NormalizeWhitespace):
    """Markdown's first step: without a tab, a return, a placeholder's mark or a space before
    a line end, it only adds two line ends (its expression for lines of spaces searches the
    whole text)."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines) + "\n\n"
        if " \n" in source or "\t" in source or "\r" in source or util.STX in source \
                or util.ETX in source:
            return super().run(lines)
        return source.split("\n")


class _Blocks(blockparser.BlockParser):
    """The block parser, stepping through its processors as a list: the registry sorts and
    copies itself for every block."""

    processors: list[blockprocessors.BlockProcessor]

    def parseBlocks(self, parent: ET.Element, blocks: list[str]) -> None:
        processors = self.processors
        while blocks:
            for processor in processors:
                if processor.test(parent, blocks[0]) \
                        and processor.run(parent, blocks) is not False:
                    break


# Each part of Python-Markdown given a faster way to the same answer
_FASTER: dict[type, type] = {
    **{kind: type(kind.__name__, (_Brackets, kind), {}) for kind in (
        inlinepatterns.LinkInlineProcessor, inlinepatterns.ImageInlineProcessor,
        inlinepatterns.ReferenceInlineProcessor, inlinepatterns.ShortReferenceInlineProcessor,
        inlinepatterns.ImageReferenceInlineProcessor,
        inlinepatterns.ShortImageReferenceInlineProcessor)},
    blockprocessors.SetextHeaderProcessor: _Setext,
    blockprocessors.HRProcessor: _Rule,
    preprocessors.NormalizeWhitespace: _Whitespace,
}


def _faster(converter: markdown.Markdown) -> None:
    """Give `converter`'s parts their faster ways, each in its place."""
    for registry in (converter.preprocessors, converter.parser.blockprocessors,
                     converter.inlinePatterns):
        for part in registry:
            if type(part) in _FASTER:
                part.__class__ = _FASTER[type(part)]
    converter.parser.__class__ = _Blocks
    cast(_Blocks, converter.parser).processors = list(converter.parser.blockprocessors)
    inline = converter.treeprocessors["inline"]
    inline.__class__ = _Inline
    cast(_Inline, inline).prepare()
    # Looked up for every element as the tree is laid out: a set rather than a list
    converter.block_level_elements = frozenset(  # type: ignore[assignment]
        converter.block_level_elements)


def converter(text: str) -> markdown.Markdown:
    """A converter for `text`, one per thread and set of parts, reset between texts
    (`reset()` leaves nothing of the last text behind): building one costs as much as
    converting a message."""
    marks = _marks(text)
    made = getattr(_converters, "made", None)
    if made is None:
        made = _converters.made = {}
    if marks not in made:
        made[marks] = _made(marks)
    return made[marks].reset()


def _made(marks: frozenset[str]) -> markdown.Markdown:
    # The extension itself, not its name: a name has Markdown look through every installed
    # package's entry points (and load importlib.metadata) first, tens of milliseconds.
    made = markdown.Markdown(extensions=[SaneListExtension()], output_format="html")
    for registry, name in _NEEDS:
        if not _NEEDS[registry, name](marks):
            parts = made.parser.blockprocessors if registry.startswith("parser.") \
                else getattr(made, registry)
            parts.deregister(name, strict=False)
    _faster(made)
    return made


# nh3's defaults (its tags, attributes and URL schemes), made once rather than per text
_SANITIZER = nh3.Cleaner(link_rel="noopener noreferrer nofollow")


def sanitized_html(text: str) -> str:
    """Markdown -> HTML, through nh3: only harmless tags, attributes and URL schemes left."""
    return _SANITIZER.clean(converter(text).convert(text))
