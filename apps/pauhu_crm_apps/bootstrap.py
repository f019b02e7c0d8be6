"""The composition root: builds the CRM from its parts. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from pauhu_crm_adapters.clock import SystemClock
from pauhu_crm_adapters.llm import scorer_from_settings
from pauhu_crm_adapters.mail import mailer_from_url
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core import CRM, Clock
from pauhu_crm_core.ports import Mailer, Scorer
from pauhu_crm_core.rules_scorer import RuleBasedScorer
from pauhu_crm_core.services.context import ScoringSettings, SequenceSettings

from .settings import DEFAULT_DATABASE_URL, Settings, scoring_settings, sequence_settings

if TYPE_CHECKING:
    from .metrics_adapters import CrmMetrics


@asynccontextmanager
async def open_crm(
    database_url: str = DEFAULT_DATABASE_URL,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    mail_url: str = "outbox:",
    sequences: SequenceSettings | None = None,
    scorer: Scorer | None = None,
    scoring: ScoringSettings | None = None,
    metrics: CrmMetrics | None = None,
) -> AsyncIterator[CRM]:
    """Open the CRM on an SQLite (``sqlite:///file.db``) or PostgreSQL (``postgresql://…``)
    database, migrating its schema first unless ``migrate=False``; close it on exit.

    Sequence e-mail goes to ``mail_url`` (see ``pauhu_crm_adapters.mail``); the default,
    ``outbox:``, keeps every message in the database and sends nothing, so a new
    install can never e-mail real people by accident. Leads are scored by ``scorer``,
    by default the built-in rule-based one (offline and deterministic).

    With ``metrics`` (``pauhu_crm_apps.metrics_adapters.CrmMetrics``, which needs
    the ``metrics`` extra), the mailer and the scorer count their sends and
    evaluations into it.
    """
    clock = clock or SystemClock()
    try:
        store = await open_sql_store(database_url, migrate=migrate)
    except BaseException:
        if scorer is not None:
            await scorer.aclose()
        raise
    try:
        mailer: Mailer = mailer_from_url(mail_url, store=store, clock=clock)
    except BaseException:
        await store.aclose()
        raise
    if metrics is not None:
        from .metrics_adapters import InstrumentedScorer, instrument_mailer

        mailer = instrument_mailer(mailer, metrics)
        scorer = scorer or RuleBasedScorer()
        scorer = InstrumentedScorer(scorer, metrics, type(scorer).__name__)
    async with CRM(
        store=store,
        clock=clock,
        mailer=mailer,
        sequences=sequences,
        scorer=scorer,
        scoring=scoring,
    ) as crm:
        yield crm


@asynccontextmanager
async def open_crm_from_settings(
    settings: Settings, *, clock: Clock | None = None, metrics: CrmMetrics | None = None
) -> AsyncIterator[CRM]:
    """``open_crm`` with every part chosen by the apps' settings (``PAUHU_CRM_*``); ``metrics``
    as in ``open_crm``."""
    async with open_crm(
        settings.database_url,
        clock=clock,
        mail_url=settings.mail_url,
        sequences=sequence_settings(settings),
        scorer=build_scorer(settings),
        scoring=scoring_settings(settings),
        metrics=metrics,
    ) as crm:
        yield crm


def build_metrics(settings: Settings) -> CrmMetrics | None:
    """A new ``CrmMetrics`` (its own registry) when ``settings.metrics``, else ``None``."""
    if not settings.metrics:
        return None
    try:
        from .metrics_adapters import CrmMetrics
    except ImportError as exc:
        raise RuntimeError(
            "PAUHU_CRM_METRICS=true needs prometheus-client: pip install 'pauhu-crm[metrics]'"
        ) from exc
    return CrmMetrics()


def build_scorer(settings: Settings) -> Scorer | None:
    """The configured scorer; ``None`` for the core's built-in rule-based one."""
    if settings.scorer == "rules":
        return None
    return scorer_from_settings(
        settings.scorer,
        base_url=settings.scorer_base_url,
        model=settings.scorer_model,
        api_key_env=settings.scorer_api_key_env,
        concurrency=settings.scorer_concurrency,
        max_calls=None,
    )
