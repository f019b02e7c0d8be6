"""How records look from outside (JSON-ready dicts): UTC times with ``Z``, money as numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from pauhu_crm_core import Deal, PipelineStage


def format_datetime(moment: datetime) -> str:
    """``2026-03-07T10:00:00Z``; fractions of a second only when there are some."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(cents: int) -> int | float:
    """Cents as a JSON number of currency units: whole amounts stay integers."""
    whole, rest = divmod(cents, 100)
    # float() of an exact two-decimal Decimal prints back as the same two decimals.
    return whole if rest == 0 else float(Decimal(cents).scaleb(-2))


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: json_value(item) for key, item in value.items()}
    if attrs.has(type(value)):
        return to_json(value)
    return value


def to_json(record: Any) -> dict[str, Any]:
    """A record (or detail view, or page) as a JSON-ready dict."""
    data = {
        field.name: json_value(getattr(record, field.name)) for field in attrs.fields(type(record))
    }
    if isinstance(record, Deal):
        cents = data.pop("amount_cents")
        data["amount"] = None if cents is None else money(cents)
    if isinstance(record, PipelineStage):
        data["total_amount"] = money(data.pop("total_amount_cents"))
        data["weighted_amount"] = money(data.pop("weighted_amount_cents"))
    return data
