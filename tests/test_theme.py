"""The theme as shipped: the front page's weight, the example theme, the logo, the
built-in theme found from a wheel install, and what `{{ value }}` writes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEMO_NOW, REPO, SITE_SCRIPTS, WriteProject, build_site
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from statusgen.cli import main
from statusgen.project import Fallback
from statusgen.render.theme import Theme, compact_css

BUDGET = 50_000  # bytes of the front page's HTML and CSS, uncompressed
SCRIPT_BUDGET = 4_096  # bytes of the live script, uncompressed

CONFIG = """\
site:
  title: Example Status
  base_url: https://status.example.com/
  timezone: Europe/London
{extra}components:
  - {{id: website, name: Website}}
"""
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 1'><rect width='4' height='1'/>" \
    b"</svg>"


class _Resources(HTMLParser):
    """Everything a page makes the browser fetch: stylesheets, icons, scripts, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in ("stylesheet", "icon", "preload", "modulepreload",
                                                  "manifest", "apple-touch-icon"):
            self.found.append((str(found["rel"]), str(found.get("href"))))
        elif tag in ("script", "img", "iframe", "video", "audio", "source", "embed", "object",
                     "image", "use", "input") and (found.get("src") or found.get("href")
                                                   or found.get("data") or found.get("srcset")):
            self.found.append((tag, str(found.get("src") or found.get("href")
                                        or found.get("data"))))
        elif found.get("style") and "url(" in str(found["style"]):
            self.found.append(("style", str(found["style"])))


def resources(page: str) -> list[tuple[str, str]]:
    parser = _Resources()
    parser.feed(page)
    return parser.found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "site"
    build_site(REPO, out)
    return out


def test_the_demo_front_page_weighs_under_budget_and_fetches_only_its_css_and_script(
        demo: Path) -> None:
    page = (demo / "index.html").read_text()
    found = resources(page)
    assert [kind for kind, _ in found] == ["stylesheet", "icon", "script"], found
    sheet, _, script = (url for _, url in found)
    assert re.fullmatch(r"static/style\.[0-9a-f]{10}\.css", sheet)  # cacheable for ever
    assert SITE_SCRIPTS.fullmatch(script)
    weight = len(page.encode()) + (demo / sheet).stat().st_size  # before the page shows
    assert weight < BUDGET, f"the front page weighs {weight} bytes (HTML and CSS); " \
                            f"the budget is {BUDGET}"
    assert (demo / script).stat().st_size < SCRIPT_BUDGET  # deferred: read after it shows


def test_pages_load_only_the_live_script_and_nothing_from_elsewhere(demo: Path) -> None:
    for path in sorted(demo.rglob("*.html")):
        for kind, url in resources(path.read_text()):
            assert kind in ("stylesheet", "icon", "script"), (path, kind, url)
            assert kind != "script" or SITE_SCRIPTS.fullmatch(url), (path, url)
            assert not re.match(r"[a-z]+:|//", url), (path, url)  # relative: this site


def _example_project(root: Path) -> Path:
    """The demo project, copied with the example theme switched on."""
    for name in ("incidents", "themes"):
        shutil.copytree(REPO / name, root / name)
    config = (REPO / "statusgen.yaml").read_text()
    assert "  theme: default\n" in config
    (root / "statusgen.yaml").write_text(config.replace("  theme: default\n",
                                                        "  theme: example\n"))
    return root


def _main(page: str) -> str:
    return page[page.index("<main"):]  # the page below its header: content and footer


def test_the_example_theme_changes_only_the_colours_and_the_header(
        demo: Path, tmp_path: Path) -> None:
    theme = REPO / "themes" / "example"
    assert sorted(p.relative_to(theme).as_posix() for p in theme.rglob("*") if p.is_file()) \
        == ["static/colours.css", "templates/base.html"]
    out = tmp_path / "site"
    build_site(_example_project(tmp_path / "project"), out)
    pages = sorted(p.relative_to(out) for p in out.rglob("*.html"))
    assert pages == sorted(p.relative_to(demo) for p in demo.rglob("*.html"))
    for relative in pages:
        themed, plain = (out / relative).read_text(), (demo / relative).read_text()
        if relative.name == "embed.html":  # the banner's page: no theme's
            assert themed == plain
            continue
        sheets = [url for kind, url in resources(themed) if kind == "stylesheet"]
        assert [re.sub(r"\.[0-9a-f]{10}\.", ".", s.rsplit("/", 1)[-1]) for s in sheets] \
            == ["style.css", "colours.css"], relative  # its colours after the built-in ones
        assert '<header class="masthead band">' in themed
        assert _main(themed) == _main(plain), relative  # the rest is the built-in theme's
    colours = next((out / "static").glob("colours.*.css")).read_text()
    assert "prefers-color-scheme: dark" in colours


