"""The operations settings: checked at start, and metrics without their extra stop there."""

from __future__ import annotations

import sys

import pytest
import uvicorn
from click.testing import CliRunner

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.bootstrap import build_metrics
from pauhu_crm_apps.cli import main
from pauhu_crm_apps.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("LOG_FORMAT", "xml", "PAUHU_CRM_LOG_FORMAT must be one of", id="log-format"),
        pytest.param("METRICS", "maybe", "PAUHU_CRM_METRICS must be true or false", id="metrics"),
        pytest.param(
            "SHUTDOWN_TIMEOUT_SECONDS", "-1", "SHUTDOWN_TIMEOUT_SECONDS is out of range", id="drain"
        ),
        pytest.param(
            "SCHEDULER_METRICS_PORT", "-5", "SCHEDULER_METRICS_PORT is out of range", id="port"
        ),
    ],
)
def test_a_bad_operations_setting_is_refused_with_its_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({f"PAUHU_CRM_{variable}": value})


def test_the_operations_settings_round_trip_through_the_environment() -> None:
    settings = Settings(
        log_format="json", metrics=True, metrics_token="t0k", shutdown_timeout_seconds=5
    )

    assert Settings.from_env(settings.to_env()) == settings


@pytest.fixture
def without_prometheus(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the `metrics` extra were not installed."""
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    monkeypatch.delitem(sys.modules, "pauhu_crm_apps.metrics_adapters", raising=False)


@pytest.mark.usefixtures("without_prometheus")
def test_metrics_without_their_extra_say_what_to_install() -> None:
    assert build_metrics(Settings()) is None  # off: prometheus-client is never imported
    assert create_app(Settings()).state.metrics is None
    with pytest.raises(RuntimeError, match=r"pip install 'pauhu-crm\[metrics\]'"):
        build_metrics(Settings(metrics=True))


def _never_serve(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("serve must stop before uvicorn starts")


@pytest.mark.usefixtures("without_prometheus")
def test_serve_stops_before_listening_when_metrics_lack_their_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(uvicorn, "run", _never_serve)

    result = CliRunner().invoke(main, ["serve"], env={"PAUHU_CRM_METRICS": "true"})

    assert result.exit_code == 2
    assert "pauhu-crm[metrics]" in result.output
