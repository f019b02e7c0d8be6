"""docs/configuration.md is generated from the settings: a row per setting, with its variable,
`serve` flag, default and help (test_generated_pages.py checks it is current)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import attrs
import pytest

from pauhu_crm_apps.settings import Settings


@pytest.fixture(scope="module")
def config_docs(script: Callable[[str], ModuleType]) -> ModuleType:
    return script("config_docs")


def test_every_setting_has_a_row_with_its_variable_default_and_help(
    config_docs: ModuleType,
) -> None:
    rows = {
        line.split("|")[1].strip(): line
        for line in config_docs.render().splitlines()
        if line.startswith("| `PAUHU_CRM_")
    }
    defaults = Settings().to_env()

    assert len(rows) == len(attrs.fields(Settings))
    for setting in attrs.fields(Settings):
        variable = f"PAUHU_CRM_{setting.name.upper()}"
        row = rows[f"`{variable}`"]
        assert (f"`{defaults[variable]}`" if defaults[variable] else "(empty)") in row
        first_words = " ".join(setting.metadata["help"].split()[:3]).replace("<", "&lt;")
        assert first_words in row, row


@pytest.mark.parametrize(
    ("variable", "flag"),
    [
        pytest.param("PAUHU_CRM_DATABASE_URL", "`--database-url`", id="database-url"),
        pytest.param("PAUHU_CRM_PORT", "`--port`", id="port"),
        pytest.param("PAUHU_CRM_AUTH_MODE", "`--auth-mode`", id="auth-mode"),
        pytest.param("PAUHU_CRM_MAIL_URL", "", id="no flag"),
    ],
)
def test_the_serve_flag_is_named_where_serve_has_one(
    config_docs: ModuleType, variable: str, flag: str
) -> None:
    row = next(line for line in config_docs.render().splitlines() if f"`{variable}`" in line)

    assert row.split("|")[2].strip() == flag
