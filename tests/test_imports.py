"""Module structure: no two toolkit modules import each other at import time."""

from __future__ import annotations

import ast
from pathlib import Path

TOOLKIT = Path(__file__).resolve().parents[1] / "toolkit"


def _module(path: Path) -> str:
    rel = path.relative_to(TOOLKIT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _top_level_imports(path: Path) -> set[str]:
    """toolkit modules imported at module level (imports inside functions are lazy by design)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolkit"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("toolkit"))
    return out


def test_no_two_modules_import_each_other() -> None:
    modules = {_module(p): p for p in TOOLKIT.rglob("*.py")}
    graph = {m: {i for i in _top_level_imports(p) if i in modules and i != m} for m, p in modules.items()}
    # A package's __init__ importing its own submodules (a registry) is not a cycle to untangle.
    pairs = {
        tuple(sorted((m, i)))
        for m, deps in graph.items()
        for i in deps
        if m in graph[i]
        and not (modules[m].name == "__init__.py" and i.startswith(m + "."))
        and not (modules[i].name == "__init__.py" and m.startswith(i + "."))
    }
    assert not pairs, pairs


def test_release_and_release_checks_do_not_import_each_other() -> None:
    assert "toolkit.release" not in _top_level_imports(TOOLKIT / "release_checks.py")
    assert "toolkit.release_checks" not in _top_level_imports(TOOLKIT / "release.py")
