"""The whole built site of a small project, diffed against a committed copy."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from conftest import GOLDEN, GOLDEN_NOW, GOLDEN_PROJECT, build_site, snapshot


def test_golden_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(GOLDEN_PROJECT, out, now=GOLDEN_NOW)
    if os.environ.get("STATUSGEN_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN / "site", ignore_errors=True)
        shutil.copytree(out, GOLDEN / "site")
    built, golden = snapshot(out), snapshot(GOLDEN / "site")
    assert sorted(built) == sorted(golden)
    for name, data in built.items():
        if data != golden[name]:
            diff = difflib.unified_diff(golden[name].decode().splitlines(),
                                        data.decode().splitlines(), f"golden/{name}",
                                        f"built/{name}", lineterm="")
            raise AssertionError("\n".join(diff))
