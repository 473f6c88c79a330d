"""Sites in several languages (site.languages): the first at the root and each other under
/<tag>/, hreflang both ways, a switcher, fallbacks marked with their language, feeds, calendar
and banner per language, the API in the first; texts as maps in YAML, checked; and the
commands that write them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from click.testing import CliRunner
from conftest import WriteProject, build_site, run_build, snapshot
from grocer import NOW, write_grocer
from icalendar import Calendar

from statusgen.cli import main

BASE = "https://status.greengage.example/"
CLICK = "incidents/2025-05-01-click-and-collect/index.html"
SIGN_IN = "incidents/2025-04-20-app-sign-in/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_grocer(tmp_path_factory.mktemp("grocer"))
    build_site(project, project / "site", now=NOW)
    return project / "site"


class _Page(HTMLParser):
    """What a page says of its languages: <html lang>, its alternates, canonical, switcher
    links, and the text inside each element marked with a lang."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang = ""
        self.alternates: dict[str, str] = {}
        self.canonical = ""
        self.switcher: list[dict[str, str | None]] = []
        self.marked: list[tuple[str, str]] = []  # (lang, text) of elements within <body>
        self._in_switcher = False
        self._open: list[tuple[str, str | None]] = []  # (tag, lang)
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a["lang"] or ""
        elif tag == "link" and a.get("hreflang"):
            self.alternates[a["hreflang"] or ""] = a["href"] or ""
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"] or ""
        elif tag == "nav" and a.get("class") == "languages":
            self._in_switcher = True
        elif tag == "a" and self._in_switcher:
            self.switcher.append(a)
        if tag not in ("meta", "link", "br", "img", "input"):
            self._open.append((tag, a.get("lang") if tag != "html" else None))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_switcher = False
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        langs = [lang for _, lang in self._open if lang]
        if langs and data.strip() and not self._in_switcher:
            self.marked.append((langs[-1], data.strip()))


def _page(site: Path, path: str) -> _Page:
    return _Page((site / path).read_text(encoding="utf-8"))


def _pages(site: Path, folder: str = "") -> set[str]:
    """The pages of one language (embed.html is the banner's frame, not a page)."""
    top = site / folder if folder else site
    return {p.relative_to(top).as_posix() for p in top.rglob("*.html")
            if (folder or not p.relative_to(site).as_posix().startswith("cy/"))
            and p.name != "embed.html"}


def test_each_language_has_every_page_in_its_own_tree(site: Path) -> None:
    english, welsh = _pages(site), _pages(site, "cy")
    assert english == welsh
    assert {CLICK, SIGN_IN, "index.html", "history/index.html", "404.html",
            "components/click-and-collect/index.html"} <= english
    for path in english:
        assert _page(site, path).lang == "en-GB", path
        assert _page(site, f"cy/{path}").lang == "cy", path


def test_every_page_names_its_other_language_both_ways(site: Path) -> None:
    sitemap = set(re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text()))
    for path in _pages(site) - {"404.html"}:
        shown = path.removesuffix("index.html")
        english, welsh = _page(site, path), _page(site, f"cy/{path}")
        expected = {"en-GB": BASE + shown, "cy": f"{BASE}cy/{shown}", "x-default": BASE + shown}
        assert english.alternates == expected, path
        assert welsh.alternates == expected, path
        assert english.canonical == expected["en-GB"] and welsh.canonical == expected["cy"]
        assert {expected["en-GB"], expected["cy"]} <= sitemap, path


@pytest.mark.parametrize("path", ["index.html", CLICK, "history/index.html", "404.html"])
def test_the_switcher_links_the_same_page_in_each_language(site: Path, path: str) -> None:
    for own, folder in (("en-GB", ""), ("cy", "cy/")):
        page = _page(site, folder + path)
        links = page.switcher
        assert [(a["lang"], a["hreflang"], a.get("aria-current")) for a in links] == [
            ("en-GB", "en-GB", "true" if own == "en-GB" else None),
            ("cy", "cy", "true" if own == "cy" else None)]
        reached = [urljoin(BASE + folder + path, str(a["href"])) for a in links]
        if path == "404.html":  # served at any depth: each language's front page
            assert reached == [BASE, BASE + "cy/"]
        else:
            assert reached == [page.alternates["en-GB"], page.alternates["cy"]]
    assert [a["href"] for a in _page(site, "index.html").switcher] == ["./", "cy/"]
    assert [a["href"] for a in _page(site, "cy/index.html").switcher] == ["../", "./"]


