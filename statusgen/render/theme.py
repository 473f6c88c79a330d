"""A theme, and its templates bound to one site: what every page of a build shares.

`Theme` is the project's `themes/<name>/` over the built-in theme, file by file. `Templates`
renders one page of it for a site: the settings, the static files' content-hashed names and how
times read are the same for every page, so they belong to the salt of every page's key (see
statusgen.incremental.keys), never to its inputs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime
from pathlib import Path
from types import CodeType
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    Template,
    TemplateAssertionError,
    UndefinedError,
    nodes,
)
from jinja2.ext import InternationalizationExtension
from markupsafe import Markup, escape

from ..history import Bar
from ..language import Language
from ..markdown import Converted
from ..model import SENTENCES
from ..project import Fallback, Impact, Project
from ..views import marked

BUILTIN_THEME = Path(__file__).parent.parent / "themes" / "default"


# A field of a message (`%(name)s`), or "%%": re.split gives the text between them, and the
# field's name (None for "%%").
_FIELD = re.compile(r"%\((\w+)\)s|%%")


class CompiledWords(InternationalizationExtension):
    """Jinja's i18n extension, translating when a template is compiled: a {% trans %} block
    without a plural becomes the language's text, with its fields as the template's own
    (escaped) output, so a page pays nothing at render time for being in a language. The
    environment's `words` (a gettext, set by Templates) says which language; without it, or
    for a plural, the block asks the environment's gettext/ngettext as it renders. Compiled
    templates are kept per language (`words_fingerprint`, see CompiledTemplates)."""

    def _make_node(self, singular: str, plural: str | None, context: str | None,
                   variables: dict[str, nodes.Expr], plural_expr: nodes.Expr | None,
                   vars_referenced: bool, num_called_num: bool) -> nodes.Output:
        words = getattr(self.environment, "words", None)
        if words is None or plural is not None or context is not None:
            return super()._make_node(singular, plural, context, variables, plural_expr,
                                      vars_referenced, num_called_num)
        said: list[nodes.Node] = []
        for n, part in enumerate(_FIELD.split(words(singular))):  # text, field, ..., text
            if n % 2 == 0:
                said += [nodes.TemplateData(part)] if part else []
            elif part is None:
                said.append(nodes.TemplateData("%"))
            elif part in variables:
                said.append(variables[part])
            else:
                raise TemplateAssertionError(f"the translation of {singular!r} names "
                                             f"%({part})s, which the template does not give",
                                             0)
        return nodes.Output(said)


# What `{{ value }}` could write that needs escaping, in a plain string
_SPECIAL = re.compile(r"[&<>\"']")


def _output(value: object) -> str:
    """What `{{ value }}` writes, as markupsafe's escape writes it, without making a new
    Markup of every value (most of what escape costs, and a page writes a hundred values):
    Markup as it is, a string or a number without a special character as it is, the rest
    escaped."""
    kind = type(value)
    if kind is Markup:
        return cast(Markup, value)
    if kind is str:
        text = cast(str, value)
        return text if _SPECIAL.search(text) is None else escape(text)
    if kind is int or kind is float:
        return str(value)
    return escape(value)


class _Template(Template):
    """A template writing each `{{ value }}` through _output: the compiled code calls the
    name `escape` of its module for it (with autoescape on), and escaped text is only ever
    joined into the page (a macro's or a block's output becomes Markup as a whole)."""

    @classmethod
    def from_code(cls, environment: Environment, code: CodeType, globals: MutableMapping[
            str, Any], uptodate: Callable[[], bool] | None = None) -> Template:
        made = super().from_code(environment, code, globals, uptodate)
        made.root_render_func.__globals__["escape"] = _output
        return made


class _Environment(Environment):
    template_class = _Template


class Theme:
    """The Jinja environment and static files of a theme: the project's `themes/<name>/`
    files override the built-in ones file by file, and `default:` reaches the built-in."""

    def __init__(self, project_root: Path, name: str,
                 compiled: BytecodeCache | None = None) -> None:
        self.project_root = project_root
        self.name, self.compiled = name, compiled
        self._digest: str | None = None  # fingerprint(), once worked out
        builtin = FileSystemLoader(BUILTIN_THEME / "templates")
        loaders: list[Any] = [builtin]
        self.template_dirs = [BUILTIN_THEME / "templates"]
        self.static_dirs = [BUILTIN_THEME / "static"]
        own = project_root / "themes" / name
        if own.is_dir():
            loaders.insert(0, FileSystemLoader(own / "templates"))
            self.template_dirs.append(own / "templates")
            self.static_dirs.append(own / "static")
        self.env = _Environment(
            loader=ChoiceLoader([PrefixLoader({"default": builtin}, delimiter=":"), *loaders]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # a Theme serves one build: no need to stat every template
            bytecode_cache=compiled,  # templates compiled by an earlier build
            extensions=[CompiledWords],
        )

    def another(self) -> Theme:
        """The same theme in an environment of its own (for another language): the same
        files, read once for the fingerprint."""
        made = Theme(self.project_root, self.name, self.compiled)
        made._digest = self.fingerprint()
        return made

    def fingerprint(self) -> str:
        """A digest of every template and static file the theme draws on."""
        if self._digest is None:
            self._digest = self._files_digest()
        return self._digest

    def _files_digest(self) -> str:
        digest = hashlib.sha256()
        for folder in [*self.template_dirs, *self.static_dirs]:
            digest.update(f"{folder}\n".encode())
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                if path.is_file():
                    digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def static_files(self) -> dict[str, bytes]:
        """Static files by name, later folders overriding earlier ones; stylesheets
        published compact (compact_css)."""
        files: dict[str, bytes] = {}
        for folder in self.static_dirs:
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        data = path.read_bytes()
                        if path.suffix == ".css":
                            data = compact_css(data)
                        files[path.relative_to(folder).as_posix()] = data
        return files


# What compact_css keeps whole (strings, unquoted URLs), and what it drops or shortens.
_CSS_TOKEN = re.compile(rb"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|url\((?!\s*["'])[^)]*\))"""
                        rb"|(?:/\*.*?\*/|\s)*([{};])(?:/\*.*?\*/|\s)*|(?:/\*.*?\*/|\s)+", re.S)


