"""A stand-in OpenAI-compatible server on 127.0.0.1, for tests and the latency benchmark.

``running_fake_openai()`` serves ``POST /v1/chat/completions`` with uvicorn in
a thread of its own (its own event loop, so it does not compete with the
caller's) and answers a valid evaluation after ``latency`` seconds. The points
come from keywords in the fenced company document, so an answer depends on
the profile and never on the instructions around it. It records what it
received and how many requests it held at once.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import uvicorn
from attrs import define, field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pauhu_crm_core.scoring import CRITERION_KEYS, MAX_POINTS

KEYWORDS: dict[str, tuple[str, ...]] = {
    "eu_regulatory_data": ("eur-lex", "curia", "iate", "tenders electronic daily"),
    "github_presence": ("github", "open source", "open-source"),
    "sovereign_requirements": ("gdpr", "nis2", "on-premise", "data residency"),
    "procurement_budget": ("budget", "procurement"),
    "multilingual_search": ("multilingual", "24 languages", "eu languages"),
}
_DOCUMENT = re.compile(
    r"^<<<COMPANY_DATA (\w+)>>>\n(.*)\n<<<END_COMPANY_DATA \1>>>$", re.MULTILINE | re.DOTALL
)


@define
class FakeOpenAI:
    base_url: str
    latency: float
    api_key: str | None
    requests: list[dict[str, Any]] = field(factory=list)
    authorizations: list[str | None] = field(factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


def answer_for(document: str) -> dict[str, Any]:
    """The evaluation the fake gives a company document: full points per criterion named."""
    text = document.lower()
    criteria = []
    for key in CRITERION_KEYS:
        named = any(word in text for word in KEYWORDS[key])
        criteria.append(
            {
                "key": key,
                "points": MAX_POINTS if named else 0,
                "rationale": f"The profile {'mentions' if named else 'never mentions'} "
                f"{KEYWORDS[key][0]}.",
            }
        )
    return {"criteria": criteria}


def fake_openai_app(state: FakeOpenAI) -> Starlette:
    async def chat_completions(request: Request) -> JSONResponse:
        body = await request.json()
        state.requests.append(body)
        state.authorizations.append(request.headers.get("authorization"))
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.latency:
                await anyio.sleep(state.latency)
        finally:
            state.in_flight -= 1
        if state.api_key and request.headers.get("authorization") != f"Bearer {state.api_key}":
            error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
            return JSONResponse({"error": error}, status_code=401)
        found = _DOCUMENT.search(body["messages"][1]["content"])
        content = json.dumps(answer_for(found.group(2) if found else ""))
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(state.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }
        )

    return Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])


@contextmanager
def running_fake_openai(latency: float = 0.0, api_key: str | None = None) -> Iterator[FakeOpenAI]:
    """Serve the fake on a free port of 127.0.0.1 until the block ends."""
    # proto=IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on accepted sockets only
    # when the listening socket says TCP, and without it every response after a connection's
    # first waits ~40 ms for a delayed ACK (headers and body are two writes).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    state = FakeOpenAI(base_url=f"http://127.0.0.1:{port}/v1", latency=latency, api_key=api_key)
    config = uvicorn.Config(
        fake_openai_app(state),
        lifespan="off",
        ws="none",
        http="h11",
        log_level="warning",
        access_log=False,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the fake OpenAI server did not start")
            threading.Event().wait(0.01)
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
