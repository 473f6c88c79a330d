"""The documentation: MkDocs builds it strictly, it names every command, option and key, and
every example in it runs (shell examples in a new project, YAML examples as statusgen reads
them, host files exactly as `init` writes them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import REPO, WriteProject

from statusgen.cli import main
from statusgen.load import load_text
from statusgen.parse import KEYS
from statusgen.scaffold import scaffold_files

DOCS = REPO / "docs"
HANG = 300


def blocks(page: Path, language: str) -> list[str]:
    """The fenced code blocks of `language` on a page, in order."""
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", page.read_text(encoding="utf-8"),
                      re.S | re.M)


def test_mkdocs_builds_the_docs_strictly(tmp_path: Path) -> None:
    """No broken link, no page left out of the nav (strict mode refuses both)."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "docs")],
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "docs" / "playbook" / "index.html").is_file()


def undocumented_options(text: str) -> list[str]:
    missing = []
    for name, command in sorted(main.commands.items()):
        if f"statusgen {name}" not in text:
            missing.append(f"statusgen {name}")
        for param in command.params:
            for option in [*param.opts, *param.secondary_opts]:
                if option.startswith("--") and option != "--help" and option not in text:
                    missing.append(f"statusgen {name} {option}")
    return missing


def test_every_command_and_option_is_documented() -> None:
    assert undocumented_options((DOCS / "commands.md").read_text(encoding="utf-8")) == []


def test_the_option_check_sees_a_missing_option() -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8").replace("--next-update", "--next")
    assert "statusgen new --next-update" in undocumented_options(text)


def test_every_key_of_a_project_is_documented() -> None:
    examples = "\n".join(blocks(DOCS / "project.md", "yaml"))
    missing = [f"{where}: {key}" for where, keys in KEYS.items() for key in keys
               if not re.search(rf"(^|[\s{{,]){re.escape(key)}:", examples, re.M)]
    assert missing == []


def test_the_project_examples_are_a_valid_project(write_project: WriteProject) -> None:
    config, incident, maintenance = blocks(DOCS / "project.md", "yaml")
    root = write_project({"statusgen.yaml": config, "images/logo.svg": "<svg/>",
                          "incidents/2025-04-19-click-and-collect.yaml": incident,
                          "incidents/2025-09-01-payment-upgrade.yaml": maintenance})
    done = subprocess.run([sys.executable, "-m", "statusgen", "check", "--project", str(root)],
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix()
                                        for p in DOCS.rglob("*.md") if blocks(p, "yaml")))
def test_every_yaml_example_reads(page: str) -> None:
    """As statusgen reads it where it is a project's file, else as YAML (a CI file)."""
    for number, text in enumerate(blocks(DOCS / page, "yaml"), start=1):
        if page == "project.md":
            _, problems = load_text(text, f"{page} example {number}")
            assert problems == [], problems
        else:
            assert isinstance(yaml.safe_load(text), dict), (page, number)


@pytest.mark.parametrize(("page", "host", "name", "language"), [
    ("publishing/github.md", "github", ".github/workflows/status.yml", "yaml"),
    ("publishing/gitlab.md", "gitlab", ".gitlab-ci.yml", "yaml"),
    ("publishing/netlify.md", "netlify", "netlify.toml", "toml")])
def test_each_host_page_shows_the_file_init_writes(page: str, host: str, name: str,
                                                   language: str) -> None:
    assert blocks(DOCS / page, language)[0] == scaffold_files("statusgen==X.Y.Z", host)[name]


PAGES_WITH_SHELL = sorted(p.relative_to(REPO).as_posix()
                          for p in [REPO / "README.md", *DOCS.rglob("*.md")] if blocks(p, "sh"))


@pytest.mark.parametrize("page", PAGES_WITH_SHELL)
def test_every_shell_example_runs(page: str, tmp_path: Path) -> None:
    """A page's shell examples, one after another, in a project that `statusgen init` wrote
    (the walk-throughs write their own)."""
    project = tmp_path / "project"
    made = subprocess.run([sys.executable, "-m", "statusgen", "init", str(project)],
                          capture_output=True, text=True, timeout=HANG)
    assert made.returncode == 0, made.stderr
    script = "\n".join(textwrap.dedent(block) for block in blocks(REPO / page, "sh"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=project, env=env,
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
