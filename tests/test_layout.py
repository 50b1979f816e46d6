"""The package's shape: each stage has one home, modules stay readable, no import cycles,
the library never imports its Prefect wiring, and the README's map matches the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "feedback"
MAX_LINES = 500
BIG_ON_PURPOSE = {"feedback/samples/phrasebook.py"}  # sample sentences, not logic


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports hide cycles too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


GRAPH = {name: {m for m in imported(path) if m in MODULES} for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"a"}}, []),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_no_import_cycle_in_the_library() -> None:
    assert cycles(GRAPH) == []


def test_the_library_never_imports_its_prefect_wiring() -> None:
    offenders = {name: sorted(m for m in imported(path) if m == "flows" or m.startswith("flows."))
                 for name, path in MODULES.items()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_module_is_too_long_to_read() -> None:
    long = {str(p.relative_to(REPO)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert {k: v for k, v in long.items() if k not in BIG_ON_PURPOSE} == {}


def readme_map() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## What is where")
    return text[start : text.index("\n## ", start + 3)]


def test_every_path_in_the_readme_map_exists() -> None:
    named = re.findall(r"^\s*((?:[\w.-]+/)*[\w.-]+/?)\s", readme_map(), flags=re.MULTILINE)
    # lines of the map start with a path relative to the folder of the line above; check the
    # top-level ones and the feedback/ ones, which the map nests two spaces deep
    missing = []
    parent = REPO
    for line in readme_map().splitlines():
        match = re.match(r"^( *)((?:[\w.-]+/)*[\w.-]+/?)\s{2,}", line)
        if not match or line.startswith("```"):
            continue
        depth, path = len(match.group(1)), match.group(2)
        base = REPO if depth == 0 else parent
        if not (base / path).exists():
            missing.append(str((base / path).relative_to(REPO)))
        if depth == 0 and path.endswith("/"):
            parent = REPO / path
    assert named, "the README has no map"
    assert missing == []


def test_every_stage_package_is_in_the_readme_map() -> None:
    packages = sorted(p.parent.name + "/" for p in PACKAGE.glob("*/__init__.py"))
    text = readme_map()
    assert [p for p in packages if f" {p}" not in text] == []
