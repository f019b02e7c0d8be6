"""Companies: the accounts contacts work for and deals are sold to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..commands import (
    COMPANY_CHANGES_READ_ONLY,
    COMPANY_READ_ONLY,
    CompanyChanges,
    CompanyQuery,
    NewCompany,
)
from ..entities import Company, CompanyDetail, Page
from ..ids import new_id
from ..ports import ActivityFilter, CompanyFilter, ContactFilter, DealFilter, UnitOfWork
from ..search import search_term
from ..validation import provided_fields, structure
from .common import fetch, page_window
from .context import WorkspaceContext

DETAIL_ITEMS = 50
"""How many contacts, deals and activities a detail view carries (newest first)."""


class CompanyService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Company:
        body = {**(data or {}), **fields}
        command = structure(body, NewCompany, read_only=COMPANY_READ_ONLY)
        now = self._context.now()
        company = Company(
            id=command.id or new_id(now),
            name=command.name,
            domain=command.domain,
            industry=command.industry,
            size=command.size,
            country=command.country,
            city=command.city,
            website=command.website,
            linkedin_url=command.linkedin_url,
            description=command.description,
            icp_tier=command.icp_tier,
            is_target_account=command.is_target_account,
            owner_id=command.owner_id,
            tags=command.tags,
            custom_fields=command.custom_fields,
            created_at=now,
            updated_at=now,
        )
        async with self._context.writing() as uow:
            await uow.companies.add(company)
            await self._context.audit(uow, "create", "company", company.id, body)
            await uow.commit()
        return company

    async def get(self, id: str) -> Company:
        async with self._context.reading() as uow:
            return await _get(uow, id)

    async def get_detail(self, id: str) -> CompanyDetail:
        """The company with its latest contacts, deals and activities."""
        async with self._context.reading() as uow:
            company = await _get(uow, id)
            contacts = await uow.contacts.latest(ContactFilter(company_id=id), limit=DETAIL_ITEMS)
            deals = await uow.deals.latest(DealFilter(company_id=id), limit=DETAIL_ITEMS)
            activities = await uow.activities.latest(
                ActivityFilter(company_id=id), limit=DETAIL_ITEMS
            )
        return CompanyDetail(
            company=company,
            contacts=tuple(contacts),
            deals=tuple(deals),
            activities=tuple(activities),
        )

    async def list(self, data: Mapping[str, Any] | None = None, /, **filters: Any) -> Page[Company]:
        query = structure({**(data or {}), **filters}, CompanyQuery)
        limit, offset = page_window(query)
        company_filter = CompanyFilter(
            # `target=false` means "no filter", as in the seed: only `true` narrows the list.
            target=True if query.target else None,
            search=search_term(query.q),
            icp_tier=query.icp_tier,
            industry=query.industry,
            country=query.country,
        )
        async with self._context.reading() as uow:
            return await uow.companies.find(company_filter, limit=limit, offset=offset)

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Company:
        """Change only the given fields; ``None`` clears a nullable one."""
        command = structure(
            {**(data or {}), **changes}, CompanyChanges, read_only=COMPANY_CHANGES_READ_ONLY
        )
        now = self._context.now()
        async with self._context.writing() as uow:
            company = await _get(uow, id)
            changed = provided_fields(command)
            updated = attrs.evolve(company, **changed, updated_at=now)
            await uow.companies.replace(updated)
            await self._context.audit(uow, "update", "company", id, changed)
            await uow.commit()
        return updated

    async def delete(self, id: str) -> None:
        """Delete the company; its contacts, deals, activities and tasks stay, unlinked."""
        async with self._context.writing() as uow:
            await _get(uow, id)
            await uow.contacts.clear_reference("company_id", id)
            await uow.deals.clear_reference("company_id", id)
            await uow.activities.clear_reference("company_id", id)
            await uow.tasks.clear_reference("company_id", id)
            await uow.companies.delete(id)
            await self._context.audit(uow, "delete", "company", id)
            await uow.commit()


async def _get(uow: UnitOfWork, id: str) -> Company:
    return await fetch(uow.companies.get, "company", id)
