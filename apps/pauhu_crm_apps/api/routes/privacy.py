"""Data-subject rights and the audit log: a contact's export and erasure, ``/v1/audit``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...representation import to_json
from ..inputs import query, workspace
from ..resources import page_json
from ..responses import json_response


async def export_contact(request: Request) -> Response:
    """Everything held about the person, as JSON (GDPR Art. 15 and 20)."""
    ws = await workspace(request)
    return json_response(to_json(await ws.contacts.export(request.path_params["id"])))


async def erase_contact(request: Request) -> Response:
    """Delete the person and everything linked to them (GDPR Art. 17)."""
    ws = await workspace(request)
    id = request.path_params["id"]
    erasure = await ws.contacts.erase(id)
    return json_response({"id": id, "erased": True, **to_json(erasure)})


async def list_audit(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(page_json("audit", await ws.audit_log(query(request))))


routes = [
    Route("/v1/crm/contacts/{id}/export", export_contact, methods=["GET"], name="export_contact"),
    Route("/v1/crm/contacts/{id}/erase", erase_contact, methods=["POST"], name="erase_contact"),
    Route("/v1/audit", list_audit, methods=["GET"], name="list_audit"),
]
