"""The reliability suite's fixture and its terminal summary of measured numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

_reported: list[tuple[str, list[tuple[str, object]]]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.user_properties:
        _reported.append((report.nodeid, list(report.user_properties)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _reported:
        terminalreporter.section("reliability numbers")
        for nodeid, numbers in _reported:
            line = ", ".join(f"{name}={value}" for name, value in numbers)
            terminalreporter.write_line(f"{nodeid}: {line}")


@pytest.fixture
def server_database_url(database_url: str, tmp_path: Path) -> str:
    """A fresh SQLite file per test; PostgreSQL is the session's throw-away database."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'reliability.db'}"
    return database_url
