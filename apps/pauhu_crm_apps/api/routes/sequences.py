"""``/v1/sequences`` with their enrolments, ``POST /run``, ``/v1/outbox`` and ``/v1/deliveries``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...representation import detail_json, to_json
from ..inputs import json_object, query, workspace
from ..resources import page_json
from ..responses import json_response


async def list_sequences(request: Request) -> Response:
    ws = await workspace(request)
    page = await ws.sequences.list(query(request))
    body = page_json("sequences", page)
    body["sequences"] = [detail_json(item) for item in page.items]
    return json_response(body)


async def create_sequence(request: Request) -> Response:
    ws = await workspace(request)
    sequence = await ws.sequences.create(await json_object(request))
    return json_response(detail_json(sequence), status=201)


async def get_sequence(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(detail_json(await ws.sequences.get(request.path_params["id"])))


async def update_sequence(request: Request) -> Response:
    ws = await workspace(request)
    changes = await json_object(request)
    sequence = await ws.sequences.update(request.path_params["id"], changes)
    return json_response(detail_json(sequence))


async def enroll(request: Request) -> Response:
    ws = await workspace(request)
    body = await json_object(request)
    enrollment = await ws.sequences.enroll(request.path_params["id"], body)
    return json_response(to_json(enrollment), status=201)


async def list_enrollments(request: Request) -> Response:
    ws = await workspace(request)
    page = await ws.sequences.enrollments(request.path_params["id"], query(request))
    return json_response(page_json("enrollments", page))


async def stop_enrollment(request: Request) -> Response:
    ws = await workspace(request)
    enrollment = await ws.sequences.stop(
        request.path_params["id"], request.path_params["contact_id"]
    )
    return json_response(to_json(enrollment))


async def run(request: Request) -> Response:
    """Run the sequence engine for the caller's workspace now."""
    ws = await workspace(request)
    return json_response(to_json(await ws.sequences.run()))


async def list_outbox(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(page_json("outbox", await ws.sequences.outbox(query(request))))


async def list_deliveries(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(page_json("deliveries", await ws.sequences.deliveries(query(request))))


async def retry_delivery(request: Request) -> Response:
    ws = await workspace(request)
    id = request.path_params["id"]
    await ws.sequences.retry_delivery(id)
    return json_response({"id": id, "released": True})


routes = [
    Route("/v1/sequences", list_sequences, methods=["GET"], name="list_sequences"),
    Route("/v1/sequences", create_sequence, methods=["POST"], name="create_sequences"),
    Route("/v1/sequences/{id}", get_sequence, methods=["GET"], name="get_sequences"),
    Route("/v1/sequences/{id}", update_sequence, methods=["PUT"], name="update_sequences"),
    Route("/v1/sequences/{id}/enrollments", enroll, methods=["POST"], name="create_enrollments"),
    Route(
        "/v1/sequences/{id}/enrollments",
        list_enrollments,
        methods=["GET"],
        name="list_enrollments",
    ),
    Route(
        "/v1/sequences/{id}/enrollments/{contact_id}",
        stop_enrollment,
        methods=["DELETE"],
        name="delete_enrollments",
    ),
    Route("/run", run, methods=["POST"], name="run_sequences"),
    Route("/v1/outbox", list_outbox, methods=["GET"], name="list_outbox"),
    Route("/v1/deliveries", list_deliveries, methods=["GET"], name="list_deliveries"),
    Route("/v1/deliveries/{id}/retry", retry_delivery, methods=["POST"], name="retry_deliveries"),
]
