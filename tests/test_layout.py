"""The layout holds: no import cycles (imports inside functions included), no function-local
imports dodging one, modules of one concept (about 400 lines at most), and cpd_tracker using
xapi only through its public API. The layering itself is import-linter's (``setup.cfg``, run
by ``scripts/test``); these are the rules it cannot state.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cpd_tracker", "xapi")
#: About 400 lines: past this a module is asking to be split along its second concept.
LONGEST = 420
#: The modules of xapi that cpd_tracker may import from, each with an ``__all__``.
XAPI_PUBLIC = ("xapi", "xapi.forwarding", "xapi.clients")


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imports(path: Path, name: str) -> Iterator[tuple[ast.stmt, list[str], bool]]:
    """Each import statement of a module: the modules it names and whether it is in a
    function. Imports under ``if TYPE_CHECKING:`` never run and are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        local, checked = False, node
        while checked in parents:
            checked = parents[checked]
            if isinstance(checked, ast.If) and "TYPE_CHECKING" in ast.unparse(checked.test):
                break
            if isinstance(checked, ast.FunctionDef | ast.AsyncFunctionDef):
                local = True
        else:
            yield node, targets, local


def graph() -> dict[str, set[str]]:
    known = dict(modules())
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for _, targets, _ in imports(path, name):
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    edges[name].add(target)
    return edges


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_no_function_local_import_of_the_packages_own_modules() -> None:
    """A function-local import of our own code is a cycle being dodged: move the shared piece
    down a layer instead."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for name, path in modules() for node, targets, local in imports(path, name)
             if local and any(target.split(".")[0] in PACKAGES for target in targets)]
    assert found == []


def test_a_function_local_import_says_it_defers_a_heavy_dependency() -> None:
    missing = []
    for name, path in modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, _, local in imports(path, name):
            nearby = " ".join(lines[max(0, node.lineno - 2):node.end_lineno]).lower()
            if local and "defer" not in nearby:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=[name for name, _ in modules()])
def test_a_module_holds_one_concept(name: str, path: Path) -> None:
    length = len(path.read_text(encoding="utf-8").splitlines())
    assert length <= LONGEST, (f"{name} has {length} lines: split it along its second "
                               "concept (about 400 lines at most)")


def test_cpd_tracker_takes_from_xapi_only_what_its_public_api_lists() -> None:
    outside = []
    for name, path in modules():
        if not name.startswith("cpd_tracker"):
            continue
        for node, _, _ in imports(path, name):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "xapi":
                if node.module not in XAPI_PUBLIC:
                    outside.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
                    continue
                public = importlib.import_module(node.module).__all__
                outside += [f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                            for alias in node.names if alias.name not in public
                            and f"{node.module}.{alias.name}" not in XAPI_PUBLIC]
            elif isinstance(node, ast.Import):
                outside += [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                            for alias in node.names if alias.name.split(".")[0] == "xapi"
                            and alias.name not in XAPI_PUBLIC]
    assert outside == []


def test_xapi_knows_nothing_of_cpd_tracker() -> None:
    assert not [name for name, targets in graph().items()
                if name.startswith("xapi") and any(t.startswith("cpd_tracker") for t in targets)]
