"""What the scripts that generate a docs page share: the command line that writes the
page, or with ``--check`` exits 1 when the page on disk is stale (as CI runs it), and
the escaping of a Markdown table cell. ``scripts/api_docs.py`` and
``scripts/config_docs.py`` import it (run as scripts, ``scripts/`` is on the path)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def cell(text: str) -> str:
    """``text`` on one line, safe in a table cell: ``|`` escaped, and ``<`` and ``>`` too
    outside code spans (``Bearer <key>`` would otherwise vanish as an HTML tag)."""
    parts = " ".join(text.split()).replace("|", "\\|").split("`")
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def main(
    argv: list[str] | None,
    *,
    script: str,
    doc: str | None,
    page: Path,
    source: str,
    render: Callable[[], str],
) -> int:
    """Write ``render()`` to the page, or compare it with the page (``--check``).

    ``script`` is the file name under ``scripts/`` (named in the stale message), ``doc``
    the script's docstring (its first line describes the command) and ``source`` what
    the page is generated from (``--check``'s help: "… differs from the <source>")."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if the page differs from the {source}"
    )
    parser.add_argument("--path", type=Path, default=page, help=f"the page (default: {page})")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != text:
            print(
                f"{args.path} is stale: run `.venv/bin/python scripts/{script}`",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is current")
        return 0
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0
