"""`statusgen init`: a project that checks and builds as it stands, written over nothing."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, snapshot

from statusgen.cli import main
from statusgen.scaffold import SCAFFOLD, scaffold_files

EXECUTABLE = Path(sys.executable).with_name("statusgen")
FILES = {".github/workflows/status.yml", ".gitignore", "README.md", "statusgen.yaml",
         "incidents/2025-01-14-example-website-slow.yaml"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_the_scaffold_is_fixed_text_with_the_running_version_pinned() -> None:
    files = scaffold_files()
    assert set(files) == FILES
    assert files == scaffold_files()  # no clock, no randomness
    assert f'pip install "statusgen=={version("statusgen")}"' in files[
        ".github/workflows/status.yml"]
    assert not re.search(r"@[A-Z_]+@", "".join(files.values()))  # every mark filled in
    assert "/site/" in files[".gitignore"].splitlines()


def test_init_into_a_new_folder_then_check_and_build(tmp_path: Path) -> None:
    target = tmp_path / "new" / "status"
    code, out, err = invoke("init", str(target))
    assert code == 0, err
    assert snapshot(target) == {name: text.encode() for name, text in scaffold_files().items()}
    assert f"Created a status project in {target}:" in out
    assert "  statusgen.yaml\n" in out and "  .github/workflows/status.yml\n" in out
    code, out, err = invoke("check", "--project", str(target))
    assert (code, out) == (0, "OK: 4 components, 1 incident and 0 maintenance windows.\n"), err
    code, out, err = invoke("build", "--project", str(target))  # at the clock's now
    assert code == 0, err
    site = target / "site"
    assert (site / "incidents" / "2025-01-14-example-website-slow" / "index.html").is_file()
    assert "All Systems Operational" in (site / "index.html").read_text()
    assert (site / "_headers").is_file()


def test_init_into_an_empty_folder_and_with_project(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    code, out, err = invoke("init")
    assert code == 0, err
    assert set(snapshot(tmp_path / "here")) == FILES
    assert "cd " not in out  # already there
    (tmp_path / "other").mkdir()
    assert invoke("init", "--project", str(tmp_path / "other"))[0] == 0
    assert set(snapshot(tmp_path / "other")) == FILES
    code, _, err = invoke("init", "a", "--project", "b")
    assert code == 2 and "give the folder once" in err


def test_other_files_in_the_folder_are_no_obstacle(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "LICENSE").write_text("MIT\n")
    (tmp_path / "incidents").mkdir()
    assert invoke("init", str(tmp_path))[0] == 0
    assert set(snapshot(tmp_path)) == FILES | {"LICENSE"}


@pytest.mark.parametrize(("existing", "named"), [
    ({"statusgen.yaml": "site: {}\n", "README.md": "mine\n"}, "statusgen.yaml"),
    ({"README.md": "mine\n"}, "README.md"),
    ({"incidents/2025-01-14-example-website-slow.yaml": "title: x\n"},
     "incidents/2025-01-14-example-website-slow.yaml"),
    ({".github": "a file where the folder goes\n"}, ".github"),
])
def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: dict[str, str],
                                                 named: str) -> None:
    for name, text in existing.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    before = snapshot(tmp_path)
    code, out, err = invoke("init", str(tmp_path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {tmp_path / named} already exists")
    assert "nothing" in err
    assert snapshot(tmp_path) == before
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == \
        sorted({*existing, *(str(Path(n).parent) for n in existing if "/" in n)})


def test_a_file_where_the_folder_goes_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x\n")
    code, _, err = invoke("init", str(tmp_path / "taken"))
    assert code == 2 and "is a file" in err
    assert (tmp_path / "taken").read_text() == "x\n"


def test_the_project_readme_covers_the_daily_commands() -> None:
    readme = scaffold_files()["README.md"]
    for command in ("statusgen new", "statusgen update", "statusgen check", "statusgen build",
                    "statusgen serve", ".github/workflows/status.yml"):
        assert command in readme, command


def test_the_scaffold_ships_in_the_wheel() -> None:
    """Every scaffold file is matched by the package-data globs, and none is a dotfile,
    which setuptools' globs would leave out."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    package = REPO / "statusgen"
    shipped = {p for pattern in config["tool"]["setuptools"]["package-data"]["statusgen"]
               for p in package.glob(pattern)}
    files = {p for p in SCAFFOLD.rglob("*") if p.is_file()}
    assert files and files <= shipped
    assert not [p for p in files if any(part.startswith(".") for part in
                                        p.relative_to(SCAFFOLD).parts)]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXECUTABLE), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_installed_command(tmp_path: Path) -> None:
    assert EXECUTABLE.is_file(), f"statusgen is not installed beside {sys.executable}"
    done = run("init", "status", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Next: cd status, then edit statusgen.yaml" in done.stdout
    project = tmp_path / "status"
    assert run("check", cwd=project).returncode == 0
    done = run("build", "--now", "2025-01-14 10:00", cwd=project)
    assert done.returncode == 0, done.stderr
    page = (project / "site" / "index.html").read_text()
    assert "Example: website slow to load" in page  # ongoing at that moment
    before = snapshot(project)
    done = run("init", cwd=project)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: statusgen.yaml already exists (as do 4 more")
    assert snapshot(project) == before
    done = run("init", "--help", cwd=tmp_path)
    assert "statusgen init my-status" in done.stdout


@pytest.mark.parametrize(("host", "own"), [
    ("github", ".github/workflows/status.yml"), ("gitlab", ".gitlab-ci.yml"),
    ("netlify", "netlify.toml"), ("cloudflare", "requirements.txt")])
def test_each_host_gets_its_file_and_a_readme_that_says_how_to_publish(host: str,
                                                                        own: str) -> None:
    files = scaffold_files("statusgen==9.9.9", host)
    assert own in files
    assert "statusgen==9.9.9" in "".join(files.values())
    readme = files["README.md"]
    assert own.split(",")[0] in readme
    others = {".github/workflows/status.yml", ".gitlab-ci.yml", "netlify.toml"} - {own}
    assert not others & set(files)
