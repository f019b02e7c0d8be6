"""The five endpoints every CRM record kind has, as a thin translation of its service.

GET    /v1/crm/<plural>        list (query string → filters)   200
POST   /v1/crm/<plural>        create (JSON body)              201
GET    /v1/crm/<plural>/{id}   the record, or its detail view  200
PUT    /v1/crm/<plural>/{id}   partial update                  200
DELETE /v1/crm/<plural>/{id}   delete                          200 {"id", "deleted": true}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from attrs import frozen
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pauhu_crm_core import CrmWorkspace, Page

from ..representation import detail_json, to_json
from .inputs import json_object, query, workspace
from .responses import json_response

ListExtras = Callable[[CrmWorkspace], Awaitable[dict[str, Any]]]


@frozen(kw_only=True)
class Resource:
    plural: str
    """The path's last segment and the list's key: ``contacts``."""
    service: Callable[[CrmWorkspace], Any]
    """The workspace's service for this record kind: ``lambda ws: ws.contacts``."""
    has_detail: bool = False
    """``GET /{id}`` answers with ``get_detail`` (the record plus linked records)."""
    list_extras: ListExtras | None = None
    """More keys for the list response (the deals' ``pipeline``)."""

    @property
    def path(self) -> str:
        return f"/v1/crm/{self.plural}"


def page_json(key: str, page: Page[Any]) -> dict[str, Any]:
    return {
        key: [to_json(item) for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


def resource_routes(resource: Resource) -> list[Route]:
    async def list_records(request: Request) -> Response:
        ws = await workspace(request)
        body = page_json(resource.plural, await resource.service(ws).list(query(request)))
        if resource.list_extras is not None:
            body.update(await resource.list_extras(ws))
        return json_response(body)

    async def create_record(request: Request) -> Response:
        ws = await workspace(request)
        record = await resource.service(ws).create(await json_object(request))
        return json_response(to_json(record), status=201)

    async def get_record(request: Request) -> Response:
        ws = await workspace(request)
        id = request.path_params["id"]
        if resource.has_detail:
            return json_response(detail_json(await resource.service(ws).get_detail(id)))
        return json_response(to_json(await resource.service(ws).get(id)))

    async def update_record(request: Request) -> Response:
        ws = await workspace(request)
        changes = await json_object(request)
        record = await resource.service(ws).update(request.path_params["id"], changes)
        return json_response(to_json(record))

    async def delete_record(request: Request) -> Response:
        ws = await workspace(request)
        id = request.path_params["id"]
        await resource.service(ws).delete(id)
        return json_response({"id": id, "deleted": True})

    item_path = resource.path + "/{id}"
    return [
        Route(resource.path, list_records, methods=["GET"], name=f"list_{resource.plural}"),
        Route(resource.path, create_record, methods=["POST"], name=f"create_{resource.plural}"),
        Route(item_path, get_record, methods=["GET"], name=f"get_{resource.plural}"),
        Route(item_path, update_record, methods=["PUT"], name=f"update_{resource.plural}"),
        Route(item_path, delete_record, methods=["DELETE"], name=f"delete_{resource.plural}"),
    ]
