"""The command line: each command hands off to the pipeline and reports its problems."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import click
from jinja2 import TemplateError, TemplateSyntaxError

from .advice import warnings
from .build import Build, read_project, resolve_now
from .errors import Problem, ProjectError
from .history import counted
from .in_languages import InLanguages, Translations
from .language import Language, catalogue_problems
from .parse import parse_time
from .project import Incident, Project
from .write import OutputError

# What only some commands use is loaded by them (a build, the most frequent, starts sooner).
if TYPE_CHECKING:
    from .author import ImpactRequest, UpdateRequest
    from .templates import Template

project_option = click.option(
    "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
    default=Path("."), show_default=True, help="The status project's folder.")


def _fail(err: ProjectError) -> None:
    for problem in err.problems:
        click.echo(str(problem), err=True)
    count = len(err.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
    sys.exit(1)


# What a command made, held until the program leaves (see `command`): dropped when the command
# returns, it would be taken apart object by object first.
_LEFT_TO_THE_SYSTEM: list[object] = []


def command() -> None:
    """The `statusgen` program: `main`, then out at once. A build leaves hundreds of thousands
    of objects behind (a project and its views), which the system reclaims in one go rather
    than have them taken apart one by one at exit. Output is flushed first;
    an error that is not an exit (a bug's traceback) goes the usual way."""
    try:
        main(prog_name="statusgen")
    except SystemExit as done:
        status = _status(done.code)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe: Python's own exit says 120
            status = status or 120
        os._exit(status)


def _status(code: object) -> int:
    """The exit status of SystemExit(code), as Python gives it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="statusgen")
def main() -> None:
    """statusgen: a static status page from YAML files in git."""


@main.command("check")
@project_option
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="Warn as of this time (default: SOURCE_DATE_EPOCH, else the clock).")
@click.option("--format", "output_format", type=click.Choice(["text", "github", "json"]),
              default="text", show_default=True,
              help="text: path:line:column: message per problem (on standard error); github: "
                   "GitHub Actions annotations on the lines they name; json: a list of "
                   "{path, line, column, severity, message}.")
def check_cmd(project_dir: Path, now_text: str | None, output_format: str) -> None:
    """Validate statusgen.yaml and incidents/; exit 1 with path:line:column per problem.

    Also warns (exit 0) of a time zone without summer time where one with it is likely meant,
    an unresolved incident without an update for longer than site.stale_after (24h), and a
    promised next update that is overdue, as of --now.

    \b
    Examples:
      statusgen check --project my-status
      statusgen check --format github     # in a GitHub Actions workflow
    """
    try:
        project = read_project(project_dir)
    except ProjectError as err:
        if output_format == "text":
            _fail(err)
        _report(err.problems, output_format)
        sys.exit(1)
    from .notify import channel_problems

    found = sorted(warnings(project_dir, project, _now(project, now_text))
                   + channel_problems(project_dir, project)
                   + catalogue_problems(project_dir, project.site.language))
    errors = [p for p in found if p.severity == "error"]
    if errors and output_format == "text":
        _fail(ProjectError(errors))
    if output_format != "text":
        _report(found, output_format)
        if errors:
            sys.exit(1)
        return
    for warning in found:
        click.echo(str(warning), err=True)
    windows = sum(i.is_maintenance for i in project.incidents)
    click.echo(f"OK: {counted(len(project.components), 'component')}, "
               f"{counted(len(project.incidents) - windows, 'incident')} and "
               f"{counted(windows, 'maintenance window')}"
               + (f"; {counted(len(found), 'warning')}." if found else "."))


def _report(problems: list[Problem], output_format: str) -> None:
    """Problems for a program to read, on standard output."""
    if output_format == "json":
        click.echo(json.dumps([p.as_json() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(problem.github())


@main.command("build")
@project_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: site/ in the project).")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="Build the site as of this time, e.g. 2025-05-14T12:00+01:00 (default: "
                   "SOURCE_DATE_EPOCH, else the clock).")
@click.option("--clean", is_flag=True,
              help="Ignore the cache of the last build (.statusgen-cache/ beside the output) "
                   "and build everything anew.")
@click.option("--profile", is_flag=True, help="Print the time each stage of the build took.")
def build_cmd(project_dir: Path, out: Path | None, now_text: str | None, clean: bool,
              profile: bool) -> None:
    """Build the static site; a failed build leaves the previous site untouched. Only what
    changed since the last build is made again, unless --clean.

    \b
    Example:
      statusgen build --out site --now "2025-05-14 12:00"
    """
    target = out if out is not None else project_dir / "site"
    with Build(project_dir, target, clean=clean) as build:
        _LEFT_TO_THE_SYSTEM.append(build)
        try:
            project = build.read()
        except ProjectError as err:
            _fail(err)
        try:
            now = resolve_now(project, now_text)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--now") from None
        try:
            result = build.finish(project, now)
        except ProjectError as err:  # the project's own catalogue (locales/) is broken
            _fail(err)
        except OutputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except TemplateSyntaxError as err:  # a broken theme template: its place, one line
            click.echo(f"{err.filename or err.name}:{err.lineno}:1: {err.message}", err=True)
            sys.exit(1)
        except TemplateError as err:
            click.echo(f"error: the theme failed: {err.message}", err=True)
            sys.exit(1)
    click.echo(f"Built {target}: {result.pages} pages, {result.files} files "
               f"in {result.seconds:.2f} s.")
    if profile:
        click.echo("\n".join(result.profile()))


class ComponentChange(click.ParamType):
    """`ID=STATE` (or a bare `ID` for a maintenance): a component and the state to give it."""

    name = "ID=STATE"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        cid, _, state = str(value).partition("=")
        if not cid:
            self.fail(f"'{value}' is not ID=STATE, e.g. click-and-collect=partial_outage",
                      param, ctx)
        return cid.strip(), state.strip()


def _template(root: Path, name: str, values: tuple[str, ...]) -> Template:
    """The template filled in from --set NAME=VALUE, the rest asked for at a terminal."""
    from .templates import load_template

    try:
        chosen = load_template(root, name)
    except ProjectError as err:
        _fail(err)
    given = dict(value.partition("=")[::2] for value in values)
    missing = [n for n in chosen.placeholders() if n not in given]
    if missing and not sys.stdin.isatty():
        raise click.UsageError("the template needs a value for " + ", ".join(
            f"{{{n}}}" for n in missing) + ": give --set NAME=VALUE for each")
    for placeholder in missing:
        given[placeholder] = str(click.prompt(placeholder.replace("_", " ").capitalize()))
    return chosen.filled(given)



def _message(message: str | None, message_file: IO[str] | None) -> str:
    if message is not None and message_file is not None:
        raise click.UsageError("give --message or --message-file, not both")
    return message_file.read() if message_file is not None else (message or "")


def _impact_request(said: Translations, works: tuple[str, ...], broken: tuple[str, ...],
                    workaround: str | None, clear: bool) -> ImpactRequest:
    """--works, --broken, --workaround and --clear-impact (with their translations), as one
    request."""
    from .author import ImpactRequest

    if clear and (works or broken or workaround is not None):
        raise click.UsageError("--clear-impact says there is no customer impact: give it "
                               "without --works, --broken or --workaround")
    return ImpactRequest(said.items("works", works) or None,
                         said.items("broken", broken) or None,
                         said.text("workaround", workaround), clear)


class _Terminal:
    """guided.Ask at the terminal, with click's prompts."""

    def text(self, question: str, default: str) -> str:
        return str(click.prompt(question, default=default, show_default=bool(default)))

    def lines(self, question: str, default: tuple[str, ...]) -> tuple[str, ...]:
        click.echo(question + (f"\n  now: {'; '.join(default)}" if default else ""))
        items: list[str] = []
        while line := str(click.prompt("  -", default="", show_default=False)).strip():
            items.append(line)
        return tuple(items) or default

    def yes(self, question: str) -> bool:
        return click.confirm(question, default=False)

    def say(self, text: str) -> None:
        click.echo(text)


def _guided(project: Project, incident: Incident | None, title: str, now: datetime
            ) -> tuple[str, UpdateRequest]:
    """The update (and a new incident's title, in the site's languages) asked for part by
    part at a terminal; without one, a usage error."""
    if not sys.stdin.isatty():
        raise click.UsageError("give --message or --message-file (at a terminal, leave both "
                               "out to be asked for each part)")
    from .guided import guided_update

    asked = guided_update(project, incident, title, now, _Terminal())
    if asked is None:
        click.echo("Nothing was written.")
        sys.exit(0)
    return asked


Written = TypeVar("Written")


def _author(action: Callable[[], Written]) -> Written:
    """Run a write, turning its refusals into one line and exit 1."""
    from .author import AuthorError

    try:
        return action()
    except AuthorError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except ProjectError as err:
        _fail(err)
    raise AssertionError("unreachable")


def _update_options(command: Callable[..., None]) -> Callable[..., None]:
    options = [
        click.option("--status", default=None, help="The status this update sets."),
        click.option("--component", "components", type=ComponentChange(), multiple=True,
                     help="A state change, e.g. --component click-and-collect=major_outage "
                          "(repeatable)."),
        click.option("--message", default=None, help="The update, in Markdown."),
        click.option("--message-file", type=click.File("r", encoding="utf-8"), default=None,
                     help="Read the message from a file, or '-' for standard input."),
        click.option("--next-update", default=None, metavar="TIME",
                     help="When the next update is promised, e.g. '2025-04-19 15:00'."),
        click.option("--at", default=None, metavar="TIME",
                     help="The update's time, for backfilling (default: now)."),
        click.option("--works", multiple=True, metavar="TEXT",
                     help="What still works, in plain words (repeatable: one item each); "
                          "replaces the list in force."),
        click.option("--broken", multiple=True, metavar="TEXT",
                     help="What does not work (repeatable: one item each); replaces the list "
                          "in force."),
        click.option("--workaround", default=None, metavar="TEXT",
                     help="What customers can do meanwhile; replaces the one in force."),
        click.option("--clear-impact", is_flag=True,
                     help="Say there is no customer impact any more."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _now(project: Project, now_text: str | None) -> datetime:
    try:
        return resolve_now(project, now_text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--now") from None


@main.command("new", cls=InLanguages)
@project_option
@click.argument("title", required=False)
@_update_options
@click.option("--template", default=None, metavar="NAME",
              help="Start from templates/NAME.yaml: its title, components, message and "
                   "customer impact (the options given take their place).")
@click.option("--set", "values", multiple=True, metavar="NAME=VALUE",
              help="A value for a {placeholder} of the template (repeatable); at a terminal, "
                   "the others are asked for.")
@click.option("--impact", default=None, help="none | minor | major | critical (default: "
                                              "derived from the component states).")
@click.option("--maintenance", is_flag=True, help="Schedule a maintenance instead.")
@click.option("--start", default=None, metavar="TIME", help="A maintenance's start.")
@click.option("--end", default=None, metavar="TIME", help="A maintenance's end.")
def new_cmd(project_dir: Path, title: str | None, status: str | None,
            components: tuple[tuple[str, str], ...], message: str | None,
            message_file: IO[str] | None, next_update: str | None, at: str | None,
            works: tuple[str, ...], broken: tuple[str, ...], workaround: str | None,
            clear_impact: bool, template: str | None, values: tuple[str, ...],
            impact: str | None, maintenance: bool, start: str | None, end: str | None) -> None:
    """Start an incident (or schedule a maintenance) with its first update.

    \b
    Example:
      statusgen new "Click & Collect orders delayed" \\
        --component click-and-collect=partial_outage \\
        --message "Some orders are not ready. Stores are open." \\
        --works "Shopping in our stores" --broken "Collecting online orders" \\
        --workaround "We will deliver your order to your home instead." \\
        --next-update "2025-04-19 15:00"
    """
    from .author import NewRequest, UpdateRequest, new_incident

    try:
        project = read_project(project_dir)
    except ProjectError as err:
        _fail(err)
    if template is not None:
        chosen = _template(project_dir, template, values)
        title = title or chosen.title
        components = components or chosen.components
        message = message if message is not None or message_file else chosen.message
        if chosen.impact is not None and not (works or broken or workaround or clear_impact):
            works, broken = chosen.impact.still_works, chosen.impact.not_working
            workaround = chosen.impact.workaround or None
    if not title:
        raise click.UsageError("give the incident's TITLE (or a --template that has one)")
    said = Translations(project)
    title = said.text("title", title)
    if message is None and message_file is None and not maintenance:
        said.text("message", None)  # --message-cy without --message: a usage error
        title, first = _guided(project, None, title, _now(project, None))
    else:
        first = UpdateRequest(status, components,
                              said.text("message", _message(message, message_file)),
                              next_update, at, customer=_impact_request(
                                  said, works, broken, workaround, clear_impact))
    request = NewRequest(title, first, impact, maintenance, start, end)
    path = _author(lambda: new_incident(project_dir, project, request,
                                        _now(project, None)))
    click.echo(f"Created {path} (id {path.stem})")


@main.command("update", cls=InLanguages)
@project_option
@click.argument("incident_id", metavar="ID")
@_update_options
@click.option("--impact", default=None,
              help="none | minor | major | critical: the incident's impact from this update on.")
@click.option("--resolve", is_flag=True, help="Resolve it (a maintenance: complete it).")
@click.option("--reopen", is_flag=True, help="Allow posting to a resolved incident.")
def update_cmd(project_dir: Path, incident_id: str, status: str | None,
               components: tuple[tuple[str, str], ...], message: str | None,
               message_file: IO[str] | None, next_update: str | None, at: str | None,
               works: tuple[str, ...], broken: tuple[str, ...], workaround: str | None,
               clear_impact: bool, impact: str | None, resolve: bool, reopen: bool) -> None:
    """Append one update to an incident; every line already in its file stays as it was.

    \b
    Example:
      statusgen update 2025-04-19-click-and-collect-orders-delayed \\
        --status identified --message "We have found the cause." \\
        --next-update "2025-04-19 18:00"
      statusgen update 2025-04-19-click-and-collect-orders-delayed --resolve \\
        --message "Click & Collect is working again."
    """
    from .author import UpdateRequest, append_update, read_incident

    project: Project | None = None
    try:
        project = read_project(project_dir)
        _now(project, None)  # a bad SOURCE_DATE_EPOCH is a usage error, before any writing
    except ProjectError:  # a broken file elsewhere must not stop an update
        pass

    def now() -> datetime:  # read under the lock: the moment the update is written
        if project is None:
            return datetime.now(UTC).replace(microsecond=0)
        return _now(project, None)

    said = Translations(project)
    if message is None and message_file is None and not resolve:
        said.text("message", None)  # --message-cy without --message: a usage error
        found, incident = _author(lambda: read_incident(project_dir, incident_id))
        request = _guided(found, incident, incident.title, now())[1]
        incident_id = incident.id
    else:
        request = UpdateRequest(status, components,
                                said.text("message", _message(message, message_file)),
                                next_update, at, impact, _impact_request(
                                    said, works, broken, workaround, clear_impact))
    path = _author(lambda: append_update(project_dir, incident_id, request, now,
                                         resolve=resolve, reopen=reopen))
    click.echo(f"Updated {path}")


@main.command("amend", cls=InLanguages)
@project_option
@click.argument("incident_id", metavar="ID")
@click.option("--update", "number", type=click.IntRange(min=1), default=None, metavar="N",
              help="The update to correct, counting from 1 (default: the last).")
@click.option("--message", default=None, help="The corrected message, in Markdown.")
@click.option("--message-file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read the corrected message from a file, or '-' for standard input.")
@click.option("--next-update", default=None, metavar="TIME",
              help="The corrected promise of the next update.")
@click.option("--impact", default=None, help="The corrected impact: none | minor | major | "
                                             "critical.")
@click.option("--works", multiple=True, metavar="TEXT",
              help="What still works (repeatable); replaces the update's list.")
@click.option("--broken", multiple=True, metavar="TEXT",
              help="What does not work (repeatable); replaces the update's list.")
@click.option("--workaround", default=None, metavar="TEXT",
              help="What customers can do meanwhile; replaces the update's.")
@click.option("--clear-impact", is_flag=True, help="Say the update had no customer impact.")
def amend_cmd(project_dir: Path, incident_id: str, number: int | None, message: str | None,
              message_file: IO[str] | None, next_update: str | None, impact: str | None,
              works: tuple[str, ...], broken: tuple[str, ...], workaround: str | None,
              clear_impact: bool) -> None:
    """Correct a published update in place (the last by default); the page and the feeds mark
    it "edited" with the time of the correction, and its feed item keeps its id. Every other
    line of the file stays as it was.

    \b
    Example:
      statusgen amend latest --message "Orders placed before 19 April will be delivered."
      statusgen amend 2025-04-19-click --update 2 --workaround "Ask in store for a refund."
    """
    from .author import AmendRequest, amend_update

    project: Project | None = None
    with suppress(ProjectError):  # a broken file elsewhere must not stop a correction
        project = read_project(project_dir)
    said = Translations(project)
    text = _message(message, message_file) if message is not None or message_file else None
    request = AmendRequest(said.text("message", text), next_update, impact,
                           _impact_request(said, works, broken, workaround, clear_impact))

    def now() -> datetime:
        if project is None:
            return datetime.now(UTC).replace(microsecond=0)
        return _now(project, None)

    path, corrected = _author(lambda: amend_update(project_dir, incident_id, number, request,
                                                    now))
    click.echo(f"Corrected update {corrected} of {path}")


@main.command("status")
@project_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the same JSON as api/v2/summary.json.")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="The status as of this time (default: the clock).")
def status_cmd(project_dir: Path, as_json: bool, now_text: str | None) -> None:
    """Print the overall state, each component's state, active incidents and upcoming
    maintenance (in colour on a terminal).

    \b
    Example:
      statusgen status
      statusgen status --json | jq .status
    """
    from .report import status_lines, summary_json

    try:
        project = read_project(project_dir)
        language = Language(project.site.language, project_dir)
    except ProjectError as err:
        _fail(err)
    now = _now(project, now_text)
    if as_json:
        click.echo(summary_json(project, now, language), nl=False)
        return
    for line, colour in status_lines(project, now, language):
        click.echo(click.style(line, fg=colour) if colour else line)


@main.command("notify")
@project_option
@click.option("--dry-run", is_flag=True,
              help="Print what would be sent, to which channel; send and record nothing.")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="Send what is published by this time (default: the clock).")
@click.option("--since", "since_text", metavar="TIME", default=None,
              help="A channel's first run sends what was published from this time on "
                   "(default: the last hour).")
@click.option("--state", "state_file", type=click.Path(path_type=Path), default=None,
              help="The record of what each channel has received "
                   "(default: .statusgen/notify.json in the project).")
def notify_cmd(project_dir: Path, dry_run: bool, now_text: str | None,
               since_text: str | None, state_file: Path | None) -> None:
    """Send every published update that a channel of `notify:` has not received, oldest
    first, one message each; exit 1 when a channel failed (the next run sends it).

    \b
    Examples:
      statusgen notify --dry-run
      statusgen notify                   # after each publish, in CI
    """
    from .notify import STATE, NotifyError, notify

    try:
        project = read_project(project_dir)
    except ProjectError as err:
        _fail(err)
    if not project.notify:
        click.echo("No channels: add them under 'notify:' in statusgen.yaml.")
        return
    now = _now(project, now_text)
    since = None
    if since_text is not None:
        try:
            since = parse_time(since_text, project.site.timezone)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--since") from None
    state = state_file if state_file is not None else project_dir / STATE
    try:
        outcome = notify(project_dir, project, now, state, since, dry_run, echo=click.echo)
    except NotifyError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    for channel, why in outcome.failed:
        click.echo(f"error: channel '{channel}': {why}; the next run sends what it missed",
                   err=True)
    if not dry_run:
        click.echo(f"{counted(len(outcome.sent), 'message')} sent"
                   + (f"; {counted(outcome.skipped, 'older update')} recorded as received "
                      "without sending (a first run)" if outcome.skipped else "") + ".")
    if outcome.failed:
        sys.exit(1)


@main.command("serve")
@project_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="Build as of this time (default: SOURCE_DATE_EPOCH, else the clock).")
def serve_cmd(project_dir: Path, port: int, now_text: str | None) -> None:
    """Build the site, serve it on 127.0.0.1 and rebuild when a file changes.

    Open pages reload after each rebuild; an edit with problems lists them here and on the
    page while the last good build stays up. Each good build is also written to site/.

    \b
    Example:
      statusgen serve --port 8000
      (then open the address it prints, e.g. http://127.0.0.1:8000/)
    """
    from .serve import Preview, PreviewServer, run

    preview = Preview(project_dir, now_text)
    try:
        result = preview.build()
    except ProjectError as err:
        _fail(err)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--now") from None
    except OutputError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    try:
        server = PreviewServer(preview, port)
    except OSError as err:
        click.echo(f"error: cannot serve on 127.0.0.1:{port}: {err.strerror or err} "
                   "(try --port 0 for any free port)", err=True)
        sys.exit(1)
    click.echo(f"Built {preview.out}: {result.pages} pages, {result.files} files "
               f"in {result.seconds:.2f} s.")
    click.echo(f"Serving {server.url} (Ctrl+C to stop)")
    run(server, click.echo)


@main.command("init")
@click.argument("directory", metavar="[DIR]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The same as DIR.")
@click.option("--host", type=click.Choice(["github", "gitlab", "netlify", "cloudflare"]),
              default="github", show_default=True,
              help="Where the page is published: the CI or build file init writes.")
@click.option("--install", "install", metavar="SPEC", default=None,
              help="What the build installs, as pip takes it: statusgen==X.Y.Z (default: this "
                   "version), a git+https://...@TAG address or a wheel's address.")
def init_cmd(directory: Path | None, project_dir: Path | None, host: str,
             install: str | None) -> None:
    """Start a status project in DIR (default: the current folder; made if missing).

    Writes statusgen.yaml, an example incident, README.md, a .gitignore for site/ and what
    the host needs to check, build and publish the page: for GitHub Pages a GitHub Actions
    workflow, for GitLab Pages .gitlab-ci.yml, for Netlify netlify.toml and requirements.txt,
    for Cloudflare Pages requirements.txt. It never overwrites: if any of these files exists,
    it writes nothing and exits 1.

    \b
    Examples:
      statusgen init my-status
      statusgen init my-status --host gitlab
      statusgen init my-status --install "git+https://github.com/statusgen/statusgen@v0.1.0"
    """
    from .scaffold import ScaffoldError, scaffold_files, write_scaffold

    if directory is not None and project_dir is not None and directory != project_dir:
        raise click.UsageError("give the folder once: as DIR or as --project")
    target = directory or project_dir or Path(".")
    try:
        files = scaffold_files(install, host)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--install") from None
    try:
        written = write_scaffold(target, files)
    except ScaffoldError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    click.echo(f"Created a status project in {target}:")
    for path in written:
        click.echo(f"  {path.relative_to(target).as_posix()}")
    go = "" if target == Path(".") else f"cd {target}, then "
    click.echo(f"Next: {go}edit statusgen.yaml, delete the example incident once you have "
               "read it, and preview with `statusgen serve` (README.md says more).")
