"""The package's shape (docs/architecture.md): no import circle, render/ pure of the cache, the
worker pool and the writer, and nothing that imports render/ imported by it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "statusgen"


def module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the package, and the modules of the package it imports (at any level:
    an import inside a function counts too)."""
    modules = {module_of(path): path for path in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)] \
                    if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                targets.add(target)
                targets.update(f"{target}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        found[name] = {t for t in targets if t in modules and t != name}
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return seen


def test_no_module_imports_itself_through_others() -> None:
    graph = imports()
    assert sorted(name for name in graph if name in reachable(graph, name)) == []


def test_render_imports_neither_the_cache_nor_processes_nor_the_writer() -> None:
    graph = imports()
    for name in [n for n in graph if n.startswith("statusgen.render")]:
        forbidden = {t for t in reachable(graph, name) if t.split(".")[1:2] and
                     t.split(".")[1] in ("incremental", "pool", "write", "build", "making")}
        assert forbidden == set(), name


def test_the_shape_check_sees_a_circle() -> None:
    """The check is not empty: a made-up graph with a circle is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert {name for name in graph if name in reachable(graph, name)} == {"a", "b", "c"}
