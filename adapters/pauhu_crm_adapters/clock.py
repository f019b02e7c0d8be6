"""The real clock behind the core's ``Clock`` port."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Reads the system's time; the core only ever asks a ``Clock``, so tests can freeze it."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC (never naive, so it compares safely)."""
        return datetime.now(UTC)
