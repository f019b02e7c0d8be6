"""Deals: rows <-> ``Deal``, the deal repository and the pipeline figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, select

from pauhu_crm_core.entities import Deal, DealStage, Page, PipelineStage
from pauhu_crm_core.ports import DealFilter

from ..tables import deals, pipeline_totals
from .base import RowValues, TenantTableRepository, equal_to

_CENT = Decimal(1)
_PERCENT = Decimal(100)


def deal_from_row(row: RowValues) -> Deal:
    return Deal(
        id=row["id"],
        name=row["name"],
        company_id=row["company_id"],
        contact_id=row["contact_id"],
        stage=DealStage(row["stage"]),
        amount_cents=row["amount_cents"],
        currency=row["currency"],
        probability=row["probability"],
        expected_close_date=row["expected_close_date"],
        actual_close_date=row["actual_close_date"],
        lost_reason=row["lost_reason"],
        owner_id=row["owner_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def deal_values(deal: Deal) -> dict[str, Any]:
    """Every column of a deal's row but ``workspace_id``."""
    return {
        "id": deal.id,
        "name": deal.name,
        "company_id": deal.company_id,
        "contact_id": deal.contact_id,
        "stage": deal.stage.value,
        "amount_cents": deal.amount_cents,
        "currency": deal.currency,
        "probability": deal.probability,
        "expected_close_date": deal.expected_close_date,
        "actual_close_date": deal.actual_close_date,
        "lost_reason": deal.lost_reason,
        "owner_id": deal.owner_id,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def weighted_cents(amount_times_percent: int | Decimal | None) -> int:
    """Σ(cents × probability) / 100, rounded half up to a whole cent, exactly (no floats).

    PostgreSQL's SUM over BIGINT is NUMERIC (a ``Decimal``); SQLite's is an ``int``.
    """
    exact = Decimal(amount_times_percent or 0) / _PERCENT
    return int(exact.quantize(_CENT, rounding=ROUND_HALF_UP))


def _equalities(filter: DealFilter) -> dict[str, object]:
    return {
        "stage": filter.stage,
        "company_id": filter.company_id,
        "contact_id": filter.contact_id,
        "owner_id": filter.owner_id,
    }


class SqlDealRepository(TenantTableRepository[Deal]):
    table = deals
    order_by = (deals.c.created_at.desc(), deals.c.id.desc())
    reference_fields = frozenset({"company_id", "contact_id"})
    counted_facets = frozenset({"stage"})
    from_row = deal_from_row
    to_values = deal_values

    async def add(self, deal: Deal) -> None:
        await self._add(deal)

    async def replace(self, deal: Deal) -> None:
        await self._replace(deal)

    async def find(self, filter: DealFilter, *, limit: int, offset: int) -> Page[Deal]:
        counter = self._counter(_equalities(filter))
        return await self._page(
            self._conditions(filter), limit=limit, offset=offset, counter=counter
        )

    async def latest(self, filter: DealFilter, *, limit: int) -> Sequence[Deal]:
        return await self._first(self._conditions(filter), limit)

    def _conditions(self, filter: DealFilter) -> list[ColumnElement[bool]]:
        return equal_to(deals, _equalities(filter))

    async def pipeline(self) -> Sequence[PipelineStage]:
        """The workspace's ``pipeline_totals`` (at most one row per stage, kept in step with
        the deals by triggers: see ``counters.py``); stages without deals are left out."""
        pt = pipeline_totals.c
        result = await self._conn.execute(
            select(pt.stage, pt.deal_count, pt.total_cents, pt.cents_times_percent).where(
                (pt.workspace_id == self._workspace_id) & (pt.deal_count > 0)
            )
        )
        by_stage = {
            DealStage(row["stage"]): PipelineStage(
                stage=DealStage(row["stage"]),
                count=int(row["deal_count"]),
                total_amount_cents=int(row["total_cents"] or 0),
                weighted_amount_cents=weighted_cents(row["cents_times_percent"]),
            )
            for row in result.mappings()
        }
        return [by_stage[stage] for stage in DealStage if stage in by_stage]
