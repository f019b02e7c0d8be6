"""Test doubles shipped with the library, for users' tests as well as ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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
