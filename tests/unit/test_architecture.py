"""The core's shape: its public names, and the dependencies and clocks it must not reach for."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import pauhu_crm_core

CORE = Path(pauhu_crm_core.__file__).parent
CORE_MODULES = sorted(CORE.rglob("*.py"))

FORBIDDEN_PACKAGES = frozenset(
    {
        "sqlalchemy",
        "starlette",
        "httpx",
        "aiosmtplib",
        "asyncpg",
        "aiosqlite",
        "pauhu_crm_adapters",
        "pauhu_crm_apps",
    }
)

# (object, attribute) calls that read the wall clock instead of the Clock port.
WALL_CLOCK_CALLS = frozenset(
    {
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("date", "today"),
        ("time", "time"),
        ("time", "time_ns"),
    }
)


def _module_id(path: Path) -> str:
    return path.relative_to(CORE.parent).as_posix()


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_packages(tree: ast.Module) -> set[str]:
    """Top-level packages a module imports, statically or through importlib/__import__."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and _call_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _dotted(node: ast.expr) -> list[str]:
    """``datetime.datetime.now`` → ``["datetime", "datetime", "now"]`` (empty if not a name)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    parts.append(node.id)
    return parts[::-1]


def _wall_clock_calls(tree: ast.Module) -> list[str]:
    # Names bound by "from time import time" / "from datetime import datetime as dt".
    aliases: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            for alias in node.names:
                aliases[alias.asname or alias.name] = (node.module, alias.name)
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if len(name) >= 2 and (name[-2], name[-1]) in WALL_CLOCK_CALLS:
            calls.append(".".join(name))
        elif len(name) == 2 and name[0] in aliases:
            if (aliases[name[0]][1], name[1]) in WALL_CLOCK_CALLS:
                calls.append(".".join(name))
        elif len(name) == 1 and aliases.get(name[0]) in WALL_CLOCK_CALLS:
            calls.append(name[0])
    return calls


def test_the_core_has_modules_to_check() -> None:
    names = {_module_id(path) for path in CORE_MODULES}
    assert {"pauhu_crm_core/__init__.py", "pauhu_crm_core/services/deals.py"} <= names


def test_every_name_in_all_resolves() -> None:
    missing = [name for name in pauhu_crm_core.__all__ if not hasattr(pauhu_crm_core, name)]
    assert missing == []


def test_all_names_exactly_the_public_objects_of_the_package() -> None:
    public = {
        name
        for name, value in vars(pauhu_crm_core).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(public) == sorted(pauhu_crm_core.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(set(pauhu_crm_core.__all__)) == len(pauhu_crm_core.__all__)


def test_all_is_sorted_constants_first_then_classes() -> None:
    # The order ruff's RUF022 keeps: SCREAMING_CASE, then CamelCase, then the rest.
    def isort_key(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
        return kind, name

    assert list(pauhu_crm_core.__all__) == sorted(pauhu_crm_core.__all__, key=isort_key)


@pytest.mark.parametrize("path", CORE_MODULES, ids=_module_id)
def test_core_module_imports_no_adapter_framework_or_driver(path: Path) -> None:
    assert _imported_packages(_parse(path)) & FORBIDDEN_PACKAGES == set()


@pytest.mark.parametrize("path", CORE_MODULES, ids=_module_id)
def test_core_module_never_reads_the_wall_clock(path: Path) -> None:
    assert _wall_clock_calls(_parse(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import sqlalchemy.orm", id="import"),
        pytest.param("from starlette.requests import Request", id="from-import"),
        pytest.param("from pauhu_crm_adapters.sql import SqlStore", id="adapters"),
        pytest.param("import importlib\nimportlib.import_module('httpx')", id="import-module"),
    ],
)
def test_forbidden_import_check_catches_imports(source: str) -> None:
    assert _imported_packages(ast.parse(source)) & FORBIDDEN_PACKAGES


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import datetime\ndatetime.datetime.now()", id="module-datetime-now"),
        pytest.param("from datetime import datetime\ndatetime.now(UTC)", id="datetime-now"),
        pytest.param("from datetime import datetime\ndatetime.utcnow()", id="utcnow"),
        pytest.param("from datetime import date\ndate.today()", id="date-today"),
        pytest.param("import time\ntime.time()", id="time-time"),
        pytest.param("from time import time\ntime()", id="bare-time"),
        pytest.param("from datetime import datetime as dt\ndt.now()", id="aliased"),
    ],
)
def test_wall_clock_check_catches_clock_reads(source: str) -> None:
    assert _wall_clock_calls(ast.parse(source))


def test_wall_clock_check_allows_reading_the_clock_port() -> None:
    assert _wall_clock_calls(ast.parse("self.clock.now()\ncontext.now()")) == []
