"""Column types that behave the same on SQLite and PostgreSQL.

The core only deals in timezone-aware UTC datetimes. PostgreSQL keeps them in
``timestamptz``; SQLite has no datetime type, so they are stored as fixed-width
ISO 8601 text (``2026-03-07T10:00:00.000000Z``), which sorts and compares in
time order — ordering, ``touch_last_activity`` and indexes rely on that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

SQLITE_DATETIME_LENGTH = 32


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in and out on both backends; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(SQLITE_DATETIME_LENGTH))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # isoformat pads the year to four digits, so the text sorts like the time.
            return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


def json_document() -> TypeEngine[Any]:
    """JSON (JSONB on PostgreSQL); a Python ``None`` is stored as SQL NULL, not JSON null."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