def test_a_missing_translation_is_shown_in_the_first_language_and_marked(site: Path) -> None:
    welsh = _page(site, f"cy/{SIGN_IN}")
    assert ("en-GB", "App sign-in failing") in welsh.marked  # the untranslated title
    assert ("en-GB", "Some customers cannot sign in to the app.") in welsh.marked  # Markdown
    assert ("en-GB", "A certificate had expired. We now renew certificates a month early.") \
        in welsh.marked  # the postmortem
    html = (site / "cy" / SIGN_IN).read_text()
    assert '<h1 id="incident-title"><span lang="en-GB" dir="ltr">App sign-in failing</span>' \
        in html
    assert '<div lang="en-GB" dir="ltr"><p>Some customers cannot sign in' in html
    translated = (site / "cy" / CLICK).read_text()
    assert '<h1 id="incident-title">Oedi archebion Clicio a Chasglu</h1>' in translated
    for words in ("<strong>yn barod</strong>", "Siopa yn ein siopau", "Casglu archebion ar-lein",
                  "Byddwn yn danfon eich archeb i&#39;ch cartref yn lle hynny."):
        assert words in translated
    assert "not ready" not in translated and "Shopping in our stores" not in translated
    front = _page(site, "cy/index.html")
    assert ("en-GB", "Click & Collect") in front.marked  # a component without a Welsh name
    assert ("en-GB", "Website upgrade") not in front.marked
    assert "Uwchraddio'r wefan" in (site / "cy/index.html").read_text().replace("&#39;", "'")
    for path in _pages(site):  # nothing in the first language's tree is marked
        assert _page(site, path).marked == [], path


def test_each_language_has_its_feeds_in_its_language(site: Path) -> None:
    for folder, lang, title in (("", "en-GB", "Click & Collect orders delayed"),
                                ("cy/", "cy", "Oedi archebion Clicio a Chasglu")):
        for name in ("feed.atom", "feed.rss"):
            feed = feedparser.parse((site / folder / name).read_bytes())
            assert not feed.bozo, (folder, name, feed.bozo_exception)
            assert feed.feed.language == lang
            assert any(title in e.title for e in feed.entries), (folder, name)
            assert all(e.link.startswith(BASE + folder + "incidents/") for e in feed.entries)
        assert json.loads((site / folder / "feed.json").read_text())["language"] == lang
        component = feedparser.parse((site / folder / "components/app/feed.atom").read_bytes())
        assert not component.bozo and component.feed.language == lang
    welsh = feedparser.parse((site / "cy/feed.atom").read_bytes())
    sign_in = next(e for e in welsh.entries if "App sign-in failing" in e.title)
    assert '<div dir="ltr" lang="en-GB"><p>Sign-in works again.</p></div>' in \
        sign_in.content[0].value  # marked there too (feedparser puts attributes in order)


def test_the_api_is_at_the_root_in_the_first_language(site: Path) -> None:
    assert not (site / "cy" / "api").exists()
    summary = json.loads((site / "api/v2/summary.json").read_text())
    assert summary["page"]["url"] == BASE
    assert {i["name"] for i in summary["incidents"]} == {"Click & Collect orders delayed"}
    assert {"Website", "App"} <= {c["name"] for c in summary["components"]}
    assert json.loads((site / "api/v2/status.json").read_text())["status"]["description"] == \
        "Major System Outage"
    live = re.search(r'data-status="([^"]+)"', (site / "cy" / CLICK).read_text())
    assert live and urljoin(BASE + "cy/" + CLICK, live[1]) == BASE + "api/v2/status.json"


def test_the_calendar_and_the_banner_speak_each_language(site: Path) -> None:
    for folder, summary in (("", "Website upgrade"), ("cy/", "Uwchraddio'r wefan")):
        calendar = Calendar.from_ical((site / folder / "maintenance.ics").read_bytes())
        events = [e for e in calendar.walk("VEVENT")]
        assert [str(e["SUMMARY"]) for e in events] == [summary]
        assert str(events[0]["URL"]).startswith(BASE + folder + "incidents/")
    script = (site / "cy/embed.js").read_text()
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});\n", script)[1])  # type: ignore[index]
    assert (config["base"], config["up"], config["names"], config["lang"]) == \
        (BASE, "../", "en-GB", "cy")
    headers = (site / "_headers").read_text()
    assert "\n/cy/incidents/*\n  Cache-Control:" in headers
    assert "\n/cy/feed.*\n" in headers and "/cy/api/" not in headers
    assert "/cy/static" not in headers
    assert sorted(p.name for p in (site / "static").iterdir()) and not (site / "cy/static").exists()


