"""Fixtures of the security suite: the real app in-process, on SQLite and PostgreSQL.

``app``, ``client`` and ``client_for`` are the shared ones of ``tests/app_fixtures.py``."""

from __future__ import annotations

from typing import Any

import pytest

from pauhu_crm_apps.settings import Settings
from tests.app_fixtures import app, client, client_for

__all__ = ["app", "client", "client_for", "settings", "suite_settings"]


def suite_settings(database_url: str, **changes: Any) -> Settings:
    """The settings of every app this suite builds in-process.

    The fuzzer and the isolation probes send hundreds of requests from one client in
    one workspace: a per-workspace rate limit would answer them 429, so it is off.
    """
    changes.setdefault("rate_limit_per_second", 0)
    return Settings(database_url=database_url, **changes)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return suite_settings(database_url)
