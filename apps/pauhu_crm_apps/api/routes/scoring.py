"""``POST /score``, ``GET /dashboard`` and a contact's score history."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pauhu_crm_core.commands import ScoreRunQuery
from pauhu_crm_core.scoring import SEGMENT_RANGES
from pauhu_crm_core.services.scoring import Dashboard
from pauhu_crm_core.validation import structure

from ..inputs import query, workspace
from ..resources import page_json
from ..responses import json_response


async def score(request: Request) -> Response:
    """Score the unscored contacts (``?rescore=true``: every one not scored by hand)."""
    ws = await workspace(request)
    options = structure(query(request), ScoreRunQuery)
    result = await ws.score(rescore=options.rescore)
    return json_response({"scored": result.scored, "errors": result.errors})


def dashboard_json(dashboard: Dashboard) -> dict[str, Any]:
    summary = dashboard.summary
    return {
        "segments": [
            {
                "segment": segment.value,
                "min": low,
                "max": high,
                "count": summary.segment_counts[segment],
            }
            for segment, (low, high) in SEGMENT_RANGES.items()
        ],
        "unscored": summary.unscored,
        "average_score": summary.average_score,
        "top_prospects": [
            {
                "id": p.contact.id,
                "name": p.contact.full_name or None,
                "email": p.contact.email,
                "lead_score": p.contact.lead_score,
                "score_segment": p.contact.score_segment.value if p.contact.score_segment else None,
                "company": {"id": p.company.id, "name": p.company.name} if p.company else None,
            }
            for p in dashboard.top_prospects
        ],
    }


async def dashboard(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(dashboard_json(await ws.dashboard()))


async def score_history(request: Request) -> Response:
    ws = await workspace(request)
    page = await ws.score_history(request.path_params["id"], query(request))
    return json_response(page_json("scores", page))


routes = [
    Route("/score", score, methods=["POST"], name="run_scoring"),
    Route("/dashboard", dashboard, methods=["GET"], name="dashboard"),
    Route("/v1/crm/contacts/{id}/scores", score_history, methods=["GET"], name="list_scores"),
]
