"""``python -m bench --quick | --full | --contacts N [--backend sqlite|postgres|both] [--out DIR]``.

For each backend: a throw-away database (an SQLite file in a temporary
directory; a PostgreSQL database ``pauhu_bench_…`` created and dropped on
127.0.0.1), the generated data bulk-loaded into it, then the in-process,
HTTP, engine and scoring scenarios in that order (``--only`` picks some of
them). Writes ``<out>/<UTC time>-<size>.json`` and re-renders
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_apps import open_crm
from pauhu_crm_core.testing import FrozenClock

from . import report
from .batch_jobs import run_engine, run_scoring, settle_after_the_engine
from .generate import NOW, WorkspaceData, find_sample
from .http_load import BenchServer, run_export, run_http
from .library import run_library
from .load import load_workspaces
from .scale import FULL, QUICK, Scale, Volume, custom
from .stats import Result

ROOT = Path(__file__).resolve().parent.parent
BIG = "ws-bench-big"
SCORING = "ws-bench-scoring"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GROUPS = ("library", "http", "engine", "scoring")
"""The scenario groups, in the order a run takes them."""


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def workspaces(scale: Scale) -> tuple[WorkspaceData, list[WorkspaceData]]:
    big = WorkspaceData(BIG, scale.big, seed=1, due_enrollments=scale.due_enrollments)
    small = [
        WorkspaceData(f"ws-bench-small-{number:02d}", scale.small, seed=100 + number)
        for number in range(scale.small_workspaces)
    ]
    scoring = WorkspaceData(
        SCORING,
        Volume(
            contacts=scale.scoring_contacts,
            companies=scale.scoring_companies,
            deals=0,
            activities=0,
            tasks=0,
            enrollments=0,
        ),
        seed=7,
        with_scores=False,
        company_share=1.0,
    )
    return big, [big, *small, scoring]


@asynccontextmanager
async def throwaway_database(backend: str, postgres_url: str) -> AsyncIterator[str]:
    """A new, empty database for one run, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pauhu-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    name = f"pauhu_bench_{os.getpid()}_{int(time.time())}"
    admin = create_sql_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with anyio.CancelScope(shield=True):
            async with admin.connect() as conn:
                await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            await admin.dispose()


async def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_sql_engine(url)
    try:
        async with engine.connect() as conn:
            version = str(await conn.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()
    return f"PostgreSQL {version}"


async def run_backend(
    backend: str, scale: Scale, postgres_url: str, out: Path, only: frozenset[str]
) -> tuple[dict[str, Any], str]:
    load_start = os.getloadavg()
    results: list[Result] = []
    async with throwaway_database(backend, postgres_url) as url:
        version = await database_version(url)
        progress(f"{backend}: {version}; generating and loading {scale.name} data")
        big, all_workspaces = workspaces(scale)
        async with open_crm(url, clock=FrozenClock(NOW)) as crm:
            started = time.perf_counter()
            assert isinstance(crm.store, SqlStore)
            rows = await load_workspaces(crm, crm.store, all_workspaces)
            load_seconds = time.perf_counter() - started
            progress(f"{backend}: loaded {sum(rows.values()):,} rows in {load_seconds:.0f} s")
            contacts = [c.id for c in find_sample(big, 500, seed=11)]
            companies = list(dict.fromkeys(c.company_id for c in find_sample(big, 800, seed=12)))
            company_ids = [c for c in companies if c is not None][:500]
            if "library" in only:
                progress(f"{backend}: in-process scenarios")
                results += await run_library(
                    crm,
                    BIG,
                    contacts,
                    company_ids,
                    scale.library_iterations,
                    scale.library_seconds,
                    progress,
                )
        if "http" in only:
            progress(f"{backend}: HTTP scenarios")
            server = BenchServer(url, out / f"server-{backend}.log")
            try:
                await server.wait_ready()
                results += await run_http(
                    server,
                    BIG,
                    contacts,
                    scale.http_requests,
                    scale.http_concurrency,
                    scale.http_seconds,
                    progress,
                )
                progress(f"{backend}: streaming export")
                results.append(await run_export(server, BIG, scale.http_seconds, progress))
            finally:
                server.stop()
        if "engine" in only:
            progress(f"{backend}: sequence engine")
            results.append(await run_engine(url, BIG, scale.due_enrollments, progress))
        if "scoring" in only:
            if "engine" in only:
                await settle_after_the_engine(url)
            progress(f"{backend}: scoring run")
            results.append(await run_scoring(url, SCORING, scale.scoring_companies, progress))
    return (
        {
            "load": {"seconds": load_seconds, "rows": rows},
            "load_average_start": list(load_start),
            "load_average_end": list(os.getloadavg()),
            "results": [r.to_json() for r in results],
        },
        version,
    )


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": total_kb / 1024 / 1024,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def run(arguments: argparse.Namespace, scale: Scale) -> Path:
    out: Path = arguments.out
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    backends = ["sqlite", "postgres"] if arguments.backend == "both" else [arguments.backend]
    document: dict[str, Any] = {
        "run": {
            "command": "python -m bench " + " ".join(sys.argv[1:]),
            "only": sorted(arguments.only, key=GROUPS.index),
            "commit": commit(),
            "started_at": started_at.isoformat(),
            "machine": machine(),
            "scale": {
                "name": scale.name,
                "big": vars_of(scale.big),
                "small": vars_of(scale.small),
                "small_workspaces": scale.small_workspaces,
                "due_enrollments": scale.due_enrollments,
                "scoring_contacts": scale.scoring_contacts,
                "scoring_companies": scale.scoring_companies,
                "library_iterations": scale.library_iterations,
                "library_seconds": scale.library_seconds,
                "http_requests": scale.http_requests,
                "http_concurrency": scale.http_concurrency,
                "http_seconds": scale.http_seconds,
            },
        },
        "backends": {},
    }
    for backend in backends:
        data, version = await run_backend(
            backend, scale, arguments.postgres_url, out, arguments.only
        )
        document["backends"][backend] = data
        if backend == "postgres":
            document["run"]["machine"]["postgres"] = version
    document["run"]["duration_s"] = time.perf_counter() - started
    path = out / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}-{scale.name}.json"
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    progress(f"wrote {path} ({document['run']['duration_s'] / 60:.1f} min)")
    return path


