"""Test doubles shipped with the library, for users' tests as well as ours: a clock that
stands still, a mailer that records, a scorer with fixed answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import anyio

from .errors import ProviderError
from .mail import EmailMessage, SendReceipt
from .scoring import CRITERION_KEYS, CriterionScore, Evaluation, LeadProfile


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


class RecordingBatchMailer(RecordingMailer):
    """A ``RecordingMailer`` that is also a ``BatchMailer``: ``send_many`` answers each
    message's receipt or ``ProviderError`` (from ``fail_for``), and ``batches`` keeps the
    size of each call. ``crash_after`` raises ``RuntimeError`` in the middle of a batch,
    after the messages before it were kept, as a process dying mid-batch would."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        self.batches.append(len(messages))
        answers: list[SendReceipt | ProviderError] = []
        for message in messages:
            try:
                answers.append(await self.send(message))
            except ProviderError as exc:
                answers.append(exc)
        return answers


class FixedScorer:
    """A ``Scorer`` that gives each lead fixed points, counts its calls, and can fail.

    ``points`` maps a company name (or, for a contact without a company, ``None``)
    to the points of each of the five criteria; others get ``default_points``.
    ``fail_for`` names the companies whose evaluation raises ``ProviderError``.
    ``delay`` makes each evaluation take that long, so tests can watch concurrency.
    """

    def __init__(
        self,
        points: dict[str | None, int] | None = None,
        *,
        default_points: int = 10,
        fail_for: set[str | None] | None = None,
        delay: float = 0,
    ) -> None:
        self.points = points or {}
        self.default_points = default_points
        self.fail_for = fail_for or set()
        self.delay = delay
        self.calls: list[LeadProfile] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        self.calls.append(profile)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await anyio.sleep(self.delay)
            if profile.name in self.fail_for:
                raise ProviderError(f"could not evaluate {profile.name}")
            each = self.points.get(profile.name, self.default_points)
            return Evaluation(
                scorer="fixed",
                model="fixed-1",
                prompt_version="test",
                criteria=tuple(
                    CriterionScore(key=key, points=each, rationale=f"fixed {each}")
                    for key in CRITERION_KEYS
                ),
            )
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        return None
