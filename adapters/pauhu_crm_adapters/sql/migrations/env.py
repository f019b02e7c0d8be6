"""Alembic environment: migrations always run on a connection handed over by ``migrate.py``.

There is no URL-based "offline" mode: the store opens its own async engine and
passes a synchronous-facing connection in ``config.attributes["connection"]``,
inside a transaction it commits itself.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through pauhu_crm_adapters.sql.migrate.upgrade "
        "(it passes the connection), not from the alembic command line"
    )

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
