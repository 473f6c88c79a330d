"""The lock files agree with pyproject.toml: each pins a version its ranges allow, and
`requirements/lowest.txt` pins each dependency at its lower bound, so the tests run there prove
the bounds (see docs/development.md, "Dependencies and the lock files")."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, Version]:
    text = (REPO / "requirements" / name).read_text(encoding="utf-8")
    return {canonicalize_name(found[1]): Version(found[2]) for found in PIN.finditer(text)}


def lower_bound(requirement: Requirement) -> Version:
    [bound] = [s.version for s in requirement.specifier if s.operator == ">="]
    return Version(bound)


@pytest.mark.parametrize(("lock", "requirements"), [
    ("run.txt", RUNTIME), ("test.txt", RUNTIME + TEST), ("lowest.txt", RUNTIME + TEST)])
def test_each_lock_pins_every_dependency_within_its_range(
        lock: str, requirements: list[Requirement]) -> None:
    pinned = pins(lock)
    for requirement in requirements:
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{lock} lacks {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), \
            f"{lock} pins {requirement.name} {version}, outside {requirement}: run `make lock`"


def test_the_demo_lock_is_the_test_lock_without_the_test_tools() -> None:
    run, test = pins("run.txt"), pins("test.txt")
    assert {name: test[name] for name in run} == run


def test_the_lowest_lock_is_at_every_lower_bound() -> None:
    pinned = pins("lowest.txt")
    for requirement in RUNTIME + TEST:
        assert pinned[canonicalize_name(requirement.name)] == lower_bound(requirement), \
            f"{requirement.name}: the oldest installable release is not the bound; raise it"
