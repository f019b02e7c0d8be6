"""One line per scenario on why it misses its target, shown in the table when it does.

Keyed by scenario, or by ``(backend, scenario)`` where the backends differ.
The evidence and the proposed fixes are the numbered sections of
``analysis.md``; these lines only point there. A scenario that misses its
target without an entry here is shown as "not met" with no reason: a new
finding, to be profiled.
"""

from __future__ import annotations

REASONS: dict[str | tuple[str, str], str] = {
    ("postgres", "search_common"): "the exact total visits each match (1 contact in 10) in "
    "the table: the trigram index is lossy and a row's visibility lives in the heap (§2)",
    "search_common": "the exact total of 1 contact in 10 (§2)",
    ("postgres", "http_search"): "each request counts its matches (1 contact in 10) in the "
    "table (§2)",
    "http_search": "each request counts and reads a term matching 1 contact in 10 (§2); "
    "the ceiling is 0.5–0.7 ms a request",
    "http_list": "per-request Python and aiosqlite's thread hand-offs on 2 shared cores; "
    "the bare endpoint itself ranged 1,400–2,000/s between runs (§6)",
    "http_list_filtered": "per-request Python and aiosqlite's thread hand-offs on 2 shared "
    "cores; the bare endpoint itself ranged 1,400–2,000/s between runs (§6)",
    ("sqlite", "engine_sends"): "SQLite writes 300–400 MB/s, ~290 KB a send: random index "
    "leaves of the big tables, written to the WAL and again at checkpoint (§7)",
    "engine_sends": "the recording side's four writes per send (§7)",
    "scoring_run": "writing 10,000 scored contacts into the 1M tables ends the run after the "
    "evaluations (§8)",
}
