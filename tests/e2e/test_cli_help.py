"""Every command of ``pauhu-crm`` explains itself and its options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pauhu_crm_apps.cli import main


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        pytest.param([], ["serve", "migrate", "quickstart", "keys"], id="pauhu-crm"),
        pytest.param(
            ["serve"],
            [
                "--host",
                "--port",
                "--database-url",
                "--workers",
                "--auth-mode",
                "--allow-insecure-no-auth",
                "--log-level",
                "PAUHU_CRM_DATABASE_URL",
            ],
            id="serve",
        ),
        pytest.param(["migrate"], ["--database-url", "PAUHU_CRM_DATABASE_URL"], id="migrate"),
        pytest.param(["quickstart"], ["--database-url", "--workspace"], id="quickstart"),
    ],
)
def test_every_command_explains_itself(args: list[str], mentions: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])

    assert result.exit_code == 0, result.output
    missing = [word for word in mentions if word not in result.output]
    assert missing == [], result.output
