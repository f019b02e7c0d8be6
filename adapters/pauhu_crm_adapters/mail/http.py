"""Sending through Brevo's transactional e-mail API (Brevo is an EU provider).

What this relies on, from Brevo's documentation:

* ``POST https://api.brevo.com/v3/smtp/email`` with the key in an ``api-key``
  header and a JSON body of ``sender`` (``{"email", "name"?}``), ``to`` (a list
  of those), ``subject``, ``htmlContent``, ``textContent`` and ``headers``
  (developers.brevo.com, "Send a transactional email"; the ``SendSmtpEmail``
  model of Brevo's generated clients, e.g. sendinblue/APIv3-php-library
  ``docs/Model/SendSmtpEmail.md``).
* ``headers`` carries custom headers only, "not the standard headers"; the
  same model gives ``X-Mailin-custom`` as the example of a custom header, and
  Brevo hands that header back in its webhooks. So ``List-Unsubscribe`` and
  ``List-Unsubscribe-Post`` go in ``headers``, the core's Message-ID goes in
  ``X-Mailin-custom`` (to match a webhook to its (enrolment, step)), and no
  ``Message-ID`` is sent: Brevo writes its own and answers it as ``messageId``.
* ``headers.idempotencyKey`` makes Brevo process a request once within a TTL
  (15–30 minutes) and must be a UUID (changelog "Email API now supports
  idempotency", 2021-11-10; docs "Idempotency for batch emails"). The key is
  a UUIDv5 of the core's Message-ID, so a retry of the same (enrolment, step)
  reuses it and Brevo drops the duplicate.
* A send answers ``201 {"messageId": "<…>"}`` (``SendEmailResponse``).

Status mapping: 2xx → a receipt; 408 and 429 and every 5xx, timeouts and
connection errors → a temporary ``ProviderError``; any other 4xx (a bad key, a
refused sender, an invalid body) → a permanent one. The API key is never
logged nor put in an error message or a repr.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt

from .message import check_message, sender_and_recipient

BREVO_BASE_URL = "https://api.brevo.com/v3"
CUSTOM_ID_HEADER = "X-Mailin-custom"
IDEMPOTENCY_KEY_NAMESPACE = uuid.UUID("5f0d9a43-6c2e-4f0b-9d57-3c1e0a7b8e21")
"""Fixed for ever: changing it would give a resent message a new idempotency key."""

_TEMPORARY_CLIENT_ERRORS = frozenset({408, 425, 429})
_MAX_DETAIL = 300


def idempotency_key(message_id: str) -> str:
    """The same UUID for the same Message-ID, so Brevo drops a repeated request."""
    return str(uuid.uuid5(IDEMPOTENCY_KEY_NAMESPACE, message_id))


def _party(name: str, email: str) -> dict[str, str]:
    return {"email": email, "name": name} if name else {"email": email}


def brevo_payload(message: EmailMessage) -> dict[str, Any]:
    """The JSON body of ``POST /smtp/email`` for one message."""
    check_message(message)
    sender, recipient = sender_and_recipient(message)
    headers = dict(message.headers)
    headers[CUSTOM_ID_HEADER] = message.message_id
    headers["idempotencyKey"] = idempotency_key(message.message_id)
    payload: dict[str, Any] = {
        "sender": _party(sender.display_name, sender.addr_spec),
        "to": [_party(recipient.display_name, recipient.addr_spec)],
        "subject": message.subject,
        "textContent": message.text,
        "headers": headers,
    }
    if message.html:
        payload["htmlContent"] = message.html
    return payload


def _detail(response: httpx.Response) -> str:
    """Brevo's ``code``/``message`` when the body is their JSON error, else the body's start."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:_MAX_DETAIL]
    if isinstance(body, dict) and ("code" in body or "message" in body):
        return f"{body.get('code', '')}: {body.get('message', '')}"[:_MAX_DETAIL]
    return response.text[:_MAX_DETAIL]


class BrevoMailer:
    """A ``Mailer`` over Brevo's HTTP API, through an injected ``httpx.AsyncClient``.

    The client belongs to the caller (who closes it) unless ``close_client`` is
    true, as when ``mailer_from_url`` made it.
    """

    def __init__(
        self,
        api_key: str,
        *,
        client: httpx.AsyncClient,
        base_url: str = BREVO_BASE_URL,
        close_client: bool = False,
    ) -> None:
        if not api_key:
            raise ValueError("a Brevo API key is needed")
        self._api_key = api_key
        self._client = client
        self.url = f"{base_url.rstrip('/')}/smtp/email"
        self._close_client = close_client

    def __repr__(self) -> str:
        return f"BrevoMailer(url={self.url!r})"

    async def send(self, message: EmailMessage) -> SendReceipt:
        payload = brevo_payload(message)
        try:
            response = await self._client.post(
                self.url,
                json=payload,
                headers={"api-key": self._api_key, "accept": "application/json"},
            )
        except httpx.TimeoutException as exc:
            raise self._error(False, f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise self._error(False, f"{type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return SendReceipt(message_id=message.message_id, provider_id=_message_id(response))
        status = response.status_code
        permanent = 400 <= status < 500 and status not in _TEMPORARY_CLIENT_ERRORS
        raise self._error(permanent, f"HTTP {status} {_detail(response)}")

    def _error(self, permanent: bool, detail: str) -> ProviderError:
        kind = "permanent" if permanent else "temporary"
        return ProviderError(f"Brevo send failed ({kind}): {detail}", permanent=permanent)

    async def aclose(self) -> None:
        if self._close_client:
            await self._client.aclose()


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    provider_id = body.get("messageId") if isinstance(body, dict) else None
    return provider_id if isinstance(provider_id, str) else None
