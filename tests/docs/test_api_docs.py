"""docs/api-reference.md is generated from the OpenAPI document: every operation and schema
is on it (test_generated_pages.py checks it is current)."""

from __future__ import annotations

import re
from pathlib import Path

from pauhu_crm_apps.api.app import CRM_ROUTES
from pauhu_crm_apps.api.openapi import build_openapi

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "api-reference.md"


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
