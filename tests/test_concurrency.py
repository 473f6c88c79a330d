"""Operators posting at once, and builds running meanwhile, in real processes.

Every `update` lands exactly once, whatever the interleaving; no update is refused because
another one got the lock first; and every build sees the project between two updates, never
half of one.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from conftest import WriteProject, build_site, small_config

from statusgen.cli import main

CONFIG = small_config("Race Status")

INCIDENT = """\
# Comments and key order stay as written.
title: Incident {n}
updates:
  - at: 2025-01-01 09:00
    status: investigating
    message: It began.
"""

# A poster: one process that posts `count` updates, each with its own message, through the
# real command (its time is the clock, read as it posts).
POSTER = textwrap.dedent("""\
    import sys
    from statusgen.cli import main
    root, incident, name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    for number in range(count):
        try:
            main(["update", "--project", root, incident, "--message",
                  f"{name} says {number}"], standalone_mode=False)
        except SystemExit as stop:
            if stop.code:
                raise
""")


def start_posters(root: Path, jobs: list[tuple[str, str]],
                  count: int) -> list[subprocess.Popen[str]]:
    return [subprocess.Popen([sys.executable, "-c", POSTER, str(root), incident, name,
                              str(count)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for incident, name in jobs]


def finish(posters: list[subprocess.Popen[str]]) -> None:
    for poster in posters:
        out, err = poster.communicate(timeout=120)
        assert poster.returncode == 0, out + err
        assert "Traceback" not in err, err


def messages(root: Path, incident: str) -> list[str]:
    text = (root / "incidents" / f"{incident}.yaml").read_text()
    return [line.split("message: ", 1)[1] for line in text.splitlines()
            if line.strip().startswith("message: ")]


def project(write_project: WriteProject, incidents: int) -> Path:
    return write_project({"statusgen.yaml": CONFIG, **{
        f"incidents/i{n}.yaml": INCIDENT.format(n=n) for n in range(incidents)}})


def test_many_updates_racing_on_one_incident_all_land_once(write_project: WriteProject) -> None:
    root = project(write_project, 1)
    names = [f"op{n}" for n in range(6)]
    finish(start_posters(root, [("i0", name) for name in names], 4))
    posted = messages(root, "i0")
    expected = ["It began."] + [f"{name} says {n}" for name in names for n in range(4)]
    assert Counter(posted) == Counter(expected)  # every one, exactly once
    assert (root / "incidents" / "i0.yaml").read_text().startswith("# Comments and key order")
    assert sorted(p.name for p in (root / "incidents").iterdir()) == ["i0.yaml"]  # no leftovers
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 0, result.output  # and the updates are still oldest first


def test_updates_racing_on_different_incidents_and_a_build_racing_them(
        write_project: WriteProject) -> None:
    root = project(write_project, 3)
    posters = start_posters(root, [(f"i{n % 3}", f"op{n}") for n in range(6)], 3)
    seen: list[dict[str, list[str]]] = []
    while any(poster.poll() is None for poster in posters) or len(seen) < 3:
        out = root / "out"
        build_site(root, out, now=None)  # never a half-written file
        data = json.loads((out / "api" / "v2" / "incidents.json").read_text())
        seen.append({i["name"]: [u["body"] for u in i["incident_updates"]]
                     for i in data["incidents"]})
    finish(posters)
    for n in range(3):
        posted = messages(root, f"i{n}")
        assert Counter(posted) == Counter(["It began."] + [
            f"op{op} says {k}" for op in range(6) if op % 3 == n for k in range(3)])
    # Each build saw each incident as it stood between two updates: no update twice, none
    # that was not posted, and never fewer than an earlier build saw.
    for before, after in itertools.pairwise(seen):
        for name, bodies in after.items():
            assert len(set(bodies)) == len(bodies)
            assert set(before.get(name, [])) <= set(bodies)
