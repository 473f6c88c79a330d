"""Status badges: badge.svg for the whole site and components/<id>/badge.svg for each component.

`badges_output` makes them from the indicator and the components' states. Each badge is
a shields.io-style flat two-part badge, label (the site's title or the component's name) on
grey and the state in words on its colour, drawn with xml.etree so every text is escaped by
the serializer. The colours are the theme's, all at least 4.5:1 against the white text; the
state is in words, in a `<title>` and in `aria-label`, never in colour alone. Text widths are
estimated from a table of Verdana 11px character widths (no font is read), and `textLength`
makes any real font fit the estimate.
"""

from __future__ import annotations

import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import partial

from .. import model
from ..language import Language
from ..project import Impact, Project, State
from . import Output

SVG = "http://www.w3.org/2000/svg"
LABEL_COLOUR = "#555555"
STATE_COLOURS = {  # the default theme's light-scheme colours
    State.OPERATIONAL: "#1d7342",
    State.UNDER_MAINTENANCE: "#1d4f91",
    State.DEGRADED_PERFORMANCE: "#8f5d00",
    State.PARTIAL_OUTAGE: "#b0440e",
    State.MAJOR_OUTAGE: "#a0111b",
}
INDICATOR_COLOURS = {
    Impact.NONE: STATE_COLOURS[State.OPERATIONAL],
    Impact.MAINTENANCE: STATE_COLOURS[State.UNDER_MAINTENANCE],
    Impact.MINOR: STATE_COLOURS[State.DEGRADED_PERFORMANCE],
    Impact.MAJOR: STATE_COLOURS[State.PARTIAL_OUTAGE],
    Impact.CRITICAL: STATE_COLOURS[State.MAJOR_OUTAGE],
}
HEIGHT = 20
PADDING = 5  # each side of a text, as shields.io
FONT = "Verdana,Geneva,DejaVu Sans,sans-serif"

# Verdana 11px advance widths, in tenths of a pixel, by character class.
_WIDTHS = [
    ("ijl|!.,:;'`", 30),
    (" frtI()[]{}/\\-\"", 42),
    ("mwMW@%", 105),
    ("ABCDEFGHJKLNOPQRSTUVXYZ&#", 75),
    ("0123456789?$+=<>_~^*", 70),
]
_DEFAULT_WIDTH = 65  # other lowercase letters
_WIDE_WIDTH = 110  # East Asian wide and full-width characters
# Everything XML 1.0 allows (its `Char` production); the rest is dropped from a badge's text.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text_width(text: str) -> int:
    """The estimated width of `text` in Verdana 11px, in whole pixels (rounded up)."""
    tenths = 0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1] or char
        if unicodedata.east_asian_width(char) in ("W", "F"):
            tenths += _WIDE_WIDTH
            continue
        tenths += next((w for chars, w in _WIDTHS if base in chars), _DEFAULT_WIDTH)
    return math.ceil(tenths / 10)


def _clean(text: str) -> str:
    return " ".join(_NOT_XML_CHAR.sub("", text).split())


def badge(label: str, message: str, colour: str) -> bytes:
    """One flat two-part badge as SVG bytes."""
    label, message = _clean(label), _clean(message)
    label_text, message_text = text_width(label), text_width(message)
    left = label_text + 2 * PADDING
    right = message_text + 2 * PADDING
    words = f"{label}: {message}"
    svg = ET.Element("svg", {"xmlns": SVG, "width": str(left + right), "height": str(HEIGHT),
                             "role": "img", "aria-label": words})
    ET.SubElement(svg, "title").text = words
    # Rounded outer corners without clip-path ids, which would clash when badges are inlined:
    # the message colour under everything, the label over its left part, squared at its right.
    ET.SubElement(svg, "rect", width=str(left + right), height=str(HEIGHT), rx="3", fill=colour)
    ET.SubElement(svg, "rect", width=str(left), height=str(HEIGHT), rx="3", fill=LABEL_COLOUR)
    ET.SubElement(svg, "rect", x=str(left - 3), width="3", height=str(HEIGHT),
                  fill=LABEL_COLOUR)
    texts = ET.SubElement(svg, "g", {"fill": "#fff", "text-anchor": "middle",
                                     "font-family": FONT, "font-size": "11"})
    for text, x, width in ((label, left / 2, label_text),
                           (message, left + right / 2, message_text)):
        ET.SubElement(texts, "text", {"x": f"{x:g}", "y": "14", "textLength": str(width),
                                      "lengthAdjust": "spacingAndGlyphs"}).text = text
    return ET.tostring(svg, encoding="unicode").encode("utf-8") + b"\n"


def badges_output(settings: Project, language: Language, indicator: Impact,
                  states: Mapping[str, State]) -> Output:
    """badge.svg (the overall indicator) and components/<id>/badge.svg, in `language`;
    `settings`: the project's, without incidents."""
    return Output("badge.svg", partial(_badges, settings, language),
                  {"indicator": indicator, "states": states})


def _badges(settings: Project, language: Language, indicator: Impact,
            states: Mapping[str, State]) -> dict[str, bytes]:
    _ = language.gettext
    files = {"badge.svg": badge(settings.site.title, _(model.SENTENCES[indicator]),
                                INDICATOR_COLOURS[indicator])}
    for component in settings.components:
        state = states[component.id]
        files[f"components/{component.id}/badge.svg"] = badge(component.name, _(state.label),
                                                              STATE_COLOURS[state])
    return files
