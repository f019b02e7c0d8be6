"""What the tests of the generated pages share: the scripts under ``scripts/`` as modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` imported as a module, with ``scripts/`` on the path while it
    imports (as when it runs as a script: it imports ``generated_page`` beside it)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="session")
def script() -> Callable[[str], ModuleType]:
    """``script("api_docs")``: the module of ``scripts/api_docs.py``."""
    return load_script
