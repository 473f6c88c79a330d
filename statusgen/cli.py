"""The command line: each command hands off to the pipeline and reports its problems."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .build import build_site, read_project, resolve_now
from .errors import ProjectError
from .write import OutputError

project_option = click.option(
    "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
    default=Path("."), show_default=True, help="The status project's folder.")


def _fail(err: ProjectError) -> None:
    for problem in err.problems:
        click.echo(str(problem), err=True)
    count = len(err.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="statusgen")
def main() -> None:
    """statusgen: a static status page from YAML files in git."""


@main.command("check")
@project_option
def check_cmd(project_dir: Path) -> None:
    """Validate statusgen.yaml and incidents/; exit 1 with path:line:column per problem."""
    try:
        project = read_project(project_dir)
    except ProjectError as err:
        _fail(err)
    click.echo(f"OK: {len(project.components)} components, {len(project.incidents)} incidents "
               "and maintenance windows.")


@main.command("build")
@project_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: site/ in the project).")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help="Build the site as of this time, e.g. 2025-05-14T12:00+01:00 (default: "
                   "SOURCE_DATE_EPOCH, else the clock).")
def build_cmd(project_dir: Path, out: Path | None, now_text: str | None) -> None:
    """Build the static site; a failed build leaves the previous site untouched."""
    try:
        project = read_project(project_dir)
    except ProjectError as err:
        _fail(err)
    try:
        now = resolve_now(project, now_text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--now") from None
    target = out if out is not None else project_dir / "site"
    try:
        result = build_site(project, project_dir, target, now)
    except OutputError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    click.echo(f"Built {target}: {result.pages} pages, {result.files} files "
               f"in {result.seconds:.2f} s.")
