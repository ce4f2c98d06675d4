"""Issue 15: no import circle in foi_sender/, found by reading every module's imports with `ast`
(lazy imports inside functions count too: a circle through them is still a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "foi_sender"


def module_name(path: Path) -> str:
    return ".".join(path.with_suffix("").relative_to(PACKAGE.parent).parts).removesuffix(
        ".__init__"
    )


def imported(name: str, is_package: bool, tree: ast.AST, known: set[str]) -> set[str]:
    """The foi_sender modules `tree` imports: `from X import y` counts X.y when it is a module."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = name.split(".") if is_package else name.split(".")[:-1]
            if node.level:
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(files)
    return {
        name: imported(name, path.name == "__init__.py", ast.parse(path.read_bytes()), known)
        for name, path in files.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done, path = [], set(), []

    def visit(module: str) -> None:
        if module in path:
            found.append(path[path.index(module) :] + [module])
            return
        if module in done:
            return
        path.append(module)
        for dependency in sorted(graph[module]):
            visit(dependency)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    return found


def test_the_walker_sees_a_circle_through_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c", "a"]]
    tree = ast.parse("def f():\n    from foi_sender.calendar import ics\n")
    assert imported("foi_sender.x", False, tree, {"foi_sender.calendar.ics"}) == {
        "foi_sender.calendar.ics"
    }
    relative = ast.parse("from .ics import uid_token\nfrom . import ics\n")
    known = {"foi_sender.calendar.ics", "foi_sender.calendar"}
    assert imported("foi_sender.calendar.caldav", False, relative, known) == known


def test_foi_sender_has_no_import_circle():
    graph = import_graph()
    assert "foi_sender.calendar.caldav" in graph and "foi_sender.cli" in graph
    assert "foi_sender.calendar.ics" in graph["foi_sender.calendar.caldav"]
    assert circles(graph) == []
