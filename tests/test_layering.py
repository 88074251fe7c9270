"""The direction of imports: each layer imports only the layers below it.

    core  <  models  <  modes  <  app  <  eval

Every import counts, at module level, inside functions and under TYPE_CHECKING alike: a
function-local import is a dependency all the same. A layer may import third-party packages
freely; what it may not do is reach up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "models", "modes", "app", "eval"]
RANK = {name: i for i, name in enumerate(LAYERS)}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(layer: str) -> list[str]:
    wrong = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, package in imports_of(path):
            if package in RANK and RANK[package] > RANK[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    return wrong


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_one_above_it(layer):
    assert upward_imports(layer) == []


def test_the_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "backend.py"
    bad.write_text("def f():\n    from app.errors import ValidationFailed\n    return ValidationFailed\n")
    assert imports_of(bad) == [(2, "app")]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph(root: Path = ROOT, layers: list[str] = LAYERS) -> dict[str, set[str]]:
    """Project module -> the project modules it imports (a package's `__init__` is its name).

    Python runs a package's `__init__` before any of its submodules; that edge is left out, as
    every package that re-exports its submodules would otherwise be a circle."""
    paths = [p for layer in layers for p in (root / layer).rglob("*.py")]
    known = {module_name(p, root) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        edges = graph.setdefault(module_name(path, root), set())
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from pkg import sub` depends on the submodule; `from pkg import name` on pkg.
                names = [
                    f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                    for alias in node.names
                ]
            for name in names:
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module_name(path, root):
                    edges.add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_hidden_by_local_imports():
    assert cycles(module_graph()) == []


def test_the_check_sees_a_circle_hidden_in_a_function(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text("from pkg.retry import Policy\n")
    (tmp_path / "pkg" / "retry.py").write_text("def f():\n    from pkg.base import Model\n    return Model\n")
    assert cycles(module_graph(tmp_path, ["pkg"])) == [["pkg.base", "pkg.retry"]]
