"""The Brevo mailer: the exact request, the status mapping, and one send over a real socket."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from pauhu_crm_adapters.mail import BrevoMailer
from pauhu_crm_adapters.mail.http import idempotency_key
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage
from pauhu_crm_core.ports import Mailer

API_KEY = "xkeysib-test-0123456789abcdef"
BREVO_MESSAGE_ID = "<202603071000.12345678901@smtp-relay.mailin.fr>"

MESSAGE = EmailMessage(
    workspace_id="ws-pauhu",
    message_id="<enr-1.step-0@crm.example.eu>",
    sender="Pauhu Myynti <sales@pauhu.example>",
    to="Äijälä Örö <aijala@example.fi>",
    subject="Hei Äijälä",
    text="Hei Äijälä, terveisiä.\n",
    html="<p>Hei <b>Äijälä</b>, terveisiä.</p>",
    headers={
        "List-Unsubscribe": "<https://crm.example.eu/unsubscribe?token=abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)

EXPECTED_BODY = {
    "sender": {"email": "sales@pauhu.example", "name": "Pauhu Myynti"},
    "to": [{"email": "aijala@example.fi", "name": "Äijälä Örö"}],
    "subject": "Hei Äijälä",
    "textContent": "Hei Äijälä, terveisiä.\n",
    "htmlContent": "<p>Hei <b>Äijälä</b>, terveisiä.</p>",
    "headers": {
        "List-Unsubscribe": "<https://crm.example.eu/unsubscribe?token=abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Mailin-custom": "<enr-1.step-0@crm.example.eu>",
        "idempotencyKey": idempotency_key("<enr-1.step-0@crm.example.eu>"),
    },
}

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def mock_client() -> AsyncIterator[Callable[[Handler], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(handler: Handler) -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def answer(status: int, body: Any = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


@pytest.mark.anyio
async def test_the_brevo_mailer_conforms_to_the_mailer_port() -> None:
    async with httpx.AsyncClient() as client:
        assert isinstance(BrevoMailer(API_KEY, client=client), Mailer)


def test_the_idempotency_key_is_a_stable_uuid_per_message_id() -> None:
    key = idempotency_key("<enr-1.step-0@crm.example.eu>")

    assert key == idempotency_key("<enr-1.step-0@crm.example.eu>")
    assert key != idempotency_key("<enr-1.step-1@crm.example.eu>")
    assert len(key) == 36
    assert key[14] == "5"


@pytest.mark.anyio
async def test_a_send_posts_the_documented_request_and_returns_brevos_message_id(
    mock_client: Callable[[Handler], httpx.AsyncClient],
) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(201, json={"messageId": BREVO_MESSAGE_ID})

    mailer = BrevoMailer(API_KEY, client=mock_client(handler))

    receipt = await mailer.send(MESSAGE)

    [request] = requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.brevo.com/v3/smtp/email"
    assert request.headers["api-key"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == EXPECTED_BODY
    assert receipt.message_id == MESSAGE.message_id
    assert receipt.provider_id == BREVO_MESSAGE_ID


@pytest.mark.anyio
async def test_a_message_without_html_sends_no_html_content(
    mock_client: Callable[[Handler], httpx.AsyncClient],
) -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"messageId": BREVO_MESSAGE_ID})

    plain = EmailMessage(
        workspace_id="ws-pauhu",
        message_id="<enr-1.step-1@crm.example.eu>",
        sender="sales@pauhu.example",
        to="aijala@example.fi",
        subject="Hei",
        text="Hei",
        html="",
    )
    await BrevoMailer(API_KEY, client=mock_client(handler)).send(plain)

    [body] = bodies
    assert "htmlContent" not in body
    assert body["sender"] == {"email": "sales@pauhu.example"}
    assert body["to"] == [{"email": "aijala@example.fi"}]


@pytest.mark.anyio
async def test_a_base_url_is_honoured(
    mock_client: Callable[[Handler], httpx.AsyncClient],
) -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(201, json={"messageId": BREVO_MESSAGE_ID})

    mailer = BrevoMailer(API_KEY, client=mock_client(handler), base_url="https://eu.test/v3/")
    await mailer.send(MESSAGE)

    assert urls == ["https://eu.test/v3/smtp/email"]


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        pytest.param(
            400, {"code": "invalid_parameter", "message": "sender is invalid"}, True, id="400"
        ),
        pytest.param(401, {"code": "unauthorized", "message": "Key not found"}, True, id="401"),
        pytest.param(429, {"code": "too_many_requests", "message": "slow down"}, False, id="429"),
        pytest.param(500, {"code": "internal_error", "message": "oops"}, False, id="500"),
        pytest.param(503, None, False, id="503-no-body"),
    ],
)
@pytest.mark.anyio
async def test_an_error_status_becomes_a_provider_error(
    mock_client: Callable[[Handler], httpx.AsyncClient],
    status: int,
    body: Any,
    permanent: bool,
) -> None:
    mailer = BrevoMailer(API_KEY, client=mock_client(answer(status, body)))

    with pytest.raises(ProviderError, match=f"HTTP {status}") as caught:
        await mailer.send(MESSAGE)

    assert caught.value.permanent is permanent
    assert ("permanent" if permanent else "temporary") in str(caught.value)
    if body is not None:
        assert body["message"] in str(caught.value)
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(httpx.ReadTimeout("read timed out"), id="timeout"),
        pytest.param(httpx.ConnectError("connection refused"), id="connect-error"),
    ],
)
@pytest.mark.anyio
async def test_a_timeout_or_connection_error_is_a_temporary_provider_error(
    mock_client: Callable[[Handler], httpx.AsyncClient], error: httpx.TransportError
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    mailer = BrevoMailer(API_KEY, client=mock_client(handler))

    with pytest.raises(ProviderError, match="temporary") as caught:
        await mailer.send(MESSAGE)

    assert not caught.value.permanent
    assert API_KEY not in str(caught.value)


@pytest.mark.anyio
async def test_an_injected_header_is_refused_without_a_request(
    mock_client: Callable[[Handler], httpx.AsyncClient],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made")

    evil = EmailMessage(
        workspace_id="ws-pauhu",
        message_id="<enr-2.step-0@crm.example.eu>",
        sender="sales@pauhu.example",
        to="aijala@example.fi",
        subject="Hei",
        text="x",
        html="",
        headers={"X-Campaign": "a\r\nBcc: victim@example.com"},
    )

    with pytest.raises(ProviderError, match="line break"):
        await BrevoMailer(API_KEY, client=mock_client(handler)).send(evil)


@pytest.mark.anyio
async def test_the_api_key_never_shows_in_the_repr() -> None:
    async with httpx.AsyncClient() as client:
        assert API_KEY not in repr(BrevoMailer(API_KEY, client=client))


# -- one send over a real socket, to a stand-in for Brevo on 127.0.0.1


class FakeBrevo(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, dict(self.headers), self.rfile.read(length)))
        body = json.dumps({"messageId": BREVO_MESSAGE_ID}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on what arrived instead."""


@pytest.fixture
def fake_brevo() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    received: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("RecordingFakeBrevo", (FakeBrevo,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v3", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.anyio
async def test_a_send_reaches_a_real_http_server_over_a_socket(
    fake_brevo: tuple[str, list[tuple[str, dict[str, str], bytes]]],
) -> None:
    base_url, received = fake_brevo
    async with httpx.AsyncClient(timeout=5) as client:
        mailer = BrevoMailer(API_KEY, client=client, base_url=base_url)
        receipt = await mailer.send(MESSAGE)
        await mailer.aclose()

    [(path, headers, body)] = received
    assert path == "/v3/smtp/email"
    assert headers["api-key"] == API_KEY
    assert json.loads(body) == EXPECTED_BODY
    assert receipt.provider_id == BREVO_MESSAGE_ID
