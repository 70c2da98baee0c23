"""No import cycles between the modules of ``extractor``.

Every module is parsed (not imported) and every import in it counts, the ones inside functions
and ``if TYPE_CHECKING:`` blocks too: a function-local import only hides a cycle, it does not
remove it. ``from package import name`` is an edge to ``package.name`` when that is a module,
else to ``package``. Importing a submodule counts as importing its parent packages too (their
``__init__`` runs first), except the root package and the importer's own packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import extractor

ROOT = Path(extractor.__file__).resolve().parent
PACKAGE = "extractor"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The modules of ``extractor`` that module ``name`` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                base_parts = package[: len(package) - (node.level - 1)]
                if node.module:
                    base_parts = [*base_parts, *node.module.split(".")]
                base = ".".join(base_parts)
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in modules else base


def _parent_packages(target: str, *, importer: str) -> set[str]:
    """The packages whose ``__init__`` importing ``target`` runs first: ``extractor.clean`` for
    ``extractor.clean.input``. The root package and the importer's own packages (already being
    initialised when it runs) are left out."""
    parts = target.split(".")
    parents = {".".join(parts[:i]) for i in range(2, len(parts))}
    own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 2)}
    return parents - own - {PACKAGE}


def import_graph() -> dict[str, set[str]]:
    """Module → the ``extractor`` modules it imports (self-imports left out)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for target in _imports(name, path, modules):
            # ``import extractor.a.b`` names a module; fall back to its nearest known parent.
            while target and target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                targets.add(target)
                targets |= _parent_packages(target, importer=name)
        graph[name] = targets
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_in(graph, set(component)) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete cycle through the first module of a strongly connected component (BFS)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for succ in sorted(graph[node] & component):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if succ not in parents:
                    parents[succ] = node
                    nxt.append(succ)
        frontier = nxt
    raise AssertionError(f"no cycle in component {sorted(component)}")  # pragma: no cover


def test_graph_sees_function_local_imports() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.sources" in graph[f"{PACKAGE}.extraction"]  # imported inside functions
    assert f"{PACKAGE}.errors" in graph[f"{PACKAGE}.sources.files"]  # ``from ..errors import``


def test_graph_counts_the_parent_package_a_submodule_import_runs() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.clean" in graph[f"{PACKAGE}.nlp.sections"]  # from ..clean.sections
    assert f"{PACKAGE}.clean" not in graph[f"{PACKAGE}.clean.html"]  # its own package
    assert _parent_packages("extractor.a.b.c", importer="extractor.a.x") == {"extractor.a.b"}


def test_find_cycles_reports_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    report = "\n".join(" -> ".join(cycle) for cycle in cycles)
    if cycles:
        print(f"import cycles in {PACKAGE}:\n{report}")
    assert not cycles, f"import cycles in {PACKAGE}:\n{report}"
