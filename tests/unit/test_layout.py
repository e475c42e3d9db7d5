"""The package's shape: no import circle, no private name imported across modules.

Checked on the source with ``ast``, imports inside functions included: a lazy import hides a
circle from Python but not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "qa"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str, modules: dict[str, Path]) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every qa import in the file."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "qa"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "qa":
                continue
            names = [a.name for a in node.names]
            # `from qa.pkg import module` imports the submodule, not a name of the package.
            submodules = [n for n in names if f"{target}.{n}" in modules]
            for sub in submodules:
                found.append((f"{target}.{sub}", [], node.lineno))
            rest = [n for n in names if n not in submodules]
            if rest or not submodules:
                found.append((target, rest, node.lineno))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {t for t, _, _ in _imports(path, name, modules) if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_the_import_graph_has_no_circle():
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a circle through its children.
    for name in graph:
        graph[name] = {t for t in graph[name] if not _is_ancestor(t, name) or t == "qa"}
    assert len(graph) > 20
    assert _cycles(graph) == []


def test_no_module_imports_a_private_name_of_another():
    modules = _modules()
    offences = []
    for name, path in modules.items():
        for target, names, line in _imports(path, name, modules):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and target != name:
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {', '.join(private)} from {target}")
    assert offences == []


def test_every_qa_import_names_a_module_that_exists():
    # A lazy import of a module that moved fails only when its function runs: catch it here.
    modules = _modules()
    missing = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in modules.items()
        for target, _, line in _imports(path, name, modules)
        if target not in modules
    ]
    assert missing == []


def test_the_checker_sees_lazy_imports_and_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    source = PACKAGE / "cli.py"
    lazy = [t for t, _, line in _imports(source, "qa.cli", _modules()) if line > 1]
    assert "qa.config" in lazy  # imported inside main(), still an edge
