"""The rate limit per workspace and the request timeout: arithmetic, then over HTTP in-process."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.api.limits import (
    RateLimiter,
    RateLimitMiddleware,
    TimeoutMiddleware,
    TokenBucket,
    retry_after_seconds,
)
from pauhu_crm_apps.api.middleware import RequestContextMiddleware
from pauhu_crm_apps.settings import Settings, SettingsError
from pauhu_crm_core.testing import FrozenClock


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- arithmetic -------------------------------------------------------------------------------


def test_a_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)  # one token takes 1/rate seconds
    assert bucket.take(0.25) == pytest.approx(0.25)  # half a token refilled meanwhile
    assert bucket.take(0.5) == 0.0
    assert bucket.take(0.5) > 0
    # A long pause refills to the burst, never beyond it.
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) > 0


def test_a_clock_going_backwards_adds_no_tokens() -> None:
    bucket = TokenBucket(rate=1.0, burst=1, now=10.0)
    assert bucket.take(10.0) == 0.0
    assert bucket.take(5.0) == pytest.approx(1.0)


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.0) == 1
    assert retry_after_seconds(1.2) == 2


def test_the_limiter_keeps_one_bucket_per_key() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=2, clock=clock)
    assert [limiter.take("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0
    clock.now += 1.0
    assert limiter.take("a") == 0.0


def test_the_limiter_memory_is_bounded() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock, max_keys=3, idle_seconds=600)
    for key in "abcde":
        limiter.take(key)
    assert len(limiter) == 3  # least recently used dropped
    clock.now += 601
    limiter.take("z")
    assert len(limiter) == 1  # idle buckets dropped


def test_the_settings_are_range_checked() -> None:
    assert Settings().rate_limit_per_second == 20.0
    assert Settings().rate_limit_burst == 100
    assert Settings().request_timeout_seconds == 30.0
    for name in ("RATE_LIMIT_PER_SECOND", "RATE_LIMIT_BURST", "REQUEST_TIMEOUT_SECONDS"):
        assert Settings.from_env({f"PAUHU_CRM_{name}": "0"})  # 0 disables
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({f"PAUHU_CRM_{name}": "-1"})


# --- over HTTP, the real app ------------------------------------------------------------------


@pytest.fixture
async def limited_app(database_url: str, clock: FrozenClock) -> AsyncIterator[Starlette]:
    settings = Settings(database_url=database_url, rate_limit_per_second=1.0, rate_limit_burst=5)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def _client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://crm.test")


@pytest.mark.anyio
async def test_a_burst_beyond_the_limit_gets_429_in_the_error_shape(
    limited_app: Starlette,
) -> None:
    a = {"X-Workspace-ID": f"ws-rl-{uuid.uuid4().hex[:12]}"}
    b = {"X-Workspace-ID": f"ws-rl-{uuid.uuid4().hex[:12]}"}
    async with _client(limited_app) as client:
        statuses = [(await client.get("/v1/crm/contacts", headers=a)).status_code for _ in range(5)]
        assert statuses == [200] * 5
        refused = await client.get("/v1/crm/contacts", headers=a)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["X-Request-ID"]
        error = refused.json()["error"]
        assert error["code"] == "rate_limited"
        assert error["message"]
        assert error["details"] == []
        # Another workspace has its own bucket.
        assert (await client.get("/v1/crm/contacts", headers=b)).status_code == 200
        # Requests without a workspace are never limited.
        for _ in range(20):
            assert (await client.get("/health")).status_code == 200
        assert (await client.get("/v1/crm/contacts", headers=a)).status_code == 429


@pytest.mark.anyio
async def test_zero_disables_the_rate_limit(database_url: str, clock: FrozenClock) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_second=0, rate_limit_burst=1)
    app = create_app(settings, clock=clock)
    headers = {"X-Workspace-ID": f"ws-rl-{uuid.uuid4().hex[:12]}"}
    async with app.router.lifespan_context(app), _client(app) as client:
        for _ in range(10):
            assert (await client.get("/v1/crm/contacts", headers=headers)).status_code == 200


# --- the timeout, on a test-only app wrapping the middleware -----------------------------------


async def _slow(_request: Request) -> Response:
    await anyio.sleep(5)
    return JSONResponse({"slow": True})


async def _fast(_request: Request) -> Response:
    return JSONResponse({"fast": True})


def _timeout_app(seconds: float) -> Starlette:
    return Starlette(
        routes=[Route("/slow", _slow), Route("/fast", _fast)],
        middleware=[
            Middleware(RequestContextMiddleware),
            Middleware(TimeoutMiddleware, seconds=seconds),
            Middleware(RateLimitMiddleware, rate=0, burst=0),
        ],
    )


@pytest.mark.anyio
async def test_a_slow_request_gets_503_and_is_logged_with_its_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="pauhu_crm.api")
    async with _client(_timeout_app(0.05)) as client:
        with anyio.fail_after(3):  # cancelled, not waited out
            slow = await client.get("/slow", headers={"X-Request-ID": "req-slow-1"})
        assert (await client.get("/fast")).status_code == 200
    assert slow.status_code == 503
    assert slow.headers["X-Request-ID"] == "req-slow-1"
    assert slow.json() == {
        "error": {"code": "unavailable", "message": "The request took too long", "details": []}
    }
    assert any("req-slow-1" in record.getMessage() for record in caplog.records)


async def _stream(_request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for number in range(4):
            await anyio.sleep(0.05)
            yield f"line {number}\n".encode()

    return StreamingResponse(chunks(), media_type="text/plain")


@pytest.mark.anyio
@pytest.mark.parametrize("outer_layer", [True, False], ids=["with-request-context", "alone"])
async def test_a_started_response_is_not_cut_off(outer_layer: bool) -> None:
    # The timeout bounds the time to the first byte: a stream (an export) that has
    # started runs on past it, with or without the outer layer tracking the start.
    middleware = [Middleware(TimeoutMiddleware, seconds=0.08)]
    if outer_layer:
        middleware.insert(0, Middleware(RequestContextMiddleware))
    app = Starlette(routes=[Route("/stream", _stream)], middleware=middleware)
    async with _client(app) as client:
        with anyio.fail_after(3):
            response = await client.get("/stream")
    assert response.status_code == 200
    assert response.text == "line 0\nline 1\nline 2\nline 3\n"


@pytest.mark.anyio
async def test_zero_disables_the_timeout() -> None:
    app = Starlette(
        routes=[Route("/fast", _fast)], middleware=[Middleware(TimeoutMiddleware, seconds=0)]
    )
    async with _client(app) as client:
        assert (await client.get("/fast")).json() == {"fast": True}
