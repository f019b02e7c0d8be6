"""The core's ``EmailMessage`` as a standard-library MIME message, and the checks every mailer runs.

Every mailer calls ``check_message`` first, so a message that one mailer would
refuse (a header value carrying CR/LF, a header that would override ``From``)
is refused by all of them — the outbox included, so nothing is kept that a real
mailer would later reject.
"""

from __future__ import annotations

import email.policy
import functools
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime

from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage

POLICY = email.policy.SMTP
"""CRLF line endings, and non-ASCII headers encoded as RFC 2047 words, for any SMTP server."""

# The headers the mailer writes itself; an extra header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "sender",
        "reply-to",
        "return-path",
    }
)

# RFC 5322 field names: printable US-ASCII except the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_LINE_BREAKS = frozenset("\r\n\0")
# A bare addr-spec of dot-atoms from a conservative alphabet: parsing one with
# ``email.headerregistry`` can only yield exactly this address, so it is built directly.
# Anything else (a display name, quoting, non-ASCII, an odd character) is parsed.
_PLAIN_ADDRESS = re.compile(
    r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)


def refused(reason: str) -> ProviderError:
    """A permanent ``ProviderError``: sending the same message again cannot succeed."""
    return ProviderError(f"message refused (permanent): {reason}", permanent=True)


def _check_value(name: str, value: str) -> None:
    if not _LINE_BREAKS.isdisjoint(value):
        # A CR/LF in a header value would start a new header (header injection).
        raise refused(f"the {name} header contains a line break")


def check_message(message: EmailMessage) -> None:
    """Raise a permanent ``ProviderError`` unless the message is safe to put on the wire."""
    for name, value in (
        ("From", message.sender),
        ("To", message.to),
        ("Subject", message.subject),
        ("Message-ID", message.message_id),
    ):
        _check_value(name, value)
    if not _MESSAGE_ID.fullmatch(message.message_id):
        raise refused(f"Message-ID {message.message_id!r} is not of the form <local@domain>")
    for name, value in message.headers.items():
        if not _FIELD_NAME.fullmatch(name):
            raise refused(f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise refused(f"the {name} header is set by the mailer, not by the message")
        _check_value(name, value)
    sender_and_recipient(message)


def _single_address(name: str, value: str) -> Address:
    plain = _PLAIN_ADDRESS.fullmatch(value)
    if plain is not None:
        return Address(username=plain[1], domain=plain[2])
    header = POLICY.header_factory(name, value)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    defects: tuple[object, ...] = getattr(header, "defects", ())
    if len(addresses) != 1 or defects or not addresses[0].username or not addresses[0].domain:
        raise refused(f"the {name} header {value!r} is not exactly one e-mail address")
    return addresses[0]


@functools.lru_cache(maxsize=32)
def _sender_address(value: str) -> Address:
    # Parsed once per distinct sender: a run sends every message from the same one, and
    # ``email.headerregistry`` is slow. (A refusal raises, and is not cached.) Recipients
    # are parsed every time: they differ, and a cache of them would hold personal data.
    return _single_address("From", value)


def sender_and_recipient(message: EmailMessage) -> tuple[Address, Address]:
    """The parsed ``From`` and ``To`` addresses (display name and addr-spec)."""
    return _sender_address(message.sender), _single_address("To", message.to)


def build_mime_message(message: EmailMessage, *, date: datetime) -> MimeMessage:
    """A ``multipart/alternative`` (text, then HTML) message ready for SMTP.

    Non-ASCII names and subjects become RFC 2047 encoded words; the bodies are
    UTF-8 in quoted-printable, so the message is 7-bit clean for any server.
    """
    check_message(message)
    sender, recipient = sender_and_recipient(message)
    mime = MimeMessage(policy=POLICY)
    try:
        mime["From"] = sender
        mime["To"] = recipient
        mime["Subject"] = message.subject
        mime["Date"] = format_datetime(date)
        mime["Message-ID"] = message.message_id
        for name, value in message.headers.items():
            mime[name] = value
    except ValueError as exc:
        # The policy refuses what ``check_message`` missed; never send it half-built.
        raise refused(str(exc)) from exc
    mime.set_content(message.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if message.html:
        mime.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return mime
