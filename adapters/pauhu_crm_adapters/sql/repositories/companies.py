"""Companies: rows <-> ``Company`` and the company repository."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select

from pauhu_crm_core.entities import Company, IcpTier, Page
from pauhu_crm_core.ports import CompanyFilter
from pauhu_crm_core.search import company_search_text

from ..tables import companies
from .base import IN_CHUNK, RowValues, TenantTableRepository, equal_to


def company_from_row(row: RowValues) -> Company:
    tier = row["icp_tier"]
    return Company(
        id=row["id"],
        name=row["name"],
        domain=row["domain"],
        industry=row["industry"],
        size=row["size"],
        country=row["country"],
        city=row["city"],
        website=row["website"],
        linkedin_url=row["linkedin_url"],
        description=row["description"],
        icp_tier=None if tier is None else IcpTier(tier),
        is_target_account=bool(row["is_target_account"]),
        owner_id=row["owner_id"],
        tags=tuple(row["tags"]),
        custom_fields=row["custom_fields"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def company_values(company: Company) -> dict[str, Any]:
    """Every column of a company's row but ``workspace_id``, with its search key."""
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
        "size": company.size,
        "country": company.country,
        "city": company.city,
        "website": company.website,
        "linkedin_url": company.linkedin_url,
        "description": company.description,
        "icp_tier": None if company.icp_tier is None else company.icp_tier.value,
        "is_target_account": company.is_target_account,
        "owner_id": company.owner_id,
        "tags": list(company.tags),
        "custom_fields": dict(company.custom_fields),
        "created_at": company.created_at,
        "updated_at": company.updated_at,
        "search_text": company_search_text(company),
    }


class SqlCompanyRepository(TenantTableRepository[Company]):
    table = companies
    order_by = (companies.c.created_at.desc(), companies.c.id.desc())
    counted_facets = frozenset({"is_target_account"})
    from_row = company_from_row
    to_values = company_values

    async def add(self, company: Company) -> None:
        await self._add(company)

    async def replace(self, company: Company) -> None:
        await self._replace(company)

    async def find(self, filter: CompanyFilter, *, limit: int, offset: int) -> Page[Company]:
        filters = {
            "is_target_account": filter.target,
            "icp_tier": filter.icp_tier,
            "industry": filter.industry,
            "country": filter.country,
        }
        conditions = equal_to(companies, filters)
        counter = None if filter.search is not None else self._counter(filters)
        return await self._page(
            conditions,
            limit=limit,
            offset=offset,
            counter=counter,
            search=filter.search,
        )

    async def get_many(self, ids: Collection[str]) -> Sequence[Company]:
        """The companies with these ids, in id order; unknown ids are left out. One ``IN``
        query per ``IN_CHUNK`` ids (one query for any batch a scoring run reads)."""
        wanted = sorted(set(ids))
        found: list[Company] = []
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            result = await self._conn.execute(
                select(*self._entity_columns)
                .where(self._in_workspace() & companies.c.id.in_(chunk))
                .order_by(companies.c.id)
            )
            found.extend(company_from_row(row) for row in result.mappings())
        return found
