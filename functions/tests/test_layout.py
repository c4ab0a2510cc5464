"""The shape of the code holds: imports point one way (console -> functions ->
invoker), no import cycle inside functions/, small files, views that read
their input through forms."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def _sources(folder: str) -> list[Path]:
    found = [
        path
        for path in (ROOT / folder).rglob("*.py")
        if not {"tests", "migrations", "runtimes", "blueprints"} & set(path.relative_to(ROOT).parts)
    ]
    assert found, f"no Python files under {folder}/"  # else every check below passes on nothing
    return found


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module the file imports, at any depth (function bodies too)."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_it_keeps_the_engine_free_of_the_console():
    for path in _sources("invoker"):
        bad = {name for name in _imports(path) if name.split(".")[0] in ("functions", "console")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_it_keeps_functions_free_of_the_console():
    # The classroom tells functions/ who may read whose work through a setting
    # (functions/viewers.py), never by being imported.
    for path in _sources("functions"):
        bad = {name for name in _imports(path) if name.split(".")[0] == "console"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_it_has_no_import_cycle_in_functions():
    modules = {_module(path): path for path in _sources("functions")}
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name and not name.startswith(m + ".")}
        for name, path in modules.items()
    }
    # Importing a package runs its __init__, not its modules: edges to a
    # package only count when its __init__ imports something.
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_it_keeps_files_small():
    big = {
        str(path.relative_to(ROOT)): n
        for folder in ("functions", "invoker", "console")
        for path in _sources(folder)
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not big, f"files over {MAX_LINES} lines: {big}"


def test_it_parses_view_input_with_forms():
    views = [*(ROOT / "functions" / "views").glob("*.py"), *(ROOT / "console" / "classroom" / "views").glob("*.py")]
    assert len(views) > 5, "no views found under functions/views/ and console/classroom/views/"
    for path in views:
        text = path.read_text()
        for needle in ("request.POST.get", "request.GET.get", "request.POST[", "request.GET[", "request.POST.getlist"):
            assert needle not in text, f"{path.name} reads {needle} (forms parse input)"
