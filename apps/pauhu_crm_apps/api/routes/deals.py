"""``/v1/crm/deals``: the pipeline. The list also carries the per-stage summary of all deals."""

from __future__ import annotations

from typing import Any

from pauhu_crm_core import CrmWorkspace

from ...representation import to_json
from ..resources import Resource, resource_routes


async def pipeline(ws: CrmWorkspace) -> dict[str, Any]:
    """Over all of the workspace's deals, whatever page or filter the list shows."""
    return {"pipeline": [to_json(stage) for stage in await ws.deals.pipeline()]}


routes = resource_routes(
    Resource(plural="deals", service=lambda ws: ws.deals, has_detail=True, list_extras=pipeline)
)
