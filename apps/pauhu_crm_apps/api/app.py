"""``create_app(settings)``: the Starlette application serving the CRM over HTTP.

The app opens the CRM in its lifespan (migrating the database) and closes it
on shutdown. Mounted inside another ASGI app, run its lifespan from the
host's (see ``docs/http-api.md``), since Starlette does not run the
lifespans of mounted apps.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware

from pauhu_crm_core import Clock

from ..admin import admin_routes
from ..bootstrap import build_metrics, open_crm_from_settings
from ..settings import Settings
from .access_log import redact_access_log
from .cors import CORS_DEFAULT_HEADERS, CrmCORSMiddleware
from .errors import EXCEPTION_HANDLERS
from .limits import RateLimitMiddleware, TimeoutMiddleware
from .metrics import metrics_routes
from .middleware import RequestContextMiddleware
from .openapi import openapi_routes
from .routes import (
    activities,
    companies,
    contacts,
    deals,
    health,
    jobs,
    privacy,
    scoring,
    sequences,
    tasks,
    transfer,
    unsubscribe,
    workspace,
)
from .security_headers import RAW_SECURITY_HEADERS

logger = logging.getLogger("pauhu_crm.api")

CRM_ROUTES = [
    *health.routes,
    *workspace.routes,
    *contacts.routes,
    *companies.routes,
    *deals.routes,
    *activities.routes,
    *tasks.routes,
    *sequences.routes,
    *unsubscribe.routes,
    *scoring.routes,
    *jobs.routes,
    *privacy.routes,
    *transfer.routes,
]


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Starlette:
    """The API app; ``clock`` replaces the system clock (tests freeze time with it)."""
    settings = settings or Settings()
    metrics = build_metrics(settings)  # its own registry: apps in one process never share

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redact_access_log()  # unsubscribe tokens travel in query strings
        if metrics is not None and not settings.metrics_token and settings.auth_mode != "none":
            logger.warning(
                "/metrics is open to anyone who reaches this port: set PAUHU_CRM_METRICS_TOKEN"
            )
        async with open_crm_from_settings(settings, clock=clock, metrics=metrics) as crm:
            app.state.crm = crm
            yield

    app = Starlette(
        routes=[
            *CRM_ROUTES,
            *openapi_routes(CRM_ROUTES),
            *admin_routes(),
            *metrics_routes(metrics, settings.metrics_token),
        ],
        middleware=[
            # Outermost, and the only layer that wraps `send`: every response — a 500 it
            # makes itself, CORS preflights too — gets a request id and the security
            # headers, and is counted in the metrics.
            Middleware(
                RequestContextMiddleware,
                default_headers=(*RAW_SECURITY_HEADERS, *CORS_DEFAULT_HEADERS),
                metrics=metrics,
            ),
            Middleware(
                CrmCORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["X-Workspace-ID", "Authorization", "Content-Type"],
                expose_headers=["X-Request-ID"],
                max_age=600,
            ),
            Middleware(TimeoutMiddleware, seconds=settings.request_timeout_seconds),
            Middleware(
                RateLimitMiddleware,
                rate=settings.rate_limit_per_second,
                burst=settings.rate_limit_burst,
            ),
        ],
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    return app


def app_from_env() -> Starlette:
    """The app with settings from ``PAUHU_CRM_*`` variables (uvicorn's ``--factory`` target)."""
    return create_app(Settings.from_env())
