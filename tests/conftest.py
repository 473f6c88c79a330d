"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteProject = Callable[[dict[str, str | bytes | None]], Path]


@pytest.fixture
def write_project(tmp_path: Path) -> WriteProject:
    """Returns `write(files)`: writes each relative path -> text (UTF-8) or bytes (as given)
    under tmp_path, deletes the paths mapped to None, and returns tmp_path. Call it again to
    change a project already written."""

    def write(files: dict[str, str | bytes | None]) -> Path:
        for relative, content in files.items():
            path = tmp_path / relative
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return write