def compact_css(data: bytes) -> bytes:
    """A stylesheet without its comments, each run of white space one space, none around
    braces and semicolons: the same rules in fewer bytes (a phone downloads it before it
    shows the page)."""
    return _CSS_TOKEN.sub(lambda m: m.group(1) or m.group(2) or b" ", data).strip() + b"\n"


def hashed_name(name: str, data: bytes) -> str:
    """style.css -> static/style.1a2b3c4d5e.css: a name that changes when the content does,
    so hosts may cache it for a year."""
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"static/{stem}.{digest}.{suffix}" if dot else f"static/{name}.{digest}"



def in_its_language(text: str) -> str | Markup:
    """A text of the project in a page's content: one in another language than the page's
    (a Fallback) marked with its own (views.marked)."""
    return text if type(text) is not Fallback else marked(text, escape(text), "span")


class Present(NamedTuple):
    """What a page of the present shows of the whole site: its indicator, and the last change
    the data records (api/v2/status.json's page.updated_at), which the page's live script
    compares with the file's to tell the reader there is news."""

    indicator: Impact
    updated: datetime


class Version(NamedTuple):
    """A language of a site of several: its tag, its name in itself and its folder ("" for
    the first, at the site's root; "cy/")."""

    tag: str
    name: str
    folder: str