def test_a_site_in_two_languages_builds_the_same_bytes_and_keeps_them(tmp_path: Path) -> None:
    project = write_grocer(tmp_path / "grocer")
    build_site(project, tmp_path / "a", "--clean", now=NOW)
    build_site(project, tmp_path / "b", "--clean", now=NOW)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    before = snapshot(tmp_path / "a")
    output = build_site(project, tmp_path / "a", "--profile", now=NOW)
    assert "0 texts converted from Markdown" in output and snapshot(tmp_path / "a") == before
    path = project / "incidents/2025-04-20-app-sign-in.yaml"
    path.write_text(path.read_text().replace("title: App sign-in failing",
                                             "title: {en-GB: App sign-in failing, "
                                             "cy: Methu mewngofnodi i'r ap}"))
    build_site(project, tmp_path / "a", now=NOW)
    welsh = (tmp_path / "a/cy" / SIGN_IN).read_text().replace("&#39;", "'")
    assert "<h1 id=\"incident-title\">Methu mewngofnodi i'r ap</h1>" in welsh
    assert "Methu mewngofnodi" not in (tmp_path / "a" / SIGN_IN).read_text()


def _config(languages: str, extra: str = "") -> str:
    return ("site:\n  title: Example\n  base_url: https://status.example.com/\n"
            f"{languages}{extra}components:\n  - id: app\n    name: App\n")


INCIDENT = "title: {title}\nupdates:\n  - at: 2025-04-19 09:00\n    status: investigating\n" \
           "    message: Looking.\n"


@pytest.mark.parametrize(("config", "title", "expected"), [
    (_config("  language: en-GB\n"), "{en-GB: A, cy: B}",
     "incidents/2025-04-19-a.yaml:1:8: 'title' must be text (a map of languages to text needs "
     "the site's 'languages')"),
    (_config("  languages: [en-GB, cy]\n"), "{en-GB: A, cY: B}",
     "incidents/2025-04-19-a.yaml:1:19: 'title' has text in 'cY', which is not one of the "
     "site's languages (did you mean 'cy'?)"),
    (_config("  languages: [en-GB, cy]\n"), "{cy: B}",
     "incidents/2025-04-19-a.yaml:1:8: 'title' has no text in en-GB, the site's first "
     "language, which the others fall back to"),
    (_config("  languages: [en-GB, cy]\n  language: en-GB\n"), "A",
     "statusgen.yaml:4:3: give either 'language' (one) or 'languages' (several), not both"),
    (_config("  languages: [en-GB, cy, en-GB]\n"), "A",
     "statusgen.yaml:4:26: 'en-GB' is listed twice in 'languages'"),
    (_config("  languages: [en-GB, cymraeg]\n"), "A",
     "statusgen.yaml:4:22: no catalogue for the language 'cymraeg'"),
    (_config("  languages: []\n"), "A",
     "statusgen.yaml:4:14: 'languages' lists no language: give one or more, the first at the "
     "root"),
])
def test_check_refuses_texts_and_languages_that_do_not_fit(
        write_project: WriteProject, config: str, title: str, expected: str) -> None:
    project = write_project({"statusgen.yaml": config,
                             "incidents/2025-04-19-a.yaml": INCIDENT.format(title=title)})
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    assert expected in result.output, result.output


