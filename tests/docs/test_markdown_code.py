"""Every ```python block of the README and the docs runs, unless marked ``<!-- not-run -->``.

Each block runs on its own, as a script in a fresh process and an empty
working directory (so ``sqlite:///crm.db`` is a new file there). A block may
use top-level ``await``, as in an asyncio REPL (``python -m asyncio``). A
fragment that cannot run alone is marked with an HTML comment on the line
before its fence, which the rendered page does not show.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "README.md",
    "docs/library.md",
    "docs/adapters.md",
    "docs/concepts.md",
    "docs/deployment.md",
    "docs/import-export.md",
]
NOT_RUN = "<!-- not-run -->"
FENCE = re.compile(r"^```python\s*$")
TIMEOUT_SECONDS = 120

# Runs a file that may use top-level await (compiled as the asyncio REPL does).
RUNNER = """
import ast, asyncio, sys
path = sys.argv[1]
code = compile(open(path, encoding="utf-8").read(), path, "exec",
               flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = eval(code, {"__name__": "__main__", "__file__": path})
if asyncio.iscoroutine(result):
    asyncio.run(result)
"""


def python_blocks(page: str) -> list[tuple[int, str, bool]]:
    """(line number, code, whether it runs) of every ```python block of ``page``."""
    return blocks_in((ROOT / page).read_text(encoding="utf-8"))


def blocks_in(markdown: str) -> list[tuple[int, str, bool]]:
    lines = markdown.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        if FENCE.match(lines[index]):
            start = index
            previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
            end = lines.index("```", start + 1)
            blocks.append((start + 1, "\n".join(lines[start + 1 : end]), previous != NOT_RUN))
            index = end
        index += 1
    return blocks


def all_blocks() -> list[Any]:
    params = []
    for page in PAGES:
        for line, code, runs in python_blocks(page):
            marks = [] if runs else [pytest.mark.skip(reason=f"marked {NOT_RUN}")]
            params.append(pytest.param(code, id=f"{page}:{line}", marks=marks))
    return params


@pytest.mark.parametrize("code", all_blocks())
def test_the_python_block_runs(code: str, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAUHU_CRM_")}

    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_every_page_with_code_has_a_block_that_runs() -> None:
    assert [
        page
        for page in PAGES
        if python_blocks(page) and not any(runs for _, _, runs in python_blocks(page))
    ] == []


def test_only_the_explicit_marker_skips_a_block() -> None:
    markdown = (
        "Prose.\n\n<!-- not-run -->\n```python\nfragment()\n```\n\n"
        "<!-- a comment -->\n```python\nok()\n```\n\n```python\nalso_ok()\n```\n"
    )

    assert blocks_in(markdown) == [
        (4, "fragment()", False),
        (9, "ok()", True),
        (13, "also_ok()", True),
    ]


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", ["README.md", "docs/README.md", *PAGES[1:]])
def test_every_relative_link_of_the_page_leads_somewhere(page: str) -> None:
    path = ROOT / page
    targets = [
        target.split("#")[0]
        for target in LINK.findall(path.read_text(encoding="utf-8"))
        if not target.startswith(("http://", "https://", "#"))
    ]

    assert [t for t in targets if t and not (path.parent / t).exists()] == []
