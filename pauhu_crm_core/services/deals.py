"""Deals: the sales pipeline, with close dates kept in step with the stage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from ..commands import DEAL_CHANGES_READ_ONLY, DEAL_READ_ONLY, DealChanges, DealQuery, NewDeal
from ..entities import Deal, DealDetail, Page, PipelineStage
from ..errors import ValidationFailed
from ..ids import new_id
from ..ports import ActivityFilter, DealFilter, UnitOfWork
from ..validation import provided_fields, structure
from .common import check_references, fetch, page_window
from .context import WorkspaceContext

DETAIL_ITEMS = 50
"""How many activities a detail view carries (newest first)."""


def settle_close_date(before: Deal | None, after: Deal, today: date, *, date_given: bool) -> Deal:
    """Keep ``actual_close_date`` true to the stage.

    Entering a closed stage records today (in the workspace's zone) unless a
    date was given; an open deal has no close date, so reopening clears it.
    """
    if not after.stage.is_closed:
        if date_given and after.actual_close_date is not None:
            raise ValidationFailed.single(
                "actual_close_date", "can only be set on a closed_won or closed_lost deal"
            )
        return attrs.evolve(after, actual_close_date=None)
    entering = before is None or before.stage != after.stage
    if entering and not date_given:
        return attrs.evolve(after, actual_close_date=today)
    return after


class DealService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Deal:
        body = {**(data or {}), **fields}
        command = structure(body, NewDeal, read_only=DEAL_READ_ONLY)
        now = self._context.now()
        deal = Deal(
            id=command.id or new_id(now),
            name=command.name,
            company_id=command.company_id,
            contact_id=command.contact_id,
            stage=command.stage,
            amount_cents=command.amount,
            currency=command.currency,
            probability=command.probability,
            expected_close_date=command.expected_close_date,
            actual_close_date=command.actual_close_date,
            lost_reason=command.lost_reason,
            owner_id=command.owner_id,
            created_at=now,
            updated_at=now,
        )
        async with self._context.writing() as uow:
            today = await self._context.today(uow)
            deal = settle_close_date(
                None, deal, today, date_given=command.actual_close_date is not None
            )
            await check_references(uow, company_id=deal.company_id, contact_id=deal.contact_id)
            await uow.deals.add(deal)
            await self._context.audit(uow, "create", "deal", deal.id, body)
            await uow.commit()
        return deal

    async def get(self, id: str) -> Deal:
        async with self._context.reading() as uow:
            return await _get(uow, id)

    async def get_detail(self, id: str) -> DealDetail:
        """The deal with its company, contact and latest activities."""
        async with self._context.reading() as uow:
            deal = await _get(uow, id)
            company = await uow.companies.get(deal.company_id) if deal.company_id else None
            contact = await uow.contacts.get(deal.contact_id) if deal.contact_id else None
            activities = await uow.activities.find(
                ActivityFilter(deal_id=id), limit=DETAIL_ITEMS, offset=0
            )
        return DealDetail(deal=deal, company=company, contact=contact, activities=activities.items)

    async def list(self, data: Mapping[str, Any] | None = None, /, **filters: Any) -> Page[Deal]:
        query = structure({**(data or {}), **filters}, DealQuery)
        limit, offset = page_window(query)
        deal_filter = DealFilter(
            stage=query.stage,
            company_id=query.company_id,
            contact_id=query.contact_id,
            owner_id=query.owner_id,
        )
        async with self._context.reading() as uow:
            return await uow.deals.find(deal_filter, limit=limit, offset=offset)

    async def pipeline(self) -> Sequence[PipelineStage]:
        """Per-stage count, total and weighted total over all of the workspace's deals."""
        async with self._context.reading() as uow:
            return await uow.deals.pipeline()

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Deal:
        """Change only the given fields; ``None`` clears a nullable one."""
        command = structure(
            {**(data or {}), **changes}, DealChanges, read_only=DEAL_CHANGES_READ_ONLY
        )
        given = provided_fields(command)
        changed = list(given)  # the names the caller sent, for the audit log
        if "amount" in given:
            given["amount_cents"] = given.pop("amount")
        now = self._context.now()
        async with self._context.writing() as uow:
            deal = await _get(uow, id)
            updated = attrs.evolve(deal, **given, updated_at=now)
            updated = settle_close_date(
                deal,
                updated,
                await self._context.today(uow),
                date_given="actual_close_date" in given,
            )
            await check_references(
                uow, company_id=given.get("company_id"), contact_id=given.get("contact_id")
            )
            await uow.deals.replace(updated)
            await self._context.audit(uow, "update", "deal", id, changed)
            await uow.commit()
        return updated

    async def delete(self, id: str) -> None:
        """Delete the deal; its activities and tasks stay, unlinked."""
        async with self._context.writing() as uow:
            await _get(uow, id)
            await uow.activities.clear_reference("deal_id", id)
            await uow.tasks.clear_reference("deal_id", id)
            await uow.deals.delete(id)
            await self._context.audit(uow, "delete", "deal", id)
            await uow.commit()


async def _get(uow: UnitOfWork, id: str) -> Deal:
    return await fetch(uow.deals.get, "deal", id)
