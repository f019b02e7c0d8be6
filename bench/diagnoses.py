"""One line per scenario on why it misses its target, shown in the table when it does.

Keyed by scenario, or by ``(backend, scenario)`` where the backends differ.
The evidence and the proposed fixes are the numbered sections of
``analysis.md``; these lines only point there. A scenario that misses its
target without an entry here is shown as "not met" with no reason: a new
finding, to be profiled.
"""

from __future__ import annotations

REASONS: dict[str | tuple[str, str], str] = {
    "list_contacts": "the exact `count(*)` reads every contact of the workspace (§1)",
    "list_contacts_filtered": "the exact `count(*)` reads every matching contact (§1)",
    "search_common": "the exact count of ~1 match in 10 reads them all (§2)",
    "search_non_ascii": "the exact count reads every match (§2)",
    ("sqlite", "search_rare"): "with no statistics SQLite scans the workspace, not the "
    "FTS matches (§3)",
    ("sqlite", "search_common"): "the exact count reads every match (§2); SQLite's plan (§3)",
    ("sqlite", "engine_sends"): "a transaction per message in the outbox mailer (§7)",
    ("sqlite", "search_non_ascii"): "the exact count reads every match (§2); SQLite's plan (§3)",
    ("sqlite", "contact_detail"): "SQLite walks the whole ORDER BY index and filters (§4)",
    ("sqlite", "company_detail"): "SQLite walks the whole ORDER BY index and filters (§4)",
    "pipeline": "one `GROUP BY` over every deal grows with the deals (§5)",
    "http_list": "per-request Python, and the exact count's growing database time (§6)",
    "http_list_filtered": "per-request Python, and the exact count's growing database time (§6)",
    "http_search": "per-request Python, and the search count's growing database time (§6)",
    "engine_sends": "a transaction (and WAL flush) per message in the outbox mailer; on "
    "PostgreSQL also a cached seq-scan plan for the deliveries update (§7)",
    "scoring_run": "each batch's evaluations and writes run one after the other (§8)",
}
