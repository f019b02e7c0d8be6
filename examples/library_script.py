"""Pauhu CRM as a library: no server, just ``open_crm`` on an SQLite file.

    python examples/library_script.py [DATABASE_URL]

Creates a company, two contacts and a deal, logs a meeting, and prints the
contacts and the pipeline. Without an argument it works on a new SQLite file
in a temporary folder; with ``postgresql://user@host/db`` it works there.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import anyio

from pauhu_crm_apps import open_crm


async def run(database_url: str) -> None:
    async with open_crm(database_url) as crm:
        ws = crm.workspace("ws-library-example")
        company = await ws.companies.create(
            name="Urząd Miasta Łodzi", domain="uml.lodz.pl", country="PL", city="Łódź"
        )
        anna = await ws.contacts.create(
            email="anna.nowak@uml.lodz.pl.example",
            first_name="Anna",
            last_name="Nowak",
            title="Dyrektor Biura Cyfryzacji",
            company_id=company.id,
            lifecycle_stage="sql",
        )
        await ws.contacts.create(
            email="lukasz.wojcik@uml.lodz.pl.example",
            first_name="Łukasz",
            last_name="Wójcik",
            company_id=company.id,
        )
        deal = await ws.deals.create(
            name="Citizen-service search",
            company_id=company.id,
            contact_id=anna.id,
            stage="proposal",
            amount="35000.00",
            probability=50,
        )
        await ws.activities.create(
            type="meeting",
            subject="Demo for the digitalisation office",
            contact_id=anna.id,
            deal_id=deal.id,
        )

        contacts = await ws.contacts.list(company_id=company.id)
        print(f"{company.name}: {contacts.total} contacts")
        for contact in contacts.items:
            print(f"  {contact.first_name} {contact.last_name} <{contact.email}>")
        detail = await ws.contacts.get_detail(anna.id)
        print(f"{anna.first_name}'s timeline: {[a.subject for a in detail.activities]}")
        print("pipeline:")
        for stage in await ws.deals.pipeline():
            if stage.count:
                print(
                    f"  {stage.stage}: {stage.count} deal(s), {stage.total_amount} EUR, "
                    f"weighted {stage.weighted_amount} EUR"
                )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args:
        database_url = args[0]
    else:
        database_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='pauhu-crm-')) / 'crm.db'}"
    print(f"database: {database_url}")
    anyio.run(run, database_url)


if __name__ == "__main__":
    main()
