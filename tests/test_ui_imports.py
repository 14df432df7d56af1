"""The shape of ``ui/``: no import circle (imports for type checking and inside functions included),
session state names no background job but their protocol, and no screen imports another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def ui_modules() -> dict[str, Path]:
    """Every module of ``ui/`` by dotted name, with ``app``."""
    paths = [*sorted((ROOT / "ui").rglob("*.py")), ROOT / "app.py"]
    return {module_name(path): path for path in paths}


def imported(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports anywhere in it (top level, functions, TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from ui.jobs import training`
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    modules = ui_modules()
    known = set(modules)
    return {name: imported(path, known) - {name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(graph[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_walk_sees_imports_of_every_kind():
    graph = import_graph()
    assert "ui.jobs.base" in graph["ui.session.state"]  # under TYPE_CHECKING
    assert "ui.jobs.training" in graph["app"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_ui_has_no_import_circle():
    assert circles(import_graph()) == []


def test_session_state_names_only_the_job_protocol():
    jobs = {name for name in import_graph()["ui.session.state"] if name.startswith("ui.jobs")}
    assert jobs == {"ui.jobs.base"}


def test_no_screen_imports_another():
    graph = import_graph()
    for name, names in graph.items():
        if name.startswith("ui.screens."):
            assert not {n for n in names if n.startswith("ui.screens.")}, name
