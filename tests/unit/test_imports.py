"""Imports go one way: bot → index, never back; no cycle between any modules; nothing imports tests;
inside bot nothing imports bot.cli; and no function-level import except the few kept off start-up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("index", "bot")

# (module, imported top-level package): imports inside a function, each for start-up time, never to
# dodge a cycle
LAZY_IMPORTS = {
    ("index.bm25._kernels", "numba"),  # optional, and about a second to import: see warm_up
    ("index.bm25._kernels", "llvmlite"),  # numba's own, for its prefetch intrinsic: only when numba loads
    ("bot.cli._telegram", "bot"),  # python-telegram-bot only for the commands that need it
    ("bot.transcripts._replay", "bot"),  # likewise, only when a Telegram transcript is replayed
    ("bot.transcripts._replay", "telegram"),
    ("bot.repl", "prompt_toolkit"),  # only for an interactive terminal
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) for every import statement of the module. `from P import
    x` counts as importing P.x when that is a module of the package, else P."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(n) for n in ast.walk(node) if n is not node)
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, id(node) in nested) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((sub if sub in MODULES else target, id(node) in nested))
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    edges = {m: sorted({t for t, _ in GRAPH[m] if t in MODULES}) for m in MODULES}
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index_of[v] = low[v] = len(index_of)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index_of:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index_of[w])
        if low[v] == index_of[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                found.append(sorted(component))

    for module in MODULES:
        if module not in index_of:
            visit(module)
    return found


def test_the_graph_sees_the_packages() -> None:
    assert "index.store._cache" in MODULES and "index" in MODULES and "bot.answer._composer" in MODULES
    assert ("index.store._writer", False) in GRAPH["index.store._cache"]
    assert ("index.text", False) in GRAPH["index.store._build"]


def test_no_import_cycle() -> None:
    assert _cycles() == []


def test_index_never_imports_bot_or_tests() -> None:
    bad = [(m, t) for m, targets in GRAPH.items() if m.startswith("index")
           for t, _ in targets if t.split(".")[0] in {"bot", "tests"}]
    assert bad == []


def test_bot_never_imports_tests_or_the_cli() -> None:
    bad = [(m, t) for m, targets in GRAPH.items() if m.startswith("bot") and not m.startswith(("bot.cli", "bot.__main__"))
           for t, _ in targets if t.split(".")[0] == "tests" or t.startswith("bot.cli")]
    assert bad == []


def test_function_level_imports_are_only_the_lazy_ones() -> None:
    lazy = {(m, t.split(".")[0]) for m, targets in GRAPH.items() for t, inner in targets if inner}
    assert lazy == LAZY_IMPORTS
