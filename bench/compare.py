"""Before and after: two result files of the same size as one Markdown table.

    python -m bench.compare bench/results/OLD-full.json bench/results/NEW-full.json

Prints, per scenario and backend, the headline figure of each run (p95 for
latencies; the share of the ceiling, sends/s, × ideal or MB otherwise) and
whether the newer one meets its target. The tables in ``bench/analysis.md``
were made with it; it changes no file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .report import BACKEND_NAMES
from .stats import Result
from .targets import verdict


def _results(path: Path) -> tuple[dict[str, Any], dict[tuple[str, str], Result]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    results = {
        (backend, item["name"]): Result(**item)
        for backend, run in data["backends"].items()
        for item in run["results"]
    }
    return data["run"], results


def headline(result: Result | None) -> str:
    """The figure a target is about, as text; empty when not measured."""
    if result is None or result.skipped:
        return ""
    if result.value is None:
        return "" if result.p95_ms is None else f"{result.p95_ms:,.1f} ms"
    if result.unit == "× ceiling":
        return f"{result.value:.1%}"
    if result.unit == "× ideal":
        return f"{result.value:.2f} ×"
    return f"{result.value:,.0f} {result.unit}"


def table(old_path: Path, new_path: Path) -> str:
    old_run, old = _results(old_path)
    new_run, new = _results(new_path)
    lines = [
        f"| scenario | backend | before (`{old_run['commit']}`) | after (`{new_run['commit']}`) "
        "| target | after meets it |",
        "|---|---|--:|--:|---|---|",
    ]
    for backend, name in new:
        result = new[(backend, name)]
        target, met = verdict(result)
        shown = {True: "yes", False: "**no**", None: "—"}[met]
        lines.append(
            f"| `{name}` | {BACKEND_NAMES.get(backend, backend)} "
            f"| {headline(old.get((backend, name)))} | {headline(result)} | {target} | {shown} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    print(table(args.before, args.after))


if __name__ == "__main__":
    main()
