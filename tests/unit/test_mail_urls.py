"""``mailer_from_url``: each URL form, its defaults, and clear refusals that never echo secrets."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

from pauhu_crm_adapters.mail import BrevoMailer, OutboxMailer, SmtpMailer, mailer_from_url
from pauhu_crm_core.ports import Mailer
from pauhu_crm_core.testing import FrozenClock

CLOCK = FrozenClock("2026-03-07T10:00:00Z")
STORE: Any = object()
"""Stands in for a store: building a mailer never touches it."""


def from_url(url: str, client: httpx.AsyncClient | None = None) -> Mailer:
    return mailer_from_url(url, store=STORE, clock=CLOCK, client=client)


def smtp(url: str) -> SmtpMailer:
    mailer = from_url(url)
    assert isinstance(mailer, SmtpMailer)
    return mailer


def test_outbox_is_the_outbox_mailer() -> None:
    assert isinstance(from_url("outbox:"), OutboxMailer)


def test_smtp_defaults_to_starttls_on_port_587_without_login() -> None:
    mailer = smtp("smtp://mail.example.eu")

    assert (mailer.host, mailer.port, mailer.security, mailer.username) == (
        "mail.example.eu",
        587,
        "starttls",
        None,
    )


def test_smtp_credentials_are_percent_decoded_and_kept_out_of_the_repr() -> None:
    mailer = smtp("smtp://sales%40pauhu.example:p%40ss%3Aword@mail.example.eu:2525?timeout=5")

    assert mailer.username == "sales@pauhu.example"
    assert mailer.port == 2525
    assert mailer.timeout == 5
    assert "p@ss:word" not in repr(mailer)


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        pytest.param("smtp://relay.local?security=none", "none", 25, id="smtp-none"),
        pytest.param("smtp://relay.local?security=tls", "tls", 465, id="smtp-tls"),
        pytest.param("smtps://u:p@mail.example.eu", "tls", 465, id="smtps"),
        pytest.param("smtps://mail.example.eu:1465", "tls", 1465, id="smtps-port"),
    ],
)
def test_the_security_mode_picks_the_default_port(url: str, security: str, port: int) -> None:
    mailer = smtp(url)

    assert (mailer.security, mailer.port) == (security, port)


@pytest.mark.anyio
async def test_brevo_takes_the_api_key_as_the_user_and_uses_the_given_client() -> None:
    async with httpx.AsyncClient() as client:
        mailer = from_url("brevo://xkeysib-abc@api.brevo.com", client=client)
        assert isinstance(mailer, BrevoMailer)
        assert mailer.url == "https://api.brevo.com/v3/smtp/email"
        assert "xkeysib-abc" not in repr(mailer)
        await mailer.aclose()
        assert not client.is_closed


@pytest.mark.anyio
async def test_brevo_without_a_client_makes_one_and_closes_it() -> None:
    mailer = from_url("brevo://xkeysib-abc@api.brevo.com/v3")
    assert isinstance(mailer, BrevoMailer)
    client = mailer._client

    await mailer.aclose()

    assert client.is_closed


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("sendgrid://key@api.sendgrid.com", "unknown mailer URL scheme", id="scheme"),
        pytest.param("mailto:someone@example.com", "unknown mailer URL scheme", id="mailto"),
        pytest.param("", "unknown mailer URL scheme", id="empty"),
        pytest.param("outbox://somewhere", "nothing after", id="outbox-with-host"),
        pytest.param("smtp://", "needs a host", id="smtp-no-host"),
        pytest.param("smtp://h?security=ssl", "security must be", id="bad-security"),
        pytest.param("smtps://h?security=none", "always TLS", id="smtps-not-tls"),
        pytest.param("smtp://h?tls=1", "unknown mailer URL parameter 'tls'", id="unknown-param"),
        pytest.param("smtp://h?timeout=1&timeout=2", "given twice", id="twice"),
        pytest.param("smtp://h?timeout=soon", "timeout must be", id="bad-timeout"),
        pytest.param("smtp://h?timeout=0", "positive", id="zero-timeout"),
        pytest.param("smtp://h:port", "port", id="bad-port"),
        pytest.param("smtp://user@h", "both a user name and a password", id="user-no-password"),
        pytest.param("smtp://h/path", "no path", id="smtp-path"),
        pytest.param("brevo://api.brevo.com", "API key", id="brevo-no-key"),
        pytest.param("brevo://k:secret-part@api.brevo.com", "API key", id="brevo-password"),
    ],
)
def test_a_bad_url_is_refused_with_a_clear_value_error(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        from_url(url)

    assert "secret-part" not in str(caught.value)


def test_the_outbox_needs_neither_aiosmtplib_nor_httpx_imported() -> None:
    # A base install has neither; only smtp:// and brevo:// may pull them in.
    code = (
        "import sys, pauhu_crm_adapters.mail as mail\n"
        "mail.mailer_from_url('outbox:', store=None, clock=None)\n"
        "assert 'aiosmtplib' not in sys.modules and 'httpx' not in sys.modules, sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
