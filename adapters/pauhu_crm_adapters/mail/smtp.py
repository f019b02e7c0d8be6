"""Sending over SMTP with aiosmtplib.

One connection per message: the sequence engine sends a handful of messages
per run, so a pooled connection would save little and would have to survive
servers that drop idle clients. TLS is aiosmtplib's: ``security="starttls"``
requires the server to offer STARTTLS (and fails rather than send in the
clear), ``"tls"`` connects over TLS from the start (port 465), ``"none"`` is
plaintext for a relay on the same host or network.

Failures become ``ProviderError``; ``permanent`` is true when the server
refused for good (a 5xx reply, bad credentials, a missing extension) and false
when a later attempt may succeed (a 4xx reply, a refused or dropped
connection, a timeout).
"""

from __future__ import annotations

from typing import Literal

import aiosmtplib

from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import Clock

from ..clock import SystemClock
from .message import build_mime_message, sender_and_recipient

Security = Literal["starttls", "tls", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "tls", "none")


def _is_permanent(exc: aiosmtplib.SMTPException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= refusal.code < 600 for refusal in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    # aiosmtplib raises the bare base class for a missing extension (STARTTLS, AUTH): a
    # server without them will not grow them on a retry, so the settings must change.
    return isinstance(exc, aiosmtplib.SMTPNotSupported) or type(exc) is aiosmtplib.SMTPException


class SmtpMailer:
    """A ``Mailer`` that hands each message to an SMTP server."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "starttls",
        timeout: float = 30,
        clock: Clock | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        if (username is None) != (password is None):
            raise ValueError("give both a username and a password, or neither")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.security: Security = security
        self.timeout = timeout
        self._clock: Clock = clock if clock is not None else SystemClock()

    def __repr__(self) -> str:
        # The password never appears in a repr, a log line or an error message.
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, "
            f"username={self.username!r}, security={self.security!r})"
        )

    async def send(self, message: EmailMessage) -> SendReceipt:
        mime = build_mime_message(message, date=self._clock.now())
        sender, recipient = sender_and_recipient(message)
        try:
            await aiosmtplib.send(
                mime,
                sender=sender.addr_spec,
                recipients=[recipient.addr_spec],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self._password,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPException as exc:
            permanent = _is_permanent(exc)
            raise self._error(permanent, f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            # Connection refused, host unreachable, TLS handshake failures (ssl.SSLError).
            raise self._error(False, f"{type(exc).__name__}: {exc}") from exc
        return SendReceipt(message_id=message.message_id, provider_id=None)

    def _error(self, permanent: bool, detail: str) -> ProviderError:
        kind = "permanent" if permanent else "temporary"
        return ProviderError(
            f"SMTP send via {self.host}:{self.port} failed ({kind}): {detail}",
            permanent=permanent,
        )

    async def aclose(self) -> None:
        """Nothing to close: each ``send`` opens and closes its own connection."""
