"""Markdown is converted by a converter without the parts of Python-Markdown that cannot apply
to the text, and with faster ways to the same answer in some of the others
(statusgen.converter): it must give exactly what the full converter gives, for any text."""

from __future__ import annotations

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.converter import converter

# Pieces of Markdown that each inline pattern reacts to, and the blocks around them.
PIECES = [
    "word", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\r", "*", "**", "_", "__", "***", "`",
    "``", "\\", "\\*", "[", "]", "(", ")", "!", "<", ">", "&", ";", ":", "#", "é",
    "**bold**", "_em_", "*a _b_ c*", "`code`", "``a ` b``", "[link](https://example.org/)",
    "[link](<https://example.org/a b>)", '[t](/u "title")', "![alt](/i.png)", "[a][b]",
    "[a][]", "[a]", "![a][b]", "![a]", "\n[b]: https://example.org/b\n", "\n[a]: /a 'A'\n",
    "<https://example.org/>", "<ftp://x.y/>", "<me@example.org>", "<b>", "</b>", "<!-- c -->",
    "&amp;", "&#169;", "&#x1b;", "&copy", "a  \nb", "a\t\nb", "a \\\nb", "\n- item\n",
    "\n1. item\n", "\n> quote\n", "\n    code\n", "\n<div>x</div>\n\n", "\n# title\n",
    "\n---\n", "snake_case_word", "2*3*4", "a * b", "<!-- c -->", "\n<!-- c -->\n",
    "<b>x</b>", "<br>", "\n<p>\n", "]<b>:", "!<i>", "<i>[", " <b>\n", "  <!-- c -->\n", "]:",
    "\t\n", " \r", "\\\\", "&copy x",
    # headings underlined, rules, lines of spaces, placeholders' marks, block-level tags
    "=", "-", "\n===\n", "Title\n-----\n", "\n- - -\n", "\n***\n", "\n _ _ _\n", "   \n",
    "\n  \n", "\x02", "\x03", "<DIV>", "<hr/>", "\n<Section>\n",
]


def full(text: str) -> str:
    return markdown.Markdown(extensions=["sane_lists"], output_format="html").convert(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_pieces_of_markdown_convert_as_with_every_pattern(text: str) -> None:
    assert converter(text).convert(text) == full(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab *_[]()!<>&`\\\t\n\r:#-=.1é", max_size=120))
def test_any_text_converts_as_with_every_pattern(text: str) -> None:
    assert converter(text).convert(text) == full(text)


def test_what_the_placeholders_marks_stood_between_is_joined_first() -> None:
    """Markdown removes STX and ETX before anything else: four spaces around one are an
    indented block (hypothesis found it)."""
    for text in ("  \x02  ", "  \x03  x", "[a]\x02: /x\n\n[a]"):
        assert converter(text).convert(text) == full(text)


def test_a_converter_leaves_nothing_behind_for_the_next_text() -> None:
    first = "[a][r]\n\n[r]: https://example.org/r\n"
    assert converter(first).convert(first) == full(first)
    second = "[a][r] and `code` and **bold**"
    assert converter(second).convert(second) == full(second)  # the reference is gone
    assert 'href="https://example.org/r"' not in full(second)
