"""The import graph of ``cf/`` and ``ui/`` has no circle.

The graph is read from the source with :mod:`ast`, so every import counts: at the top of a
module, inside functions, and under ``if TYPE_CHECKING:``. An edge goes from a module to the
module an import names (``from cf import plots`` names ``cf.plots``, not ``cf``; ``from
cf.data import Movies`` names ``cf.data``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cf", "ui")


def module_files() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    """The modules each import statement in ``tree`` names (relative imports resolved).

    ``from package import name`` names the submodule ``package.name`` when there is one,
    else ``package`` (for a function or class it defines or re-exports).
    """
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + [base]).strip(".")
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_names(tree, module, path.name == "__init__.py", set(files))
        graph[module] = {name for name in names if name in files and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_in_functions_and_type_checking_blocks():
    graph = import_graph()
    assert "cf.commands" in graph["cf.cli"]  # imported inside main()
    assert "cf.evaluation" in graph["cf.plots.training"]  # under TYPE_CHECKING
    assert "cf.plots" in graph["cf.report"]  # from cf import plots
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]


def test_no_import_circle_in_cf_and_ui():
    found = [sorted(c) for c in cycles(import_graph())]
    assert not found, f"import circles: {found}"


def test_session_state_names_only_the_job_protocol():
    jobs = {name for name in import_graph()["ui.session.state"] if name.startswith("ui.jobs")}
    assert jobs == {"ui.jobs.base"}


def test_no_screen_imports_another():
    for name, names in import_graph().items():
        if name.startswith("ui.screens."):
            assert not {n for n in names if n.startswith("ui.screens.")}, name


def test_lower_layers_never_import_a_screen():
    """Session state, jobs and components serve the screens: a screen's keys reach them as values (e.g. a
    screen's table of linked widgets, which ``app.py`` hands to :mod:`ui.session.links`), never by import."""
    lower = ("ui.session.", "ui.jobs.", "ui.components.")
    for name, names in import_graph().items():
        if name.startswith(lower):
            assert not {n for n in names if n.startswith("ui.screens")}, name
