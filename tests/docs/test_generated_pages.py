"""The generated pages (docs/api-reference.md, docs/configuration.md) are current, and
their scripts' ``--check``, as CI runs it, fails when a page is stale or missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class GeneratedPage:
    """A script under scripts/, its page under docs/, and an edit that makes the page stale."""

    name: str
    page: Path
    old: str
    new: str
    script: ModuleType

    @property
    def path(self) -> Path:
        return ROOT / "scripts" / f"{self.name}.py"


@pytest.fixture(
    params=[
        pytest.param(("api_docs", "api-reference.md", "List contacts", "List people"), id="api"),
        pytest.param(("config_docs", "configuration.md", "`8000`", "`8080`"), id="config"),
    ]
)
def generated(request: pytest.FixtureRequest, script: Callable[[str], ModuleType]) -> GeneratedPage:
    name, page, old, new = request.param
    return GeneratedPage(name, ROOT / "docs" / page, old, new, script(name))


def test_the_checked_in_page_is_current(generated: GeneratedPage) -> None:
    result = subprocess.run(
        [sys.executable, str(generated.path), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{generated.page} is current\n"


def test_a_stale_page_fails_the_check(
    generated: GeneratedPage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = generated.page.read_text(encoding="utf-8")
    assert generated.old in current
    page = tmp_path / generated.page.name
    page.write_text(current.replace(generated.old, generated.new))
    missing = tmp_path / "missing.md"

    assert generated.script.main(["--check", "--path", str(page)]) == 1
    assert generated.script.main(["--check", "--path", str(missing)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path} is stale: run `.venv/bin/python scripts/{generated.name}.py`"
        for path in (page, missing)
    ]


def test_writing_the_page_makes_the_check_pass(
    generated: GeneratedPage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / generated.page.name

    assert generated.script.main(["--path", str(page)]) == 0
    assert generated.script.main(["--check", "--path", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == generated.page.read_text(encoding="utf-8")
    assert capsys.readouterr().out.splitlines() == [f"wrote {page}", f"{page} is current"]


def test_angle_brackets_outside_code_are_escaped(script: Callable[[str], ModuleType]) -> None:
    cell = script("generated_page").cell

    assert cell("Bearer <key>, `a <b>` | c") == "Bearer &lt;key&gt;, `a <b>` \\| c"
    assert script("api_docs").cell is cell
    assert script("config_docs").cell is cell