@pytest.mark.parametrize(("logo", "files", "message"), [
    ("images/logo.svg", {"images/logo.svg": SVG}, None),
    ("Brand Mark.PNG", {"Brand Mark.PNG": b"\x89PNG\r\n\x1a\n"}, None),
    ("images/logo.svg", {}, "no file 'images/logo.svg' in the project"),
    ("../logo.svg", {}, "must be a path inside the project"),
    ("images/../../logo.svg", {}, "must be a path inside the project"),
    ("/etc/logo.svg", {}, "must be a path inside the project"),
    ("C:/logo.svg", {}, "must be a path inside the project"),
    ("images\\logo.svg", {}, "must be a path inside the project"),
    ("https://cdn.example.com/logo.svg", {}, "not a URL"),
    ("statusgen.yaml", {}, "must be an image"),
    ("images/logo.svg.html", {"images/logo.svg.html": b"<script>"}, "must be an image"),
    ("images", {"images/a.svg": SVG}, "must be an image"),
    ("big.png", {"big.png": b"\0" * 1_000_001}, "is 1000001 bytes; the limit is 1000000"),
])
def test_the_logo_is_an_image_inside_the_project(
        write_project: WriteProject, logo: str, files: dict[str, bytes],
        message: str | None) -> None:
    project = write_project({"statusgen.yaml": CONFIG.format(extra=f"  logo: '{logo}'\n"),
                             **files})
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    if message:
        assert result.exit_code == 1, result.output
        assert re.search(r"statusgen\.yaml:5:9: .*" + re.escape(message), result.output), \
            result.output
        return
    assert result.exit_code == 0, result.output
    build_site(project, project / "site")
    page = (project / "site" / "index.html").read_text()
    src = re.search(r'<a class="wordmark" href="./"><img class="logo" src="([^"]+)" '
                    r'alt="Example Status"></a>', page)
    assert src, page[:2000]
    published = project / "site" / src.group(1)
    assert published.read_bytes() == files[logo]
    assert re.fullmatch(r"static/.+\.[0-9a-f]{10}\.(svg|png)", src.group(1), re.IGNORECASE)
    lost = (project / "site" / "404.html").read_text()  # links from the base URL's path
    assert f'<img class="logo" src="/{src.group(1)}" alt="Example Status">' in lost


def test_a_logo_that_leads_out_of_the_project_through_a_symlink_is_refused(
        write_project: WriteProject, tmp_path: Path) -> None:
    project = write_project({"outside.svg": SVG, "project/statusgen.yaml":
                             CONFIG.format(extra="  logo: images/logo.svg\n")}) / "project"
    (project / "images").mkdir()
    (project / "images" / "logo.svg").symlink_to(tmp_path / "outside.svg")
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1, result.output
    assert "statusgen.yaml:5:9: logo 'images/logo.svg' leads outside the project" in result.output


def test_without_a_logo_the_wordmark_is_the_title_in_text(demo: Path) -> None:
    page = (demo / "index.html").read_text()
    assert '<a class="wordmark" href="./">M&amp;S Service Status</a>' in page
    assert "<img" not in page


def test_the_builtin_theme_is_found_after_a_wheel_install(tmp_path: Path) -> None:
    """A wheel built from the sources, installed in a new venv, builds a project from a folder
    outside the repository: the theme's templates and static files ship in the wheel."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "statusgen", source / "statusgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--wheel-dir", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=300)
    if built.returncode and re.search(r"(?i)failed to establish|could not fetch|name resolution"
                                      r"|connection (refused|reset|error)", built.stderr):
        pytest.skip(f"pip could not fetch the build backend: {built.stderr[-500:]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("statusgen-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site_packages = Path(subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        text=True).strip())
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                                "--no-deps", "--no-index", "--quiet", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    # statusgen's dependencies come from this venv; a path in a .pth file is added to sys.path
    # but its own .pth files (this venv's editable statusgen) are not run.
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and
                (p / "jinja2").is_dir())
    (site_packages / "deps.pth").write_text(f"{deps}\n")

    project = tmp_path / "elsewhere"
    (project / "incidents").mkdir(parents=True)
    (project / "statusgen.yaml").write_text(CONFIG.format(extra=""))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run([python, "-c", "import statusgen; print(statusgen.__file__)"],
                           cwd=project, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(site_packages), where.stdout
    result = subprocess.run([python, "-m", "statusgen", "build", "--now", DEMO_NOW],
                            cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    site = project / "site"
    assert '<h1 id="overall">All Systems Operational</h1>' in (site / "index.html").read_text()
    assert list((site / "static").glob("style.*.css")) and list((site / "static").glob(
        "favicon.*.svg"))
    shipped = {p.relative_to(site_packages / "statusgen" / "themes" / "default").as_posix()
               for p in (site_packages / "statusgen" / "themes" / "default").rglob("*")
               if p.is_file()}
    theme = REPO / "statusgen" / "themes" / "default"
    assert shipped == {p.relative_to(theme).as_posix() for p in theme.rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts}


def test_compact_css_keeps_strings_urls_and_descendant_spaces() -> None:
    source = b"""/* a comment */
a  {  color : red ;  }
.b :hover { content: "a ; { }  b" ; }
@media (min-width: 40rem) {
  .x > .y { background: url( a b.png ) ; }
}
"""
    assert compact_css(source) == (
        b'a{color : red;}.b :hover{content: "a ; { }  b";}'
        b"@media (min-width: 40rem){.x > .y{background: url( a b.png );}}\n")


class _Shown:
    """A value that says how it reads in HTML."""

    def __html__(self) -> str:
        return "<b>shown</b>"


VALUES = st.one_of(st.text(), st.text().map(Markup), st.integers(), st.floats(),
                   st.booleans(), st.none(), st.just(_Shown()),
                   st.text().map(lambda text: Fallback(text, "de", "ltr")))


@given(VALUES)
def test_a_value_in_a_template_is_written_as_markupsafe_escapes_it(value: object) -> None:
    """Templates write `{{ value }}` through their own escape (Markup as it is, plain text
    without special characters as it is): the same text as markupsafe's."""
    template = Theme(REPO, "default").env.from_string("[{{ value }}]")
    assert template.render(value=value) == f"[{escape(value)}]"
