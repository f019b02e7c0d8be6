"""Fixtures of the operations tests: the app in-process with metrics on, and a scrape parser.

``app``, ``client`` and ``client_for`` are the shared ones of ``tests/app_fixtures.py``."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pauhu_crm_apps.settings import Settings
from tests.app_fixtures import app, client, client_for

__all__ = ["app", "client", "client_for", "label_values", "sample", "settings"]


def sample(scrape: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with exactly ``labels`` in a /metrics text; 0 if none."""
    for family in text_string_to_metric_families(scrape):
        for candidate in family.samples:
            if candidate.name == name and candidate.labels == labels:
                return float(candidate.value)
    return 0.0


def label_values(scrape: str, name: str, label: str) -> set[str]:
    return {
        candidate.labels[label]
        for family in text_string_to_metric_families(scrape)
        for candidate in family.samples
        if candidate.name == name and label in candidate.labels
    }


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, metrics=True, rate_limit_per_second=0)
