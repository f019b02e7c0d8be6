"""How records look from outside (JSON-ready dicts): UTC times with ``Z``, money as numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types that are already JSON values (exact types: a ``StrEnum`` member is not one)."""


def json_value(value: Any) -> Any:
    # Most values of a record are plain: answer them before any isinstance test.
    if type(value) in _PLAIN:
        return value
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


def detail_json(detail: Any) -> dict[str, Any]:
    """A detail view as one object: the record's fields plus its linked records.

    ``ContactDetail(contact, company, activities, deals)`` becomes the contact's
    fields with ``company``, ``activities`` and ``deals`` beside them.
    """
    main, *linked = attrs.fields(type(detail))
    data = to_json(getattr(detail, main.name))
    data.update({field.name: json_value(getattr(detail, field.name)) for field in linked})
    return data


def to_json(record: Any) -> dict[str, Any]:
    """A record (or a pipeline stage) as a JSON-ready dict."""
    encoder = _ENCODERS.get(type(record)) or _encoder(type(record))
    return {name: convert(getattr(record, attribute)) for attribute, name, convert in encoder}


FieldEncoder = tuple[str, str, Callable[[Any], Any]]
"""(attribute, JSON name, conversion) of one field."""

_ENCODERS: dict[type, tuple[FieldEncoder, ...]] = {}


def _encoder(record_type: type) -> tuple[FieldEncoder, ...]:
    """Each field's encoder, worked out once per class rather than once per record (a
    list page converts thousands of values)."""
    money_fields = _MONEY_FIELDS.get(record_type, ())
    encoder = tuple(
        # ``amount_cents`` goes out as ``amount``, in currency units, in the same place.
        (field.name, field.name.removesuffix("_cents"), _money_or_none)
        if field.name in money_fields
        else (field.name, field.name, json_value)
        for field in attrs.fields(record_type)
    )
    _ENCODERS[record_type] = encoder
    return encoder


def _money_or_none(cents: int | None) -> int | float | None:
    return None if cents is None else money(cents)


_MONEY_FIELDS: dict[type, tuple[str, ...]] = {
    Deal: ("amount_cents",),
    PipelineStage: ("total_amount_cents", "weighted_amount_cents"),
}
