"""``POST /v1/crm/import/{contacts,companies}`` (a CSV body in, the report out) and
``GET /v1/crm/export/{contacts,companies,deals,activities}`` (streamed CSV or JSON Lines)."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from pauhu_crm_core.services.exports import EXPORT_KINDS
from pauhu_crm_core.services.import_rows import IMPORT_KINDS

from ...representation import to_json
from ...transfer_csv import FORMATS, CsvHeaderMissing, export_text, read_csv
from ..errors import ApiError
from ..inputs import app_settings, body_media_type, query, read_limited_body, workspace
from ..responses import json_response

CSV_MEDIA_TYPE = "text/csv"
STOP_SHARE = 0.8
"""An import stops at this share of the request timeout, leaving the rest to answer the
report (with ``stopped_at_row``) instead of a 503 that says nothing of what was done."""
_now = time.monotonic


def _stop_in_time(request: Request) -> Callable[[], bool] | None:
    seconds = app_settings(request).request_timeout_seconds
    if seconds <= 0:
        return None
    deadline = _now() + seconds * STOP_SHARE
    return lambda: _now() >= deadline


async def _csv_body(request: Request) -> str:
    """The body as text: 415 unless it is CSV, 413 past the size limit (counted while
    reading), 400 unless it is UTF-8 (a byte order mark is dropped)."""
    if body_media_type(request) != CSV_MEDIA_TYPE:
        raise ApiError(415, "The body must be CSV (Content-Type: text/csv)")
    body = await read_limited_body(request)
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        detail = {"field": "(body)", "message": "must be UTF-8 text"}
        raise ApiError(400, "The body is not UTF-8 text", [detail]) from None


def _import_options(request: Request) -> dict[str, object]:
    """``on_conflict`` and ``dry_run`` once each, ``map`` once per ``column=field`` pair."""
    params = request.query_params
    repeated = sorted({key for key in params if key != "map" and len(params.getlist(key)) > 1})
    if repeated:
        raise ApiError(
            422,
            "Each query parameter but map may be given once",
            [{"field": key, "message": "is given more than once"} for key in repeated],
        )
    options: dict[str, object] = {key: value for key, value in params.items() if key != "map"}
    if "map" in params:
        options["map"] = params.getlist("map")
    return options


def import_route(resource: str) -> Route:
    async def import_records(request: Request) -> Response:
        stop = _stop_in_time(request)
        ws = await workspace(request)
        options = _import_options(request)
        text = await _csv_body(request)
        try:
            header, rows = read_csv(io.StringIO(text, newline=""))
        except CsvHeaderMissing as exc:
            detail = {"field": "(body)", "message": str(exc)}
            raise ApiError(422, f"The body {exc}", [detail]) from None
        report = await ws.imports.run(resource, header, rows, options, stop=stop)
        return json_response(to_json(report))

    return Route(
        f"/v1/crm/import/{resource}", import_records, methods=["POST"], name=f"import_{resource}"
    )


def export_route(resource: str) -> Route:
    async def export_records(request: Request) -> Response:
        ws = await workspace(request)
        params = query(request)
        format = params.pop("format", "csv")
        details = [{"field": name, "message": "is not a known field"} for name in sorted(params)]
        if format not in FORMATS:
            details.append({"field": "format", "message": f"must be one of: {', '.join(FORMATS)}"})
        if details:
            raise ApiError(422, "Invalid query parameters", details)
        batches = ws.exports.batches(resource)

        async def body() -> AsyncIterator[bytes]:
            async for text in export_text(resource, format, batches):
                yield text.encode()

        filename = f"{ws.id}-{resource}.{format}"
        return StreamingResponse(
            body(),
            media_type=FORMATS[format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return Route(
        f"/v1/crm/export/{resource}", export_records, methods=["GET"], name=f"export_{resource}"
    )


routes = [
    *(import_route(resource) for resource in IMPORT_KINDS),
    *(export_route(resource) for resource in EXPORT_KINDS),
]
