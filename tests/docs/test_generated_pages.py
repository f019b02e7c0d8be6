"""The generated pages (docs/api-reference.md, docs/configuration.md) are current, and
their scripts' ``--check``, as CI runs it, fails when a page is stale or missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

GENERATED_PAGES = [
    pytest.param("api_docs", "api-reference.md", "List contacts", "List people", id="api"),
    pytest.param("config_docs", "configuration.md", "`8000`", "`8080`", id="config"),
]
"""Each script, its page under docs/, and an edit that makes the page stale."""


@pytest.mark.parametrize(("name", "page_name", "old", "new"), GENERATED_PAGES)
def test_the_checked_in_page_is_current(name: str, page_name: str, old: str, new: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{ROOT / 'docs' / page_name} is current\n"


@pytest.mark.parametrize(("name", "page_name", "old", "new"), GENERATED_PAGES)
def test_a_stale_page_fails_the_check(
    script: Callable[[str], ModuleType],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    page_name: str,
    old: str,
    new: str,
) -> None:
    current = (ROOT / "docs" / page_name).read_text(encoding="utf-8")
    assert old in current
    page = tmp_path / page_name
    page.write_text(current.replace(old, new))
    missing = tmp_path / "missing.md"

    assert script(name).main(["--check", "--path", str(page)]) == 1
    assert script(name).main(["--check", "--path", str(missing)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path} is stale: run `.venv/bin/python scripts/{name}.py`" for path in (page, missing)
    ]


@pytest.mark.parametrize(("name", "page_name", "old", "new"), GENERATED_PAGES)
def test_writing_the_page_makes_the_check_pass(
    script: Callable[[str], ModuleType],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    page_name: str,
    old: str,
    new: str,
) -> None:
    page = tmp_path / page_name

    assert script(name).main(["--path", str(page)]) == 0
    assert script(name).main(["--check", "--path", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == (ROOT / "docs" / page_name).read_text(
        encoding="utf-8"
    )
    assert capsys.readouterr().out.splitlines() == [f"wrote {page}", f"{page} is current"]


def test_angle_brackets_outside_code_are_escaped(script: Callable[[str], ModuleType]) -> None:
    cell = script("generated_page").cell

    assert cell("Bearer <key>, `a <b>` | c") == "Bearer &lt;key&gt;, `a <b>` \\| c"
    assert script("api_docs").cell is cell
    assert script("config_docs").cell is cell
