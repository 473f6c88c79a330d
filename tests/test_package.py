"""The package as it is published: a wheel and an sdist that `twine check --strict` accepts,
whose version is the one `statusgen --version` prints (pyproject.toml holds it, alone)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from statusgen.cli import main

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"]
OFFLINE = re.compile(r"(?i)failed to establish|could not fetch|name resolution|"
                     r"connection (refused|reset|error)|no matching distribution")


def test_the_version_is_the_one_pyproject_gives() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.split()[-1] == VERSION


def test_the_wheel_and_the_sdist_pass_twine_check_strict(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "statusgen", source / "statusgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir",
                            str(dist), str(source)], capture_output=True, text=True, timeout=600)
    if built.returncode and OFFLINE.search(built.stdout + built.stderr):
        pytest.skip("the build backend could not be fetched")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = dist / f"statusgen-{VERSION}-py3-none-any.whl"
    sdist = dist / f"statusgen-{VERSION}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in dist.iterdir())
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel),
                              str(sdist)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"statusgen-{VERSION}.dist-info/METADATA").decode()
    assert "statusgen/themes/default/templates/base.html" in names
    assert "statusgen/scaffold/statusgen.yaml" in names
    assert f"Version: {VERSION}" in metadata and "Project-URL: Changelog, " in metadata
