"""The package's structure: layers point down, no import cycles, the check path stays small.

The import graph is read from the source (every `import` and `from ... import`, at module level
or inside functions, `TYPE_CHECKING` blocks included), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "agentguard"

# Lowest first. A module may import from its own unit or from units of a lower layer only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("redaction",),
    ("errors", "atomic", "processes", "progress", "schema_check", "text", "testing"),
    ("input_limits", "message_forms"),
    ("inputs",),
    ("types", "input_files"),
    ("context", "claims", "calibration", "policy", "render", "needless_calls"),
    ("estimators", "decide", "trace"),
    ("monitor",),
    ("runtime", "integrations", "inspection", "scale"),
    ("evaluation",),
    ("demos", "viewer"),
    ("cli",),
    ("__main__",),
)
CHECK_PATH_EXCLUDES = ("agentguard.evaluation", "agentguard.runtime", "agentguard.demos")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "agentguard":
                yield node.module
                # `from agentguard.x import y` imports the module `agentguard.x.y` when y is one.
                for alias in node.names:
                    yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "agentguard")


def import_graph() -> dict[str, set[str]]:
    """Module -> the agentguard modules it imports (the root package's facade left out)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = {t for t in _imports(path) if t in files and t != "agentguard"}
        graph[name] = targets - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a list of nodes, or None when it has none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _unit(module: str, depth: int) -> str:
    return ".".join(module.split(".")[: depth + 1])


def test_no_import_cycle_between_modules() -> None:
    assert _cycle(import_graph()) is None


def test_no_import_cycle_between_the_folders_of_any_package() -> None:
    graph = import_graph()
    packages = {m for m in graph if (PACKAGE.parent / m.replace(".", "/")).is_dir()}
    for package in sorted(packages):
        depth = package.count(".") + 1
        folder: dict[str, set[str]] = defaultdict(set)
        for src, targets in graph.items():
            if not src.startswith(package + "."):
                continue
            for dst in targets:
                if dst.startswith(package + ".") and _unit(src, depth) != _unit(dst, depth):
                    folder[_unit(src, depth)].add(_unit(dst, depth))
        assert _cycle(folder) is None, package


def test_layers_point_down_only() -> None:
    layer = {unit: i for i, units in enumerate(LAYERS) for unit in units}
    units = {_unit(m, 1).removeprefix("agentguard.") for m in import_graph()} - {"agentguard"}
    assert units <= set(layer), f"modules missing from LAYERS: {sorted(units - set(layer))}"
    wrong = []
    for src, targets in import_graph().items():
        if src == "agentguard":
            continue  # the public facade imports from every layer
        a = _unit(src, 1).removeprefix("agentguard.")
        for dst in targets:
            b = _unit(dst, 1).removeprefix("agentguard.")
            if a != b and layer[b] >= layer[a]:
                wrong.append(f"{src} -> {dst}")
    assert wrong == []


def test_text_toolkit_depends_on_nothing_else_in_agentguard() -> None:
    for src, targets in import_graph().items():
        if src.startswith("agentguard.text"):
            assert all(t.startswith("agentguard.text") for t in targets), (src, targets)


def test_the_check_path_imports_nothing_from_evaluation_runtime_or_demos() -> None:
    graph = import_graph()
    seen, todo = set(), ["agentguard.monitor", "agentguard.estimators.default"]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    assert "agentguard.calibration" in seen and "agentguard.text.values" in seen
    assert sorted(m for m in seen if m.startswith(CHECK_PATH_EXCLUDES)) == []


def test_a_hidden_cycle_would_be_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