def vars_of(volume: Volume) -> dict[str, int]:
    return {
        "contacts": volume.contacts,
        "companies": volume.companies,
        "deals": volume.deals,
        "activities": volume.activities,
        "tasks": volume.tasks,
        "enrollments": volume.enrollments,
    }


def scenario_groups(value: str) -> frozenset[str]:
    """``--only engine,scoring``: the groups named, each one of ``GROUPS``."""
    chosen = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = chosen - set(GROUPS)
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(GROUPS)}; got {value!r}"
        )
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--quick", action="store_true", help="20k contacts, 5 small workspaces")
    size.add_argument("--full", action="store_true", help="1M contacts, 50 small workspaces")
    size.add_argument("--contacts", type=int, help="the full run's proportions at N contacts")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--out",
        type=Path,
        help="where the JSON result goes (default bench/results; bench/results/partial "
        "with --only, so that a partial run never stands for a whole one in the doc)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PAUHU_CRM_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL the run may create and drop a database on (loopback only)",
    )
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-doc", action="store_true", help="write only the JSON result")
    parser.add_argument(
        "--only",
        type=scenario_groups,
        default=frozenset(GROUPS),
        metavar="GROUP[,GROUP…]",
        help=f"run only these scenario groups, of {', '.join(GROUPS)} (default: all)",
    )
    arguments = parser.parse_args()
    if arguments.contacts is not None and not 1_000 <= arguments.contacts <= 10_000_000:
        parser.error("--contacts must be between 1000 and 10000000")
    host = make_url(arguments.postgres_url).host
    if arguments.backend != "sqlite" and host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark only talks to a PostgreSQL on this machine")
    scale = QUICK if arguments.quick else FULL if arguments.full else custom(arguments.contacts)
    partial = arguments.only != frozenset(GROUPS)
    if arguments.out is None:
        arguments.out = ROOT / "bench" / "results" / ("partial" if partial else "")
    # docs/performance.md shows every scenario: a run of some of them does not re-render it.
    arguments.no_doc = arguments.no_doc or partial
    arguments.out.mkdir(parents=True, exist_ok=True)
    anyio.run(run, arguments, scale)
    if not arguments.no_doc:
        report.write(report.newest_per_scale(arguments.out), arguments.doc)
        progress(f"wrote {arguments.doc}")


if __name__ == "__main__":
    main()
