"""Small rules shared by the record services: references, pages, ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..commands import PageQuery
from ..errors import NotFound, ValidationFailed
from ..normalise import ID_PATTERN
from ..ports import UnitOfWork

T = TypeVar("T")

MAX_PAGE_SIZE = 100


def page_window(query: PageQuery) -> tuple[int, int]:
    """``(limit, offset)`` of a list query; a limit above the maximum is clamped."""
    details = []
    if query.limit < 1:
        details.append({"field": "limit", "message": "must be at least 1"})
    if query.offset < 0:
        details.append({"field": "offset", "message": "must not be negative"})
    if details:
        raise ValidationFailed(details)
    return min(query.limit, MAX_PAGE_SIZE), query.offset


async def check_references(
    uow: UnitOfWork,
    *,
    company_id: str | None = None,
    contact_id: str | None = None,
    deal_id: str | None = None,
) -> None:
    """Every given id must name a record of the unit of work's workspace (else 422-style errors)."""
    details = []
    if company_id is not None and not await uow.companies.exists(company_id):
        details.append(_missing("company_id", "company"))
    if contact_id is not None and not await uow.contacts.exists(contact_id):
        details.append(_missing("contact_id", "contact"))
    if deal_id is not None and not await uow.deals.exists(deal_id):
        details.append(_missing("deal_id", "deal"))
    if details:
        raise ValidationFailed(details)


def _missing(field: str, kind: str) -> dict[str, str]:
    return {"field": field, "message": f"does not name a {kind} in this workspace"}


async def fetch(get: Callable[[str], Awaitable[T | None]], kind: str, id: str) -> T:
    """The record ``get`` finds for ``id``, or ``NotFound``; a malformed id is simply not found."""
    record = await get(id) if ID_PATTERN.fullmatch(id) else None
    if record is None:
        raise NotFound(kind, id)
    return record
