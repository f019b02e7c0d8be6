"""Resource limits of the HTTP layer: a rate limit per workspace and a request timeout.

Both are pure ASGI middleware placed inside the request-id middleware, so
their refusals carry ``X-Request-ID`` like every other response.

**The rate limit is per process.** Each worker keeps its own token buckets in
memory: with ``--workers N`` a workspace may make N times the configured rate
(a connection lands on one worker; uvicorn does not share state between
them). That needs no shared store (no Redis, no extra database round trip on
every request) and is enough to stop one runaway client from starving the
others. Where the limit must be exact across workers or replicas, put a
shared limiter (the reverse proxy or API gateway) in front.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response
from .middleware import RESPONSE_STATE, ResponseState

logger = logging.getLogger("pauhu_crm.api")

WORKSPACE_HEADER = b"x-workspace-id"
MAX_TRACKED_WORKSPACES = 10_000
"""Most buckets kept at once; the least recently used one is dropped beyond it."""
IDLE_SECONDS = 600.0
"""A bucket unused this long is full again anyway, so it is dropped."""


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; one request spends one token."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one will be available."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One token bucket per key, memory bounded: idle buckets and the least recent go."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] | None = None,
        max_keys: int = MAX_TRACKED_WORKSPACES,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock or time.monotonic
        self.max_keys = max_keys
        self.idle_seconds = idle_seconds
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """0 when ``key`` may go ahead, else the seconds it should wait."""
        now = self.clock()
        self._drop_idle(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)

    def _drop_idle(self, now: float) -> None:
        # Least recently used first: stop at the first bucket still in use.
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if now - oldest.updated <= self.idle_seconds:
                return
            del self._buckets[key]


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` in whole seconds, at least 1."""
    return max(1, math.ceil(wait))


class RateLimitMiddleware:
    """429 with ``Retry-After`` once a workspace spends its bucket; no header, no limit.

    ``rate`` or ``burst`` of 0 disables the limit. Requests without
    ``X-Workspace-ID`` (health, OpenAPI, the admin page, unsubscribe links)
    are never limited.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] | None = None,
        max_keys: int = MAX_TRACKED_WORKSPACES,
    ) -> None:
        self.app = app
        self.limiter = (
            RateLimiter(rate, burst, clock=clock, max_keys=max_keys)
            if rate > 0 and burst > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        workspace = _header(scope, WORKSPACE_HEADER)
        if not workspace or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        wait = self.limiter.take(workspace)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = retry_after_seconds(wait)
        response = error_response(
            429,
            f"Too many requests for this workspace; retry after {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)


class TimeoutMiddleware:
    """A request that has not started its response after ``seconds`` is cancelled with a 503.

    Once the response has started the deadline is lifted: a streamed export
    sends its first rows at once and then takes as long as its records do.

    ``seconds`` of 0 disables the timeout. Inside ``RequestContextMiddleware``
    it reads whether the response has started from that layer's
    ``ResponseState``, so that only one layer wraps ``send``; on its own it
    tracks that itself.
    """

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.seconds <= 0 or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.get(RESPONSE_STATE)
        if isinstance(state, ResponseState):
            tracked, inner_send = state, send
        else:
            tracked = ResponseState()
            inner_send = _tracking(send, tracked)
        # A cancel scope with a deadline is what anyio.fail_after opens, without its wrappers.
        with anyio.CancelScope(deadline=anyio.current_time() + self.seconds) as deadline:
            tracked.deadline = deadline  # lifted when the response starts
            await self.app(scope, receive, inner_send)
        if not deadline.cancelled_caught:
            return
        request_id = scope.get("state", {}).get("request_id", "-")
        logger.warning(
            "request timed out after %s s: %s %s [request %s]",
            self.seconds,
            scope.get("method"),
            scope.get("path"),
            request_id,
        )
        if tracked.started:
            raise TimeoutError(f"request timed out after {self.seconds} s")
        response = error_response(503, "The request took too long")
        await response(scope, receive, send)


def _tracking(send: Send, state: ResponseState) -> Send:
    async def send_tracking(message: Message) -> None:
        if message["type"] == "http.response.start":
            state.start(message["status"])
        await send(message)

    return send_tracking


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            text: str = value.decode("latin-1").strip()
            return text
    return ""
