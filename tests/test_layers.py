"""The apps form layers: each imports only from the layers below it, so the import graph has no
arrow upwards and no circle. Modules stay small enough to read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first. config wires everything together and is imported by nothing of ours.
LAYERS = [
    "core",
    "standards",
    "accounts",
    "skillscan",
    "tracker",
    "progress",
    "notify",
    "demo",
    "config",
]
MAX_LINES = 400


def _modules(app):
    return [
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    ]


def _imported_apps(path):
    """The project apps a module imports, at any depth of the module (lazy imports count)."""
    apps = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        apps |= {name.split(".")[0] for name in names} & set(LAYERS)
    return apps


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_from_the_layers_below_it(app):
    below = set(LAYERS[: LAYERS.index(app)])
    for path in _modules(app):
        upwards = _imported_apps(path) - below - {app}
        assert not upwards, f"{path.relative_to(ROOT)} imports {upwards}, above {app}"


def test_core_imports_no_app():
    for path in _modules("core"):
        assert not _imported_apps(path) - {"core"}, path


def test_config_urls_hold_only_includes():
    tree = ast.parse((ROOT / "config" / "urls.py").read_text())
    paths = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "path"
    ]
    assert paths
    for call in paths:
        target = call.args[1]
        is_include = isinstance(target, ast.Call) and getattr(target.func, "id", "") == "include"
        is_admin = ast.unparse(target) == "admin.site.urls"
        assert is_include or is_admin, ast.unparse(call)


@pytest.mark.parametrize("app", LAYERS)
def test_no_module_is_longer_than_a_reader_keeps_in_mind(app):
    for path in _modules(app):
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by area"
