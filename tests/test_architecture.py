"""The shape of the package: floors that only import downwards, no import circles, a sealed
plugin API, small modules.

The floors follow the README's pipeline picture from the bottom up: the things everything
uses (errors, durations, the clock, the config, the database), then parse, stories, items,
ranking and performance (what an item is and how it scores), the plugin system, fetching,
the daily list, review, the plan, experiments, the service, and at the top the faces (the
command line, the web app) and the plugin API. A module may import its own floor and the
floors below, never one above; ``TYPE_CHECKING`` imports count too, since a circle that
only type checkers see still ties the two rooms together.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "trendwatch"

#: Low to high. A unit is a subpackage (``ranking``) or a top-level module (``config``).
FLOORS: list[set[str]] = [
    {"__init__", "errors", "durations", "clock", "i18n"},
    {"config", "logs", "db"},
    {"contracts"},
    {"parse"},
    {"stories"},
    {"items"},
    {"performance"},
    {"ranking"},
    {"hookspecs", "plugins", "binding"},
    {"app"},
    {"fetch"},
    {"daily"},
    {"review"},
    {"plan"},
    {"experiments"},
    {"service"},
    {"cli", "web", "testing", "api", "__main__"},
    # deprecated shims at the 0.1 paths the plugin docs named (they re-export trendwatch.api
    # names); nothing imports them
    {"feeds", "budget", "text"},
]

#: Longest module, in lines: a file past this does more than one job.
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every trendwatch module ``module`` imports, at any depth of its code."""
    is_pkg = path.name == "__init__.py"
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in modules and m != module}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _floor(unit: str) -> int:
    for i, units in enumerate(FLOORS):
        if unit in units:
            return i
    raise AssertionError(f"trendwatch/{unit} is on no floor: add it to FLOORS")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def test_every_import_goes_down_or_sideways():
    upward = []
    for module, deps in _graph().items():
        for dep in deps:
            if _floor(_unit(dep)) > _floor(_unit(module)):
                upward.append(f"{module} -> {dep}")
    assert not upward, "imports from a lower floor to a higher one:\n" + "\n".join(sorted(upward))


def test_no_circle_between_rooms():
    """Rooms (subpackages and top-level modules) form no circle, so each can be read and
    tested with only what is below it."""
    edges: dict[str, set[str]] = {}
    for module, deps in _graph().items():
        for dep in deps:
            if _unit(dep) != _unit(module):
                edges.setdefault(_unit(module), set()).add(_unit(dep))
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_builtin_plugins_import_only_the_plugin_api():
    """A built-in plugin is the example a third-party author copies: if it reached into
    trendwatch's internals, so would theirs, and those internals could never change."""
    offenders = []
    for path in sorted((ROOT / "plugins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] == "trendwatch" and name != "trendwatch.api":
                    offenders.append(f"plugins/{path.name}: {name}")
    assert not offenders, "\n".join(offenders)


def test_the_plugin_api_names_what_it_exports():
    import trendwatch.api as api

    assert api.__all__ == sorted(api.__all__, key=str.lower) or len(set(api.__all__)) == len(
        api.__all__)
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    for name in ("hookimpl", "Item", "Source", "Importer", "PostRecord", "Table", "parse_feed",
                 "plain_text", "current_budget"):
        assert name in api.__all__


def test_no_module_is_too_long():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split along their sections): {long}"


def test_the_old_plugin_paths_still_import_with_a_warning():
    import importlib
    import sys

    import pytest

    for name, attr in (("feeds", "parse_feed"), ("budget", "current"), ("text", "plain_text")):
        sys.modules.pop(f"trendwatch.{name}", None)
        with pytest.warns(DeprecationWarning, match="trendwatch.api"):
            module = importlib.import_module(f"trendwatch.{name}")
        assert callable(getattr(module, attr))
