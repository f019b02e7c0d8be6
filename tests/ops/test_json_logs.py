"""JSON log lines in-process: the formatter, and an unhandled error logged with its request id."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pauhu_crm_apps.api.middleware import RequestContextMiddleware
from pauhu_crm_apps.logging_setup import JsonFormatter, current_request_id, logging_config

from .conftest import client_for


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What ``pauhu_crm.api`` logs meanwhile, as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pauhu_crm.api")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_becomes_one_json_object_with_the_current_request_id() -> None:
    record = logging.LogRecord("pauhu_crm.api", logging.INFO, __file__, 1, "saw %s", ("ä",), None)
    token = current_request_id.set("req-42")
    try:
        line = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)

    entry = orjson.loads(line)
    assert "\n" not in line
    assert entry["level"] == "INFO"
    assert entry["logger"] == "pauhu_crm.api"
    assert entry["message"] == "saw ä"
    assert entry["request_id"] == "req-42"
    assert entry["time"].endswith("Z")


def test_outside_a_request_there_is_no_request_id() -> None:
    record = logging.LogRecord("pauhu_crm.scheduler", logging.INFO, __file__, 1, "tick", (), None)

    assert "request_id" not in orjson.loads(JsonFormatter().format(record))


async def _boom(_request: Request) -> Response:
    raise RuntimeError("the database caught fire")


@pytest.mark.anyio
async def test_an_unhandled_error_is_logged_with_the_request_id_the_response_carries(
    json_lines: io.StringIO,
) -> None:
    app = Starlette(
        routes=[Route("/boom", _boom)], middleware=[Middleware(RequestContextMiddleware)]
    )
    async with client_for(app) as client:
        response = await client.get("/boom")

    [entry] = parsed(json_lines)
    assert response.status_code == 500
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert entry["level"] == "ERROR"
    assert "RuntimeError: the database caught fire" in entry["exception"]
    assert "caught fire" not in response.text  # the client never sees it


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_crm_loggers_are_configured_at_the_chosen_level(log_format: str) -> None:
    config = logging_config("debug", log_format)

    for name in ("pauhu_crm", "pauhu_crm_core", "pauhu_crm_adapters", "pauhu_crm_apps"):
        assert config["loggers"][name]["level"] == "DEBUG"
        assert config["loggers"][name]["handlers"] == ["crm"]
    assert config["loggers"]["uvicorn.access"]["level"] == "DEBUG"
    uses_json = config["handlers"]["access"]["formatter"] == "json"
    assert uses_json == (log_format == "json")


def test_an_access_line_also_has_its_parts_as_fields() -> None:
    args = ("127.0.0.1:5000", "GET", "/unsubscribe?token=[redacted]", "1.1", 200)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )

    entry = orjson.loads(JsonFormatter().format(record))

    assert entry["message"] == '127.0.0.1:5000 - "GET /unsubscribe?token=[redacted] HTTP/1.1" 200'
    assert (entry["method"], entry["path"], entry["status"]) == (
        "GET",
        "/unsubscribe?token=[redacted]",
        200,
    )
    assert entry["client"] == "127.0.0.1:5000"
