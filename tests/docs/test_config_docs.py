"""docs/configuration.md is generated from the settings, and CI notices when it is stale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from pauhu_crm_apps.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "config_docs.py"
PAGE = ROOT / "docs" / "configuration.md"


@pytest.fixture(scope="module")
def config_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_docs", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_page_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


def test_a_stale_page_fails_the_check(config_docs: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"
    page.write_text(PAGE.read_text(encoding="utf-8").replace("`8000`", "`8080`"))

    assert config_docs.main(["--check", "--path", str(page)]) == 1
    assert config_docs.main(["--check", "--path", str(tmp_path / "missing.md")]) == 1


def test_writing_the_page_makes_the_check_pass(config_docs: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"

    assert config_docs.main(["--path", str(page)]) == 0
    assert config_docs.main(["--check", "--path", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")


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


def test_angle_brackets_outside_code_are_escaped(config_docs: ModuleType) -> None:
    assert config_docs.cell("Bearer <key>, `a <b>` | c") == "Bearer &lt;key&gt;, `a <b>` \\| c"
