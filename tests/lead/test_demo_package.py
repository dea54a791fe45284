"""The demo stays out of the product (the rules in ``lead/demo/__init__.py``), read from the source:
no domain module imports the demo package, the demo uses no private helper of a domain app, and
it neither patches the clock nor re-dates rows with a signal."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "lead" / "demo"
DOMAIN_APPS = ("lead", "sites", "referrals", "participants", "casenotes", "evaluation")
# The only modules outside the package that may use it.
DEMO_USERS = (DEMO, ROOT / "lead" / "management")


def _python_files(*folders: Path) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
    )


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import in ``path``, however deep."""
    return [(module, [name for name, _ in names], line) for module, names, line in _bindings(path)]


def _bindings(path: Path) -> list[tuple[str, list[tuple[str, str]], int]]:
    """As ``_imports``, with the name each import binds: (module, [(name, bound as)], line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [(alias.name, alias.asname or alias.name) for alias in node.names]
            found.append((node.module, names, node.lineno))
    return found


def _is_demo(module: str, names: list[str]) -> bool:
    return (
        module == "lead.demo"
        or module.startswith("lead.demo.")
        or (module == "lead" and "demo" in names)
    )


def _project_module(module: str) -> bool:
    return module.split(".")[0] in DOMAIN_APPS and not _is_demo(module, [])


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_domain_module_imports_the_demo():
    domain = [
        path
        for path in _python_files(*(ROOT / app for app in DOMAIN_APPS))
        if not any(path.is_relative_to(allowed) for allowed in DEMO_USERS)
    ]
    assert len(domain) > 30
    offenders = [
        f"{_relative(path)}:{line} imports {module} {names}"
        for path in domain
        for module, names, line in _imports(path)
        if _is_demo(module, names)
    ]
    assert offenders == []


def test_the_demo_uses_no_private_helper_of_the_domain_apps():
    offenders = []
    for path in _python_files(DEMO):
        tree = ast.parse(path.read_text(), filename=str(path))
        modules = set()  # names bound to a domain module, e.g. ``services``
        for module, names, line in _bindings(path):
            if not _project_module(module):
                continue
            for name, bound in names:
                if name.startswith("_"):
                    offenders.append(f"{_relative(path)}:{line} imports {module}.{name}")
                elif _is_module(f"{module}.{name}"):
                    modules.add(bound)
        offenders += [
            f"{_relative(path)}:{node.lineno} uses {node.value.id}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
        ]
    assert offenders == []


def _is_module(dotted: str) -> bool:
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize(
    "forbidden",
    [
        "unittest.mock",
        "mock",
        "freezegun",
        "time_machine",
        "django.db.models.signals",
        "django.dispatch",
    ],
)
def test_the_demo_neither_patches_the_clock_nor_listens_to_signals(forbidden):
    offenders = [
        f"{_relative(path)}:{line} imports {module}"
        for path in _python_files(DEMO)
        for module, names, line in _imports(path)
        for imported in [module, *(f"{module}.{name}" for name in names)]
        if imported == forbidden or imported.startswith(f"{forbidden}.")
    ]
    assert offenders == []
