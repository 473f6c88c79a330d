"""The whole built site of a small project, diffed against a committed copy."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from statusgen.cli import main

GOLDEN = Path(__file__).parent / "golden"
NOW = "2025-04-19T10:30:00+01:00"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_golden_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--project", str(GOLDEN / "project"),
                                       "--out", str(out), "--now", NOW])
    assert result.exit_code == 0, result.output
    if os.environ.get("STATUSGEN_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN / "site", ignore_errors=True)
        shutil.copytree(out, GOLDEN / "site")
    built, golden = _files(out), _files(GOLDEN / "site")
    assert sorted(built) == sorted(golden)
    for name, data in built.items():
        if data != golden[name]:
            diff = difflib.unified_diff(golden[name].decode().splitlines(),
                                        data.decode().splitlines(), f"golden/{name}",
                                        f"built/{name}", lineterm="")
            raise AssertionError("\n".join(diff))
