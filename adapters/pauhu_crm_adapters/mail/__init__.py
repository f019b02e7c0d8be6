"""Mailers, implementations of the core's ``Mailer`` port.

* ``OutboxMailer`` — the default: keeps messages in the store, sends nothing.
* ``SmtpMailer`` — any SMTP server, through aiosmtplib (the ``smtp`` extra).
* ``BrevoMailer`` — Brevo's transactional HTTP API, through httpx.
* ``mailer_from_url`` — one of them from a URL (``outbox:``, ``smtp://``,
  ``smtps://``, ``brevo://``; see ``urls``).

The SMTP and Brevo mailers are imported on first use, so a base install (the
outbox only) needs neither aiosmtplib nor httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .outbox import OutboxMailer
from .urls import mailer_from_url

if TYPE_CHECKING:
    from .http import BrevoMailer
    from .smtp import SmtpMailer

__all__ = ["BrevoMailer", "OutboxMailer", "SmtpMailer", "mailer_from_url"]

_LAZY = {"SmtpMailer": ".smtp", "BrevoMailer": ".http"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
