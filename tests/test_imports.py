"""No import circles in civicnet/, and the web process never loads the worker's code.

Every import counts, also those inside functions (a lazy import hides a circle; it does not
remove it). Two levels:
- modules: no module reaches itself through imports;
- domains: the core of each domain (models, services and their helpers) builds only on domains
  below it. Views, CLI commands, exports and importers are the composition layer on top: they may
  use several domains' services.
"""
from __future__ import annotations

import ast
from pathlib import Path

import civicnet

PACKAGE = Path(civicnet.__file__).parent
COMPOSITION = ("views", "cli", "exports", "importing", "tasks", "api", "worker")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("civicnet",) + path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module for a in node.names]
            graph[name].update(t for t in targets if t in mods and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def domain_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def is_core(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return (module.count(".") >= 2 and domain_of(module) not in {"civicnet.api", "civicnet.web"}
            and not any(last == c or last.endswith("_" + c) for c in COMPOSITION))


def test_no_module_imports_itself_through_others():
    assert cycles(import_graph()) == []


def test_domain_cores_build_on_each_other_in_one_direction():
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        if not is_core(module):
            continue
        for target in targets:
            if domain_of(target) != domain_of(module) and target.count(".") >= 2:
                graph.setdefault(domain_of(module), set()).add(domain_of(target))
    assert cycles(graph) == []


def test_the_walker_sees_a_circle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
