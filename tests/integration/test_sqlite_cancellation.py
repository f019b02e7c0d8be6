"""A statement cancelled while SQLite runs it leaves a connection that closes, and an
event loop that can end: before the fix, the process below never exited."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# Runs in a process of its own: a hang must fail this test, not hang the test run.
SCRIPT = textwrap.dedent(
    """
    import sys

    import anyio
    from sqlalchemy import text

    from pauhu_crm_adapters.sql.engine import create_sql_engine

    URL = f"sqlite:///{sys.argv[1]}"
    # Counts to ten billion: hours, unless the statement is interrupted.
    ENDLESS = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 10000000000) SELECT count(*) FROM c"
    )

    async def cancel_a_statement() -> None:
        engine = create_sql_engine(URL)
        async with engine.connect() as conn:  # a pooled connection, as in a server
            await conn.execute(text("SELECT 1"))
        with anyio.move_on_after(0.2):
            async with engine.connect() as conn:
                await conn.execute(text(ENDLESS))
        await engine.dispose()

    async def write() -> None:
        engine = create_sql_engine(URL)
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE written (x INTEGER)"))
        await engine.dispose()

    anyio.run(cancel_a_statement)  # returns only once every task of its loop has ended
    anyio.run(write)  # the cancelled statement's write lock is gone
    print("closed")
    """
)


def test_a_cancelled_statement_lets_the_engine_close_and_the_loop_end(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "crm.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "closed"
