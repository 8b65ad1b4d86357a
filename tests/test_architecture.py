"""The one-way pipeline the README promises, checked on the import graph of `src/paperindex`.

notes → extract → catalogue → enrich → export: a module may import its own stage, an earlier
one, or the shared core (model, sites, identity, text, files, cores, net, defaults); never a later
stage.  `api`, `cli` and the package's public surface sit on top.  Every import counts, also
those inside functions; only `if TYPE_CHECKING:` blocks are left out (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "paperindex"
RANKS = {
    "core": 0,
    "extract": 1,
    "catalogue": 2,
    "enrich": 3,
    "export": 4,
    "top": 5,
}
CORE = {"model", "sites", "identity", "text", "files", "cores", "net", "defaults", "_version"}
TOP = {"", "api", "cli", "__main__", "testing"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stage(module: str) -> str:
    head = module.split(".", 1)[0]
    if head in CORE:
        return "core"
    if head in TOP:
        return "top"
    assert head in RANKS, f"paperindex.{module} belongs to no stage: add it to the table"
    return head


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
            for n in ast.walk(node)}  # fmt: skip
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").startswith("paperindex"):
                target = (node.module or "").removeprefix("paperindex").lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("paperindex").lstrip(".")
                for a in node.names
                if a.name.startswith("paperindex")
            }
    return found - {module}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: _imports(p, m, set(files)) for m, p in files.items()}


def test_no_module_imports_a_later_stage() -> None:
    wrong = [
        f"paperindex.{m} ({_stage(m)}) imports paperindex.{t} ({_stage(t)})"
        for m, targets in _graph().items()
        for t in targets
        if RANKS[_stage(t)] > RANKS[_stage(m)]
    ]
    assert wrong == []


def test_import_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1  # on the current path
        for nxt in sorted(graph.get(node, set())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2  # done

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize(
    ("module", "stage"),
    [("extract.scanner", "extract"), ("enrich.sources.arxiv", "enrich"), ("sites.arxiv", "core")],
)
def test_stage_table(module: str, stage: str) -> None:
    assert _stage(module) == stage


def test_registries_name_modules_that_exist() -> None:
    """Sources and exporters are registered by `module:class` strings (imported on first use);
    each must resolve, and sit in its stage."""
    import importlib

    from paperindex.enrich.sources import REGISTRY
    from paperindex.export import EXPORTERS

    for stage, registry in (("enrich", REGISTRY), ("export", EXPORTERS)):
        for target in registry.values():
            module, _, cls = target.partition(":")
            assert _stage(module.removeprefix("paperindex.")) == stage
            assert isinstance(getattr(importlib.import_module(module), cls), type)
