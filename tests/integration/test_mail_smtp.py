"""The SMTP mailer against a real aiosmtpd server on 127.0.0.1.

TLS (``starttls``/``tls``) is aiosmtplib's to get right; these tests use
``security="none"``, plus one check that ``starttls`` refuses a server that
does not offer it rather than sending in the clear.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from pauhu_crm_adapters.mail import SmtpMailer
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage
from pauhu_crm_core.ports import Mailer
from pauhu_crm_core.testing import FrozenClock

USERNAME = "pauhu"
PASSWORD = "s3cret-Äö"

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


class CollectingHandler:
    """Keeps every envelope the server accepts, and whether its session had logged in."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.authenticated: list[bool] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.authenticated.append(bool(session.authenticated))
        return "250 OK"


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    assert isinstance(auth_data, LoginPassword)
    ok = auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode()
    # handled=False: let the server answer 535 itself for a failed login.
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def handler() -> CollectingHandler:
    return CollectingHandler()


@pytest.fixture
def smtp_server(handler: CollectingHandler) -> Iterator[Controller]:
    # Authentication is offered over plaintext (auth_require_tls=False) but not required,
    # so the same server takes anonymous and logged-in clients.
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def mailer_for(server: Controller, **options: Any) -> SmtpMailer:
    options.setdefault("security", "none")
    options.setdefault("clock", FrozenClock("2026-03-07T10:00:00Z"))
    return SmtpMailer(server.hostname, server.port, timeout=5, **options)


def received(envelope: Envelope) -> MimeMessage:
    assert isinstance(envelope.original_content, bytes)
    parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(parsed, MimeMessage)
    return parsed


def test_the_smtp_mailer_conforms_to_the_mailer_port() -> None:
    assert isinstance(SmtpMailer("127.0.0.1", 25), Mailer)


@pytest.mark.anyio
async def test_a_sent_message_arrives_with_its_headers_and_both_parts(
    smtp_server: Controller, handler: CollectingHandler
) -> None:
    mailer = mailer_for(smtp_server)

    receipt = await mailer.send(MESSAGE)
    await mailer.aclose()

    assert receipt.message_id == MESSAGE.message_id
    assert receipt.provider_id is None
    [envelope] = handler.envelopes
    assert envelope.mail_from == "sales@pauhu.example"
    assert envelope.rcpt_tos == ["aijala@example.fi"]
    message = received(envelope)
    assert message["From"] == "Pauhu Myynti <sales@pauhu.example>"
    assert message["To"] == "Äijälä Örö <aijala@example.fi>"
    assert message["Subject"] == "Hei Äijälä"
    assert message["Message-ID"] == "<enr-1.step-0@crm.example.eu>"
    assert message["List-Unsubscribe"] == "<https://crm.example.eu/unsubscribe?token=abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert "Hei Äijälä, terveisiä." in plain.get_content()
    assert html.get_content_type() == "text/html"
    assert "<b>Äijälä</b>" in html.get_content()


@pytest.mark.anyio
async def test_the_right_credentials_log_in_and_send(
    smtp_server: Controller, handler: CollectingHandler
) -> None:
    mailer = mailer_for(smtp_server, username=USERNAME, password=PASSWORD)

    await mailer.send(MESSAGE)

    assert handler.authenticated == [True]


@pytest.mark.anyio
async def test_wrong_credentials_are_a_permanent_provider_error(
    smtp_server: Controller, handler: CollectingHandler
) -> None:
    mailer = mailer_for(smtp_server, username=USERNAME, password="wrong-password")

    with pytest.raises(ProviderError, match="permanent") as caught:
        await mailer.send(MESSAGE)

    assert caught.value.permanent
    assert "wrong-password" not in str(caught.value)
    assert handler.envelopes == []


@pytest.mark.anyio
async def test_starttls_is_required_when_asked_for_so_nothing_goes_out_in_the_clear(
    smtp_server: Controller, handler: CollectingHandler
) -> None:
    mailer = mailer_for(smtp_server, security="starttls")

    with pytest.raises(ProviderError, match="STARTTLS") as caught:
        await mailer.send(MESSAGE)

    assert caught.value.permanent
    assert handler.envelopes == []


@pytest.mark.anyio
async def test_a_refused_connection_is_a_temporary_provider_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), security="none", timeout=5)

    with pytest.raises(ProviderError, match="temporary") as caught:
        await mailer.send(MESSAGE)

    assert not caught.value.permanent


@pytest.mark.anyio
async def test_an_injected_header_is_refused_before_any_connection_is_made(
    smtp_server: Controller, handler: CollectingHandler
) -> None:
    mailer = mailer_for(smtp_server)
    evil = EmailMessage(
        workspace_id="ws-pauhu",
        message_id="<enr-2.step-0@crm.example.eu>",
        sender="sales@pauhu.example",
        to="aijala@example.fi",
        subject="Hello\r\nBcc: victim@example.com",
        text="x",
        html="",
    )

    with pytest.raises(ProviderError, match="line break"):
        await mailer.send(evil)

    assert handler.envelopes == []
