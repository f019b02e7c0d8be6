"""Batch scenarios: one sequence-engine run, one scoring run.

* **Engine**: the big workspace holds ``due`` enrolments due yesterday at
  step 0 (and more due later, which the run must skip). One run with the
  outbox mailer (the default: every message is stored, none leaves) and a
  send budget above ``due`` sends them all; sends/s is ``sent / wall``.
* **Scoring**: a workspace of its own with 10k unscored contacts across 1k
  companies (every contact has one, so a run makes K = 1k evaluations) and
  the core's ``FixedScorer`` answering after ``latency`` seconds. With the
  run's concurrency C, no run can take less than ``ceil(K / C) × latency``;
  the figure is wall time over that ideal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import text

from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_apps import open_crm
from pauhu_crm_core.services.context import ScoringSettings, SequenceSettings
from pauhu_crm_core.testing import FixedScorer, FrozenClock

from .generate import NOW
from .stats import Result

SCORING_LATENCY = 0.05
SCORING_CONCURRENCY = 10


async def run_engine(
    database_url: str, workspace_id: str, due: int, progress: Callable[[str], None]
) -> Result:
    settings = SequenceSettings(
        public_url="http://127.0.0.1:8000",
        unsubscribe_secret="benchmark-secret-not-for-production",
        max_sends_per_run=due + 1,
    )
    async with open_crm(
        database_url, clock=FrozenClock(NOW), migrate=False, sequences=settings
    ) as crm:
        started = time.perf_counter()
        outcome = await crm.workspace(workspace_id).sequences.run()
        wall = time.perf_counter() - started
    rate = outcome.sent / wall
    progress(f"  engine: {outcome.sent} sent in {wall:.1f} s = {rate:.0f}/s")
    return Result(
        name="engine_sends",
        group="batch",
        description=f"sequence engine, {due} due enrolments, outbox mailer",
        count=outcome.sent,
        throughput=rate,
        value=rate,
        unit="sends/s",
        extra={
            "wall_s": wall,
            "processed": outcome.processed,
            "skipped": outcome.skipped,
            "errors": outcome.errors,
            "batch_size": settings.batch_size,
            "send_concurrency": settings.send_concurrency,
        },
    )


async def settle_after_the_engine(database_url: str) -> None:
    """PostgreSQL: do now what autovacuum and the checkpointer would do during the next
    scenario after the engine's 100k sends (a full run's scoring took 1.21× the ideal
    right after them, 1.08× alone): vacuum the tables that grew from empty, and write
    the dirty pages out. Each scenario then measures itself, not its predecessor."""
    if not database_url.startswith("postgresql"):
        return
    engine = create_sql_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for table in ("deliveries", "outbox"):
                await conn.execute(text(f"VACUUM ANALYZE {table}"))
            await conn.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()


async def run_scoring(
    database_url: str,
    workspace_id: str,
    evaluations: int,
    progress: Callable[[str], None],
    *,
    latency: float = SCORING_LATENCY,
    concurrency: int = SCORING_CONCURRENCY,
) -> Result:
    scorer = FixedScorer(delay=latency)
    settings = ScoringSettings(concurrency=concurrency, max_evaluations_per_run=10 * evaluations)
    async with open_crm(
        database_url, clock=FrozenClock(NOW), migrate=False, scorer=scorer, scoring=settings
    ) as crm:
        started = time.perf_counter()
        outcome = await crm.workspace(workspace_id).score()
        wall = time.perf_counter() - started
    ideal = math.ceil(len(scorer.calls) / concurrency) * latency
    ratio = wall / ideal
    progress(
        f"  scoring: {outcome.scored} contacts, {len(scorer.calls)} evaluations in "
        f"{wall:.2f} s, ideal {ideal:.2f} s = {ratio:.2f}× ideal"
    )
    return Result(
        name="scoring_run",
        group="batch",
        description=(
            f"scoring run, {outcome.scored} contacts / {len(scorer.calls)} evaluations, "
            f"scorer latency {latency * 1000:.0f} ms, concurrency {concurrency}"
        ),
        count=outcome.scored,
        value=ratio,
        unit="× ideal",
        extra={
            "wall_s": wall,
            "ideal_s": ideal,
            "evaluations": len(scorer.calls),
            "peak_in_flight": scorer.max_in_flight,
            "errors": outcome.errors,
        },
    )
