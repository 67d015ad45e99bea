"""The package's shape, as the README's module map draws it: stages in pipeline order, no cycles.

Read from the source (every ``import`` statement, at any depth), not from a running process:

* ``model`` and ``errors`` are the vocabulary every stage speaks: they import no stage;
* a stage (``problem``, ``submission``, ``run``, ``judge``, ``report``) imports the vocabulary,
  itself and earlier stages only, never a later one and never an orchestrator;
* ``run/child`` runs inside the untrusted process: the standard library and numpy, nothing else;
* the module import graph has no cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "grader"
# ``grader`` for ``__version__``; ``files``: atomic writes; ``structure``: a result's parts and
# comparisons (in ``model``)
VOCABULARY = {"grader", "grader.model", "grader.errors", "grader.files", "grader.structure"}
STAGES = ["problem", "submission", "run", "judge", "report"]  # in pipeline order
PEERS = {"problem": {"submission"}, "submission": {"problem"}}  # same step, independent


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "pack":
            continue  # the shipped problems: data (references, known-verdict submissions)
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def _runtime(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (never run)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test) in {
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        }:
            stack += node.orelse
            continue
        nodes.append(node)
        stack += ast.iter_child_nodes(node)
    return nodes


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports when it runs (``from grader.x import y`` is ``grader.x.y``
    when y is a module of the package, else ``grader.x``)."""
    names: set[str] = set()
    for node in _runtime(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                names.add(child if child in MODULES else node.module)
    return names


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


@pytest.mark.parametrize("module", [m for m in MODULES if stage(m)], ids=str)
def test_a_stage_imports_only_the_vocabulary_and_earlier_stages(module: str) -> None:
    own = stage(module)
    assert own is not None
    allowed = {*STAGES[: STAGES.index(own) + 1]} - PEERS.get(own, set())
    wrong = sorted(
        name
        for name in imports(MODULES[module])
        if name.startswith("grader")
        and name not in VOCABULARY
        and not name.startswith("grader.run.child")
        and stage(name) not in allowed
    )
    assert not wrong, f"{module} reaches outside its stage and those before it: {wrong}"


def test_the_vocabulary_imports_no_stage() -> None:
    for module in VOCABULARY - {"grader"}:
        found = imports(MODULES[module])
        wrong = sorted(n for n in found if n.startswith("grader.") and n not in VOCABULARY)
        assert not wrong, f"{module} imports {wrong}"


def test_the_child_imports_only_the_standard_library_and_numpy() -> None:
    child = [m for m in MODULES if m.startswith("grader.run.child.")]
    assert "grader.run.child.worker" in child
    for module in child:
        outside = sorted(
            name
            for name in imports(MODULES[module])
            if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "numpy"
        )
        assert not outside, f"{module} imports {outside}: it runs alone in the untrusted process"


def test_the_fork_server_loads_every_module_its_workers_import_late() -> None:
    """A module a worker imports inside a function (its limits, Landlock, its descriptors) is
    already loaded in the fork server (at the top of ``server.py`` or in its ``main``: the
    module itself must import without Linux, ``test_portable``): imported in each fork, an
    extension module costs every run about a millisecond and some 200 page faults."""
    server = ast.parse(MODULES["grader.run.child.server"].read_text())
    main = next(f for f in server.body if isinstance(f, ast.FunctionDef) and f.name == "main")
    loaded = {name for node in server.body + main.body for name in _imported(node)}
    late: set[str] = set()
    for module in ("worker", "server", "confine", "calls", "codec"):
        tree = ast.parse(MODULES[f"grader.run.child.{module}"].read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                for node in ast.walk(function):
                    late |= _imported(node)
    windows_only = {"msvcrt", "_winapi"}
    assert late - windows_only <= loaded, sorted(late - windows_only - loaded)


def _imported(node: ast.AST) -> set[str]:
    """The modules an ``import`` or an absolute ``from ... import`` statement loads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return {node.module}
    return set()


def test_there_is_no_import_cycle() -> None:
    graph = {m: {n for n in imports(p) if n in MODULES and n != m} for m, p in MODULES.items()}
    # a package's __init__ that a submodule imports for a helper is not a cycle by itself
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for name in sorted(graph[module]):
            if state.get(name) == 1:
                cycle = [*path[path.index(name) :], name]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if name not in state:
                visit(name)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"modules over 400 lines: {long}"