class Templates:
    """The theme's templates bound to a project's `settings` (the project without its
    incidents, its texts and base URL those of one language) and to that language: `page`
    renders one page. Views convert Markdown through `markdown`, which a build may replace
    between pages (the HTML is the same). In a site of several languages, `versions` are
    all of them, and `folder` is this one's."""

    def __init__(self, theme: Theme, settings: Project, assets: Mapping[str, str],
                 language: Language, markdown: Converted | None = None,
                 versions: Sequence[Version] = (), folder: str = "") -> None:
        self.theme = theme
        self.env = theme.env
        self.settings = settings
        self.site = settings.site
        self.assets = assets  # a static file's name -> its content-hashed path in the site
        self.markdown = markdown if markdown is not None else Converted()
        self.language = language
        self.versions = versions
        self.folder = folder
        self.up = "../" * folder.count("/")  # from the language's root to the site's
        self.home = self.site.base_url.removesuffix(folder)  # the site's root URL
        self._times: dict[tuple[datetime, bool], Markup] = {}  # pages show the same moments
        self._said: dict[str, Markup] = {}  # messages without values, as said
        # Jinja's i18n extension, "newstyle": a message is a format string whose values are
        # escaped. Most are translated as templates compile (CompiledWords); the rest (and
        # labels, through `said`) ask these as pages render.
        self.env.newstyle_gettext = True  # type: ignore[attr-defined]
        self.env.words = self.language.gettext  # type: ignore[attr-defined]
        self.env.words_fingerprint = self.language.fingerprint  # type: ignore[attr-defined]
        self.env.globals.update(_=self._gettext, gettext=self._gettext,
                                ngettext=self._ngettext)
        self.env.filters.update(
            time=self._time, day=self._day, shortday=self._shortday, month=self.language.month,
            duration=self.language.duration, percent=self.language.percent,
            bar_summary=self._bar_summary, names=self._names, said=self._gettext,
            lang=in_its_language)

    def __fingerprint__(self) -> str:
        """What every page made with these templates shares (statusgen.incremental.keys): the
        theme's files, the settings, the static files' names (which hold their content) and
        the language's catalogues."""
        return hashlib.sha256("\x1f".join([
            self.theme.fingerprint(), repr(self.settings), repr(sorted(self.assets.items())),
            self.language.__fingerprint__(), *(repr(v) for v in self.versions)
        ]).encode()).hexdigest()

    def _gettext(self, message: str, **values: Any) -> Markup:
        """A message in the language, as HTML (Language.markup). Jinja's "newstyle" gettext:
        every message is a format string, "%%" one "%"; one without values is remembered."""
        if values:
            return self.language.markup(message, **values)
        found = self._said.get(message)
        if found is None:
            found = self._said[message] = self.language.markup(message)
        return found

    def _ngettext(self, singular: str, plural: str, n: int, **values: Any) -> Markup:
        values.setdefault("num", n)
        return Markup(self.language.ngettext(singular, plural, n)) % values

    def _time(self, moment: datetime, with_date: bool = True) -> Markup:
        found = self._times.get((moment, with_date))
        if found is None:
            local = moment.astimezone(self.site.timezone)
            shown = self.language.moment(local, with_date)
            found = self._times[(moment, with_date)] = Markup(
                f'<time datetime="{escape(local.isoformat())}">{escape(shown)}</time>')
        return found

    def _day(self, moment: datetime) -> Markup:
        local = moment.astimezone(self.site.timezone)
        return Markup('<time datetime="{}">{}</time>').format(
            local.date().isoformat(), self.language.day(local))

    def _shortday(self, moment: datetime) -> str:
        return self.language.shortday(moment.astimezone(self.site.timezone))

    def _names(self, named: Sequence[Any]) -> str:
        """Things with a name (components' views), or names, in a list as the language
        writes one."""
        return self.language.names([getattr(n, "name", n) for n in named])

    def _bar_summary(self, bar: Bar) -> str:
        """A day of a component's bars in words: how long each state lasted, worst first."""
        _ = self.language.gettext
        if bar.all_day:
            return _("%(state)s all day") % {"state": _(bar.state.label)}
        if not bar.lengths:
            return _("No downtime")
        return "; ".join(_("%(state)s for %(duration)s") % {
            "state": _(state.label), "duration": self.language.duration(length, nearest=True)}
            for state, length in bar.lengths)

    def _versions(self, path: str, root: str, site_root: str) -> list[dict[str, Any]]:
        """The page at `path` in each language of the site (none where it has one): its
        tag, name, link from this page, URL, and whether it is this one (404.html: each
        language's front page)."""
        shown = "" if path == "404.html" else path.removesuffix("index.html")
        return [{"tag": v.tag, "name": v.name, "url": f"{self.home}{v.folder}{shown}",
                 "href": (f"{root}{shown}" if v.folder == self.folder else
                          f"{site_root}{v.folder}{shown}") or "./",
                 "current": v.folder == self.folder}
                for v in self.versions]

    def page(self, template: str, path: str, now: datetime, present: Present | None,
             root: str | None = None, **context: Any) -> bytes:
        """One page at `path`, as of `now`; links are relative to it unless `root` says
        otherwise. `present`: the site's at present; a page made as it stood at an earlier
        moment (`now` is then that moment) has none: no indicator, sentence or live check."""
        if root is None:
            root = "../" * path.count("/")
        site = self.site
        # from the page to the site's root: where the static files and the API are
        site_root = urlsplit(self.home).path if root.startswith("/") else root + self.up
        shown = {} if present is None else {
            "indicator": present.indicator,
            "sentence": self.language.gettext(SENTENCES[present.indicator]),
            "updated": present.updated.astimezone(site.timezone).isoformat()}
        try:
            html = self.env.get_template(template).render(
                site=site, root=root, now=now, lang=self.language.tag,
                direction=self.language.direction, page_url=site.base_url +
                path.removesuffix("index.html"), site_root=site_root,
                versions=self._versions(path, root, site_root),
                asset=lambda name: f"{site_root}{self.assets[name]}", **shown, **context)
        except UndefinedError as err:  # which page, and why a value the others have is missing
            why = " (a page of ended incidents only is made as it stood when they had ended: " \
                "it has no indicator or sentence, which belong to the present)" \
                if present is None else ""
            raise UndefinedError(f"{path}: {err.message}{why}") from None
        return html.encode("utf-8")
