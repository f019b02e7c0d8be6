"""Demo data: a realistic EU public-sector pipeline, the same every time.

``fill_demo(crm, "ws-demo")`` writes, through the library facade, 15
organisations (EU institutions, national agencies and a few companies), 40
contacts, deals in every stage, a timeline of activities, tasks (some of
them overdue), then runs lead scoring (which enrols contacts in the
workspace's sequences) and the sequence engine (which puts the first e-mails
in the outbox), so that the admin page and the dashboard show something real.

Every record has a fixed id (``demo-…``) and the parts that vary are drawn
from a seeded random generator, so filling a workspace twice changes
nothing the second time. Dates are relative to the CRM's clock on the run
that creates the records.

No demo address can reach anyone: contacts' e-mail domains end in
``.example`` (RFC 2606), and ``pauhu-crm demo`` always keeps sequence e-mail
in the outbox.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from attrs import frozen

from pauhu_crm_core import CRM, NotFound

DEFAULT_WORKSPACE = "ws-demo"
SEED = 20_260_307
WORKSPACE_NAME = "Demo: EU public-sector pipeline"

# fmt: off
# (key, name, domain, industry, size, country, city, icp tier, target, tags, description)
COMPANIES: Sequence[tuple[Any, ...]] = (
    ("cnect", "European Commission, DG CNECT", "ec.europa.eu", "eu institution", "10000+", "BE",
     "Brussels", "tier-1", True, ("eu-institution", "digital"),
     "Digital policy and the Digital Europe programme; reuses EUR-Lex and needs multilingual "
     "search in all EU languages."),
    ("op", "Publications Office of the European Union", "op.europa.eu", "eu institution",
     "1000-5000", "LU", "Luxembourg", "tier-1", True, ("eu-institution", "eur-lex"),
     "Publishes the Official Journal, runs EUR-Lex and TED; terminology work with IATE."),
    ("curia", "Court of Justice of the European Union", "curia.europa.eu", "eu institution",
     "1000-5000", "LU", "Luxembourg", "tier-1", True, ("eu-institution", "case-law"),
     "Case law in 24 languages; translation and legal research on-premise."),
    ("enisa", "European Union Agency for Cybersecurity (ENISA)", "enisa.europa.eu",
     "eu institution", "250-500", "GR", "Athens", "tier-2", True, ("eu-agency", "nis2"),
     "NIS2 guidance and security certification; sovereign hosting requirements."),
    ("eulisa", "eu-LISA", "eulisa.europa.eu", "eu institution", "250-500", "EE", "Tallinn",
     "tier-2", False, ("eu-agency", "large-scale-it"),
     "Large-scale IT systems for freedom, security and justice, run on-premise."),
    ("dvv", "Digital and Population Data Services Agency", "dvv.fi", "government", "1000+",
     "FI", "Helsinki", "tier-1", True, ("gov-fi", "digital-services"),
     "Population register and e-identification; GDPR and data residency matter."),
    ("vero", "Verohallinto (Finnish Tax Administration)", "vero.fi", "government", "5000+",
     "FI", "Helsinki", "tier-2", False, ("gov-fi",),
     "Tax guidance in Finnish, Swedish and English; procurement through framework contracts."),
    ("bsi", "Bundesamt für Sicherheit in der Informationstechnik", "bsi.bund.de", "government",
     "1000-5000", "DE", "Bonn", "tier-1", True, ("gov-de", "security"),
     "Federal cyber security authority: NIS2, classified networks, air-gapped deployments."),
    ("anssi", "Agence nationale de la sécurité des systèmes d'information", "ssi.gouv.fr",
     "government", "500-1000", "FR", "Paris", "tier-2", True, ("gov-fr", "security"),
     "Sovereign cloud qualification (SecNumCloud); security of government systems."),
    ("ria", "Riigi Infosüsteemi Amet", "ria.ee", "government", "250-500", "EE", "Tallinn",
     "tier-2", False, ("gov-ee", "x-road"),
     "Estonia's information system authority: X-Road, open-source components on GitHub."),
    ("lodz", "Urząd Miasta Łodzi", "uml.lodz.pl", "public administration", "1000-5000", "PL",
     "Łódź", "tier-3", False, ("gov-pl", "municipality"),
     "City of Łódź: public procurement, EU funding and citizen services."),
    ("agid", "Agenzia per l'Italia Digitale", "agid.gov.it", "government", "100-250", "IT",
     "Rome", "tier-2", False, ("gov-it", "interoperability"),
     "Interoperability guidelines and the open-source catalogue for Italian public bodies."),
    ("mueller", "Müller & Schröder Rechtsinformatik GmbH", "mueller-rechtsinformatik.example",
     "legal tech", "51-200", "DE", "München", "tier-2", False, ("partner", "legal-tech"),
     "Legal-information software for law firms; APIs on top of EUR-Lex and national law."),
    ("aijala", "Äijälä Translations Oy", "aijala-translations.example", "translation",
     "11-50", "FI", "Tampere", "tier-3", False, ("partner", "translation"),
     "Translation and terminology services for public bodies in all EU languages."),
    ("lisboa", "Lisboa Data Labs, Lda.", "lisboa-datalabs.example", "software", "11-50", "PT",
     "Lisboa", None, False, ("startup",),
     "Open-source data tooling; a small developer team on GitHub."),
)
# fmt: on

# (company key, first name, last name, title, lifecycle stage)
CONTACTS: Sequence[tuple[str, str, str, str, str]] = (
    ("cnect", "Sofie", "Peeters", "Head of Unit, Data Policy", "sql"),
    ("cnect", "Dimitris", "Georgiou", "Policy Officer", "mql"),
    ("cnect", "Hélène", "Moreau", "Procurement Officer", "opportunity"),
    ("op", "Lars", "Janssens", "Head of EUR-Lex Development", "customer"),
    ("op", "Inês", "Carvalho", "Terminology Coordinator", "customer"),
    ("op", "Mart", "Tamm", "Solution Architect", "sql"),
    ("curia", "Élodie", "Lefèvre", "Director of Translation", "opportunity"),
    ("curia", "Niccolò", "Bianchi", "IT Security Officer", "lead"),
    ("enisa", "Eleni", "Papadopoulou", "Head of Sector, Certification", "mql"),
    ("enisa", "Kadri", "Õunapuu", "Cybersecurity Expert", "lead"),
    ("eulisa", "Andrus", "Kask", "Chief Technology Officer", "sql"),
    ("eulisa", "Agnieszka", "Dąbrowska", "Procurement Manager", "lead"),
    ("dvv", "Sanna", "Äijälä", "Chief Data Officer", "customer"),
    ("dvv", "Jukka", "Mäkelä", "Enterprise Architect", "customer"),
    ("dvv", "Päivi", "Jääskeläinen", "Development Manager", "sql"),
    ("vero", "Tuomas", "Heikkilä", "Head of Digital Services", "mql"),
    ("vero", "Åsa", "Lindqvist", "Language Services Lead", "subscriber"),
    ("bsi", "Jürgen", "Müller", "Referatsleiter", "opportunity"),
    ("bsi", "Katharina", "Weiß", "IT-Sicherheitsarchitektin", "sql"),
    ("bsi", "Matthias", "Schröder", "Beschaffung", "lead"),
    ("anssi", "François", "Dubois", "Chef de projet", "lead"),
    ("anssi", "Océane", "Garnier", "Architecte sécurité", "mql"),
    ("ria", "Kristjan", "Sepp", "Head of X-Road Development", "opportunity"),
    ("ria", "Liis", "Mägi", "Open Source Programme Manager", "mql"),
    ("lodz", "Łukasz", "Wójcik", "Kierownik Wydziału Informatyki", "lead"),
    ("lodz", "Zofia", "Kowalczyk", "Specjalista ds. zamówień publicznych", "subscriber"),
    ("lodz", "Bartłomiej", "Żurawski", "Dyrektor Biura Cyfryzacji", "mql"),
    ("agid", "Giulia", "Rossi", "Responsabile Interoperabilità", "lead"),
    ("agid", "Lorenzo", "Esposito", "Developer Advocate", "subscriber"),
    ("mueller", "Stefan", "Müller", "Geschäftsführer", "customer"),
    ("mueller", "Anja", "Krüger", "Lead Developer", "customer"),
    ("aijala", "Aino", "Äijälä", "Toimitusjohtaja (CEO)", "sql"),
    ("aijala", "Björn", "Ekström", "Terminologist", "lead"),
    ("lisboa", "João", "Gonçalves", "CTO", "mql"),
    ("lisboa", "Álvaro", "Núñez", "Software Engineer", "subscriber"),
    ("cnect", "Ana", "Horvat", "Legal Officer", "lead"),
    ("curia", "Sinéad", "Ó Briain", "Lawyer-Linguist", "mql"),
    ("op", "Gintarė", "Kazlauskienė", "Data Steward", "lead"),
    ("dvv", "Ville", "Östman", "Security Manager", "mql"),
    ("bsi", "Ayşe", "Demir", "Referentin Cloud-Sicherheit", "subscriber"),
)

PROBABILITY = {
    "lead": 10,
    "qualified": 30,
    "proposal": 50,
    "negotiation": 70,
    "closed_won": 100,
    "closed_lost": 0,
}

# (company key, contact number (1-based, in CONTACTS), name, stage, euros, days to close)
DEALS: Sequence[tuple[str, int, str, str, int, int]] = (
    ("cnect", 1, "DG CNECT: multilingual search pilot", "qualified", 180_000, 75),
    ("cnect", 3, "DG CNECT: framework contract lot 2", "negotiation", 640_000, 30),
    ("op", 4, "EUR-Lex semantic search", "closed_won", 420_000, -40),
    ("op", 5, "IATE terminology API", "closed_won", 95_000, -12),
    ("op", 6, "TED notice classification", "proposal", 210_000, 45),
    ("curia", 7, "Case-law translation memory", "negotiation", 380_000, 21),
    ("curia", 8, "On-premise search appliance", "lead", 120_000, 120),
    ("enisa", 9, "NIS2 guidance search", "qualified", 75_000, 90),
    ("eulisa", 11, "Air-gapped document search", "proposal", 520_000, 60),
    ("dvv", 13, "Suomi.fi content search", "closed_won", 150_000, -75),
    ("dvv", 15, "Register data quality checks", "lead", 40_000, 150),
    ("vero", 16, "Tax guidance assistant", "closed_lost", 260_000, -20),
    ("bsi", 18, "BSI: classified network search", "negotiation", 890_000, 14),
    ("anssi", 21, "SecNumCloud search service", "lead", 300_000, 180),
    ("ria", 23, "X-Road catalogue search", "proposal", 110_000, 40),
    ("lodz", 25, "Łódź citizen-service search", "closed_lost", 35_000, -55),
    ("agid", 28, "Interoperability catalogue", "qualified", 60_000, 100),
    ("mueller", 30, "Reseller licence 2026", "closed_won", 48_000, -5),
    ("aijala", 32, "Terminology workflow", "proposal", 18_500, 35),
    ("lisboa", 34, "Startup plan", "lead", 4_800, 60),
)

LOST_REASONS = {
    "vero": "Budget moved to the next framework period.",
    "lodz": "Tender won by a local integrator on price.",
}

ACTIVITY_SUBJECTS: Mapping[str, Sequence[str]] = {
    "call": ("Discovery call", "Follow-up call on requirements", "Budget check-in"),
    "meeting": ("Demo: multilingual search", "Workshop on data residency", "Steering group"),
    "email": ("Sent the security whitepaper", "Shared the pricing sheet", "Reply about a pilot"),
    "note": ("Met at the EU Open Source Summit", "Prefers documents in French", "Tender planned"),
}

TASK_TITLES = (
    "Send the proposal",
    "Book a demo with the IT team",
    "Prepare the security questionnaire",
    "Check the tender deadline",
    "Follow up on the pilot results",
    "Ask for the procurement timeline",
    "Translate the offer summary",
    "Schedule the steering group",
)

KINDS = ("companies", "contacts", "deals", "activities", "tasks")


@frozen(kw_only=True)
class DemoSummary:
    """What ``fill_demo`` did: records created and already there per kind, then the runs."""

    workspace_id: str
    created: Mapping[str, int]
    existing: Mapping[str, int]
    scored: int
    sent: int


def company_id(key: str) -> str:
    return f"demo-co-{key}"


def contact_id(number: int) -> str:
    return f"demo-ct-{number:03d}"


_NOT_DECOMPOSABLE = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "ı": "i"})
"""Letters that Unicode decomposition leaves as they are."""


def ascii_fold(text: str) -> str:
    """``Łukasz Wójcik`` → ``lukasz wojcik``: how these names look in an e-mail address."""
    text = text.lower().translate(_NOT_DECOMPOSABLE)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def email_address(first: str, last: str, domain: str) -> str:
    local = ".".join(ascii_fold(part).replace(" ", "") for part in (first, last))
    # Undeliverable on purpose: an organisation's real domain, under the reserved .example TLD.
    return f"{local}@{domain if domain.endswith('.example') else domain + '.example'}"


def companies() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for row in COMPANIES:
        key, name, domain, industry, size, country, city, tier, target, tags, description = row
        records.append(
            {
                "id": company_id(key),
                "name": name,
                "domain": domain,
                "industry": industry,
                "size": size,
                "country": country,
                "city": city,
                "website": None if domain.endswith(".example") else f"https://{domain}",
                "icp_tier": tier,
                "is_target_account": target,
                "tags": list(tags),
                "description": description,
            }
        )
    return records


def contacts(rng: random.Random) -> list[dict[str, Any]]:
    domains = {row[0]: row[2] for row in COMPANIES}
    tags = {row[0]: row[9][0] for row in COMPANIES}
    sources = ("conference", "website", "referral", "webinar", "tender portal")
    return [
        {
            "id": contact_id(number),
            "email": email_address(first, last, domains[key]),
            "first_name": first,
            "last_name": last,
            "title": title,
            "company_id": company_id(key),
            "lifecycle_stage": stage,
            "lead_source": rng.choice(sources),
            "phone": f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "tags": [tags[key]],
        }
        for number, (key, first, last, title, stage) in enumerate(CONTACTS, start=1)
    ]


def deals(today: date) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, (key, contact, name, stage, euros, days) in enumerate(DEALS, start=1):
        closes = today + timedelta(days=days)
        closed = stage.startswith("closed")
        records.append(
            {
                "id": f"demo-deal-{number:03d}",
                "name": name,
                "company_id": company_id(key),
                "contact_id": contact_id(contact),
                "stage": stage,
                "amount": euros,
                "probability": PROBABILITY[stage],
                "expected_close_date": closes,
                "actual_close_date": closes if closed else None,
                "lost_reason": LOST_REASONS.get(key) if stage == "closed_lost" else None,
            }
        )
    return records


def activities(rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    deal_of = {contact: number for number, (_, contact, *_rest) in enumerate(DEALS, start=1)}
    records: list[dict[str, Any]] = []
    for number, (key, first, *_rest) in enumerate(CONTACTS, start=1):
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(sorted(ACTIVITY_SUBJECTS))
            days_ago = rng.randint(1, 90)
            at = (now - timedelta(days=days_ago)).replace(
                hour=rng.randint(7, 15), minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0
            )
            deal = deal_of.get(number)
            records.append(
                {
                    "id": f"demo-act-{len(records) + 1:03d}",
                    "type": kind,
                    "subject": rng.choice(ACTIVITY_SUBJECTS[kind]),
                    "body": f"{first}: {rng.choice(('positive', 'cautious', 'keen', 'busy'))}.",
                    "contact_id": contact_id(number),
                    "company_id": company_id(key),
                    "deal_id": f"demo-deal-{deal:03d}" if deal and rng.random() < 0.6 else None,
                    "occurred_at": at,
                    "created_by": "demo",
                }
            )
    return records


def tasks(rng: random.Random, today: date) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number in range(1, 21):
        contact = rng.randint(1, len(CONTACTS))
        due_in = rng.randint(-14, 21)
        # Most past tasks are done; the rest are the overdue view's content.
        done = due_in < 0 and number % 3 != 0
        records.append(
            {
                "id": f"demo-task-{number:03d}",
                "title": rng.choice(TASK_TITLES),
                "contact_id": contact_id(contact),
                "company_id": company_id(CONTACTS[contact - 1][0]),
                "due_date": today + timedelta(days=due_in),
                "priority": rng.choice(("low", "medium", "medium", "high")),
                "status": "done" if done else rng.choice(("todo", "todo", "in_progress")),
                "assigned_to": rng.choice(("anna@pauhu.eu", "mikko@pauhu.eu")),
            }
        )
    return records


async def fill_demo(crm: CRM, workspace_id: str = DEFAULT_WORKSPACE) -> DemoSummary:
    """Fill ``workspace_id`` with the demo pipeline; records already there are left alone."""
    ws = crm.workspace(workspace_id)
    settings = await ws.get()
    if settings.name != WORKSPACE_NAME:
        await ws.update(name=WORKSPACE_NAME)
    now = crm.clock.now().astimezone(UTC)
    today = now.date()
    rng = random.Random(SEED)
    planned: dict[str, list[dict[str, Any]]] = {
        "companies": companies(),
        "contacts": contacts(rng),
        "deals": deals(today),
        "activities": activities(rng, now),
        "tasks": tasks(rng, today),
    }
    created = dict.fromkeys(KINDS, 0)
    existing = dict.fromkeys(KINDS, 0)
    for kind in KINDS:
        service = getattr(ws, kind)
        for record in planned[kind]:
            if await _exists(service, record["id"]):
                existing[kind] += 1
            else:
                await service.create(record)
                created[kind] += 1
    scoring = await ws.score()
    run = await ws.sequences.run()
    return DemoSummary(
        workspace_id=workspace_id,
        created=created,
        existing=existing,
        scored=scoring.scored,
        sent=run.sent,
    )


async def _exists(service: Any, id: str) -> bool:
    try:
        await service.get(id)
    except NotFound:
        return False
    return True


def describe(summary: DemoSummary) -> list[str]:
    """The lines ``pauhu-crm demo`` prints."""
    lines = [f"workspace {summary.workspace_id}:"]
    for kind in KINDS:
        made, there = summary.created[kind], summary.existing[kind]
        lines.append(f"  {kind:<11} {made:>3} created, {there:>3} already there")
    lines.append(f"  scored {summary.scored} contacts; {summary.sent} e-mails put in the outbox")
    return lines
