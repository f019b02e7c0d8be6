"""Test doubles shipped with the library, for users' tests as well as ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .errors import ProviderError
from .mail import EmailMessage, SendReceipt


class FrozenClock:
    """A ``Clock`` that stands still until told to move."""

    def __init__(self, now: datetime | str = "2026-03-07T10:00:00Z") -> None:
        self._now = datetime.fromisoformat(now) if isinstance(now, str) else now
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware time")

    def now(self) -> datetime:
        return self._now.astimezone(UTC)

    def set(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware time")
        self._now = now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; return the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class RecordingMailer:
    """A ``Mailer`` that keeps every message it is given, and can be told to fail.

    ``fail_for`` maps a recipient to the ``ProviderError`` to raise for it;
    ``crash_after`` makes the n+1-th send raise ``RuntimeError``, as if the
    process died while talking to the provider.
    """

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_for: dict[str, ProviderError] = {}
        self.crash_after: int | None = None
        self.closed = False

    async def send(self, message: EmailMessage) -> SendReceipt:
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise RuntimeError("the process died while sending")
        if message.to in self.fail_for:
            raise self.fail_for[message.to]
        self.sent.append(message)
        return SendReceipt(message_id=message.message_id, provider_id=f"rec-{len(self.sent)}")

    async def aclose(self) -> None:
        self.closed = True

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.sent if message.to == address]
