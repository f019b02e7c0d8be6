"""docs/api-reference.md is generated from the OpenAPI document, and CI notices when it is stale."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pauhu_crm_apps.api.app import CRM_ROUTES
from pauhu_crm_apps.api.openapi import build_openapi

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "api_docs.py"
PAGE = ROOT / "docs" / "api-reference.md"


@pytest.fixture(scope="module")
def api_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_docs", SCRIPT)
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


def test_a_stale_page_fails_the_check(api_docs: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "api-reference.md"
    page.write_text(PAGE.read_text(encoding="utf-8").replace("List contacts", "List people"))

    assert api_docs.main(["--check", "--path", str(page)]) == 1
    assert api_docs.main(["--check", "--path", str(tmp_path / "missing.md")]) == 1


def test_every_operation_parameter_and_schema_is_on_the_page() -> None:
    document = build_openapi(CRM_ROUTES)
    page = PAGE.read_text(encoding="utf-8")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            section = f"### `{method.upper()} {path}`"
            assert section in page
            body = page.split(section, 1)[1].split("\n### ", 1)[0]
            for parameter in operation.get("parameters", ()):
                if "name" in parameter:
                    assert f"| `{parameter['name']}` |" in body, (method, path, parameter)
            for status in operation["responses"]:
                assert f"| {status} |" in body, (method, path, status)
    for name, schema in document["components"]["schemas"].items():
        assert f"### {name}\n" in page
        for field in schema.get("properties", {}):
            assert f"| `{field}` |" in page.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]


def test_every_schema_link_has_its_heading() -> None:
    page = PAGE.read_text(encoding="utf-8")
    headings = {line[4:].strip().lower() for line in page.splitlines() if line.startswith("### ")}
    for target in set(re.findall(r"\]\(#([a-z0-9-]+)\)", page)):
        assert target in headings, target
