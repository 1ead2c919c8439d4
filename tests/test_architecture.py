"""The shape of the package (docs/architecture.md): layers, sizes, the error catalogue.

Every import counts, at module level, under ``TYPE_CHECKING`` and inside functions: a module
imports only modules of its own layer or the layers below, the graph has no cycle, and no
function imports a tropescan module (that would only hide a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tropescan.errors import Errors, TropescanError

SRC = Path(__file__).parents[1] / "src" / "tropescan"

#: Each module's layer. A new module gets a line here and in docs/architecture.md.
LAYERS = {
    "tropescan._version": 0, "tropescan._resources": 0, "tropescan.errors": 0,
    "tropescan.schema": 0, "tropescan.model": 0, "tropescan.util": 0, "tropescan.inttable": 0,
    "tropescan": 1, "tropescan.sample": 1, "tropescan.normalize": 1, "tropescan.sources": 1,
    "tropescan.readers": 1, "tropescan.timing": 1, "tropescan.lexicon": 1,
    "tropescan.sentences": 1, "tropescan.twist_signals": 1,
    "tropescan.segment": 1, "tropescan.minhash": 1, "tropescan.report": 1,
    "tropescan.tropes": 2, "tropescan.classifier": 2, "tropescan.twists": 2,
    "tropescan.twist_model": 2, "tropescan.chunks": 2,
    "tropescan.borrowing": 2, "tropescan.skeleton": 2, "tropescan.lookups": 3,
    "tropescan.comparison": 3,
    "tropescan.index_store": 3, "tropescan.corpus": 3, "tropescan.originality": 3,
    "tropescan.collection": 3,
    "tropescan.api": 4,
    "tropescan.batch": 5, "tropescan.judging": 5, "tropescan.evaluation": 5, "tropescan.trope_eval": 5, "tropescan.twist_eval": 5,
    "tropescan.cli": 6,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = ("tropescan", *path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    """A module's layer: its own entry, else its package's (readers.text -> readers)."""
    parts = module.split(".")
    while parts:
        name = ".".join(parts)
        if name in LAYERS:
            return LAYERS[name]
        parts.pop()
    raise AssertionError(f"{module} has no layer: add it to LAYERS and docs/architecture.md")


def _imports(module: str) -> list[tuple[str, ast.AST, bool]]:
    """(imported tropescan module, node, inside a function) for every import statement."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    local = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
             for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            targets = [f"{name}.{a.name}" if f"{name}.{a.name}" in MODULES else name
                       for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for target in targets:
            if target in MODULES and target != module:
                out.append((target, node, id(node) in local))
    return out


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_imports_only_own_layer_or_below(module: str) -> None:
    mine = _layer(module)
    wrong = sorted({t for t, _, _ in _imports(module) if _layer(t) > mine})
    assert not wrong, f"{module} (layer {mine}) imports higher layers: {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_no_function_local_tropescan_import(module: str) -> None:
    inside = sorted({t for t, _, local in _imports(module) if local})
    assert not inside, f"{module} imports {inside} inside functions"


def test_architecture_import_graph_has_no_cycle() -> None:
    graph = {m: {t for t, _, _ in _imports(m)} for m in MODULES}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, m, t]))
            if t not in state:
                visit(t, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_sizes(module: str) -> None:
    """No module over 500 lines, no function over 80, no CLI command over 30."""
    source = MODULES[module].read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 500, f"{module}: {len(source.splitlines())} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            command = any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                          and d.func.attr in ("command", "group") for d in node.decorator_list)
            limit = 30 if command else 80
            assert n <= limit, f"{module}.{node.name}: {n} lines (limit {limit})"


def test_architecture_error_codes_are_unique() -> None:
    entries = Errors.all()
    codes = [e.code for e in entries.values()]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    assert all(c.startswith("TS") and len(c) == 5 for c in codes)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_errors_come_from_the_catalogue(module: str) -> None:
    """Every tropescan error raised names a catalogue entry, never a bare string."""
    errors = {c.__name__ for c in _subclasses(TropescanError)} | {"TropescanError"}
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in errors and node.args):
            first = node.args[0]
            assert not isinstance(first, ast.Constant | ast.JoinedStr), (
                f"{module}:{node.lineno}: {node.func.id} with a bare message; add it to Errors")


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out
