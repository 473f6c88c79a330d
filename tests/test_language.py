"""Languages: the catalogues are complete and current, templates hold no English outside
gettext, and the demo builds in every shipped language with no English word of statusgen's
own left, the right lang and dir, CLDR dates and valid feeds."""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from conftest import DEMO_NOW, REPO, WriteProject, build_site, run_build, small_config

from statusgen.cli import main
from statusgen.language import OWN_CATALOGUES, Language
from statusgen.load import load_project
from statusgen.parse import parse_project
from statusgen.render.embed import render_embed
from statusgen.words import SHIPPED

TEMPLATES = sorted((REPO / "statusgen" / "themes").rglob("*.html")) + \
    sorted((REPO / "themes").rglob("*.html"))
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalogue(path: Path, tag: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=tag.replace("-", "_") if tag else None)


def _extracted() -> set[str]:
    """Every message of the code and the templates, as `make locales` extracts them."""
    method_map = [("statusgen/**.py", "python"), ("statusgen/themes/**.html", "jinja2")]
    options = {"statusgen/themes/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _path, _line, message, _comments, _context in extract_from_dir(
            str(REPO), method_map, options, keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_template_holds_every_message_of_the_code_and_no_other() -> None:
    template = {m.id[0] if isinstance(m.id, tuple) else m.id
                for m in _catalogue(OWN_CATALOGUES / "statusgen.pot") if m.id}
    extracted = _extracted()
    assert extracted - template == set(), "run `make locales`, then translate what is new"
    assert template - extracted == set(), "run `make locales`: the template has old messages"


@pytest.mark.parametrize("tag", SHIPPED)
def test_a_shipped_catalogue_translates_every_message(tag: str) -> None:
    template = _catalogue(OWN_CATALOGUES / "statusgen.pot")
    catalogue = _catalogue(OWN_CATALOGUES / f"{tag}.po", tag)
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        assert found is not None, f"{tag}.po lacks {message.id!r}"
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if isinstance(message.id, tuple):
            assert len(strings) == catalogue.num_plurals, f"{tag}.po: {message.id!r}"
        assert all(strings) and not found.fuzzy, f"{tag}.po: {message.id!r} untranslated"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        allowed = set(PLACEHOLDER.findall("".join(ids)))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= allowed, f"{tag}.po: {text!r}"
            assert re.findall(r"<[^>]+>", text) == re.findall(r"<[^>]+>", ids[0]), text
    assert [error for _, errors in catalogue.check() for error in errors] == []


class _Words(HTMLParser):
    """The text of HTML and of the attributes people read, as the parser finds it."""

    READ = ("title", "alt", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")
        self.found += [value for name, value in attrs if name in self.READ and value]
        if tag == "meta" and ("name", "description") in attrs:
            self.found += [value for name, value in attrs if name == "content" and value]

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.found.append(data)


def _without_code(template: str) -> str:
    """A template's own text: comments, trans blocks, expressions and statements taken out."""
    template = re.sub(r"\{#.*?#\}", "", template, flags=re.S)
    template = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "", template, flags=re.S)
    template = re.sub(r"\{\{.*?\}\}", "", template, flags=re.S)
    return re.sub(r"\{%.*?%\}", "", template, flags=re.S)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_a_template_says_nothing_outside_gettext(path: Path) -> None:
    words = _Words()
    words.feed(_without_code(path.read_text()))
    words.close()
    said = [text.strip() for text in words.found if re.search(r"[A-Za-z]", text)]
    assert said == [], f"wrap these in _() or {{% trans %}}: {said}"


def _english_fragments(tag: str) -> set[str]:
    """The pieces of English the catalogue's messages are made of (placeholders and tags cut
    out) that `tag` translates into something else: none may be left on its pages."""
    english = _catalogue(OWN_CATALOGUES / "en-GB.po", "en-GB")
    translated = _catalogue(OWN_CATALOGUES / f"{tag}.po", tag)
    fragments = set()
    for message in english:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        found = translated.get(message.id)
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        for text in ids:
            for piece in re.split(r"%\(\w+\)s|<[^>]+>|[.,:;()]", text):
                piece = piece.strip().replace("%%", "%")
                words = piece.split()
                if (len(words) >= 2 or len(piece) >= 6) and \
                        not any(piece in s for s in strings):
                    fragments.add(piece)
    return fragments


def _project_in(tmp_path: Path, tag: str) -> Path:
    """A copy of the demo in language `tag`."""
    project = tmp_path / "project"
    project.mkdir(parents=True)
    shutil.copytree(REPO / "incidents", project / "incidents")
    config = (REPO / "statusgen.yaml").read_text()
    (project / "statusgen.yaml").write_text(config.replace("language: en-GB",
                                                           f"language: {tag}"))
    return project


@pytest.mark.parametrize("tag", [t for t in SHIPPED if not t.startswith("en")])
def test_the_demo_in_a_language_has_no_english_of_statusgen_left(tmp_path: Path,
                                                                  tag: str) -> None:
    project = _project_in(tmp_path, tag)
    out = tmp_path / "site"
    build_site(project, out)
    # the operator's own texts are English in the demo: only statusgen's words are judged
    theirs = "\n".join(p.read_text() for p in [project / "statusgen.yaml",
                                               *(project / "incidents").glob("*.yaml")])
    fragments = [f for f in _english_fragments(tag) if f not in theirs]
    assert len(fragments) > 50
    language = Language(tag)
    for page in sorted(out.rglob("*.html")):
        html = page.read_text()
        direction = ' dir="rtl"' if tag == "ar" else ""
        assert f'<html lang="{tag}"{direction}>' in html, page
        words = _Words()
        words.feed(html)
        text = "\n".join(words.found)
        left = [f for f in fragments if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)]
        assert left == [], f"{page.relative_to(out)}: English left: {left}"
    history = (out / "history" / "index.html").read_text()
    assert language.month(date(2025, 4, 1)) in history  # CLDR's month names
    for feed in ("feed.atom", "feed.rss"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert not parsed.bozo and len(parsed.entries) > 10, feed
        assert parsed.feed.language == tag
    assert json.loads((out / "feed.json").read_text())["language"] == tag
    status = json.loads((out / "api/v2/status.json").read_text())["status"]
    assert status["indicator"] == "critical"  # Statuspage's words stay; its sentence follows
    assert status["description"] == language.gettext("Major System Outage") != \
        "Major System Outage"


def test_english_variants_write_dates_their_own_way(tmp_path: Path) -> None:
    written = {}
    for tag in ("en", "en-GB", "en-US"):
        project = _project_in(tmp_path / tag, tag)
        build_site(project, tmp_path / tag / "site")
        written[tag] = (tmp_path / tag / "site" / "index.html").read_text()
    assert "Updated <time datetime=\"2025-05-14T12:00:00+01:00\">14 May 2025, 12:00 BST" \
        in written["en-GB"]
    assert "May 14, 2025, 12:00\u202fPM GMT+01:00" in written["en-US"]  # CLDR's spaces
    assert "May 14, 2025" in written["en"]


def test_check_refuses_a_language_without_a_catalogue(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": small_config(language="en-gb")})
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert f"{project}/statusgen.yaml:5:13: no catalogue for the language 'en-gb' (did you " \
           "mean 'en-GB'?)" in result.output
    project = write_project({"statusgen.yaml": small_config(language="it")})
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert "no catalogue for the language 'it': statusgen has en, en-GB, en-US, cy, fr, de, " \
           "es, nl, pt, ar; for another, translate one into locales/it.po" in result.output


_OWN_PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Current status"
msgstr "{current}"

msgid "Edited %(time)s."
msgstr "{edited}"
"""


def test_a_project_catalogue_adds_a_language_or_changes_words(tmp_path: Path,
                                                             write_project: WriteProject) -> None:
    # Italian, which statusgen does not ship: the project's words, CLDR's dates, English
    # for what it leaves out
    project = write_project({
        "statusgen.yaml": small_config(language="it"),
        "locales/it.po": _OWN_PO.format(current="Stato attuale", edited="Modificato %(time)s."),
    })
    build_site(project, tmp_path / "it")
    page = (tmp_path / "it" / "history" / "index.html").read_text()
    assert '<html lang="it">' in page and ">Stato attuale</a>" in page
    assert ">History</a>" in page  # not translated by the project: English
    # French with one word changed: the rest as shipped
    project = write_project({
        "statusgen.yaml": small_config(language="fr"),
        "locales/fr.po": _OWN_PO.format(current="État des services", edited="Corrigé %(time)s."),
        "locales/it.po": None,
    })
    build_site(project, tmp_path / "fr")
    page = (tmp_path / "fr" / "history" / "index.html").read_text()
    assert ">État des services</a>" in page
    assert Language("fr").gettext("History") in page


def test_a_broken_project_catalogue_is_an_error_at_its_line(tmp_path: Path,
                                                            write_project: WriteProject) -> None:
    project = write_project({
        "statusgen.yaml": small_config(language="fr"),
        "locales/fr.po": _OWN_PO.format(current="État", edited="Corrigé %(temps)s."),
    })
    code, output = run_build(project, out=tmp_path / "site", now=DEMO_NOW)
    assert code == 1
    assert f"{project}/locales/fr.po:8:1: " in output and "placeholders" in output
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("tag", SHIPPED)
def test_a_shipped_catalogue_is_compiled_as_it_reads(tag: str) -> None:
    catalogue = _catalogue(OWN_CATALOGUES / f"{tag}.po", tag)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    built = gettext.GNUTranslations(compiled)
    shipped = gettext.GNUTranslations(io.BytesIO((OWN_CATALOGUES / f"{tag}.mo").read_bytes()))
    for message in catalogue:
        if isinstance(message.id, tuple):
            for n in range(12):  # every plural form of every shipped language
                assert shipped.ngettext(*message.id, n) == built.ngettext(*message.id, n), \
                    "run `make locales`"
        elif message.id:
            assert shipped.gettext(message.id) == built.gettext(message.id), "run `make locales`"


def test_status_speaks_the_site_language(write_project: WriteProject) -> None:
    project = write_project({
        "statusgen.yaml": small_config(language="fr"),
        "incidents/2025-04-19-slow.yaml": "title: Slow\nupdates:\n  - at: 2025-04-19 09:00\n"
                                          "    status: investigating\n"
                                          "    components: {website: partial_outage}\n"
                                          "    message: Slow.\n"
                                          "    next_update: 2025-04-19 10:00\n"})
    result = CliRunner().invoke(main, ["status", "--project", str(project),
                                       "--now", "2025-04-19 11:00"])
    french = Language("fr")
    assert result.exit_code == 0, result.output
    assert f"Example Status: {french.gettext('Partial System Outage')}" in result.output
    assert french.gettext("Active incidents:") in result.output
    assert "19 avr. 2025, 10:00 UTC+01:00" in result.output
    summary = CliRunner().invoke(main, ["status", "--json", "--project", str(project),
                                        "--now", "2025-04-19 11:00"])
    status = json.loads(summary.output)["status"]
    assert status == {"indicator": "major",
                      "description": french.gettext("Partial System Outage")}


def test_the_banner_speaks_and_reads_the_site_language() -> None:
    settings = replace(parse_project(load_project(REPO)), incidents=())
    arabic = Language("ar")
    files = render_embed(settings, arabic, settings.site.base_url, "ar")
    script = files["embed.js"].decode()
    assert '"lang": "ar", "dir": "rtl"' in script
    assert json.dumps(arabic.gettext("What still works"), ensure_ascii=False) in script
    assert '<html lang="ar" dir="rtl">' in files["embed.html"].decode()


def test_changing_the_language_remakes_every_word(tmp_path: Path) -> None:
    # compiled templates, the words kept for the next build and the pages' keys are all per
    # language: nothing French is left in the German site an incremental build makes
    project = _project_in(tmp_path, "fr")
    build_site(project, tmp_path / "site")
    config = project / "statusgen.yaml"
    config.write_text(config.read_text().replace("language: fr", "language: de"))
    build_site(project, tmp_path / "site")
    german, french = Language("de"), Language("fr")
    for page in ("index.html", "history/index.html",
                 "incidents/2025-04-25-online-orders-paused/index.html"):
        html = (tmp_path / "site" / page).read_text()
        assert '<html lang="de">' in html
        assert german.gettext("Current status") in html
        assert french.gettext("Current status") not in html
    assert "Mai 2025" in (tmp_path / "site" / "history" / "index.html").read_text()


_WITHOUT_BABEL = """
import sys
from statusgen.cli import main
try:
    main(["build", "--project", sys.argv[1], "--now", sys.argv[2]])
except SystemExit as done:
    assert not done.code
print(sorted({m.split(".")[0] for m in sys.modules} & {"babel"}))
"""


def test_a_build_that_writes_nothing_new_does_not_load_cldr(tmp_path: Path) -> None:
    project = _project_in(tmp_path, "cy")
    with (project / "incidents" / "2025-04-25-online-orders-paused.yaml").open("a") as edit:
        edit.write("\n")

    def build(now: str) -> str:
        done = subprocess.run([sys.executable, "-c", _WITHOUT_BABEL, str(project), now],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        return done.stdout.splitlines()[-1]

    # the site is built into project/site here; the first build there writes its words
    assert build(DEMO_NOW) == "['babel']"
    assert build(DEMO_NOW) == "[]"
    assert build("2025-05-14T13:47:00+01:00") == "[]"  # a new minute: every clock is known
