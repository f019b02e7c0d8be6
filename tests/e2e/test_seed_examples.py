"""The seed document's own curl examples, replayed against a real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEED_EXAMPLES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "seed_examples.py"
)


@pytest.fixture
def seed_examples() -> Path:
    """The script; asked for before the server, so a missing one skips without starting it."""
    if not SEED_EXAMPLES.is_file():
        pytest.skip(f"{SEED_EXAMPLES} is not here (it always is in CI)")
    return SEED_EXAMPLES


def run_seed_examples(script: Path, base_url: str, environment: dict[str, str]) -> dict[str, str]:
    """Each check's name and its result: ``ok``, or ``FAIL`` with the script's detail."""
    finished = subprocess.run(
        [sys.executable, str(script), base_url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )
    results: dict[str, str] = {}
    for line in finished.stdout.splitlines():
        if line.startswith("ok   "):
            results[line[5:]] = "ok"
        elif line.startswith("FAIL "):
            name, _, detail = line[5:].partition("  -- ")
            results[name] = f"FAIL {detail}"
    assert results, f"the script printed no checks:\n{finished.stdout}\n{finished.stderr}"
    return results


def test_the_seed_examples_pass_against_a_real_server(
    seed_examples: Path, base_url: str, child_environment: dict[str, str]
) -> None:
    results = run_seed_examples(seed_examples, base_url, child_environment)

    assert len(results) >= 25, results
    failing = {name: result for name, result in results.items() if result != "ok"}
    assert failing == {}