def _cli(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--project", str(project)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_the_commands_write_each_text_in_each_language(tmp_path: Path) -> None:
    project = write_grocer(tmp_path / "grocer")
    code, output = _cli(project, "new", "Checkout errors", "--title-cy", "Gwallau wrth dalu",
                        "--component", "website=degraded_performance", "--message",
                        "Some payments fail.\n\nTry again in a minute.",
                        "--message-cy=Mae rhai taliadau'n methu.", "--works", "The app",
                        "--works-cy", "Yr ap", "--at", "2025-05-01 11:00")
    assert code == 0, output
    path = next((project / "incidents").glob("*checkout-errors.yaml"))
    assert path.read_text().startswith(
        "title:\n  en-GB: Checkout errors\n  cy: Gwallau wrth dalu\nupdates:\n")
    assert "    message:\n      en-GB: |-\n        Some payments fail.\n\n        Try again in " \
        "a minute.\n      cy: Mae rhai taliadau'n methu.\n" in path.read_text()
    code, output = _cli(project, "update", path.stem, "--message", "Fixed.", "--message-cy",
                        "Wedi'i drwsio.", "--resolve", "--at", "2025-05-01 11:30")
    assert code == 0, output
    code, output = _cli(project, "amend", path.stem, "--update", "1", "--next-update",
                        "2025-05-01 12:00")
    assert code == 0, output
    text = path.read_text()
    assert "      cy: Mae rhai taliadau'n methu.\n" in text  # kept by the correction
    assert "        - en-GB: The app\n          cy: Yr ap\n" in text
    build_site(project, project / "site", now=NOW)
    welsh = (project / "site/cy/incidents" / path.stem / "index.html").read_text()
    assert "Gwallau wrth dalu" in welsh and "<p>Wedi'i drwsio.</p>" in welsh
    assert "Some payments fail" not in welsh
    build_site(project, project / "before", now="2025-05-01T11:15:00+01:00")
    assert "<li>Yr ap</li>" in \
        (project / "before/cy/incidents" / path.stem / "index.html").read_text()


@pytest.mark.parametrize(("args", "expected"), [
    (("--message", "x", "--message-fr", "y"),
     "--message-fr: the site has no other language 'fr': its other languages are cy"),
    (("--message-cy", "y"), "--message-cy translates --message: give --message too"),
    (("--message", "x", "--works", "a", "--works-cy", "b", "--works-cy", "c"),
     "--works-cy was given 2 time(s) and --works 1"),
    (("--message", "x", "--message-cy"), "--message-cy needs a value"),
])
def test_the_commands_refuse_languages_the_site_does_not_have(
        tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    project = write_grocer(tmp_path / "grocer")
    before = snapshot(project)
    code, output = _cli(project, "update", "2025-05-01-click-and-collect", *args)
    assert code == 2 and expected in output, output
    assert snapshot(project) == before


def test_a_site_of_one_language_takes_no_translation(write_project: WriteProject) -> None:
    project = write_project({"statusgen.yaml": _config("  language: en-GB\n"),
                             "incidents/2025-04-19-a.yaml": INCIDENT.format(title="A")})
    code, output = _cli(project, "update", "2025-04-19-a", "--message", "x",
                        "--message-cy", "y")
    assert code == 2 and "it has one language (give site.languages to have several)" in output
    code, output = run_build(project, now="2025-04-19 10:00")
    assert code == 0 and not (project / "site/cy").exists()
    assert '<link rel="alternate" hreflang' not in (project / "site/index.html").read_text()
    assert 'class="languages"' not in (project / "site/index.html").read_text()


def test_the_docs_example_in_two_languages_posts_and_builds(tmp_path: Path) -> None:
    """docs/languages.md: its project in English and Welsh, and its update command."""
    from test_docs import DOCS, blocks

    page = DOCS / "languages.md"
    _, config, incident = blocks(page, "yaml")
    (tmp_path / "incidents").mkdir()
    (tmp_path / "statusgen.yaml").write_text(config)
    (tmp_path / "incidents/2025-05-01-click-and-collect.yaml").write_text(incident)
    command = blocks(page, "shell")[0].replace("statusgen ", f"{sys.executable} -m statusgen ")
    done = subprocess.run(["bash", "-eo", "pipefail", "-c",
                           command.rstrip("\n") + " --at '2025-05-01 10:00'"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    build_site(tmp_path, tmp_path / "site", now="2025-05-01T10:30:00+01:00")
    welsh = (tmp_path / "site/cy/incidents/2025-05-01-click-and-collect/index.html").read_text()
    assert "achos" in welsh and "<li>Siopa yn ein siopau</li>" in welsh
    assert '<span lang="en-GB" dir="ltr">We will deliver your order' in welsh  # not translated
    assert "Oedi archebion Clicio a Chasglu" in welsh
