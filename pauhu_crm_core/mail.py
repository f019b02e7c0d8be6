"""The mailer's vocabulary: the message the engine hands over and the receipt it gets back."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import field, frozen


@frozen(kw_only=True)
class EmailMessage:
    workspace_id: str
    message_id: str
    """A stable ``<…@…>`` id derived from (enrolment, step): providers that dedupe by it
    never deliver one step twice."""
    sender: str
    to: str
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(factory=dict)
    """Extra headers, e.g. ``List-Unsubscribe`` and ``List-Unsubscribe-Post``."""


@frozen(kw_only=True)
class SendReceipt:
    message_id: str
    provider_id: str | None = None
    """The provider's own id for the message, when it gives one."""
