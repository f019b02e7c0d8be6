"""Building the MIME message: headers, non-ASCII, multipart, and refusing header injection."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage as MimeMessage
from typing import Any

import attrs
import pytest

from pauhu_crm_adapters.mail.message import build_mime_message, check_message
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage

SENT_AT = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
UNSUBSCRIBE_URL = "https://crm.example.eu/unsubscribe?token=" + "a1b2c3d4" * 12

MESSAGE = EmailMessage(
    workspace_id="ws-pauhu",
    message_id="<enr-1.step-0@crm.example.eu>",
    sender="Pauhu Myynti <sales@pauhu.example>",
    to="Äijälä Örö <aijala@example.fi>",
    subject="Hei Äijälä – digitaalinen suvereniteetti",
    text="Hei Äijälä,\n\nterveisiä Helsingistä.\n",
    html="<p>Hei <b>Äijälä</b>,</p><p>terveisiä Helsingistä.</p>",
    headers={
        "List-Unsubscribe": f"<{UNSUBSCRIBE_URL}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)


def message(**changes: Any) -> EmailMessage:
    return attrs.evolve(MESSAGE, **changes)


def round_trip(mime: MimeMessage) -> MimeMessage:
    """What a receiving server would parse from the bytes on the wire."""
    parsed = email.message_from_bytes(mime.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, MimeMessage)
    return parsed


def body(part: MimeMessage) -> str:
    """A part's text with the wire's CRLFs back to LFs (a final line break is always added)."""
    content: str = part.get_content()
    return content.replace("\r\n", "\n").removesuffix("\n")


def test_the_message_carries_from_to_subject_date_and_the_given_message_id() -> None:
    parsed = round_trip(build_mime_message(MESSAGE, date=SENT_AT))

    assert parsed["From"] == "Pauhu Myynti <sales@pauhu.example>"
    assert parsed["To"] == "Äijälä Örö <aijala@example.fi>"
    assert parsed["Subject"] == MESSAGE.subject
    assert parsed["Message-ID"] == "<enr-1.step-0@crm.example.eu>"
    assert parsed["Date"].datetime == SENT_AT


def test_the_unsubscribe_headers_survive_folding_unchanged() -> None:
    parsed = round_trip(build_mime_message(MESSAGE, date=SENT_AT))

    assert parsed["List-Unsubscribe"] == f"<{UNSUBSCRIBE_URL}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_non_ascii_names_subjects_and_bodies_go_out_as_seven_bit_ascii() -> None:
    wire = build_mime_message(MESSAGE, date=SENT_AT).as_bytes()

    assert wire.isascii()
    assert b"\r\n" in wire
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))


def test_the_body_is_multipart_alternative_with_text_then_html() -> None:
    parsed = round_trip(build_mime_message(MESSAGE, date=SENT_AT))

    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert body(parts[0]) == MESSAGE.text.removesuffix("\n")
    assert body(parts[1]) == MESSAGE.html
    assert all(part.get_content_charset() == "utf-8" for part in parts)


def test_a_message_without_html_is_plain_text_only() -> None:
    parsed = round_trip(build_mime_message(message(html=""), date=SENT_AT))

    assert parsed.get_content_type() == "text/plain"
    assert body(parsed) == MESSAGE.text.removesuffix("\n")


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"subject": "Hello\r\nBcc: victim@example.com"}, id="crlf-in-subject"),
        pytest.param({"subject": "Hello\nBcc: victim@example.com"}, id="lf-in-subject"),
        pytest.param({"subject": "Hello\rthere"}, id="cr-in-subject"),
        pytest.param({"to": "a@example.fi\r\nBcc: victim@example.com"}, id="crlf-in-to"),
        pytest.param({"sender": "s@example.fi\nX-Evil: 1"}, id="lf-in-from"),
        pytest.param({"message_id": "<a@b>\r\nBcc: v@example.com"}, id="crlf-in-message-id"),
        pytest.param(
            {"headers": {"List-Unsubscribe": "<https://x.example/u>\r\nBcc: v@example.com"}},
            id="crlf-in-extra-header-value",
        ),
        pytest.param({"headers": {"X-Evil\r\nBcc": "v@example.com"}}, id="crlf-in-header-name"),
        pytest.param({"headers": {"Bad Name": "x"}}, id="space-in-header-name"),
        pytest.param({"headers": {"X-A:B": "x"}}, id="colon-in-header-name"),
        pytest.param({"headers": {"": "x"}}, id="empty-header-name"),
    ],
)
def test_a_line_break_or_bad_name_in_any_header_is_refused_as_injection(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(ProviderError, match="refused") as caught:
        build_mime_message(message(**changes), date=SENT_AT)

    assert caught.value.permanent


@pytest.mark.parametrize(
    "name", ["From", "to", "BCC", "Subject", "Message-ID", "Content-Type", "Reply-To"]
)
def test_an_extra_header_may_not_replace_one_the_mailer_writes(name: str) -> None:
    with pytest.raises(ProviderError, match="set by the mailer"):
        check_message(message(headers={name: "someone@example.com"}))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"to": "not an address"}, id="to-not-an-address"),
        pytest.param({"to": "a@example.fi, b@example.fi"}, id="two-recipients"),
        pytest.param({"sender": ""}, id="empty-sender"),
        pytest.param({"message_id": "enr-1.step-0@crm.example.eu"}, id="message-id-no-brackets"),
        pytest.param({"message_id": "<no-domain>"}, id="message-id-no-at"),
    ],
)
def test_a_malformed_address_or_message_id_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ProviderError) as caught:
        check_message(message(**changes))

    assert caught.value.permanent
